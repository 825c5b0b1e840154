//! 免提交: licenses the applicant holds and shared data attached to a new application in place
//! of materials (trust level A), what the window sees is covered (一证通办), and the statistics
//! of materials avoided.

use std::collections::BTreeMap;

use domain::calendar::china_date;
use domain::case::{Case, Provision};
use domain::catalog::ItemDefinition;
use store::Connection;
use store::licenses::{self as sl, UseRow};

use super::*;
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// Attaches valid licenses to a new case's materials that name their type, each from the
/// wallet it belongs in (the subject's, or the applicant's for their own papers), and
/// pre-fills empty form fields from them. Returns each use with its reason, for the caller
/// to log in the write that creates the case. `applicant_login` is passed in: a walk-in's
/// account is written with the case, after this.
pub async fn attach(
    conn: &mut Connection,
    app: &App,
    case: &mut Case,
    def: &ItemDefinition,
    actor_id: &str,
    applicant_login: &str,
) -> Result<Vec<UseRow>> {
    let wallet = readable_subject(conn, &case.subject, &case.applicant_id, applicant_login).await?;
    let today = iso(china_date(app.now()));
    let mut attached = Vec::new();
    for m in def.materials.iter().filter(|m| !m.license_type.is_empty()) {
        let name = crate::TypeKey::Name(m.license_type.clone());
        let Some(t) = app.license_type(conn, name).await? else {
            continue;
        };
        let Some(holder) = material_holder(m, wallet.as_deref(), applicant_login) else {
            continue;
        };
        let Some(l) = sl::valid_of_type(conn, holder, &t.code, &today)
            .await?
            .into_iter()
            .next()
        else {
            continue;
        };
        case.materials.insert(
            m.name.clone(),
            Provision::License {
                license_id: l.id.clone(),
                type_name: t.name.clone(),
                number: l.number.clone(),
            },
        );
        let fields: BTreeMap<String, String> = serde_json::from_str(&l.fields).map_err(internal)?;
        for (k, v) in t.prefill(&fields) {
            if def.form.iter().any(|f| f.key == k) {
                case.form.entry(k).or_insert(v);
            }
        }
        attached.push(UseRow {
            license_id: l.id.clone(),
            case_id: case.id.to_string(),
            material: m.name.clone(),
            department: def.department.clone(),
            actor: actor_id.to_string(),
            reason: domain::license::use_reason(&def.name, &m.name),
            at: app.now_ms(),
        });
    }
    Ok(attached)
}

/// Materials a shared-data source confirms for whose paper each is (see [`material_holder`];
/// `subject_wallet` from [`readable_subject`]),
/// and the sources that failed (the application goes on without them; those materials stay
/// to be provided).
pub async fn shared_provisions(
    app: &App,
    def: &ItemDefinition,
    subject_wallet: Option<&str>,
    applicant_login: &str,
) -> (BTreeMap<String, Provision>, Vec<String>) {
    let mut found = BTreeMap::new();
    let mut failed = Vec::new();
    for m in def
        .materials
        .iter()
        .filter(|m| !m.shared_data_source.is_empty())
    {
        let Some(holder_id) = material_holder(m, subject_wallet, applicant_login) else {
            continue;
        };
        match app.shared.lookup(&m.shared_data_source, holder_id).await {
            Ok(Some(r)) => {
                found.insert(
                    m.name.clone(),
                    Provision::Shared {
                        source: r.source,
                        summary: r.summary,
                    },
                );
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!("shared data: {e}");
                failed.push(e.to_string());
            }
        }
    }
    (found, failed)
}

/// One material of an item as the window sees it for a holder (一证通办).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Coverage {
    pub material: String,
    pub mandatory: bool,
    /// How the government already provides it, or None when it must be submitted.
    pub provided_by: Option<String>,
}

/// 一证通办 at the window: from an ID number, a credit code or a scanned license QR, which
/// materials of the item the register and shared data already satisfy and which remain.
/// Only window clerks of the item's region may ask; each lookup is logged.
pub async fn coverage(
    app: &App,
    actor: &Actor,
    item_code: &str,
    who: &str,
) -> Result<(String, Vec<Coverage>)> {
    let Actor::Staff {
        roles, scope, id, ..
    } = actor
    else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("只有窗口工作人员可以查询".into()),
        });
    };
    if !roles.contains(&domain::account::Role::Clerk) {
        return Err(AppError::Forbidden("只有综窗受理人员可以查询".into()));
    }
    let mut conn = app.store.conn().await?;
    let item = store::catalog::find_item(&mut conn, item_code.trim())
        .await?
        .and_then(|i| i.current_version)
        .ok_or_else(|| {
            AppError::field(
                "item",
                "unknown",
                format!("事项 {} 不存在或未发布", item_code.trim()),
            )
        })?;
    let def = store::catalog::get_version(&mut conn, item_code.trim(), item)
        .await?
        .definition;
    if !scope.covers(&def.region, None) {
        return Err(AppError::Forbidden("只能查询本区划的事项".into()));
    }
    let holder = resolve_holder(&mut conn, app, who).await?;
    let today = iso(china_date(app.now()));
    let mut rows = Vec::new();
    for m in &def.materials {
        let mut provided_by = None;
        if !m.license_type.is_empty()
            && let Some(t) = sl::type_by_name(&mut conn, &m.license_type).await?
            && let Some(l) = sl::valid_of_type(&mut conn, &holder, &t.code, &today)
                .await?
                .into_iter()
                .next()
        {
            provided_by = Some(format!("电子证照：{} {}", t.name, l.number));
        }
        rows.push(Coverage {
            material: m.name.clone(),
            mandatory: m.mandatory,
            provided_by,
        });
    }
    drop(conn);
    let (shared, failed) = shared_provisions(app, &def, Some(&holder), &holder).await;
    for r in rows.iter_mut().filter(|r| r.provided_by.is_none()) {
        if let Some(Provision::Shared { source, summary }) = shared.get(&r.material) {
            r.provided_by = Some(format!("共享数据（{source}）：{summary}"));
        }
    }
    if !failed.is_empty() {
        tracing::warn!(clerk = %id, "coverage lookup with unavailable sources: {}", failed.join("；"));
    }
    tracing::info!(clerk = %id, item = %def.code, "一证通办 lookup");
    store::cases::log_access(
        &app.store,
        &store::cases::Access {
            at: app.now_ms(),
            actor: id,
            subject: &holder,
            record: &format!("coverage:{}", def.code),
            what: &format!("一证通办查询证照和共享数据（{}）", def.name),
        },
    )
    .await?;
    Ok((def.name, rows))
}

/// The holder identifier from what the clerk entered: an ID number or credit code as is,
/// or a license QR text, whose license names its holder in the register.
pub(super) async fn resolve_holder(conn: &mut Connection, app: &App, who: &str) -> Result<String> {
    let who = who.trim();
    if who.contains("OWL1.") {
        let v = verify(app, who).await?;
        let core = match (v.status, v.core) {
            ("valid", Some(core)) => core,
            (_, _) => {
                return Err(AppError::field(
                    "who",
                    "invalid",
                    format!("证照二维码无效：{}", v.reason.unwrap_or_default()),
                ));
            }
        };
        let l = sl::get_license(conn, &core.id)
            .await?
            .ok_or_else(|| AppError::field("who", "unknown", "登记簿中没有该证照"))?;
        return Ok(l.holder_id);
    }
    let upper = who.to_uppercase();
    if domain::ids::IdNumber::parse(&upper).is_ok()
        || domain::ids::CreditCode::parse_lenient(&upper).is_ok()
    {
        return Ok(upper);
    }
    Err(AppError::field(
        "who",
        "invalid",
        "请输入有效的公民身份号码、统一社会信用代码，或扫描亮证二维码",
    ))
}

/// 免提交 statistics: materials avoided per department, item and way (license or shared
/// data) over a period of at most a year. Staff see their own department, or their whole
/// region when they are not bound to one.
pub async fn avoided_stats(
    app: &App,
    actor: &Actor,
    from: &str,
    to: &str,
) -> Result<Vec<serde_json::Value>> {
    let Actor::Staff { scope, .. } = actor else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("统计只对工作人员开放".into()),
        });
    };
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let day = |field: &str, v: &str| {
        time::Date::parse(v.trim(), fmt).map_err(|_| {
            AppError::field(field, "invalid", format!("“{v}”不是 YYYY-MM-DD 格式的日期"))
        })
    };
    let (from, to) = (day("from", from)?, day("to", to)?);
    if to <= from {
        return Err(AppError::field("to", "invalid", "结束日期应晚于开始日期"));
    }
    if (to - from).whole_days() > 366 {
        return Err(AppError::field("to", "too_long", "统计区间最长一年"));
    }
    let ms = |d: time::Date| {
        store::millis(
            d.with_time(time::Time::MIDNIGHT)
                .assume_offset(domain::calendar::CHINA_OFFSET),
        )
    };
    let mut conn = app.store.conn().await?;
    let rows = sl::avoided_counts(&mut conn, scope.department.as_deref(), ms(from), ms(to)).await?;
    let mut out = Vec::new();
    for r in rows {
        let dept = store::org::get_department(&mut conn, &r.department).await?;
        if !scope.covers(&dept.region, Some(&dept.code)) {
            continue;
        }
        let item = store::catalog::find_item(&mut conn, &r.item_code).await?;
        out.push(serde_json::json!({
            "department": dept.code, "department_name": dept.name, "item_code": r.item_code,
            "item_name": item.map(|i| i.name).unwrap_or_default(), "via": r.via, "count": r.count,
        }));
    }
    Ok(out)
}
