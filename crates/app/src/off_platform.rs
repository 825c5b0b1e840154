//! 体外循环 in the app: the scan that raises suspicions (run with 电子监察's scan), the list a
//! supervisor reads with the evidence, and the supervisor's judgement (confirmed or dismissed,
//! with a note). Confirmed suspicions count against the department in 考核.

use domain::account::Role;
use domain::off_platform::{self as op, Entry, Rules, Served, Signal};
use store::off_platform::SuspicionRow;

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// `meta` key: cases changed up to this time (ms) have been examined.
pub const SCANNED_TO: &str = "off_platform_scanned_to";

/// A suspicion as the supervision page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SuspicionView {
    pub row: SuspicionRow,
    pub signal_label: &'static str,
    pub staff_name: String,
    pub department_name: String,
    pub state_label: &'static str,
    /// The viewer may confirm or dismiss it now.
    pub may_decide: bool,
}

fn supervises(actor: &Actor, region: &str) -> bool {
    let Actor::Staff { scope, .. } = actor else {
        return false;
    };
    (actor.has_role(Role::Supervisor) || actor.has_role(Role::SystemAdmin))
        && scope.covers_region(region)
}

/// Examines the cases changed since the last scan (and the window cases entered in the last
/// burst span, so a burst across two scans is seen whole) and raises what they show.
pub async fn scan(app: &App) -> Result<usize> {
    let rules = Rules::default();
    let now = app.now_ms();
    let mut c = app.store.conn().await?;
    let mark = match store::db::meta_value(&mut c, SCANNED_TO).await? {
        0 => now - 30 * 86_400_000,
        m => m,
    };
    let span = rules.burst_minutes * 60_000;
    const PAGE: i64 = 20_000;
    let rows = store::off_platform::cases_since(&mut c, mark, mark - span, PAGE).await?;
    // A full page: the next scan goes on from its last change rather than skipping the rest.
    let next_mark = match rows.last() {
        Some(last) if rows.len() as i64 == PAGE => last.changed,
        _ => now,
    };
    let served = store::off_platform::served_unlinked(&mut c, mark - 30 * 86_400_000)
        .await?
        .into_iter()
        .map(|(ticket, hall, account, at)| Served {
            ticket,
            account,
            hall,
            finished_at: store::from_millis(at),
        })
        .collect::<Vec<_>>();
    let mut entries = Vec::with_capacity(rows.len());
    for r in &rows {
        let (case, by) = (&r.case, &r.entered_by);
        let item = crate::cases::item_version(app, &mut c, case).await?;
        let steps = item.workflow.steps_for(item.case_type).len();
        entries.push(Entry {
            case_id: case.id.to_string(),
            number: case.number.to_string(),
            applicant: case.applicant_id.to_string(),
            entered_by: by.clone(),
            at_window: case.channel == domain::case::Channel::Window,
            entered_at: case.created_at,
            accepted_at: case.accepted_at,
            decided_at: case.decision.as_ref().map(|d| d.at),
            decided_by: r.decided_by.clone().unwrap_or_default(),
            review_steps: if item.case_type == domain::catalog::CaseType::Instant {
                0
            } else {
                steps
            },
            by_rule: case.decision.as_ref().is_some_and(|d| d.by_rule.is_some()),
        });
    }
    drop(c);
    let found = op::detect(&entries, &served, &rules);
    let mut tx = app.store.begin().await?;
    let mut raised = 0;
    for s in found {
        let Some(r) = rows.iter().find(|r| r.case.id.as_str() == s.case_id) else {
            continue;
        };
        let case = &r.case;
        // Cases read only for the burst span were examined before for the other signals.
        if s.signal != Signal::Burst && r.changed <= mark {
            continue;
        }
        let row = SuspicionRow {
            id: uuid::Uuid::now_v7().to_string(),
            signal: s.signal.as_str().into(),
            case_id: s.case_id.clone(),
            case_number: case.number.to_string(),
            staff: s.staff.clone(),
            region: case.region.clone(),
            department: case.department.to_string(),
            evidence: s.evidence.clone(),
            raised_at: now,
            ..SuspicionRow::default()
        };
        raised += usize::from(store::off_platform::raise(&mut tx, &row).await?);
    }
    store::db::set_meta(&mut tx, SCANNED_TO, next_mark).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(raised)
}

/// The suspicions in the supervisor's region, open ones first.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<SuspicionView>> {
    if !(actor.has_role(Role::Supervisor) || actor.has_role(Role::SystemAdmin)) {
        return Err(AppError::Forbidden("体外循环疑点只对监察人员开放".into()));
    }
    let mut c = app.store.conn().await?;
    let rows = store::off_platform::list(&mut c, 500).await?;
    let mut out = Vec::new();
    for row in rows.into_iter().filter(|r| supervises(actor, &r.region)) {
        let staff_name = match app.account(&mut c, &row.staff).await {
            Ok(a) => a.display_name.clone(),
            Err(_) => row.staff.clone(),
        };
        let department_name = app.department_name(&mut c, &row.department).await;
        out.push(SuspicionView {
            signal_label: Signal::parse(&row.signal).map_or("", |s| s.label()),
            state_label: match row.state.as_str() {
                "confirmed" => "已认定为体外循环",
                "dismissed" => "已排除",
                _ => "待核查",
            },
            may_decide: row.state == "open",
            staff_name,
            department_name,
            row,
        });
    }
    Ok(out)
}

/// A supervisor of the case's region confirms (`Some(true)`) or dismisses a suspicion, saying
/// why; `None` is a form that chose neither.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: &str,
    confirm: Option<bool>,
    note: &str,
) -> Result<()> {
    let mut tx = app.store.begin().await?;
    let row = store::off_platform::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("体外循环疑点".into()))?;
    if !supervises(actor, &row.region) {
        return Err(AppError::Forbidden(
            "只有办件所在地区的监察人员可以核查体外循环疑点".into(),
        ));
    }
    let Some(confirm) = confirm else {
        return Err(AppError::field("verdict", "required", "请选择认定或排除"));
    };
    let note = note.trim();
    if note.chars().count() < 4 {
        return Err(AppError::field(
            "note",
            "required",
            "请写明核查情况（至少 4 个字），认定和排除都需要说明理由",
        ));
    }
    if note.chars().count() > 500 {
        return Err(AppError::field(
            "note",
            "too_long",
            "核查情况不能超过 500 个字",
        ));
    }
    let state = if confirm { "confirmed" } else { "dismissed" };
    let Actor::Staff { id: by, .. } = actor else {
        return Err(AppError::Unauthenticated);
    };
    if !store::off_platform::decide(&mut tx, id, state, by, app.now_ms(), note).await? {
        return Err(AppError::State("该疑点已核查，不能再次认定或排除".into()));
    }
    crate::audit::admin(
        &mut tx,
        app,
        by,
        "off_platform_decided",
        id,
        serde_json::json!({"case": row.case_id, "signal": row.signal, "state": state, "note": note}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
