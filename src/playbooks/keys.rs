//! The external keys of the records Vitals creates, one scheme per kind.
//!
//! A key is what makes a create idempotent: every create is an upsert on it, and the key
//! ledger remembers it, so a record is never created twice and a record a CSM deleted is
//! never created again. A key therefore depends only on what identifies the record (the
//! account, contract or opportunity, and a date), never on the run that planned it.

use chrono::NaiveDate;

use crate::domain::{Playbook, SfId};

/// The longest history key: `Key__c` is Text(120). An 18-character Id, a date and a model
/// name of at most 80 characters (the model schema's limit) make at most 110.
pub const HISTORY_KEY_MAX: usize = 120;

/// The longest opportunity or task key: `Vitals_Key__c` is Text(80).
pub const VITALS_KEY_MAX: usize = 80;

/// `{account18}-{period start}-{model}`: one history record per account, period and model.
pub fn history_key(account: SfId, period_start: NaiveDate, model: &str) -> String {
    format!("{account}-{period_start}-{model}")
}

/// `{contract18}-{end date}`: one renewal per contract term.
pub fn renewal_key(contract: SfId, end: NaiveDate) -> String {
    format!("{contract}-{end}")
}

/// `{playbook}:{record18}:{date}`: the record is the account, contract or opportunity the
/// task is about, and the date the trigger date or the record's end or close date. At most
/// 19 + 1 + 18 + 1 + 10 = 49 characters.
pub fn task_key(playbook: Playbook, record: SfId, day: NaiveDate) -> String {
    format!("{}:{record}:{day}", playbook.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_their_schemes_within_their_fields() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let account = SfId::from_parts("001", 7);
        assert_eq!(
            history_key(account, day, "csm-nine"),
            "001000000000007AAA-2026-11-01-csm-nine"
        );
        assert_eq!(
            renewal_key(SfId::from_parts("800", 7), day),
            "800000000000007AAA-2026-11-01"
        );
        let longest = task_key(Playbook::RenewalPreparation, account, day);
        assert_eq!(longest, "renewal-preparation:001000000000007AAA:2026-11-01");
        assert!(longest.len() <= VITALS_KEY_MAX);
        assert!(history_key(account, day, &"m".repeat(80)).len() <= HISTORY_KEY_MAX);
    }
}
