//! The case page: the application, its materials, timeline, deadlines and the actions the
//! lifecycle table allows this visitor now.

use app::auth::Actor;
use app::cases::{self, CaseView};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use domain::case::Provision;

use std::collections::BTreeMap;

use super::{Nav, fmt_time, render};
use crate::ctx::Ctx;
use crate::views::forms::{FieldView, Problems, kept_value};
use crate::{AppState, WebError};

/// A material line on the case page.
pub struct MaterialLine {
    pub index: usize,
    pub name: String,
    pub mandatory: bool,
    pub key: bool,
    pub status: String,
    pub file: Option<(String, String)>,
    pub missing: bool,
    /// The 告知承诺书 signed on the platform: nothing to upload.
    pub signed: bool,
    /// Its problem in a failed post.
    pub error: String,
    /// A file stored by a failed post, carried in a hidden input: (value, file name).
    pub kept: Option<(String, String)>,
}

/// What a failed post gives back to the page: its problems, the values typed and the files
/// already stored (by material name).
#[derive(Default)]
pub(crate) struct Posted {
    pub problems: Problems,
    pub form: BTreeMap<String, String>,
    pub kept: BTreeMap<String, Provision>,
}

#[derive(Template)]
#[template(path = "case.html")]
pub(super) struct CasePage {
    nav: Nav,
    v: CaseView,
    materials: Vec<MaterialLine>,
    timeline: Vec<(String, String, String)>,
    fields: Vec<FieldView>,
    notices: Vec<(&'static str, &'static str)>,
    staff: bool,
    problems: Problems,
    flash: String,
    /// What was typed into a failed post (form fields by key, the recipient as `post.*`).
    typed: std::collections::BTreeMap<String, String>,
}

impl CasePage {
    fn can(&self, action: &str) -> bool {
        self.v.allowed.contains(&action)
    }

    fn when(&self, at: &i64) -> String {
        fmt_time(*at)
    }

    /// The 告知承诺书 the applicant is asked to sign, for this case's item.
    fn commitment_statement(&self) -> String {
        domain::workflow::commitment_statement(
            &self.v.item.name,
            self.v.item.workflow.commitment.unwrap_or(20),
        )
    }

    /// When the applicant signed the 告知承诺书 on screen, as shown.
    fn signed_at(&self, s: &domain::case::SignedCommitment) -> String {
        fmt_time(s.at.unix_timestamp() * 1000)
    }

    fn money(&self, fen: &i64) -> String {
        domain::payment::yuan(*fen)
    }

    /// The applicant may go and pay: a fee is assessed, unpaid, and payable online here.
    fn can_pay(&self) -> bool {
        !self.staff && self.v.pays_online && self.v.case.fee_to_pay().is_some()
    }

    /// A recipient field as typed into a failed post, else `default`.
    fn posted_or(&self, key: &str, default: &str) -> String {
        self.typed
            .get(&format!("post.{key}"))
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct Flash {
    pub(crate) flash: Option<String>,
}

/// The element that shows a problem's field: `f_<key>` for the form, `file_<i>` for a
/// material.
pub(super) fn anchor(v: &CaseView, field: &str) -> Option<String> {
    if let Some(k) = field.strip_prefix("form.") {
        return Some(format!("f_{k}"));
    }
    if field.starts_with("recipient_") || field == "fees" {
        return Some(field.to_string());
    }
    let name = field.strip_prefix("materials.")?;
    let i = v.item.materials.iter().position(|m| m.name == name)?;
    Some(format!("file_{i}"))
}

pub(super) fn case_page(ctx: &Ctx, v: CaseView, posted: Posted, flash: String) -> CasePage {
    let Posted {
        problems,
        form: typed,
        kept,
    } = posted;
    let materials = v
        .item
        .materials
        .iter()
        .enumerate()
        .map(|(index, m)| {
            let p = v
                .case
                .materials
                .get(&m.name)
                .cloned()
                .unwrap_or(Provision::Missing);
            let status = match &p {
                Provision::Pending { due } => format!("容缺待补（{due} 前）"),
                other => other.label().to_string(),
            };
            let file = match &p {
                Provision::Uploaded {
                    file, file_name, ..
                } => Some((file.clone(), file_name.clone())),
                _ => None,
            };
            MaterialLine {
                index,
                name: m.name.clone(),
                mandatory: m.mandatory,
                key: m.key,
                status,
                file,
                missing: !p.is_provided(),
                signed: matches!(p, Provision::SignedOnline { .. }),
                error: problems.at(&format!("file_{index}")),
                kept: kept.get(&m.name).and_then(|k| {
                    let Provision::Uploaded { file_name, .. } = k else {
                        return None;
                    };
                    Some((kept_value(k)?, file_name.clone()))
                }),
            }
        })
        .collect();
    let timeline = v
        .timeline
        .iter()
        .map(|t| (fmt_time(t.at), t.who.clone(), t.text.clone()))
        .collect();
    let editable = v.allowed.iter().any(|a| *a == "edit" || *a == "supply");
    let mut fields: Vec<FieldView> = v
        .item
        .form
        .iter()
        .map(|f| {
            // What was typed into a failed post wins over what is stored.
            let value = typed
                .get(&f.key)
                .or_else(|| v.case.form.get(&f.key))
                .cloned()
                .unwrap_or_default();
            FieldView::of(f, "f_", value, editable)
        })
        .collect();
    problems.mark(&mut fields);
    let staff = matches!(ctx.actor, Actor::Staff { .. });
    let notices = cases::notice_kinds(&v.case)
        .into_iter()
        .map(|k| {
            let label = match k {
                "supplement" => "补正材料通知书",
                "reject" => "不予受理通知书",
                "accept" => "受理通知书",
                _ => "审批决定书",
            };
            (k, label)
        })
        .collect();
    CasePage {
        notices,
        nav: Nav::of(ctx),
        v,
        materials,
        timeline,
        fields,
        staff,
        problems,
        flash,
        typed,
    }
}

pub(super) async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    let v = cases::view(&s.app, &ctx.actor, &id).await?;
    let flash = match q.flash.as_deref() {
        Some("done") => "操作已完成。",
        Some("saved") => "已保存。",
        _ => "",
    };
    render(&case_page(&ctx, v, Posted::default(), flash.into()))
}
