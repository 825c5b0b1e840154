//! Chinese identifiers with their check characters: 居民身份号码 (GB 11643-1999),
//! 统一社会信用代码 (GB 32100-2015) and 行政区划代码 (GB/T 2260). Parse, don't validate:
//! a value of these types is known to be well formed.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{Date, Month};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("长度应为 {expected} 位，实际为 {actual} 位")]
    Length { expected: usize, actual: usize },
    #[error("第 {position} 位“{found}”不是允许的字符")]
    Character { position: usize, found: char },
    #[error("出生日期 {0} 不是有效日期")]
    BirthDate(String),
    #[error("出生日期 {0} 不可能：应在 1900 年 1 月 1 日至今天之间")]
    BirthDateOutOfRange(String),
    #[error("校验位应为“{expected}”，实际为“{found}”")]
    CheckCharacter { expected: char, found: char },
    #[error("行政区划代码应为 6、9 或 12 位数字")]
    RegionLength,
    #[error("行政区划代码“{0}”的省级部分不能为 00")]
    RegionProvince(String),
}

/// 居民身份号码, 18 characters, with a valid birth date and ISO 7064 MOD 11-2 check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";
/// No ID number entered today belongs to someone born before this year.
const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// The 18 characters of an ID number or a credit code, upper-cased, or the length error.
fn eighteen(s: &str) -> Result<Vec<char>, IdError> {
    let chars: Vec<char> = s.trim().to_ascii_uppercase().chars().collect();
    if chars.len() != 18 {
        return Err(IdError::Length {
            expected: 18,
            actual: chars.len(),
        });
    }
    Ok(chars)
}

impl IdNumber {
    /// Parses an ID number; a lowercase `x` check character is accepted and normalised.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let chars = eighteen(s)?;
        let s: String = chars.iter().collect();
        for (i, c) in chars.iter().enumerate().take(17) {
            if !c.is_ascii_digit() {
                return Err(IdError::Character {
                    position: i + 1,
                    found: *c,
                });
            }
        }
        if !(chars[17].is_ascii_digit() || chars[17] == 'X') {
            return Err(IdError::Character {
                position: 18,
                found: chars[17],
            });
        }
        let birth = &s[6..14];
        parse_birth_date(birth).ok_or_else(|| IdError::BirthDate(birth.to_string()))?;
        let expected = id_check_char(&s[..17]);
        if chars[17] != expected {
            return Err(IdError::CheckCharacter {
                expected,
                found: chars[17],
            });
        }
        Ok(IdNumber(s))
    }

    /// Parses an ID number a person enters on `today`: as [`IdNumber::parse`], and the birth
    /// date may be neither after `today` nor before 1900 (GB 11643 asks for a valid birth
    /// date; a date nobody living can have is not one).
    pub fn parse_on(s: &str, today: Date) -> Result<Self, IdError> {
        let id = Self::parse(s)?;
        id.check_birth_date(today)?;
        Ok(id)
    }

    /// Whether the birth date lies between 1900-01-01 and `today`, both included.
    pub fn check_birth_date(&self, today: Date) -> Result<(), IdError> {
        let birth = self.birth_date();
        if birth > today || birth.year() < EARLIEST_BIRTH_YEAR {
            return Err(IdError::BirthDateOutOfRange(self.0[6..14].to_string()));
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Date {
        // Checked in `parse`, so this cannot fail; fall back to a fixed date rather than panic.
        parse_birth_date(&self.0[6..14]).unwrap_or(Date::MIN)
    }

    /// Odd sequence digit = male (GB 11643).
    pub fn is_male(&self) -> bool {
        self.0.as_bytes()[16] % 2 == 1
    }

    /// 6-digit address code of first registration.
    pub fn region_prefix(&self) -> &str {
        &self.0[..6]
    }

    /// Shown to anyone but the owner and handling staff: `5116**********123X`.
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 4, 4)
    }
}

impl TryFrom<String> for IdNumber {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        IdNumber::parse(&s)
    }
}

/// The check character over the first 17 digits (ISO 7064 MOD 11-2).
pub fn id_check_char(first17: &str) -> char {
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    ID_CHECK[(sum % 11) as usize] as char
}

fn parse_birth_date(s: &str) -> Option<Date> {
    let year: i32 = s.get(0..4)?.parse().ok()?;
    let month: u8 = s.get(4..6)?.parse().ok()?;
    let day: u8 = s.get(6..8)?.parse().ok()?;
    if year < 1850 {
        return None;
    }
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// Keeps `head` and `tail` characters and stars the rest.
/// A value as shown to someone other than the person it is about: a 居民身份号码 or a mobile
/// number masked in the middle, anything else as it is.
pub fn mask_personal(value: &str) -> String {
    let t = value.trim();
    if t.len() == 18 && IdNumber::parse(&t.to_ascii_uppercase()).is_ok() {
        mask_middle(t, 4, 4)
    } else if t.len() == 11 && t.starts_with('1') && t.bytes().all(|b| b.is_ascii_digit()) {
        mask_middle(t, 3, 4)
    } else {
        value.to_string()
    }
}

pub fn mask_middle(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < head || i >= chars.len() - tail {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// 统一社会信用代码. A code whose check character does not match still parses as
/// [`CreditCode`] through [`CreditCode::parse_lenient`], because some valid early codes fail the
/// check (STANDARDS.md): the clerk decides.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

pub const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// What the lenient parse found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditCheck {
    Valid,
    /// Well formed, but the check character differs: a warning, not a rejection.
    CheckMismatch {
        expected: char,
        found: char,
    },
}

impl CreditCode {
    /// Strict: the check character must match.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        match Self::parse_lenient(s)? {
            (code, CreditCheck::Valid) => Ok(code),
            (_, CreditCheck::CheckMismatch { expected, found }) => {
                Err(IdError::CheckCharacter { expected, found })
            }
        }
    }

    /// Checks length and alphabet; reports a check-character mismatch instead of failing.
    pub fn parse_lenient(s: &str) -> Result<(Self, CreditCheck), IdError> {
        let chars = eighteen(s)?;
        let s: String = chars.iter().collect();
        for (i, c) in chars.iter().enumerate() {
            if !CREDIT_ALPHABET.contains(*c) {
                return Err(IdError::Character {
                    position: i + 1,
                    found: *c,
                });
            }
        }
        let expected = credit_check_char(&s[..17]);
        let check = if chars[17] == expected {
            CreditCheck::Valid
        } else {
            CreditCheck::CheckMismatch {
                expected,
                found: chars[17],
            }
        };
        Ok((CreditCode(s), check))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CreditCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        // Stored codes may be overridden early codes: accept them back from storage.
        CreditCode::parse_lenient(&s).map(|(c, _)| c)
    }
}

/// Check character over the first 17 characters (GB 32100-2015). Characters outside the
/// alphabet count as 0; callers validate the alphabet first.
pub fn credit_check_char(first17: &str) -> char {
    let sum: u32 = first17
        .chars()
        .zip(CREDIT_WEIGHTS)
        .map(|(c, w)| CREDIT_ALPHABET.find(c).unwrap_or(0) as u32 * w)
        .sum();
    let idx = ((31 - sum % 31) % 31) as usize;
    CREDIT_ALPHABET.as_bytes()[idx] as char
}

/// 行政区划代码 (GB/T 2260): 6 digits down to county, 9 for townships, 12 for villages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

/// Levels of the region hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    County,
    Township,
    Village,
}

impl RegionLevel {
    pub fn label(self) -> &'static str {
        match self {
            RegionLevel::Province => "省",
            RegionLevel::City => "市",
            RegionLevel::County => "县(市、区)",
            RegionLevel::Township => "乡镇(街道)",
            RegionLevel::Village => "村(社区)",
        }
    }
}

impl RegionCode {
    /// Parses a code of 6, 9 or 12 digits. The 12-digit form platforms publish for every level
    /// (511602000000 for the county 511602, 511602001000 for a township) is read as the
    /// shortest code it stands for: zero village and township parts are dropped.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let mut s = s.trim();
        if s.len() == 12 && s.ends_with("000") {
            s = &s[..9];
        }
        if s.len() == 9 && s.ends_with("000") {
            s = &s[..6];
        }
        if !matches!(s.len(), 6 | 9 | 12) {
            return Err(IdError::RegionLength);
        }
        if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(IdError::Character {
                position: i + 1,
                found: c,
            });
        }
        if &s[..2] == "00" {
            return Err(IdError::RegionProvince(s.to_string()));
        }
        // A lower part may only be set when the part above is: 110100 yes, 110001 no.
        let code = RegionCode(s.to_string());
        if s.len() == 6 && &s[2..4] == "00" && &s[4..6] != "00" {
            return Err(IdError::RegionLength);
        }
        Ok(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        let s = &self.0;
        match s.len() {
            12 => RegionLevel::Village,
            9 => RegionLevel::Township,
            _ if &s[2..6] == "0000" => RegionLevel::Province,
            _ if &s[4..6] == "00" => RegionLevel::City,
            _ => RegionLevel::County,
        }
    }

    /// The code of the level above, as GB/T 2260 structures it. Municipalities' directly
    /// administered counties (e.g. 110101 under 110100) follow the same rule.
    pub fn parent(&self) -> Option<RegionCode> {
        let s = &self.0;
        let parent = match self.level() {
            RegionLevel::Province => return None,
            RegionLevel::City => format!("{}0000", &s[..2]),
            RegionLevel::County => format!("{}00", &s[..4]),
            RegionLevel::Township => s[..6].to_string(),
            RegionLevel::Village => s[..9].to_string(),
        };
        Some(RegionCode(parent))
    }

    /// Whether `self` is `other` or lies below it: whether `self` begins with the digits that
    /// `other`'s level sets. The same as walking up `parent` from `self` until `other` (a test
    /// holds the two equal), without building a code at each step: staff scopes test every
    /// region of the country this way on each queue read.
    pub fn is_within(&self, other: &RegionCode) -> bool {
        self.0.starts_with(other.prefix())
    }

    /// The digits this code's level sets (`51` for the province 510000, `5116` for the city
    /// 511600): every code within it begins with them, and in the order of codes they are
    /// next to each other.
    pub fn prefix(&self) -> &str {
        let n = match self.level() {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        };
        &self.0[..n]
    }

    /// All codes from the province down to this one.
    pub fn ancestry(&self) -> Vec<RegionCode> {
        let mut out = vec![self.clone()];
        while let Some(p) = out.last().and_then(RegionCode::parent) {
            out.push(p);
        }
        out.reverse();
        out
    }
}

impl TryFrom<String> for RegionCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        RegionCode::parse(&s)
    }
}

impl std::fmt::Display for RegionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mobile phone number in mainland China: 11 digits starting with 1.
pub fn validate_mobile(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.len() == 11 && s.starts_with('1') && s.chars().all(|c| c.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err("手机号码应为以 1 开头的 11 位数字".to_string())
    }
}

/// Stored as text: each identifier gives its text back whole.
macro_rules! into_string {
    ($($t:ty),*) => {
        $(impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        })*
    };
}
into_string!(IdNumber, CreditCode, RegionCode);

#[cfg(test)]
#[path = "ids_tests.rs"]
mod tests;
