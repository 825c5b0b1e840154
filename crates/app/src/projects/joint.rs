//! The clock's holds and the joint steps (联合审图, 联合验收) of a project. The window and the
//! departments handling the project record holds; the lead department opens and closes a joint step, each
//! taking department gives its opinion; a step sent back holds the clock (整改) until the
//! owner resubmits.

use domain::calendar::china_date;
use domain::project::joint::{JointKind, JointState, Step};
use domain::project::{Hold, HoldReason};
use store::projects::{HoldRow, JointRow, ProjectRow};

use super::{ProjectView, acts_for_owner, agent, hold_of, json, load, parse, project};
use crate::auth::Actor;
use crate::{App, AppError, Result};
use domain::account::Role;

pub(super) async fn hold_views(
    c: &mut store::Connection,
    code: &str,
) -> Result<Vec<super::HoldView>> {
    store::projects::holds(c, code)
        .await?
        .iter()
        .map(|h| {
            let hold = hold_of(code, h)?;
            Ok(super::HoldView {
                id: h.id.clone(),
                label: hold.reason.label(),
                hold,
            })
        })
        .collect()
}

/// Staff covering the project's region, or why not.
fn staff_over<'a>(
    actor: &'a Actor,
    p: &ProjectRow,
) -> Result<(&'a str, &'a domain::account::StaffScope)> {
    match actor {
        Actor::Staff { id, scope, .. } if scope.covers_region(&p.region) => Ok((id, scope)),
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden(
            "只有项目所在地的工作人员可以操作".into(),
        )),
    }
}

/// A reviewer or approver of a department covering the project's region: who takes part in
/// joint steps. Returns the department.
fn reviewer_over(actor: &Actor, p: &ProjectRow) -> Result<String> {
    let (_, scope) = staff_over(actor, p)?;
    let reviews = matches!(actor, Actor::Staff { roles, .. }
        if roles.iter().any(|r| matches!(r, Role::Reviewer | Role::Approver)));
    match &scope.department {
        Some(d) if reviews => Ok(d.clone()),
        _ => Err(AppError::Forbidden(
            "联合审查由参加部门的审查、审批人员办理".into(),
        )),
    }
}

/// Whether `actor` may record holds on the project; the pages ask before they judge the form.
pub async fn add_hold_allowed(app: &App, actor: &Actor, code: &str) -> Result<()> {
    let mut c = app.store.conn().await?;
    let p = load(&mut c, actor, code).await?;
    holds_clock(app, &mut c, actor, &p).await.map(|_| ())
}

/// Who may stop and restart the project's clock: the window (clerks covering its region, who
/// send 补正 notices and take resubmissions) and staff of the departments handling it (members
/// of a started stage, or taking part in a joint step). Anyone else could flatter the
/// government's figures by holding a clock. Returns the actor's id.
async fn holds_clock<'a>(
    app: &App,
    c: &mut store::Connection,
    actor: &'a Actor,
    p: &ProjectRow,
) -> Result<&'a str> {
    let (id, scope) = staff_over(actor, p)?;
    let clerk = matches!(actor, Actor::Staff { roles, .. } if roles.contains(&Role::Clerk));
    if clerk {
        return Ok(id);
    }
    if let Some(d) = &scope.department {
        for s in store::projects::stages(c, &p.code).await? {
            if s.parent_id.starts_with(super::PENDING) {
                continue;
            }
            if crate::bundles::build(app, c, &s.parent_id)
                .await?
                .2
                .contains(d)
            {
                return Ok(id);
            }
        }
        for j in store::projects::joints(c, &p.code).await? {
            let step: Step = parse(&p.code, &j.step)?;
            if step.departments.contains(d) {
                return Ok(id);
            }
        }
    }
    Err(AppError::Forbidden(
        "暂停计时由综合窗口或承办本项目的部门记录".into(),
    ))
}

/// Staff record that the file is with the enterprise or a third party from `from`.
pub async fn add_hold(
    app: &App,
    actor: &Actor,
    code: &str,
    reason: HoldReason,
    from: time::Date,
    note: &str,
) -> Result<ProjectView> {
    let mut tx = app.store.begin().await?;
    let p = load(&mut tx, actor, code).await?;
    let by = holds_clock(app, &mut tx, actor, &p).await?;
    if note.trim().is_empty() {
        return Err(AppError::field("note", "required", "请写明暂停计时的事由"));
    }
    if !HoldReason::RECORDED.contains(&reason) {
        return Err(AppError::field(
            "reason",
            "derived",
            "阶段之间的企业准备时间由系统按各阶段的申报、办结日期自动扣除，无需登记",
        ));
    }
    let today = china_date(app.now());
    if from > today {
        return Err(AppError::field(
            "from",
            "future",
            "暂停计时不能从将来的日期开始",
        ));
    }
    insert_hold(&mut tx, app, &p.code, reason, from, note.trim(), by).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    project(app, actor, &p.code).await
}

async fn insert_hold(
    tx: &mut store::Connection,
    app: &App,
    code: &str,
    reason: HoldReason,
    from: time::Date,
    note: &str,
    by: &str,
) -> Result<()> {
    let row = HoldRow {
        id: uuid::Uuid::now_v7().to_string(),
        project_code: code.to_string(),
        reason: reason.as_str().into(),
        from_day: from.to_string(),
        to_day: String::new(),
        note: note.to_string(),
        created_by: by.to_string(),
        created_at: app.now_ms(),
    };
    store::projects::add_hold(tx, &row).await?;
    Ok(())
}

/// Ends an open hold on `to` (the file is back with the government the day after).
pub async fn end_hold(
    app: &App,
    actor: &Actor,
    code: &str,
    id: &str,
    to: time::Date,
) -> Result<ProjectView> {
    let mut tx = app.store.begin().await?;
    let p = load(&mut tx, actor, code).await?;
    holds_clock(app, &mut tx, actor, &p).await?;
    let open = store::projects::holds(&mut tx, &p.code)
        .await?
        .into_iter()
        .find(|h| h.id == id && h.to_day.is_empty())
        .ok_or_else(|| AppError::State("该暂停计时已结束或不存在".into()))?;
    let hold: Hold = hold_of(&p.code, &open)?;
    if to < hold.from || to > china_date(app.now()) {
        return Err(AppError::field(
            "to",
            "range",
            "结束日期应在开始日期和今天之间",
        ));
    }
    store::projects::end_hold(&mut tx, &p.code, id, &to.to_string()).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    project(app, actor, &p.code).await
}

async fn step_of(
    tx: &mut store::Connection,
    p: &ProjectRow,
    kind: JointKind,
) -> Result<(Step, i64)> {
    let row = store::projects::joints(tx, &p.code)
        .await?
        .into_iter()
        .find(|j| j.kind == kind.as_str())
        .ok_or_else(|| AppError::NotFound(kind.label().into()))?;
    Ok((parse(&p.code, &row.step)?, row.version))
}

async fn save(tx: &mut store::Connection, p: &ProjectRow, step: &Step, version: i64) -> Result<()> {
    let row = JointRow {
        project_code: p.code.clone(),
        kind: step.kind.as_str().into(),
        step: json(step)?,
        version,
    };
    if !store::projects::update_joint(tx, &row).await? {
        return Err(AppError::Conflict {
            field: "step".into(),
            message: format!("{}刚被他人更新，请刷新后重试", step.kind.label()),
        });
    }
    Ok(())
}

/// The lead department (the acting staff member's) opens a joint step with the departments
/// taking part.
pub async fn open_joint(
    app: &App,
    actor: &Actor,
    code: &str,
    kind: JointKind,
    departments: &[String],
) -> Result<ProjectView> {
    let mut tx = app.store.begin().await?;
    let p = load(&mut tx, actor, code).await?;
    let lead = reviewer_over(actor, &p)?;
    let step = Step::new(kind, &lead, departments)?;
    for d in &step.departments {
        if store::org::get_department(&mut tx, d).await.is_err() {
            return Err(AppError::field(
                "departments",
                "unknown",
                format!("部门 {d} 不存在"),
            ));
        }
    }
    let row = JointRow {
        project_code: p.code.clone(),
        kind: kind.as_str().into(),
        step: json(&step)?,
        version: 1,
    };
    if !store::projects::open_joint(&mut tx, &row).await? {
        return Err(AppError::State(format!("本项目的{}已经发起", kind.label())));
    }
    let text = format!(
        "{}已发起，{} 个部门参加",
        kind.label(),
        step.departments.len()
    );
    agent::remind(&mut tx, app, &p, &text).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    project(app, actor, &p.code).await
}

/// A taking department gives (or corrects) its opinion on the open round.
pub async fn opine(
    app: &App,
    actor: &Actor,
    code: &str,
    kind: JointKind,
    pass: bool,
    points: &[String],
) -> Result<ProjectView> {
    let (mut r, dept) = Round::open(app, actor, code, kind, By::Reviewer).await?;
    if !r.step.departments.contains(&dept) {
        return Err(AppError::Forbidden(format!(
            "本部门不参加此次{}",
            kind.label()
        )));
    }
    r.step.opine(&dept, pass, points, actor.display_name())?;
    r.finish(app, actor).await
}

/// The lead department closes the round: passed, or sent back with one notice of every
/// department's points; the clock is held (整改) from today until the owner resubmits.
pub async fn close_joint(
    app: &App,
    actor: &Actor,
    code: &str,
    kind: JointKind,
) -> Result<ProjectView> {
    let (mut r, dept) = Round::open(app, actor, code, kind, By::Reviewer).await?;
    if dept != r.step.lead {
        return Err(AppError::Forbidden("只有牵头部门可以作出综合决定".into()));
    }
    let lead = r.step.lead.clone();
    let state = r.step.close(&lead)?;
    let (tx, p) = (&mut r.tx, &r.p);
    if state == JointState::Rectifying {
        let points: usize = r.step.notice.values().map(Vec::len).sum();
        let note = format!(
            "{}第 {} 轮退回整改，共 {points} 条整改要求",
            kind.label(),
            r.step.round
        );
        let today = china_date(app.now());
        let by = actor_id(actor);
        insert_hold(
            tx,
            app,
            &p.code,
            HoldReason::Rectification,
            today,
            &note,
            by,
        )
        .await?;
        let text = format!("{note}，请整改后重新提交（整改期间不计入政府用时）");
        agent::remind(tx, app, p, &text).await?;
    } else {
        let text = format!("{}已通过", kind.label());
        agent::remind(tx, app, p, &text).await?;
    }
    r.finish(app, actor).await
}

/// The owner (or its agent) resubmits after rectifying: the hold ends today and a new round
/// opens.
pub async fn resubmit(
    app: &App,
    actor: &Actor,
    code: &str,
    kind: JointKind,
) -> Result<ProjectView> {
    let (mut r, _) = Round::open(app, actor, code, kind, By::Owner).await?;
    r.step.resubmit()?;
    let today = china_date(app.now()).to_string();
    let code = r.p.code.as_str();
    for h in store::projects::holds(&mut r.tx, code).await? {
        if h.to_day.is_empty() && h.reason == HoldReason::Rectification.as_str() {
            store::projects::end_hold(&mut r.tx, code, &h.id, &today).await?;
        }
    }
    r.finish(app, actor).await
}

/// Who may change a joint step: a reviewing department over the project, or the owner (or
/// its agent).
enum By {
    Reviewer,
    Owner,
}

/// A joint step read for a change, in the transaction that will write it, with the version
/// it was read at.
struct Round {
    tx: store::Tx,
    p: ProjectRow,
    step: Step,
    version: i64,
}

impl Round {
    /// Reads the project and its `kind` step once `actor` is found to act `by` right; with
    /// the reviewer's department (empty for the owner).
    async fn open(
        app: &App,
        actor: &Actor,
        code: &str,
        kind: JointKind,
        by: By,
    ) -> Result<(Round, String)> {
        let mut tx = app.store.begin().await?;
        let p = load(&mut tx, actor, code).await?;
        let dept = match by {
            By::Reviewer => reviewer_over(actor, &p)?,
            By::Owner if acts_for_owner(&mut tx, app, actor, &p).await? => String::new(),
            By::Owner => {
                return Err(AppError::Forbidden(
                    "整改后由建设单位或其代办员重新提交".into(),
                ));
            }
        };
        let (step, version) = step_of(&mut tx, &p, kind).await?;
        let round = Round {
            tx,
            p,
            step,
            version,
        };
        Ok((round, dept))
    }

    /// Saves the step (refused if someone else changed it since) and commits; the project as
    /// the actor now sees it.
    async fn finish(mut self, app: &App, actor: &Actor) -> Result<ProjectView> {
        save(&mut self.tx, &self.p, &self.step, self.version).await?;
        self.tx.commit().await.map_err(store::StoreError::from)?;
        project(app, actor, &self.p.code).await
    }
}

fn actor_id(actor: &Actor) -> &str {
    match actor {
        Actor::Staff { id, .. } | Actor::Applicant { id, .. } => id,
        Actor::Anonymous => "",
    }
}
