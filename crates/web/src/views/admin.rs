//! The catalog administrators' pages: list, create, edit (saves a draft), preview, publish,
//! retire, import and export. The edit form is generated from the spreadsheet layout, so a
//! field means the same on screen and in a file.

use super::forms::Pressed;
use app::ItemRow;
use app::auth::CatalogAdmin;
use app::catalog;
use app::exchange::layout::{
    Column, Input, MaterialRow, blank_item, header_of_field, item_columns, material_columns,
};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::catalog::ItemDefinition;

use super::{Nav, fmt_time, render, unprocessable};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

mod exchange_pages;
mod rows;
use exchange_pages::{export, import, import_page};
use rows::{AS_ROWS, FormRow, faq_rows, form_rows, read_rows};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/items") }))
        .route("/admin/items", get(list))
        .route("/admin/review", post(set_review))
        .route("/admin/items/new", get(new_page).post(create))
        .route("/admin/items/{code}", get(item_page))
        .route("/admin/items/{code}/edit", get(edit_page).post(save))
        .route("/admin/items/{code}/{action}", post(act))
        .route(
            "/admin/import",
            get(import_page)
                .post(import)
                .layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/admin/export.xlsx", get(export))
}

pub(super) fn admin(ctx: &Ctx) -> Result<CatalogAdmin, WebError> {
    Ok(ctx.actor.catalog_admin()?)
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    /// "1": only items with legal elements to supply (待补充).
    gaps: Option<String>,
    offset: Option<i64>,
    flash: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_items.html")]
struct ListPage {
    nav: Nav,
    q: String,
    items: Vec<(ItemRow, String, String)>,
    total: i64,
    flash: String,
    /// 审核发布 is on for the administrator's region.
    review: bool,
    /// Listing only items with legal elements to supply.
    gaps: bool,
    /// Items with legal elements to supply, per department (name, count), most first.
    gap_counts: Vec<(String, i64)>,
    gap_total: i64,
}

async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let cap = admin(&ctx)?;
    let gaps = q.gaps.as_deref() == Some("1");
    let (rows, total) =
        catalog::admin_list(&s.app, &cap, q.q.clone(), gaps, Some(100), q.offset).await?;
    let gap_counts = catalog::gaps_by_department(&s.app, &cap).await?;
    let names: std::collections::HashMap<String, String> = app::org::departments(&s.app)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let items = rows
        .into_iter()
        .map(|r| {
            let updated = fmt_time(r.updated_at);
            let dept = names
                .get(&r.department)
                .cloned()
                .unwrap_or_else(|| r.department.clone());
            (r, dept, updated)
        })
        .collect();
    render(&ListPage {
        nav: Nav::of(&ctx),
        q: q.q.unwrap_or_default(),
        items,
        total,
        flash: flash_text(q.flash.as_deref()),
        review: app::catalog_review::is_on(&s.app, &cap).await?,
        gaps,
        gap_total: gap_counts.iter().map(|(_, n)| n).sum(),
        gap_counts,
    })
}

#[derive(serde::Deserialize)]
struct ReviewForm {
    csrf: String,
    /// "1" on, anything else off.
    #[serde(default)]
    on: String,
}

/// Turns 审核发布 on or off for the administrator's region.
async fn set_review(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ReviewForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let cap = admin(&ctx)?;
    app::catalog_review::set(&s.app, &cap, f.on == "1").await?;
    Ok(Redirect::to("/admin/items?flash=review").into_response())
}

fn flash_text(f: Option<&str>) -> String {
    match f {
        Some("saved") => "草稿已保存。发布后办事指南才会更新。",
        Some("published") => "已发布，办事指南和搜索已更新。",
        Some("retired") => "事项已取消，不再对外公开；历史版本仍可查阅。",
        Some("discarded") => "草稿已丢弃。",
        Some("created") => "事项已创建为草稿。",
        Some("review") => "审核发布设置已保存。",
        _ => "",
    }
    .to_string()
}

/// One form control generated from a layout column.
pub struct FormField {
    pub key: String,
    pub label: &'static str,
    pub value: String,
    /// `line`, `lines`, `choice`, `multi` or `yesno`.
    pub kind: &'static str,
    pub options: Vec<(String, bool)>,
    pub required: bool,
    pub readonly: bool,
    pub error: String,
}

fn field_of<T>(prefix: &str, i: usize, c: &Column<T>, value: String, error: String) -> FormField {
    let (kind, options): (&'static str, Vec<&'static str>) = match c.input {
        Input::Line => ("line", vec![]),
        Input::Lines => ("lines", vec![]),
        Input::Choice(o) => ("choice", o()),
        Input::MultiChoice(o) => ("multi", o()),
        Input::YesNo => ("yesno", vec!["是", "否"]),
    };
    let chosen: Vec<&str> = value.lines().map(str::trim).collect();
    let options = options
        .into_iter()
        .map(|o| (o.to_string(), chosen.contains(&o)))
        .collect();
    FormField {
        key: format!("{prefix}{i}"),
        label: c.header,
        value,
        kind,
        options,
        required: c.required,
        readonly: false,
        error,
    }
}

#[derive(Template)]
#[template(path = "admin_edit.html")]
struct EditPage {
    nav: Nav,
    title: String,
    action: String,
    fields: Vec<FormField>,
    material_headers: Vec<&'static str>,
    materials: Vec<Vec<FormField>>,
    /// The application form, a field a row.
    form_rows: Vec<FormRow>,
    faqs: Vec<domain::catalog::Faq>,
    errors: Vec<String>,
}

/// Builds the edit page for `def`, with errors placed next to their fields.
fn edit_page_for(
    ctx: &Ctx,
    title: String,
    action: String,
    def: &ItemDefinition,
    errors: &[FieldError],
    code_locked: bool,
) -> EditPage {
    let icols = item_columns();
    let mut general = Vec::new();
    let fields = icols
        .iter()
        .enumerate()
        .filter(|(_, c)| !AS_ROWS.contains(&c.header))
        .map(|(i, c)| {
            let error = errors
                .iter()
                .filter(|e| e.field == c.header || header_of_field(&e.field) == c.header)
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("；");
            let mut f = field_of("c", i, c, (c.get)(def), error);
            f.readonly = code_locked && c.header == "实施编码";
            f
        })
        .collect();
    for e in errors {
        let placed = icols
            .iter()
            .filter(|c| !AS_ROWS.contains(&c.header))
            .any(|c| e.field == c.header || header_of_field(&e.field) == c.header);
        if !placed
            || ["materials", "form", "faq"]
                .iter()
                .any(|p| e.field.starts_with(p))
        {
            general.push(material_error_text(e));
        }
    }
    let mcols = material_columns();
    let mut rows: Vec<MaterialRow> = def
        .materials
        .iter()
        .map(|m| MaterialRow {
            item_code: def.code.clone(),
            material: Some(m.clone()),
        })
        .collect();
    for _ in 0..3 {
        rows.push(MaterialRow {
            item_code: def.code.clone(),
            material: Some(app::exchange::layout::blank_material()),
        });
    }
    let materials = rows
        .iter()
        .map(|r| {
            mcols
                .iter()
                .enumerate()
                .skip(1)
                .map(|(j, c)| field_of("m", j, c, (c.get)(r), String::new()))
                .collect()
        })
        .collect();
    EditPage {
        nav: Nav::of(ctx),
        title,
        action,
        fields,
        material_headers: mcols.iter().skip(1).map(|c| c.header).collect(),
        materials,
        form_rows: form_rows(def),
        faqs: faq_rows(def),
        errors: general,
    }
}

/// "材料第 2 行：材料名称不能为空" for `materials[1].name`; the same for the form's and the
/// FAQs' rows.
fn material_error_text(e: &FieldError) -> String {
    for (prefix, what) in [
        ("materials[", "材料"),
        ("form[", "申请表单"),
        ("faq[", "常见问题"),
    ] {
        if let Some(rest) = e.field.strip_prefix(prefix)
            && let Some((n, _)) = rest.split_once(']')
            && let Ok(n) = n.parse::<usize>()
            && !e.message.starts_with(what)
        {
            return format!("{what}第 {} 行：{}", n + 1, e.message);
        }
    }
    e.message.clone()
}

/// Reads the generated form back into a definition; cell-level problems become field errors.
fn definition_from_form(pairs: &[(String, String)]) -> (ItemDefinition, Vec<FieldError>) {
    let icols = item_columns();
    let mcols = material_columns();
    let mut def = blank_item();
    let mut errors = Vec::new();
    for (i, c) in icols.iter().enumerate() {
        let key = format!("c{i}");
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .collect();
        if let Err(m) = (c.set)(&mut def, &values.join("\n")) {
            errors.push(FieldError::new(c.header, "invalid", m));
        }
    }
    let columns: Vec<Vec<&str>> = (0..mcols.len())
        .map(|j| {
            pairs
                .iter()
                .filter(|(k, _)| *k == format!("m{j}"))
                .map(|(_, v)| v.as_str())
                .collect()
        })
        .collect();
    let nrows = columns.iter().map(Vec::len).max().unwrap_or(0);
    for row in 0..nrows {
        let mut mr = MaterialRow {
            item_code: def.code.clone(),
            material: Some(app::exchange::layout::blank_material()),
        };
        for (j, c) in mcols.iter().enumerate().skip(1) {
            let v = columns[j].get(row).copied().unwrap_or("");
            if let Err(m) = (c.set)(&mut mr, v) {
                errors.push(FieldError::new(
                    format!("materials[{row}].{}", c.header),
                    "invalid",
                    m,
                ));
            }
        }
        if let Some(m) = mr.material.filter(|m| !m.name.trim().is_empty()) {
            def.materials.push(m);
        }
    }
    read_rows(pairs, &mut def, &mut errors);
    (def, errors)
}

fn csrf_of(pairs: &[(String, String)]) -> &str {
    pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

async fn new_page(ctx: Ctx) -> Result<Response, WebError> {
    let cap = admin(&ctx)?;
    let mut def = blank_item();
    def.region = cap.scope().region.clone();
    def.department = cap.scope().department.clone().unwrap_or_default();
    render(&edit_page_for(
        &ctx,
        "新建事项".into(),
        "/admin/items/new".into(),
        &def,
        &[],
        false,
    ))
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    ctx.check_csrf(csrf_of(&pairs))?;
    let cap = admin(&ctx)?;
    let (def, errors) = definition_from_form(&pairs);
    let result = if errors.is_empty() {
        catalog::create(&s.app, &cap, def.clone()).await
    } else {
        Err(app::AppError::Validation(with_rule_errors(errors, &def)))
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/admin/items/{}?flash=created",
            urlencode(&def.code)
        ))
        .into_response()),
        Err(app::AppError::Validation(errors)) => Ok(unprocessable(render(&edit_page_for(
            &ctx,
            "新建事项".into(),
            "/admin/items/new".into(),
            &def,
            &errors,
            false,
        ))?)),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|x| x.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

async fn edit_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let cap = admin(&ctx)?;
    let (_, def) = catalog::editable(&s.app, &cap, &code).await?;
    render(&edit_page_for(
        &ctx,
        format!("编辑：{}", def.name),
        format!("/admin/items/{}/edit", urlencode(&code)),
        &def,
        &[],
        true,
    ))
}

/// Every problem at once: the values that could not be read, and the catalog rules that the
/// rest already breaks (a field that failed to read is not judged again).
fn with_rule_errors(
    mut errors: Vec<domain::FieldError>,
    def: &ItemDefinition,
) -> Vec<domain::FieldError> {
    let more = def.validate().err().unwrap_or_default();
    for e in more {
        if !errors.iter().any(|x| x.field == e.field) {
            errors.push(e);
        }
    }
    errors
}

async fn save(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    ctx.check_csrf(csrf_of(&pairs))?;
    let cap = admin(&ctx)?;
    let (mut def, errors) = definition_from_form(&pairs);
    def.code = code.clone();
    let result = if errors.is_empty() {
        catalog::save_draft(&s.app, &cap, &code, def.clone())
            .await
            .map(|_| ())
    } else {
        Err(app::AppError::Validation(with_rule_errors(errors, &def)))
    };
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/admin/items/{}?flash=saved", urlencode(&code))).into_response(),
        ),
        Err(app::AppError::Validation(errors)) => {
            let page = edit_page_for(
                &ctx,
                format!("编辑：{}", def.name),
                format!("/admin/items/{}/edit", urlencode(&code)),
                &def,
                &errors,
                true,
            );
            Ok(unprocessable(render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin_item.html")]
struct ItemPage {
    nav: Nav,
    item: ItemRow,
    name: String,
    versions: Vec<(i64, String, String, String)>,
    flash: String,
    problems: Vec<String>,
    /// What publishing the draft changes: (what, before, after).
    changes: Vec<(String, String, String)>,
}

async fn item_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let cap = admin(&ctx)?;
    let (item, def) = catalog::editable(&s.app, &cap, &code).await?;
    let all = catalog::versions(&s.app, &cap, &code).await?;
    let changes = match item.draft_version {
        Some(_) => {
            let current = item
                .current_version
                .and_then(|c| all.iter().find(|v| v.version == c))
                .map(|v| &v.definition);
            app::exchange::diff::changes(current, &def)
                .into_iter()
                .map(|c| (c.what, c.before, c.after))
                .collect()
        }
        None => vec![],
    };
    let versions = all
        .into_iter()
        .map(|v| {
            (
                v.version,
                v.status.label().to_string(),
                v.created_by,
                v.published_at.map(fmt_time).unwrap_or_default(),
            )
        })
        .collect();
    let mut problems = def.validate().err().unwrap_or_default();
    problems.extend(def.check_complete().err().unwrap_or_default());
    let problems = problems
        .iter()
        .map(|e| {
            let header = header_of_field(&e.field);
            if e.message.starts_with(header) {
                e.message.clone()
            } else {
                format!("{header}：{}", e.message)
            }
        })
        .collect();
    render(&ItemPage {
        nav: Nav::of(&ctx),
        name: def.name,
        item,
        versions,
        flash: flash_text(q.flash.as_deref()),
        problems,
        changes,
    })
}

/// Publish, retire or discard the draft: one form button each, the same shape.
async fn act(
    State(s): State<AppState>,
    Path((code, action)): Path<(String, String)>,
    Pressed(ctx): Pressed,
) -> Result<Response, WebError> {
    let cap = admin(&ctx)?;
    let flash = match action.as_str() {
        "publish" => catalog::publish(&s.app, &cap, &code)
            .await
            .map(|_| "published")?,
        "retire" => catalog::retire(&s.app, &cap, &code)
            .await
            .map(|_| "retired")?,
        "discard" => catalog::discard_draft(&s.app, &cap, &code)
            .await
            .map(|_| "discarded")?,
        _ => return Ok(super::not_found().await),
    };
    Ok(Redirect::to(&format!("/admin/items/{}?flash={flash}", urlencode(&code))).into_response())
}
