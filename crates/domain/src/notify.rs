//! Messages outside the platform: an inbox notification may also go out as a text message
//! (短信, through the carrier gateway) or an email. Who gets what is each person's choice
//! (their preferences), capped by rate limits so a busy case cannot flood a phone; a message
//! that cannot be sent soon is not sent late (a day-old 办件进展 text misleads more than it helps).

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::Sms, Channel::Email]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Channel::Sms => "短信",
            Channel::Email => "电子邮件",
        }
    }
}

/// A person's choices. Without saved preferences, texts go to the account's phone (what
/// people expect of a government platform) and no email (there is no address to send to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefs {
    pub sms: bool,
    pub email: bool,
    pub email_address: String,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            sms: true,
            email: false,
            email_address: String::new(),
        }
    }
}

/// Checks preferences as a person submits them; each fault names its field.
pub fn check(p: &Prefs) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let a = p.email_address.trim();
    if p.email && a.is_empty() {
        errors.push(FieldError::new(
            "email_address",
            "required",
            "选择邮件提醒时请填写邮箱地址",
        ));
    } else if !a.is_empty() && !plausible_email(a) {
        errors.push(FieldError::new(
            "email_address",
            "invalid_format",
            "邮箱地址格式不正确，应形如 name@example.cn",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A shape check only (one @, a dotted domain, no spaces, at most 254 characters, RFC 5321):
/// the SMTP library parses the address fully when it sends, and the server decides whether
/// it exists. Written here so the domain can say which field is wrong before anything is
/// stored, without an email library in the pure crate.
fn plausible_email(a: &str) -> bool {
    let Some((local, domain)) = a.split_once('@') else {
        return false;
    };
    a.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !a.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Where a notification goes beside the inbox: (channel, address) for each chosen channel
/// that has an address; `configured` says which channels the platform can send at all.
pub fn plan(prefs: &Prefs, phone: &str, configured: &[Channel]) -> Vec<(Channel, String)> {
    let mut out = Vec::new();
    if prefs.sms && configured.contains(&Channel::Sms) && plausible_phone(phone) {
        out.push((Channel::Sms, phone.to_string()));
    }
    let a = prefs.email_address.trim();
    if prefs.email && configured.contains(&Channel::Email) && plausible_email(a) {
        out.push((Channel::Email, a.to_string()));
    }
    out
}

/// A mainland mobile number: 11 digits starting with 1.
fn plausible_phone(p: &str) -> bool {
    p.len() == 11 && p.starts_with('1') && p.bytes().all(|b| b.is_ascii_digit())
}

/// How many messages a person may get per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    #[serde(default = "per_hour")]
    pub per_hour: u32,
    #[serde(default = "per_day")]
    pub per_day: u32,
    /// A message not sent within this many minutes of its notification is given up.
    #[serde(default = "give_up_minutes")]
    pub give_up_minutes: i64,
}

fn per_hour() -> u32 {
    5
}
fn per_day() -> u32 {
    20
}
fn give_up_minutes() -> i64 {
    360
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_hour: per_hour(),
            per_day: per_day(),
            give_up_minutes: give_up_minutes(),
        }
    }
}

impl Limits {
    /// Whether one more message may go, given how many went (or wait) in the last hour and
    /// the last 24 hours on that channel.
    pub fn allows(&self, last_hour: u32, last_day: u32) -> bool {
        last_hour < self.per_hour && last_day < self.per_day
    }

    /// Whether a notification made at `created_ms` may still be sent.
    pub fn fresh(&self, created_ms: i64, now_ms: i64) -> bool {
        now_ms - created_ms < self.give_up_minutes * 60_000
    }

    /// What to do after a failed attempt: try again at this time, or give up (None).
    pub fn retry_at(&self, created_ms: i64, attempts: u32, now_ms: i64) -> Option<i64> {
        let wait = 1_000i64 << attempts.min(10);
        let next = now_ms + wait.min(300_000);
        (next < created_ms + self.give_up_minutes * 60_000).then_some(next)
    }
}

/// What a notification is about, in Chinese (an email's subject, the administrator's list).
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "case_progress" => "办件进展",
        "license_expiring" => "证照即将到期",
        "appointment_reminder" => "预约提醒",
        "hotline_callback" => "12345 短信回访",
        "hotline_merged" => "12345 合并办理告知",
        "hotline_result" => "12345 办理结果告知",
        _ => "消息提醒",
    }
}

/// The SMS text: the platform's signature and the notification, within what one carrier
/// template variable holds (long texts are cut with an ellipsis; the inbox has it all).
pub fn sms_content(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(MAX - 1).collect();
        s.push('…');
        s
    }
}

/// An address as shown to staff: 138****5678, wa***@example.cn.
pub fn masked(channel: Channel, address: &str) -> String {
    match channel {
        Channel::Sms if address.len() == 11 => format!("{}****{}", &address[..3], &address[7..]),
        Channel::Sms => "****".into(),
        Channel::Email => match address.split_once('@') {
            Some((local, domain)) => {
                let keep: String = local.chars().take(2).collect();
                format!("{keep}***@{domain}")
            }
            None => "***".into(),
        },
    }
}

/// 证照到期提醒: a license is reminded of 30 days and again 7 days before it runs out; each
/// threshold covers the days down to the next one, so a license found with 5 days left gets
/// only the 7-day reminder.
pub const EXPIRY_THRESHOLDS: [i64; 2] = [30, 7];

/// The days-left window (inclusive) of each threshold: 30 → 8..=30, 7 → 0..=7.
pub fn expiry_window(threshold: i64) -> Option<(i64, i64)> {
    let i = EXPIRY_THRESHOLDS.iter().position(|t| *t == threshold)?;
    let low = EXPIRY_THRESHOLDS.get(i + 1).map(|t| t + 1).unwrap_or(0);
    Some((low, threshold))
}

/// The reminder's text.
pub fn expiry_text(type_name: &str, number: &str, valid_until: &str, days_left: i64) -> String {
    let when = if days_left <= 0 {
        "今天到期".to_string()
    } else {
        format!("还有 {days_left} 天到期（{valid_until}）")
    };
    format!("您的{type_name}（编号 {number}）{when}，请及时办理延续或换领。")
}

#[cfg(test)]
mod tests;
