//! Every catalogue field scoring reads for a model: [`Model::fields_used`].
//!
//! The sync replicates only these fields (plus what planning needs), so the walk must miss
//! nothing a measure reads: the fields it names (values, conditions, dates, sources), the
//! fields its kind reads by itself (the renewal measure's contract and stage fields), the
//! fields a profile rule reads, and the fields `view`'s as-of rules read on every record a
//! measure visits. A test scores records cut down to these fields against the full records.
//! Nothing here reads records.

use crate::domain::{FieldsUsed, ObjectKind};

use super::measures::RENEWAL_FIELDS;
use super::model::{Condition, FieldRef, Measure, MeasureKind, Model, ProfileRule};
use super::view;

impl Model {
    /// Every catalogue field scoring reads for this model, whatever the account: every
    /// category's measure, every profile's rule and replacement measures, and what the
    /// as-of rules read on the objects those measures visit. The account's Id and name are
    /// always in (a score names its account).
    pub fn fields_used(&self) -> FieldsUsed {
        let mut used = FieldsUsed::new();
        add(&mut used, ObjectKind::Account, "id");
        add(&mut used, ObjectKind::Account, "name");
        for category in &self.categories {
            measure_fields(&category.measure, &mut used);
        }
        for profile in &self.profiles {
            rule_fields(&profile.when, &mut used);
            for (_, measure) in &profile.measures {
                measure_fields(measure, &mut used);
            }
        }
        // Records are read only through `view`, whose rules read their own fields on every
        // object a measure or rule visits.
        for object in used.objects() {
            for name in view::rule_fields(object) {
                add(&mut used, object, name);
            }
        }
        used
    }
}

/// Adds a field the code names itself; the tests check every such name is in the
/// catalogue, so a typo cannot silently drop a field.
fn add(used: &mut FieldsUsed, object: ObjectKind, name: &str) {
    let known = used.insert(object, name);
    debug_assert!(known, "{}.{name} is not a catalogue field", object.key());
}

fn field(used: &mut FieldsUsed, field: &FieldRef) {
    add(used, field.object, field.name);
}

fn measure_fields(measure: &Measure, used: &mut FieldsUsed) {
    match &measure.kind {
        MeasureKind::Value { field: f, .. } | MeasureKind::Picklist { field: f, .. } => {
            field(used, f);
        }
        MeasureKind::Ratio {
            numerator,
            denominator,
            ..
        } => {
            field(used, numerator);
            field(used, denominator);
        }
        MeasureKind::Count { object, rules, .. } => {
            add(used, *object, "id");
            for rule in rules {
                conditions(&rule.filter, used);
            }
        }
        MeasureKind::Recency { sources, .. } => {
            for source in sources {
                field(used, &source.date);
                conditions(&source.filter, used);
            }
        }
        MeasureKind::Mean {
            field: f, filter, ..
        } => {
            field(used, f);
            conditions(filter, used);
        }
        MeasureKind::OnTime { sources, .. } => {
            for source in sources {
                field(used, &source.due);
                field(used, &source.completed);
                conditions(&source.filter, used);
            }
        }
        MeasureKind::Renewal(params) => {
            for (object, name) in RENEWAL_FIELDS {
                add(used, *object, name);
            }
            conditions(&params.renewal_filter, used);
        }
        MeasureKind::Average { parts } | MeasureKind::First { parts } => {
            for part in parts {
                measure_fields(part, used);
            }
        }
    }
}

fn conditions(list: &[Condition], used: &mut FieldsUsed) {
    for condition in list {
        match condition {
            Condition::Equals { field: f, .. }
            | Condition::In { field: f, .. }
            | Condition::Is { field: f, .. }
            | Condition::IsNull { field: f, .. }
            | Condition::Within { field: f, .. } => field(used, f),
            Condition::Any(parts) => conditions(parts, used),
        }
    }
}

/// What a profile's `when` reads (see `engine::profile_matches`).
fn rule_fields(rule: &ProfileRule, used: &mut FieldsUsed) {
    if rule.arr_at_least.is_some() || rule.arr_below.is_some() {
        add(used, ObjectKind::Account, "arr");
    }
    if rule.account_type_in.is_some() {
        add(used, ObjectKind::Account, "account_type");
    }
    if rule.first_contract_within_days.is_some() {
        add(used, ObjectKind::Contract, "start_date");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::field_def;

    #[test]
    fn every_name_the_code_adds_is_in_the_catalogue() {
        for object in ObjectKind::ALL {
            for name in view::rule_fields(object) {
                assert!(field_def(object, name).is_some(), "{object:?}.{name}");
            }
        }
        for (object, name) in RENEWAL_FIELDS {
            assert!(field_def(*object, name).is_some(), "{object:?}.{name}");
        }
    }

    #[test]
    fn csm_nine_reads_what_its_measures_name_and_what_the_rules_need() {
        let model = Model::load_preset("csm-nine").unwrap();
        let used = model.fields_used();
        for (object, name) in [
            (ObjectKind::Account, "license_seats"),
            (ObjectKind::Account, "active_users"),
            (ObjectKind::Case, "priority"),
            (ObjectKind::Case, "sla_breached"),
            // The as-of rules: a case closed after the scoring instant reads as open.
            (ObjectKind::Case, "closed_date"),
            (ObjectKind::Case, "created_date"),
            // The renewal measure's own fields.
            (ObjectKind::Opportunity, "stage_name"),
            (ObjectKind::Contract, "end_date"),
            (ObjectKind::Task, "completed_at"),
        ] {
            assert!(used.contains(object, name), "{object:?}.{name}");
        }
        // Fields no csm-nine measure reads stay out.
        assert!(!used.contains(ObjectKind::Account, "invoice_overdue_days"));
        assert!(!used.contains(ObjectKind::Contract, "term_months"));
    }

    #[test]
    fn a_model_reading_one_field_reads_little_else() {
        let text = r#"
            name = "tiny"
            [bands]
            healthy = 70
            monitor = 40
            [[categories]]
            key = "usage"
            label = "Usage"
            weight = 1
            [categories.measure]
            kind = "value"
            field = "account.core_feature_adoption"
            scale = { kind = "linear", zero_at = 0, full_at = 100 }
        "#;
        let model = Model::from_toml_str(text, "tiny").unwrap();
        let all: Vec<_> = model.fields_used().iter().collect();
        assert_eq!(
            all,
            [
                (ObjectKind::Account, "core_feature_adoption"),
                (ObjectKind::Account, "id"),
                (ObjectKind::Account, "name"),
            ]
        );
    }

    #[test]
    fn profiles_add_their_rule_fields_and_replacement_measures() {
        let model = Model::load_preset("csm-nine").unwrap();
        let used = model.fields_used();
        if model
            .profiles
            .iter()
            .any(|p| p.when.arr_below.is_some() || p.when.arr_at_least.is_some())
        {
            assert!(used.contains(ObjectKind::Account, "arr"));
        }
        if model
            .profiles
            .iter()
            .any(|p| p.when.first_contract_within_days.is_some())
        {
            assert!(used.contains(ObjectKind::Contract, "start_date"));
        }
    }
}
