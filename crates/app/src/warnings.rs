//! 电子监察 warnings and 督办 notices for another system watching this platform (a provincial
//! 电子监察 platform, through the API): list with filters, read one, acknowledge. The scope
//! rules are the supervision page's: supervisors (and system administrators) see their region
//! and the regions below it; department staff see their own department's warnings only.

use domain::account::Role;
use domain::supervision::{DeadlineKind, Level};
use serde::{Deserialize, Serialize};
use store::supervision::{self as ss, NoticeRow, WarningFilter, WarningRow};

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// A warning with what a watcher needs to act on it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = SupervisionWarning))]
pub struct Warning {
    pub id: String,
    pub case_id: String,
    pub case_number: String,
    /// `decision`, `verification`, …: which deadline (`kind_label` in Chinese).
    pub kind: String,
    pub kind_label: String,
    /// `yellow` before the deadline, `red` after it.
    pub level: String,
    pub level_label: String,
    /// The deadline, YYYY-MM-DD.
    pub due_date: String,
    pub region: String,
    pub department: String,
    pub department_name: String,
    /// `open`, `acknowledged` or `cleared`.
    pub state: String,
    pub raised_at: i64,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
    pub cleared_at: Option<i64>,
    pub cleared_reason: String,
    /// 督办 notices sent on it (only in the answer for one warning).
    pub notices: Vec<Notice>,
}

/// A 督办 notice.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = SupervisionNotice))]
pub struct Notice {
    pub id: String,
    pub warning_id: String,
    pub case_id: String,
    pub department: String,
    pub message: String,
    pub sent_by: String,
    pub sent_at: i64,
    pub resolved_by: Option<String>,
    pub resolution: String,
    pub resolved_at: Option<i64>,
}

impl From<NoticeRow> for Notice {
    fn from(n: NoticeRow) -> Notice {
        Notice {
            id: n.id,
            warning_id: n.warning_id,
            case_id: n.case_id,
            department: n.department,
            message: n.message,
            sent_by: n.sent_by,
            sent_at: n.sent_at,
            resolved_by: n.resolved_by,
            resolution: n.resolution,
            resolved_at: n.resolved_at,
        }
    }
}

/// The filters of a list; all optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WarningQuery {
    /// A region code: that region and those below it (within the reader's own).
    pub region: Option<String>,
    pub department: Option<String>,
    /// `yellow` or `red`.
    pub level: Option<String>,
    /// `open`, `acknowledged` or `cleared`.
    pub state: Option<String>,
    /// 1 to 500 (default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Who reads: a supervisor of a region, or the staff of one department.
enum Reader<'a> {
    Supervisor {
        id: &'a str,
        region: &'a str,
    },
    Department {
        region: &'a str,
        department: &'a str,
    },
}

fn reader(actor: &Actor) -> Result<Reader<'_>> {
    let Actor::Staff { id, scope, .. } = actor else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("电子监察只对工作人员开放".into()),
        });
    };
    if actor.has_role(Role::Supervisor) || actor.has_role(Role::SystemAdmin) {
        return Ok(Reader::Supervisor {
            id,
            region: &scope.region,
        });
    }
    match scope.department.as_deref() {
        Some(d) => Ok(Reader::Department {
            region: &scope.region,
            department: d,
        }),
        None => Err(AppError::Forbidden(
            "电子监察只对监察人员和部门工作人员开放".into(),
        )),
    }
}

impl Reader<'_> {
    fn sees(&self, w: &WarningRow) -> bool {
        match self {
            Reader::Supervisor { region, .. } => w.region.starts_with(region),
            Reader::Department { region, department } => {
                w.department == *department && w.region.starts_with(region)
            }
        }
    }
}

fn state_of(w: &WarningRow) -> &'static str {
    match (w.cleared_at, w.acknowledged_at) {
        (Some(_), _) => "cleared",
        (None, Some(_)) => "acknowledged",
        (None, None) => "open",
    }
}

async fn view(
    app: &App,
    conn: &mut store::Connection,
    w: WarningRow,
    notices: Vec<NoticeRow>,
) -> Result<Warning> {
    let department_name = app.department_name(conn, &w.department).await;
    let level = if w.level == "red" {
        Level::Red
    } else {
        Level::Yellow
    };
    Ok(Warning {
        kind_label: DeadlineKind::parse(&w.kind)
            .map(|k| k.label())
            .unwrap_or("")
            .into(),
        level_label: level.label().into(),
        state: state_of(&w).into(),
        department_name,
        notices: notices.into_iter().map(Notice::from).collect(),
        id: w.id,
        case_id: w.case_id,
        case_number: w.case_number,
        kind: w.kind,
        level: w.level,
        due_date: w.due_date,
        region: w.region,
        department: w.department,
        raised_at: w.raised_at,
        acknowledged_by: w.acknowledged_by,
        acknowledged_at: w.acknowledged_at,
        cleared_at: w.cleared_at,
        cleared_reason: w.cleared_reason,
    })
}

/// Warnings the reader may see, filtered, newest first.
pub async fn list(app: &App, actor: &Actor, q: &WarningQuery) -> Result<Vec<Warning>> {
    let who = reader(actor)?;
    let mut errors = Vec::new();
    let bad = |field: &str, message: &str| domain::FieldError {
        field: field.into(),
        code: "invalid",
        message: message.into(),
    };
    let level = q.level.clone().filter(|l| !l.is_empty());
    if level
        .as_deref()
        .is_some_and(|l| l != "yellow" && l != "red")
    {
        errors.push(bad("level", "预警级别应为 yellow（黄色）或 red（红色）"));
    }
    let state = q.state.clone().filter(|s| !s.is_empty());
    if state
        .as_deref()
        .is_some_and(|s| !matches!(s, "open" | "acknowledged" | "cleared"))
    {
        errors.push(bad("state", "状态应为 open、acknowledged 或 cleared"));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        errors.push(bad("limit", "每页条数应在 1 到 500 之间"));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        errors.push(bad("offset", "偏移量不能为负数"));
    }
    let region = q.region.clone().filter(|r| !r.is_empty());
    if region
        .as_deref()
        .is_some_and(|r| !r.bytes().all(|b| b.is_ascii_digit()) || r.len() > 12)
    {
        errors.push(bad("region", "区划代码应为数字"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (own_region, department) = match &who {
        Reader::Supervisor { region, .. } => {
            (*region, q.department.clone().filter(|d| !d.is_empty()))
        }
        Reader::Department { region, department } => (*region, Some(department.to_string())),
    };
    // A region outside the reader's own is refused, not silently narrowed.
    let prefix = match region {
        Some(r) if r.starts_with(own_region) => r,
        Some(r) if own_region.starts_with(&r) => own_region.to_string(),
        Some(_) => return Err(AppError::Forbidden("只能查看本区划及下级区划的预警".into())),
        None => own_region.to_string(),
    };
    let mut conn = app.store.conn().await?;
    let rows = ss::warnings(
        &mut conn,
        &WarningFilter {
            region_prefix: prefix,
            department,
            level,
            state,
            limit,
            offset,
        },
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for w in rows.into_iter().filter(|w| who.sees(w)) {
        out.push(view(app, &mut conn, w, Vec::new()).await?);
    }
    Ok(out)
}

/// One warning with its 督办 notices; "not found" outside the reader's scope.
pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<Warning> {
    let who = reader(actor)?;
    let mut conn = app.store.conn().await?;
    let w = ss::get_warning(&mut conn, id)
        .await?
        .filter(|w| who.sees(w))
        .ok_or_else(|| AppError::NotFound("该预警".into()))?;
    let notices = ss::notices_of_warning(&mut conn, &w.id).await?;
    view(app, &mut conn, w, notices).await
}

/// A supervisor (or the system watching through a supervisor's account) takes note of an
/// open warning: it stays open until the case moves, but shows who has seen it.
pub async fn acknowledge(app: &App, actor: &Actor, id: &str) -> Result<Warning> {
    let who = reader(actor)?;
    let Reader::Supervisor { id: by, .. } = &who else {
        return Err(AppError::Forbidden("只有电子监察人员可以确认预警".into()));
    };
    let mut tx = app.store.begin().await?;
    let w = ss::get_warning(&mut tx, id)
        .await?
        .filter(|w| who.sees(w))
        .ok_or_else(|| AppError::NotFound("该预警".into()))?;
    if !ss::acknowledge(&mut tx, &w.id, by, app.now_ms()).await? {
        return Err(AppError::State(match w.cleared_at {
            Some(_) => "该预警已解除，无需确认".into(),
            None => "该预警已被确认".into(),
        }));
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    get(app, actor, id).await
}
