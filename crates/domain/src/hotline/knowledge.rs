//! The knowledge base (知识库) operators answer from, and the questions people ask on an
//! item's guide (网上咨询) whose answers are published and feed the knowledge base.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::error::{FieldError, Problems};
use crate::ids::RegionCode;

/// An article, one version of it. Editing makes a new version; the old stays readable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineArticle))]
pub struct Article {
    pub id: String,
    pub version: i64,
    pub question: String,
    pub answer: String,
    /// Regions it applies to (and everything below them).
    pub regions: Vec<String>,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_to: Option<Date>,
    /// The document it rests on (文件名称及文号).
    #[serde(default)]
    pub source: String,
    /// Catalog items it is about: a change to one flags the article for review.
    #[serde(default)]
    pub items: Vec<String>,
    /// The department that keeps it current.
    pub owner: String,
    /// Reviewed again by this day.
    pub review_by: Date,
    /// Flagged by a catalog change to a linked item, with what changed.
    #[serde(default)]
    pub flagged: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Article {
    /// Whether it may be used on `day` for something in `region`.
    pub fn applies(&self, day: Date, region: &str) -> bool {
        let in_time = self.valid_from <= day && self.valid_to.is_none_or(|t| day <= t);
        let here = region.is_empty()
            || self.regions.iter().any(|r| {
                match (RegionCode::parse(region), RegionCode::parse(r)) {
                    (Ok(a), Ok(b)) => a.is_within(&b),
                    _ => false,
                }
            });
        in_time && here
    }

    /// Whether its owner must look at it: past its review day or flagged.
    pub fn due_for_review(&self, day: Date) -> bool {
        self.review_by < day || !self.flagged.is_empty()
    }
}

/// What an editor submits.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineArticleDraft))]
pub struct ArticleDraft {
    pub question: String,
    pub answer: String,
    pub regions: Vec<String>,
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub items: Vec<String>,
    pub review_by: String,
}

/// Checks a draft; returns (valid_from, valid_to, review_by).
pub fn check_article(d: &ArticleDraft) -> Result<(Date, Option<Date>, Date), Vec<FieldError>> {
    let mut p = Problems::default();
    p.text("question", &d.question, "问题", 300);
    p.text("answer", &d.answer, "答案", 4000);
    p.optional_text("source", &d.source, "依据文件", 300);
    if d.regions.is_empty() {
        p.push("regions", "required", "请选择适用区划");
    }
    if d.regions.len() > 50 || d.items.len() > 50 {
        p.push("regions", "too_many", "适用区划和关联事项各不超过 50 个");
    }
    for r in &d.regions {
        if RegionCode::parse(r.trim()).is_err() {
            p.push("regions", "invalid", format!("区划代码“{r}”无效"));
        }
    }
    let date = |p: &mut Problems, field: &str, v: &str, label: &str| {
        crate::calendar::parse_iso_date(v.trim())
            .map_err(|_| p.push(field, "invalid", format!("{label}应为日期，如 2026-12-31")))
            .ok()
    };
    let from = date(&mut p, "valid_from", &d.valid_from, "生效日期");
    let to = if d.valid_to.trim().is_empty() {
        None
    } else {
        date(&mut p, "valid_to", &d.valid_to, "失效日期")
    };
    let review = date(&mut p, "review_by", &d.review_by, "复核日期");
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        p.push("valid_to", "before_start", "失效日期不能早于生效日期");
    }
    p.into_result()?;
    Ok((from.expect("checked"), to, review.expect("checked")))
}

/// A question asked on an item's guide (网上咨询).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineQuestion))]
pub struct Question {
    pub id: String,
    pub item: String,
    /// The department that answers (the item's).
    pub department: String,
    pub text: String,
    /// The asker's account; never shown to the public.
    pub asker: String,
    #[serde(with = "time::serde::rfc3339")]
    pub asked_at: OffsetDateTime,
    #[serde(default)]
    pub answer: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    /// Shown on the guide once answered (a question about one person's own matter is not).
    #[serde(default)]
    pub public: bool,
    /// The article made from it, if any.
    #[serde(default)]
    pub article: Option<String>,
}

/// Checks a question's text.
pub fn check_question(text: &str) -> Result<String, Vec<FieldError>> {
    let mut p = Problems::default();
    p.text("text", text, "咨询内容", 1000);
    p.into_result()?;
    Ok(text.trim().to_string())
}
