//! 通知公告, 政策解读 and news: editors (事项管理员 covering the post's department and region)
//! write and submit; another editor of that scope publishes or returns it; the portal shows
//! what is published between its publication and expiry times, and finds it by search.
//! Drafts, posts in review and those scheduled or expired are the editors' alone.

mod index;

pub use index::PostIndex;

use domain::content::{self as ct, Action, PostDraft, PostKind, PostState, Showing};
use store::posts::PostRow;

use crate::auth::{Actor, CatalogAdmin};
use crate::{App, AppError, Result};

/// A post as pages show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PostView {
    pub id: String,
    pub kind: PostKind,
    pub state: PostState,
    pub showing: Showing,
    pub title: String,
    pub body: String,
    pub department: String,
    pub department_name: String,
    pub region: String,
    pub pinned: bool,
    pub publish_at: i64,
    pub expires_at: i64,
    pub review_note: String,
    /// Linked policies as (id, title) and items as (code, name).
    pub policies: Vec<(String, String)>,
    pub items: Vec<(String, String)>,
    /// The actor edits posts of this scope.
    pub editor: bool,
    /// The actor may approve or return it now (in review, submitted by someone else).
    pub may_review: bool,
}

impl PostView {
    pub fn paragraphs(&self) -> Vec<String> {
        ct::paragraphs(&self.body)
    }

    pub fn excerpt(&self) -> String {
        ct::excerpt(&self.body, 80)
    }

    /// The form an editor reworks.
    pub fn draft(&self) -> PostDraft {
        PostDraft {
            kind: self.kind.as_str().into(),
            title: self.title.clone(),
            body: self.body.clone(),
            department: self.department.clone(),
            region: self.region.clone(),
            policies: self.policies.iter().map(|p| p.0.clone()).collect(),
            items: self.items.iter().map(|i| i.0.clone()).collect(),
            publish_at: ct::format_local(self.publish_at),
            expires_at: ct::format_local(self.expires_at),
            pinned: self.pinned,
        }
    }
}

/// The capability of an editor for posts of `department` in `region`.
fn editor(actor: &Actor, region: &str, department: &str) -> Result<CatalogAdmin> {
    let admin = actor
        .catalog_admin()
        .map_err(|_| AppError::Forbidden("只有发布单位的事项管理员可以编辑通知和解读".into()))?;
    if admin.covers(region, Some(department)) {
        Ok(admin)
    } else {
        Err(AppError::Forbidden("该稿件不属于您管理的地区和部门".into()))
    }
}

fn is_editor(actor: &Actor, row: &PostRow) -> bool {
    editor(actor, &row.region, &row.department).is_ok()
}

fn kind_of(row: &PostRow) -> Result<PostKind> {
    PostKind::parse(&row.kind)
        .ok_or_else(|| AppError::Internal(format!("post {}: kind {}", row.id, row.kind)))
}

fn state_of(row: &PostRow) -> Result<PostState> {
    PostState::parse(&row.state)
        .ok_or_else(|| AppError::Internal(format!("post {}: state {}", row.id, row.state)))
}

fn showing(app: &App, row: &PostRow) -> Result<Showing> {
    Ok(Showing::of(
        state_of(row)?,
        row.publish_at,
        row.expires_at,
        app.now_ms(),
    ))
}

/// Loads a post the actor may read: on the portal now, or the actor edits its scope.
async fn load(app: &App, c: &mut store::Connection, actor: &Actor, id: &str) -> Result<PostRow> {
    let row = store::posts::post(c, id)
        .await?
        .ok_or_else(|| AppError::NotFound("稿件".into()))?;
    if showing(app, &row)? != Showing::Shown && !is_editor(actor, &row) {
        return Err(AppError::NotFound("稿件".into()));
    }
    Ok(row)
}

async fn view_of(
    app: &App,
    c: &mut store::Connection,
    actor: &Actor,
    row: PostRow,
    with_links: bool,
) -> Result<PostView> {
    let department_name = app.department_name(c, &row.department).await;
    let (mut policies, mut items) = (Vec::new(), Vec::new());
    if with_links {
        // With the policy's title or the item's name (the code when it is gone), in one query.
        for (kind, target, name) in store::posts::links(c, &row.id).await? {
            if kind == "policy" {
                policies.push((target, name));
            } else {
                items.push((target, name));
            }
        }
    }
    let state = state_of(&row)?;
    let editor = is_editor(actor, &row);
    let submitted_by_other = actor_login(actor).is_some_and(|l| l != row.submitted_by);
    Ok(PostView {
        kind: kind_of(&row)?,
        showing: showing(app, &row)?,
        editor,
        may_review: editor && state == PostState::InReview && submitted_by_other,
        state,
        department_name,
        pinned: row.pinned != 0,
        policies,
        items,
        id: row.id,
        title: row.title,
        body: row.body,
        department: row.department,
        region: row.region,
        publish_at: row.publish_at,
        expires_at: row.expires_at,
        review_note: row.review_note,
    })
}

fn actor_login(actor: &Actor) -> Option<&str> {
    match actor {
        Actor::Staff { login, .. } => Some(login.as_str()),
        _ => None,
    }
}

/// What the portal shows now, of `kind` (all when None), pinned first.
pub async fn shown(app: &App, kind: Option<PostKind>, limit: i64) -> Result<Vec<PostView>> {
    let mut c = app.store.conn().await?;
    let kind = kind.map(|k| k.as_str()).unwrap_or("");
    let rows = store::posts::shown(&mut c, kind, app.now_ms(), limit).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(view_of(app, &mut c, &Actor::Anonymous, row, false).await?);
    }
    Ok(out)
}

/// The 政策解读 and notices shown now that explain a policy (`"policy"`) or an item (`"item"`).
pub async fn about(app: &App, kind: &str, target: &str) -> Result<Vec<PostView>> {
    let mut c = app.store.conn().await?;
    let rows = store::posts::shown_about(&mut c, kind, target, app.now_ms()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(view_of(app, &mut c, &Actor::Anonymous, row, false).await?);
    }
    Ok(out)
}

/// The editor's desk: drafts, posts in review or returned, scheduled, withdrawn and expired
/// posts of the scopes the actor edits.
pub async fn desk(app: &App, actor: &Actor) -> Result<Vec<PostView>> {
    if !may_write(actor) {
        return Err(AppError::Forbidden(
            "只有事项管理员可以编辑通知和解读".into(),
        ));
    }
    let mut c = app.store.conn().await?;
    let mut out = Vec::new();
    for row in store::posts::desk(&mut c, app.now_ms()).await? {
        if is_editor(actor, &row) {
            out.push(view_of(app, &mut c, actor, row, false).await?);
        }
    }
    Ok(out)
}

pub async fn post(app: &App, actor: &Actor, id: &str) -> Result<PostView> {
    let mut c = app.store.conn().await?;
    let row = load(app, &mut c, actor, id).await?;
    view_of(app, &mut c, actor, row, true).await
}

/// Whether the actor may write posts at all (to offer the form).
pub fn may_write(actor: &Actor) -> bool {
    actor.catalog_admin().is_ok()
}

/// Checks a draft against storage: the department speaks for the region, the linked
/// policies are published or stopped (a draft policy is not explained in public) and the
/// items exist.
async fn check(c: &mut store::Connection, d: &PostDraft) -> Result<ct::Checked> {
    let checked = d.check().map_err(AppError::Validation)?;
    crate::org::speaks_for(c, &d.department, &d.region).await?;
    for (i, p) in checked.policies.iter().enumerate() {
        let ok = store::policies::policy(c, p)
            .await?
            .is_some_and(|row| row.state != domain::policy::PolicyState::Draft.as_str());
        if !ok {
            return Err(AppError::field(
                &format!("policies[{i}]"),
                "unknown",
                format!("没有已发布的政策“{p}”"),
            ));
        }
    }
    for (i, code) in checked.items.iter().enumerate() {
        if store::catalog::find_item(c, code).await?.is_none() {
            return Err(AppError::field(
                &format!("items[{i}]"),
                "unknown",
                format!("事项目录中没有编码为“{code}”的事项"),
            ));
        }
    }
    Ok(checked)
}

/// Saves a new post (`id` None) or reworks one that is a draft, returned or withdrawn: it
/// becomes a draft again, to be submitted and reviewed anew.
pub async fn save(app: &App, actor: &Actor, id: Option<&str>, d: &PostDraft) -> Result<String> {
    if !may_write(actor) {
        return Err(AppError::Forbidden(
            "只有事项管理员可以编辑通知和解读".into(),
        ));
    }
    let now = app.now_ms();
    let mut tx = app.store.begin().await?;
    let old = match id {
        Some(id) => {
            let row = store::posts::post(&mut tx, id)
                .await?
                .ok_or_else(|| AppError::NotFound("稿件".into()))?;
            editor(actor, &row.region, &row.department)
                .map_err(|_| AppError::NotFound("稿件".into()))?;
            if !state_of(&row)?.editable() {
                return Err(AppError::State(
                    "待审核或已发布的稿件不能修改；已发布的请先撤回".into(),
                ));
            }
            Some(row)
        }
        None => None,
    };
    // Whose words these would be is judged before the words: a stranger to the scope learns
    // nothing about links or fields. An empty scope is the form's problem, named below.
    if !d.department.trim().is_empty() && !d.region.trim().is_empty() {
        editor(actor, d.region.trim(), d.department.trim())?;
    }
    let checked = check(&mut tx, d).await?;
    let admin = editor(actor, d.region.trim(), d.department.trim())?;
    let id = old
        .as_ref()
        .map(|r| r.id.clone())
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let row = PostRow {
        id: id.clone(),
        kind: checked.kind.as_str().into(),
        state: PostState::Draft.as_str().into(),
        title: d.title.trim().into(),
        body: d.body.trim().replace('\r', ""),
        department: d.department.trim().into(),
        region: d.region.trim().into(),
        pinned: i64::from(d.pinned),
        publish_at: checked.publish_at,
        expires_at: checked.expires_at,
        author: old
            .as_ref()
            .map(|r| r.author.clone())
            .unwrap_or_else(|| admin.login().to_string()),
        created_at: old.as_ref().map(|r| r.created_at).unwrap_or(now),
        updated_at: now,
        ..PostRow::default()
    };
    store::posts::save(&mut tx, &row).await?;
    store::posts::set_links(&mut tx, &id, &checked.policies, &checked.items).await?;
    crate::audit::admin(
        &mut tx,
        app,
        admin.actor_id(),
        "post_saved",
        &id,
        serde_json::json!({"title": row.title, "kind": row.kind}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    // Every node's post index looks again (this one's at its next search).
    crate::cluster::tell(app, crate::cluster::Change::Posts).await;
    Ok(id)
}

/// Submits, approves (publishes), returns or withdraws a post.
pub async fn act(app: &App, actor: &Actor, id: &str, action: Action) -> Result<PostView> {
    let now = app.now_ms();
    let mut tx = app.store.begin().await?;
    let row = store::posts::post(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("稿件".into()))?;
    let admin = editor(actor, &row.region, &row.department)?;
    let from = state_of(&row)?;
    let to =
        ct::transition(from, &action, row.submitted_by == admin.login()).map_err(|e| {
            match e.field.as_str() {
                "state" => AppError::State(e.message),
                _ => AppError::Validation(vec![e]),
            }
        })?;
    let mut next = row.clone();
    next.state = to.as_str().into();
    next.updated_at = now;
    match &action {
        Action::Submit => {
            next.submitted_by = admin.login().into();
            next.reviewed_by.clear();
            next.review_note.clear();
        }
        Action::Approve => {
            if row.expires_at > 0 && row.expires_at <= now {
                return Err(AppError::field(
                    "expires_at",
                    "inconsistent",
                    "下线时间已过，请修改后重新提交",
                ));
            }
            // A scheduled time that passed while in review: it goes out now.
            next.publish_at = row.publish_at.max(now);
            next.reviewed_by = admin.login().into();
        }
        Action::Return(reason) => {
            next.reviewed_by = admin.login().into();
            next.review_note = reason.trim().into();
        }
        Action::Withdraw => {}
    }
    if !store::posts::set_state(&mut tx, id, from.as_str(), &next).await? {
        return Err(AppError::State("稿件状态已被他人改变，请刷新后重试".into()));
    }
    let what = match action {
        Action::Submit => "post_submitted",
        Action::Approve => "post_published",
        Action::Return(_) => "post_returned",
        Action::Withdraw => "post_withdrawn",
    };
    crate::audit::admin(
        &mut tx,
        app,
        admin.actor_id(),
        what,
        id,
        serde_json::json!({"title": row.title, "publish_at": next.publish_at}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    let mut c = app.store.conn().await?;
    view_of(app, &mut c, actor, next, true).await
}

/// Posts shown now that match `q`, best first.
pub async fn search(app: &App, q: &str, limit: usize) -> Result<Vec<PostView>> {
    app.posts.refresh(app).await?;
    let rows = app.posts.search(q, limit * 2)?;
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let mut c = app.store.conn().await?;
    let mut out = Vec::new();
    for row in rows {
        if showing(app, &row)? == Showing::Shown {
            out.push(view_of(app, &mut c, &Actor::Anonymous, row, false).await?);
        }
        if out.len() == limit {
            break;
        }
    }
    Ok(out)
}
