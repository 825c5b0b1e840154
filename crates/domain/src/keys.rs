//! The identifiers that cross every layer, as types: a case id cannot be passed where an
//! account id is expected, nor an item code where a case number is. Each is text underneath
//! (UUIDv7 ids, codes and numbers as issued) and serializes as a plain string, so stored JSON
//! and the API are unchanged. `Deref<Target = str>` lets them be read wherever text is read.

macro_rules! text_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(String);

        impl $name {
            pub fn new(s: impl Into<String>) -> $name {
                $name(s.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> $name {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> $name {
                $name(s.to_string())
            }
        }

        impl From<$name> for String {
            fn from(k: $name) -> String {
                k.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

text_key!(
    /// A case's row id (UUIDv7).
    CaseId
);
text_key!(
    /// 办件编号: region code + date + sequence, unique per region.
    CaseNumber
);
text_key!(
    /// 事项编码 / 实施编码 of a catalog item.
    ItemCode
);
impl CaseNumber {
    /// The day part of case numbers, `YYYYMMDD` (China date): sequences are drawn per region
    /// and day.
    pub fn day_key(day: time::Date) -> String {
        format!("{}{:02}{:02}", day.year(), day.month() as u8, day.day())
    }

    /// Whether `s` has the shape of a 办件编号: digits only, a 6-, 9- or 12-digit region code,
    /// the 8-digit date and the 5-digit sequence.
    pub fn well_formed(s: &str) -> bool {
        matches!(s.len(), 19 | 22 | 25) && s.bytes().all(|b| b.is_ascii_digit())
    }

    /// 办件编号: region code + `YYYYMMDD` + a five-digit sequence of that region and day.
    pub fn compose(region: &str, day: time::Date, seq: i64) -> CaseNumber {
        CaseNumber(format!("{region}{}{seq:05}", CaseNumber::day_key(day)))
    }
}

text_key!(
    /// An account's row id: an applicant, an agent or a staff member.
    AccountId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_number_is_region_day_and_a_five_digit_sequence() {
        let day = time::macros::date!(2026 - 12 - 02);
        assert_eq!(
            CaseNumber::compose("511602", day, 42).as_str(),
            "5116022026120200042"
        );
        assert!(CaseNumber::well_formed("5116022026120200042"));
        assert!(!CaseNumber::well_formed("51160220261202000420"));
        assert!(!CaseNumber::well_formed("51160220261202000x2"));
    }
}
