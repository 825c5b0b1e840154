//! Schemas for the OpenAPI document (feature `openapi`) of values whose JSON form their Rust
//! type does not tell.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// A moment as the `time` crate writes it in JSON (`serde-human-readable`):
/// `2026-11-27 08:46:03.675532018 +00:00:00`, not RFC 3339. Stands in for `OffsetDateTime`.
pub struct DateTime;

impl utoipa::PartialSchema for DateTime {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(
                r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)? [+-][0-9]{2}:[0-9]{2}:[0-9]{2}$",
            ))
            .description(Some(
                "时刻 `YYYY-MM-DD HH:MM:SS.小数秒 ±HH:MM:SS`（服务器记为 UTC），不是 RFC 3339",
            ))
            .examples(["2026-11-27 08:46:03.675532018 +00:00:00"])
            .into()
    }
}

impl utoipa::ToSchema for DateTime {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DateTime")
    }
}

/// A moment written as RFC 3339 (`2026-11-27T08:46:03.675532018Z`): the fields that say
/// `#[serde(with = "time::serde::rfc3339")]` (a proposed refusal, a relay's hand-over, a
/// visit).
pub struct Rfc3339;

impl utoipa::PartialSchema for Rfc3339 {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .description(Some("时刻，RFC 3339 格式"))
            .examples(["2026-11-27T08:46:03.675532018Z"])
            .into()
    }
}

impl utoipa::ToSchema for Rfc3339 {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Rfc3339")
    }
}
