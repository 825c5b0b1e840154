//! The case page: the application, its materials, timeline, deadlines and the actions the
//! lifecycle table allows this visitor now.

use app::auth::Actor;
use app::cases::{self, CaseView};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use domain::case::Provision;

use super::{Nav, fmt_time, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

/// A form field on the case page, with its input type.
pub struct FieldView {
    pub key: String,
    pub label: String,
    pub value: String,
    pub required: bool,
    pub help: String,
    /// HTML input type, or `select`/`textarea`.
    pub input: &'static str,
    pub options: Vec<(String, bool)>,
}

/// A material line on the case page.
pub struct MaterialLine {
    pub index: usize,
    pub name: String,
    pub mandatory: bool,
    pub key: bool,
    pub status: String,
    pub file: Option<(String, String)>,
    pub missing: bool,
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
    error: String,
    flash: String,
}

impl CasePage {
    fn can(&self, action: &str) -> bool {
        self.v.allowed.contains(&action)
    }
}

#[derive(serde::Deserialize, Default)]
pub(super) struct Flash {
    flash: Option<String>,
}

pub(super) fn case_page(ctx: &Ctx, v: CaseView, error: String, flash: String) -> CasePage {
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
            }
        })
        .collect();
    let timeline = v
        .timeline
        .iter()
        .map(|t| (fmt_time(t.at), t.who.clone(), t.text.clone()))
        .collect();
    let fields = v
        .item
        .form
        .iter()
        .map(|f| {
            use domain::workflow::FieldKind as K;
            let value = v.case.form.get(&f.key).cloned().unwrap_or_default();
            let input = match f.kind {
                K::Select => "select",
                K::Multiline => "textarea",
                K::Number => "number",
                K::Date => "date",
                K::Phone => "tel",
                K::Text | K::IdNumber => "text",
            };
            let options = f.options.iter().map(|o| (o.clone(), *o == value)).collect();
            FieldView {
                key: f.key.clone(),
                label: f.label.clone(),
                value,
                required: f.required,
                help: f.help.clone(),
                input,
                options,
            }
        })
        .collect();
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
        error,
        flash,
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
    render(&case_page(&ctx, v, String::new(), flash.into()))
}
