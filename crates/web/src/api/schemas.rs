//! Schemas, for the OpenAPI document only, of what some app functions answer: the app builds
//! these as `serde_json::Value` (license keys, 免提交 counts, rating records) or keeps them in
//! modules being reshaped (`app::cases`, `app::licenses`), so the web layer describes them
//! here. Each mirrors the serialized form field for field; the contract test
//! (scripts/contract-test.sh) checks the served answers against it.

#![allow(dead_code)]

use utoipa::ToSchema;

/// One line of a case's timeline (`app::cases::TimelineEntry`).
#[derive(ToSchema)]
pub struct TimelineEntry {
    /// Unix milliseconds.
    at: i64,
    /// Who acted: the applicant, the system or a staff role; empty in a progress lookup.
    who: String,
    /// What happened, in Chinese.
    text: String,
}

/// A written notice of a case (`app::cases::Notice`, 行政许可法 art. 32, 38).
#[derive(ToSchema)]
pub struct Notice {
    /// 文书名称，如 受理通知书.
    title: String,
    /// 文号.
    number: String,
    /// 落款日期（中文格式）.
    date: String,
    applicant: String,
    item: String,
    paragraphs: Vec<String>,
    /// The department issuing the notice.
    department: String,
    /// Where the QR code printed on the notice leads (the rating page), if any.
    rate_url: Option<String>,
}

/// A license as its holder or staff see it (`app::licenses::LicenseView`).
#[derive(ToSchema)]
pub struct License {
    /// 电子证照标识 (GB/T 36904).
    id: String,
    number: String,
    type_name: String,
    issuer: String,
    holder_name: String,
    /// YYYY-MM-DD.
    issued: String,
    /// YYYY-MM-DD; null: 长期有效.
    valid_until: Option<String>,
    /// valid, expired, revoked or replaced.
    status: String,
    status_label: String,
    /// Why it was revoked, or the id of the license replacing it.
    status_note: String,
    /// 照面信息: [label, value] pairs in the order the license type prints them.
    fields: Vec<[String; 2]>,
    /// The signed QR text.
    token: String,
    /// The address the QR code opens.
    verify_url: String,
    case_id: Option<String>,
}

/// One use of a license (用证记录, `app::licenses::UseView`).
#[derive(ToSchema)]
pub struct LicenseUse {
    /// Unix milliseconds.
    at: i64,
    department: String,
    case_id: String,
    case_number: String,
    material: String,
    /// 用证事由.
    reason: String,
}

/// What the signature of a license covers (`license::Core`); the holder's ID is masked for
/// natural persons.
#[derive(ToSchema)]
pub struct LicenseCore {
    id: String,
    number: String,
    type_code: String,
    type_name: String,
    issuer: String,
    issuer_code: String,
    holder: String,
    holder_id: String,
    /// YYYY-MM-DD.
    issued: String,
    /// YYYY-MM-DD; null: 长期有效.
    valid_until: Option<String>,
    region: String,
    /// SM3 (hex) of the canonical full data.
    data_sm3: String,
    /// The issuer key that signed it.
    key: String,
}

/// What a public verifier sees (`app::licenses::Verification`).
#[derive(ToSchema)]
pub struct Verification {
    /// The signature checks out against the issuer's registered key.
    signature_valid: bool,
    /// valid, expired, revoked, replaced, unknown, invalid, or expired_code (a dynamic code past its time).
    status: String,
    status_label: String,
    /// Why it failed, when it did.
    reason: Option<String>,
    core: Option<LicenseCore>,
}

/// An issuer's public key (`app::licenses::public_keys`).
#[derive(ToSchema)]
pub struct IssuerKey {
    key_id: String,
    department: String,
    /// SM2 public key, hex of the uncompressed point.
    public_key: String,
    algorithm: String,
    retired: bool,
}

/// 免提交 count of one department, item and way (`app::licenses::avoided_stats`).
#[derive(ToSchema)]
pub struct AvoidedCount {
    department: String,
    department_name: String,
    item_code: String,
    item_name: String,
    /// `license` (electronic license) or `shared` (shared data).
    via: String,
    count: i64,
}

/// A rating record in the GB/T 39734 shape (`app::ratings::export_records`).
#[derive(ToSchema)]
pub struct RatingRecord {
    case_number: String,
    channel: String,
    rater: String,
    rater_id_masked: String,
    /// Unix milliseconds.
    time: i64,
    /// Ratings of the case so far.
    count: i64,
    /// 1 非常满意 … 5 非常不满意.
    level: i64,
    text: String,
    tags: Vec<String>,
    region: String,
    department: String,
    item_code: String,
    excluded: bool,
}
