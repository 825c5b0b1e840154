//! 电子证照标识 (GB/T 36904-2018):
//! `1.2.156.3005.2.{type code}.{issuer code}.{serial}.{version}.{check}`, the check character
//! computed with ISO 7064 MOD 37,36 over the type code, issuer code, serial and version with
//! the dots removed.

use crate::LicenseError;

/// The fixed object-identifier arc of Chinese e-licenses.
pub const PREFIX: &str = "1.2.156.3005.2";
const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// ISO 7064 MOD 37,36 (hybrid system, M = 36): the check character for `s`, which must
/// consist of digits and upper-case letters.
pub fn mod37_36(s: &str) -> Result<char, LicenseError> {
    let mut p: u32 = 36;
    for c in s.chars() {
        let a = ALPHABET
            .iter()
            .position(|x| *x as char == c)
            .ok_or_else(|| LicenseError::Identifier(format!("含有非法字符“{c}”")))?
            as u32;
        let mut sum = (p + a) % 36;
        if sum == 0 {
            sum = 36;
        }
        p = (2 * sum) % 37;
    }
    // The check value c makes (p + c) mod 36 == 1.
    let c = (37 - p) % 36;
    Ok(ALPHABET[c as usize] as char)
}

/// The parts of a license identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseId {
    pub type_code: String,
    pub issuer_code: String,
    pub serial: String,
    pub version: String,
}

fn part_ok(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

impl LicenseId {
    pub fn new(
        type_code: &str,
        issuer_code: &str,
        serial: &str,
        version: u16,
    ) -> Result<Self, LicenseError> {
        let id = LicenseId {
            type_code: type_code.to_string(),
            issuer_code: issuer_code.to_string(),
            serial: serial.to_string(),
            version: format!("{version:03}"),
        };
        for (name, v) in [
            ("证照类型代码", &id.type_code),
            ("颁证单位代码", &id.issuer_code),
            ("流水号", &id.serial),
        ] {
            if !part_ok(v) {
                return Err(LicenseError::Identifier(format!(
                    "{name}“{v}”只能由数字和大写字母组成"
                )));
            }
        }
        if version == 0 || version > 999 {
            return Err(LicenseError::Identifier("版本号应为 001–999".into()));
        }
        Ok(id)
    }

    fn body(&self) -> String {
        format!(
            "{}{}{}{}",
            self.type_code, self.issuer_code, self.serial, self.version
        )
    }

    /// The full identifier with its check character.
    pub fn render(&self) -> String {
        let check = mod37_36(&self.body()).expect("parts were validated");
        format!(
            "{PREFIX}.{}.{}.{}.{}.{check}",
            self.type_code, self.issuer_code, self.serial, self.version
        )
    }

    /// Parses and checks an identifier, saying which part is wrong.
    pub fn parse(s: &str) -> Result<Self, LicenseError> {
        let rest = s
            .strip_prefix(PREFIX)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or_else(|| LicenseError::Identifier(format!("应以 {PREFIX}. 开头")))?;
        let parts: Vec<&str> = rest.split('.').collect();
        let [type_code, issuer, serial, version, check] = parts.as_slice() else {
            return Err(LicenseError::Identifier(
                "应为 类型代码.颁证单位代码.流水号.版本号.校验位 五段".into(),
            ));
        };
        let v: u16 = version
            .parse()
            .ok()
            .filter(|_| version.len() == 3)
            .ok_or_else(|| LicenseError::Identifier(format!("版本号“{version}”应为三位数字")))?;
        let id = LicenseId::new(type_code, issuer, serial, v)?;
        let expected = mod37_36(&id.body())?;
        if *check != expected.to_string() {
            return Err(LicenseError::Identifier(format!(
                "校验位应为 {expected}，实为 {check}"
            )));
        }
        Ok(id)
    }
}
