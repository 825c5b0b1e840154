//! 跨市通办 between platforms: a window of one platform receives an item another city's
//! platform concludes, forwards it with the materials it took (the originals it checked,
//! the files it scanned), and hears the case's progress and result back; the person collects
//! the result where they handed the application in. The messages are JSON, signed with the
//! partners' shared secret (`crate::signed`); docs/INTEGRATION.md describes the protocol.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::case::relay::PointRef;
use crate::catalog::ServiceScope;
use crate::error::Problems;

/// The protocol these messages belong to; a partner speaking another version is refused.
pub const PROTOCOL: &str = "onewindow-tongban/1";

/// A forward carries at most this many bytes of files (before base64).
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// Whether an item's 通办 scope lets a window of another city receive it.
pub fn forwardable(scope: ServiceScope) -> bool {
    matches!(
        scope,
        ServiceScope::CrossCity | ServiceScope::CrossProvince | ServiceScope::Nationwide
    )
}

/// A material of an offered item: whether the window checks a paper original and whether it
/// is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedMaterial {
    pub name: String,
    pub original: bool,
    pub mandatory: bool,
}

/// An item the concluding platform lets partners' windows receive (its 跨市通办 list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedItem {
    pub code: String,
    pub name: String,
    /// The concluding department, by name.
    pub department: String,
    pub form: Vec<crate::workflow::FormField>,
    pub materials: Vec<OfferedMaterial>,
}

/// The person the application is for, as the receiving window checked their ID card.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id_number: String,
    pub name: String,
    pub phone: String,
}

/// A file scanned at the receiving window for one material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    pub material: String,
    pub file_name: String,
    pub media_type: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub content: String,
}

/// 代收转办: the receiving platform forwards an application to the concluding one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forward {
    pub protocol: String,
    /// The sender's id of this forward: the same reference twice is one case.
    pub reference: String,
    pub item_code: String,
    pub applicant: Person,
    /// The window that received it, where the person collects the result.
    pub point: PointRef,
    /// The clerk who received it, by name.
    pub clerk: String,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// The application form, by field key.
    #[serde(default)]
    pub form: std::collections::BTreeMap<String, String>,
    /// Materials whose paper original the clerk checked (the originals follow by post).
    #[serde(default)]
    pub originals: Vec<String>,
    #[serde(default)]
    pub files: Vec<File>,
    #[serde(default)]
    pub note: String,
}

/// The concluding platform's answer to a forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub reference: String,
    pub case_number: String,
    /// True when this reference had been received before: the same case is answered.
    pub repeated: bool,
}

/// The decision, once there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub approved: bool,
    /// What was decided, in a line: the result's name, or the reason for a refusal.
    pub summary: String,
}

/// 进度回传: the concluding platform tells the receiving one where the case stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub protocol: String,
    pub reference: String,
    pub case_number: String,
    /// The case's version at the concluding platform: an older report never replaces a newer.
    pub version: i64,
    /// The case state's code (`accepted`, `issuing` …) and its words.
    pub state: String,
    pub label: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// The result has been sent to the receiving window for the person to collect.
    #[serde(default)]
    pub ready_for_pickup: bool,
}

/// 结果交付: the receiving window handed the result over; the case is complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub protocol: String,
    pub reference: String,
    /// The clerk who handed it over, by name.
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A reference is what the sender made it, within reason: 1 to 64 ASCII letters, digits,
/// `-` or `_`.
fn reference_ok(r: &str) -> bool {
    (1..=64).contains(&r.len())
        && r.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks a forward against the item's materials (by name): every problem named by its field.
/// The person's identity is checked where accounts are (the walk-in rules).
pub fn check_forward(f: &Forward, materials: &[&str]) -> Result<(), Vec<crate::error::FieldError>> {
    let mut p = Problems::default();
    if f.protocol != PROTOCOL {
        p.push(
            "protocol",
            "unsupported",
            format!("协议版本应为 {PROTOCOL}"),
        );
    }
    if !reference_ok(&f.reference) {
        p.push(
            "reference",
            "invalid",
            "转办编号应为 1 至 64 位字母、数字、- 或 _",
        );
    }
    p.text("point.name", &f.point.name, "收件窗口", 100);
    p.text("clerk", &f.clerk, "收件人员", 50);
    for (i, m) in f.originals.iter().enumerate() {
        if !materials.contains(&m.as_str()) {
            p.push(
                format!("originals[{i}]"),
                "unknown",
                format!("事项没有名为“{m}”的材料"),
            );
        }
    }
    let mut bytes = 0usize;
    for (i, file) in f.files.iter().enumerate() {
        if !materials.contains(&file.material.as_str()) {
            p.push(
                format!("files[{i}].material"),
                "unknown",
                format!("事项没有名为“{}”的材料", file.material),
            );
        }
        if file.file_name.trim().is_empty() || file.file_name.chars().count() > 200 {
            p.push(
                format!("files[{i}].file_name"),
                "invalid",
                "文件名应为 1 至 200 个字",
            );
        }
        // Base64 carries three bytes in four characters.
        bytes += file.content.len() / 4 * 3;
    }
    if bytes > MAX_FILE_BYTES {
        p.push(
            "files",
            "too_large",
            format!(
                "转办材料文件合计不能超过 {} MB",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        );
    }
    if f.note.chars().count() > 500 {
        p.push("note", "too_long", "备注不能超过 500 字");
    }
    p.into_result()
}

/// Every mandatory material of the offered item is checked as an original or scanned; each
/// one missing is named `materials.<name>`.
pub fn check_mandatory(
    f: &Forward,
    materials: &[OfferedMaterial],
) -> Result<(), Vec<crate::error::FieldError>> {
    let mut p = Problems::default();
    for m in materials.iter().filter(|m| m.mandatory) {
        if !f.originals.contains(&m.name) && !f.files.iter().any(|x| x.material == m.name) {
            p.push(
                format!("materials.{}", m.name),
                "required",
                format!("请核验或扫描“{}”", m.name),
            );
        }
    }
    p.into_result()
}

/// Whether a progress report at `incoming` replaces what is known at `known` (older and
/// repeated reports, which retries send, change nothing).
pub fn newer(known: Option<i64>, incoming: i64) -> bool {
    known.is_none_or(|k| incoming > k)
}

/// What the receiving window shows for a forward, in words.
pub fn status_label(progress: Option<&Progress>, handed_over: bool) -> String {
    match (progress, handed_over) {
        (_, true) => "已交付申请人，办结".into(),
        (None, false) => "已转出，待对方平台受理".into(),
        (Some(p), false) if p.ready_for_pickup => "结果已送达本窗口，待申请人领取".into(),
        (Some(p), false) => p.label.clone(),
    }
}

#[cfg(test)]
mod tests;
