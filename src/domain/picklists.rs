//! Picklist values the scoring model and the writes care about.
//!
//! Salesforce picklists hold API values that admins can extend, so every enum here keeps an
//! `Other(String)` fallback: an unexpected value is data, never a decoding failure.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a picklist enum with known values and an `Other(String)` fallback.
macro_rules! picklist {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version of Vitals does not know; kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every known value, in picklist order.
            pub const KNOWN: &'static [&'static str] = &[$($value),+];

            /// Reads an API value; unknown values become `Other`.
            pub fn from_api(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }

            /// The API value.
            pub fn as_api(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)+
                    Self::Other(value) => value,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_api())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_api())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_api())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok(Self::from_api(&text))
            }
        }
    };
}

picklist! {
    /// `Case.Priority`.
    CasePriority {
        /// Low.
        Low => "Low",
        /// Medium.
        Medium => "Medium",
        /// High.
        High => "High",
        /// Critical (a common custom addition).
        Critical => "Critical",
    }
}

picklist! {
    /// `Account.CSM_Sentiment__c`: the CSM's own read of the relationship.
    Sentiment {
        /// Green.
        Green => "Green",
        /// Yellow.
        Yellow => "Yellow",
        /// Red.
        Red => "Red",
    }
}

picklist! {
    /// `Contract.Status` (grouped in Salesforce under the status codes Draft, InApproval and Activated).
    ContractStatus {
        /// Draft.
        Draft => "Draft",
        /// In Approval Process.
        InApproval => "In Approval Process",
        /// Activated.
        Activated => "Activated",
        /// Terminated.
        Terminated => "Terminated",
        /// Expired.
        Expired => "Expired",
    }
}

picklist! {
    /// `Event.Type` / `Task.Type`: the standard values plus the two Vitals relies on.
    ActivityType {
        /// A quarterly business review.
        Qbr => "QBR",
        /// A project milestone; its ActivityDate is the due date.
        Milestone => "Milestone",
        /// Meeting.
        Meeting => "Meeting",
        /// Call.
        Call => "Call",
        /// Email.
        Email => "Email",
    }
}

picklist! {
    /// `Health_Status__c`.
    HealthStatus {
        /// Score at or above the Healthy band.
        Healthy => "Healthy",
        /// Between the bands.
        Monitor => "Monitor",
        /// Below the Monitor band.
        AtRisk => "At Risk",
        /// Too little of the model's weight had data to judge.
        InsufficientData => "Insufficient Data",
    }
}

picklist! {
    /// `Health_Trend__c`.
    HealthTrend {
        /// The score rose by more than the trend threshold.
        Improving => "Improving",
        /// Within the threshold.
        Stable => "Stable",
        /// The score fell by more than the trend threshold.
        Declining => "Declining",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_and_unknown_ones_are_kept() {
        assert_eq!(HealthStatus::from_api("At Risk"), HealthStatus::AtRisk);
        assert_eq!(HealthStatus::AtRisk.as_api(), "At Risk");
        let odd = CasePriority::from_api("P0 - Sev1");
        assert_eq!(odd, CasePriority::Other("P0 - Sev1".into()));
        assert_eq!(odd.as_api(), "P0 - Sev1");
        assert_eq!(
            serde_json::to_string(&ContractStatus::InApproval).unwrap(),
            "\"In Approval Process\""
        );
        assert_eq!(ActivityType::KNOWN[0], "QBR");
    }
}
