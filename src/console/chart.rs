//! The score-over-time chart of an account page: one marker per scored history record,
//! oldest first, joined by a line, over the model's status bands, drawn as SVG by
//! plotters.
//!
//! The SVG backend writes `<text>` elements and leaves their layout to the browser, and
//! plotters is built without its font features, so drawing needs no font files. Time runs
//! along the x axis in days, so a missing period shows as a gap, not as a neighbour.
//! Pure: it draws what it is given.

use chrono::{Datelike, NaiveDate};
use plotters::prelude::*;

use crate::domain::HistoryRecord;
use crate::scoring::Bands;

/// The chart's size in pixels (the page scales it down on narrow screens).
const SIZE: (u32, u32) = (760, 300);

const LINE: RGBColor = RGBColor(11, 92, 171);
const HEALTHY: RGBColor = RGBColor(46, 125, 50);
const MONITOR: RGBColor = RGBColor(240, 165, 0);
const AT_RISK: RGBColor = RGBColor(198, 40, 40);

/// Why the chart could not be drawn (plotters' drawing error, in words).
#[derive(Debug, thiserror::Error)]
#[error("the score chart could not be drawn: {0}")]
pub(super) struct ChartError(String);

/// The points of a history: `(day number, score)` of each record with a score, oldest
/// first.
pub(super) fn points(history: &[HistoryRecord]) -> Vec<(i32, f64)> {
    let mut points: Vec<(i32, f64)> = history
        .iter()
        .filter_map(|h| Some((h.period.num_days_from_ce(), h.score?)))
        .collect();
    points.sort_by_key(|&(day, _)| day);
    points
}

/// Draws the chart as an SVG document; `None` when no record has a score.
pub(super) fn score_chart(
    history: &[HistoryRecord],
    bands: &Bands,
) -> Result<Option<String>, ChartError> {
    let points = points(history);
    let (Some(&(first, _)), Some(&(last, _))) = (points.first(), points.last()) else {
        return Ok(None);
    };
    // A little room on both sides, so the first and last markers are not cut in half.
    let pad = ((last - first) / 20).max(3);
    let days = (first - pad)..(last + pad);
    let mut svg = String::new();
    draw(&mut svg, days, &points, bands).map_err(|e| ChartError(e.to_string()))?;
    Ok(Some(svg))
}

fn draw(
    svg: &mut String,
    days: std::ops::Range<i32>,
    points: &[(i32, f64)],
    bands: &Bands,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(days.clone(), 0f64..100f64)?;
    let bands_drawn = [
        (bands.healthy, 100.0, HEALTHY),
        (bands.monitor, bands.healthy, MONITOR),
        (0.0, bands.monitor, AT_RISK),
    ];
    chart.draw_series(bands_drawn.into_iter().map(|(low, high, color)| {
        Rectangle::new(
            [(days.start, low), (days.end, high)],
            color.mix(0.08).filled(),
        )
    }))?;
    let x_label = |day: &i32| day_label(*day);
    let y_label = |score: &f64| format!("{score:.0}");
    chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .light_line_style(RGBColor(235, 238, 242))
        .y_desc("score")
        .draw()?;
    chart.draw_series(LineSeries::new(
        points.iter().copied(),
        LINE.stroke_width(2),
    ))?;
    chart.draw_series(
        points
            .iter()
            .map(|&point| Circle::new(point, 4, LINE.filled())),
    )?;
    root.present()?;
    Ok(())
}

/// A day number as `YYYY-MM-DD`.
fn day_label(day: i32) -> String {
    NaiveDate::from_num_days_from_ce_opt(day)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(period: NaiveDate, score: Option<f64>) -> HistoryRecord {
        HistoryRecord {
            id: None,
            account_id: crate::domain::SfId::from_parts("001", 1),
            period,
            score,
            status: None,
            previous_score: None,
            score_change: None,
            calculated_at: None,
            coverage: None,
            model: None,
            drivers: None,
            backfilled: false,
            key: None,
            categories: Default::default(),
        }
    }

    fn day(m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, 1).unwrap()
    }

    #[test]
    fn one_marker_per_scored_record_oldest_first() {
        let bands = Bands {
            healthy: 70.0,
            monitor: 40.0,
        };
        let history = [
            record(day(3), Some(61.5)),
            record(day(1), Some(80.0)),
            record(day(2), None),
        ];
        let ordered: Vec<f64> = points(&history).into_iter().map(|(_, s)| s).collect();
        assert_eq!(ordered, [80.0, 61.5]);
        let svg = score_chart(&history, &bands).unwrap().unwrap();
        assert_eq!(svg.matches("<circle").count(), 2, "{svg}");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("2026-01-"), "dates label the x axis: {svg}");
        assert_eq!(score_chart(&[record(day(1), None)], &bands).unwrap(), None);
    }
}
