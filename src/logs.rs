//! The JSON form of log lines (`--log-format json`): one object per line, for a log
//! collector.
//!
//! Each line holds `timestamp` (RFC 3339, UTC, microseconds), `level`, `target`, `message`,
//! the event's own fields at the top level, `span` (the name of the innermost span) and
//! `spans`: every span from the root in, keyed by its name, with its fields:
//!
//! ```json
//! {"timestamp":"2026-03-02T12:00:00.000000Z","level":"WARN","target":"vitals::salesforce::retrier",
//!  "message":"Retrying Salesforce call.","attempt":1,"span":"sf_request",
//!  "spans":{"sync_run":{"run_id":7,"trigger":"schedule"},"phase":{"name":"extract"},
//!           "sf_request":{"method":"GET","path":"/services/data/v66.0/query","attempt":1}}}
//! ```
//!
//! tracing-subscriber's own JSON format writes a span's fields next to the span's name in
//! one object, so the style guide's `phase{name}` would write the key `name` twice; keying
//! spans by their names keeps every field. (A span nested in one of the same name replaces
//! it in `spans`.) Event fields never replace the fixed keys: a clashing one is written as
//! `field.<name>`.
//!
//! This module only formats; it never installs a subscriber (only `main` does) and logs
//! nothing itself. What reaches it is already free of secrets and record values: callers
//! log counts, codes and Ids only.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The keys every line has, which event fields never replace.
const FIXED: [&str; 6] = ["timestamp", "level", "target", "message", "span", "spans"];

/// Formats events as JSON lines. Pair it with [`JsonFields`] as the layer's field
/// formatter (`fmt::layer().fmt_fields(JsonFields::new()).event_format(JsonLines)`), which
/// stores each span's fields as JSON for this formatter to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonLines;

impl<S> FormatEvent<S, JsonFields> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        let mut line = Map::new();
        line.insert("timestamp".into(), Value::String(timestamp()));
        line.insert("level".into(), Value::from(metadata.level().as_str()));
        line.insert("target".into(), Value::from(metadata.target()));
        let mut fields = Fields::default();
        event.record(&mut fields);
        if let Some(message) = fields.0.remove("message") {
            line.insert("message".into(), message);
        }
        for (name, value) in fields.0 {
            let key = if FIXED.contains(&name.as_str()) {
                format!("field.{name}")
            } else {
                name
            };
            line.insert(key, value);
        }
        let mut spans = Map::new();
        let mut current = None;
        for span in ctx
            .event_scope()
            .into_iter()
            .flat_map(|scope| scope.from_root())
        {
            let extensions = span.extensions();
            let fields = extensions
                .get::<FormattedFields<JsonFields>>()
                .and_then(|stored| serde_json::from_str::<Map<String, Value>>(stored).ok())
                .unwrap_or_default();
            spans.insert(span.name().to_owned(), Value::Object(fields));
            current = Some(span.name());
        }
        if let Some(name) = current {
            line.insert("span".into(), Value::from(name));
            line.insert("spans".into(), Value::Object(spans));
        }
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// Now, as RFC 3339 in UTC with microseconds: the same form `main` gives a failure line.
pub fn timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// An event's fields as JSON values: numbers and booleans as such, everything else as its
/// text.
#[derive(Default)]
struct Fields(Map<String, Value>);

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().into(), Value::from(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;
    use crate::progress::tests::Lines;

    /// The lines `f` logs, parsed.
    fn logged(f: impl FnOnce()) -> Vec<Value> {
        let buffer = Lines::default();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .fmt_fields(JsonFields::new())
                .event_format(JsonLines)
                .with_writer(buffer.clone()),
        );
        tracing::subscriber::with_default(subscriber, f);
        buffer
            .text()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    #[test]
    fn a_line_carries_the_event_and_every_span_by_name() {
        let lines = logged(|| {
            let run = tracing::info_span!("sync_run", run_id = 7_u64, trigger = "schedule");
            let _run = run.enter();
            let phase = tracing::info_span!("phase", name = "extract");
            let _phase = phase.enter();
            let request = tracing::info_span!(
                "sf_request",
                method = "GET",
                path = "/services/data/v66.0/query",
                status = tracing::field::Empty,
                attempt = 1_u32
            );
            let _request = request.enter();
            request.record("status", 503_u16);
            tracing::warn!(attempt = 1_u32, delay_ms = 250_u64, "Retrying request.");
        });
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["message"], "Retrying request.");
        assert_eq!(line["target"], module_path!());
        assert_eq!(line["delay_ms"], 250);
        assert_eq!(line["span"], "sf_request");
        assert_eq!(
            line["spans"],
            json!({
                "sync_run": {"run_id": 7, "trigger": "schedule"},
                "phase": {"name": "extract"},
                "sf_request": {"method": "GET", "path": "/services/data/v66.0/query", "attempt": 1, "status": 503}
            })
        );
        let stamp = line["timestamp"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(stamp).is_ok(),
            "{stamp}"
        );
    }

    #[test]
    fn outside_spans_and_with_clashing_fields_nothing_is_lost() {
        let lines = logged(|| {
            tracing::info!(level = "custom", count = 3_i64, ok = true, "Plain.");
        });
        let line = &lines[0];
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["field.level"], "custom");
        assert_eq!(line["count"], 3);
        assert_eq!(line["ok"], true);
        assert!(
            line.get("span").is_none() && line.get("spans").is_none(),
            "{line}"
        );
    }
}
