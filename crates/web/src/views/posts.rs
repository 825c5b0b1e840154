//! 通知公告, 政策解读 and news: the public list by column with search, a post's page (for its
//! editors: state, review and withdraw buttons), the editors' desk and the editor. The rules
//! are `app::content`'s.

use app::content::{self, PostView};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::content::{Action, PostDraft, PostKind};
use domain::org::Department;

use super::{Nav, fmt_time, render};
use crate::ctx::Ctx;
use crate::views::FormPage as _;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/posts", get(list).post(create))
        .route("/posts/new", get(new))
        .route("/posts/desk", get(desk))
        .route("/posts/{id}", get(page).post(update))
        .route("/posts/{id}/edit", get(edit))
        .route("/posts/{id}/submit", post(submit))
        .route("/posts/{id}/approve", post(approve))
        .route("/posts/{id}/return", post(send_back))
        .route("/posts/{id}/withdraw", post(withdraw))
}

/// Times as pages show them.
pub(crate) trait PostTimes {
    fn when(&self, ms: &i64) -> String {
        if *ms == 0 {
            String::new()
        } else {
            fmt_time(*ms)
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    kind: String,
    q: String,
}

#[derive(Template)]
#[template(path = "posts.html")]
struct ListPage {
    nav: Nav,
    kind: Option<PostKind>,
    kinds: &'static [PostKind],
    q: String,
    posts: Vec<PostView>,
    may_write: bool,
}

impl PostTimes for ListPage {}

async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let kind = PostKind::parse(q.kind.trim());
    let posts = if q.q.trim().is_empty() {
        content::shown(&s.app, kind, 100).await?
    } else {
        let mut hits = content::search(&s.app, q.q.trim(), 50).await?;
        hits.retain(|p| kind.is_none_or(|k| p.kind == k));
        hits
    };
    render(&ListPage {
        nav: Nav::of(&ctx),
        kind,
        kinds: PostKind::ALL,
        q: q.q.trim().to_string(),
        posts,
        may_write: content::may_write(&ctx.actor),
    })
}

#[derive(Template)]
#[template(path = "post.html")]
struct PostPage {
    nav: Nav,
    p: PostView,
    errors: Vec<FieldError>,
}

impl PostTimes for PostPage {}

form_page!(PostPage);

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let p = content::post(&s.app, &ctx.actor, &id).await?;
    render(&PostPage {
        nav: Nav::of(&ctx),
        p,
        errors: vec![],
    })
}

#[derive(Template)]
#[template(path = "posts_desk.html")]
struct DeskPage {
    nav: Nav,
    posts: Vec<PostView>,
}

impl PostTimes for DeskPage {}

async fn desk(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/posts/desk").into_response());
    }
    let posts = content::desk(&s.app, &ctx.actor).await?;
    render(&DeskPage {
        nav: Nav::of(&ctx),
        posts,
    })
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct PostForm {
    csrf: String,
    kind: String,
    title: String,
    body: String,
    department: String,
    region: String,
    /// Policy ids and item codes, one per line or separated by commas.
    policies: String,
    items: String,
    publish_at: String,
    expires_at: String,
    pinned: String,
}

fn list_of(v: &str) -> Vec<String> {
    v.split(['\n', ',', '，', '、'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

impl PostForm {
    fn draft(&self) -> PostDraft {
        PostDraft {
            kind: self.kind.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            department: self.department.clone(),
            region: self.region.clone(),
            policies: list_of(&self.policies),
            items: list_of(&self.items),
            publish_at: self.publish_at.clone(),
            expires_at: self.expires_at.clone(),
            pinned: !self.pinned.is_empty(),
        }
    }

    fn of(d: &PostDraft) -> PostForm {
        PostForm {
            kind: d.kind.clone(),
            title: d.title.clone(),
            body: d.body.clone(),
            department: d.department.clone(),
            region: d.region.clone(),
            policies: d.policies.join("\n"),
            items: d.items.join("\n"),
            publish_at: d.publish_at.clone(),
            expires_at: d.expires_at.clone(),
            pinned: if d.pinned { "1".into() } else { String::new() },
            ..PostForm::default()
        }
    }
}

#[derive(Template)]
#[template(path = "post_edit.html")]
struct EditPage {
    nav: Nav,
    id: Option<String>,
    form: PostForm,
    kinds: &'static [PostKind],
    departments: Vec<Department>,
    errors: Vec<FieldError>,
}

impl EditPage {
    async fn of(
        s: &AppState,
        ctx: &Ctx,
        id: Option<String>,
        form: PostForm,
        errors: Vec<FieldError>,
    ) -> Result<EditPage, WebError> {
        Ok(EditPage {
            nav: Nav::of(ctx),
            id,
            form,
            kinds: PostKind::ALL,
            departments: app::org::departments(&s.app).await?,
            errors,
        })
    }

    fn error(&self, field: &str) -> String {
        // Links are named by position (`policies[1]`); the page shows them on their box.
        let prefixed: Vec<&FieldError> = self
            .errors
            .iter()
            .filter(|e| e.field == field || e.field.starts_with(&format!("{field}[")))
            .collect();
        prefixed
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }

    fn action(&self) -> String {
        match &self.id {
            Some(id) => format!("/posts/{id}"),
            None => "/posts".into(),
        }
    }
}

async fn new(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/posts/new").into_response());
    }
    if !content::may_write(&ctx.actor) {
        return Err(app::AppError::Forbidden("只有事项管理员可以编辑通知和解读".into()).into());
    }
    let form = PostForm {
        kind: "notice".into(),
        ..PostForm::default()
    };
    render(&EditPage::of(&s, &ctx, None, form, vec![]).await?)
}

async fn edit(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let p = content::post(&s.app, &ctx.actor, &id).await?;
    if !p.editor {
        return Err(app::AppError::Forbidden("该稿件不属于您管理的地区和部门".into()).into());
    }
    render(&EditPage::of(&s, &ctx, Some(id), PostForm::of(&p.draft()), vec![]).await?)
}

async fn save(
    s: &AppState,
    ctx: &Ctx,
    id: Option<String>,
    f: PostForm,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let result = content::save(&s.app, &ctx.actor, id.as_deref(), &f.draft()).await;
    let again = async |errors: Vec<domain::FieldError>| {
        let page = EditPage::of(s, ctx, id, f, errors).await?;
        render(&page)
    };
    super::after_post(result, |id| format!("/posts/{id}"), again).await
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<PostForm>,
) -> Result<Response, WebError> {
    save(&s, &ctx, None, f).await
}

async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<PostForm>,
) -> Result<Response, WebError> {
    save(&s, &ctx, Some(id), f).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ActForm {
    csrf: String,
    reason: String,
}

async fn act(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    f: &ActForm,
    action: Action,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let result = content::act(&s.app, &ctx.actor, id, action).await;
    let again = async |errors: Vec<domain::FieldError>| {
        let p = content::post(&s.app, &ctx.actor, id).await?;
        let page = PostPage {
            nav: Nav::of(ctx),
            p,
            errors,
        };
        render(&page)
    };
    super::after_post(result, |_| format!("/posts/{id}"), again).await
}

async fn submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Result<Response, WebError> {
    act(&s, &ctx, &id, &f, Action::Submit).await
}

async fn approve(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Result<Response, WebError> {
    act(&s, &ctx, &id, &f, Action::Approve).await
}

async fn send_back(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Result<Response, WebError> {
    let action = Action::Return(f.reason.clone());
    act(&s, &ctx, &id, &f, action).await
}

async fn withdraw(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Result<Response, WebError> {
    act(&s, &ctx, &id, &f, Action::Withdraw).await
}
