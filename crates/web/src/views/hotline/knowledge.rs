//! The knowledge base's pages: every current article (those due for review first) with a
//! form to add one; an article with its edit form (saving makes a new version).

use app::AppError;
use app::hotline::knowledge::{self as kb, SaveArticle};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::Form;
use domain::hotline::knowledge::{Article, ArticleDraft};
use domain::org::Department;

use super::super::forms::Problems;
use super::super::{Nav, render, unprocessable};
use super::urlencode;
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline/knowledge", get(list).post(create))
        .route("/hotline/knowledge/{id}", get(one).post(update))
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct ArticleForm {
    csrf: String,
    question: String,
    answer: String,
    /// Region codes, one per selected option.
    regions: Vec<String>,
    valid_from: String,
    valid_to: String,
    source: String,
    items: String,
    review_by: String,
    owner: String,
}

fn split(s: &str) -> Vec<String> {
    s.split([',', '，', ' ', '、'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

impl ArticleForm {
    fn of(a: &Article) -> ArticleForm {
        ArticleForm {
            csrf: String::new(),
            question: a.question.clone(),
            answer: a.answer.clone(),
            regions: a.regions.clone(),
            valid_from: a.valid_from.to_string(),
            valid_to: a.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            source: a.source.clone(),
            items: a.items.join(","),
            review_by: a.review_by.to_string(),
            owner: a.owner.clone(),
        }
    }

    fn request(&self) -> SaveArticle {
        SaveArticle {
            draft: ArticleDraft {
                question: self.question.clone(),
                answer: self.answer.clone(),
                regions: self
                    .regions
                    .iter()
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty())
                    .collect(),
                valid_from: self.valid_from.clone(),
                valid_to: self.valid_to.clone(),
                source: self.source.clone(),
                items: split(&self.items),
                review_by: self.review_by.clone(),
            },
            owner: self.owner.clone(),
        }
    }
}

/// Regions and departments by name, for the form's choices and the pages' labels.
struct Names {
    /// The regions the reader may choose (their own scope), each with its label indented by
    /// level.
    regions: Vec<(String, String)>,
    all_regions: Vec<(String, String)>,
    departments: Vec<Department>,
}

impl Names {
    async fn load(s: &AppState, ctx: &Ctx) -> Result<Names, WebError> {
        let rows = app::org::regions(&s.app).await?;
        let covers = |code: &str| match &ctx.actor {
            app::auth::Actor::Staff { scope, .. } => scope.covers_region(code),
            _ => false,
        };
        let regions = rows
            .iter()
            .filter(|r| covers(&r.code))
            .map(|r| {
                let depth = match r.level.as_str() {
                    "province" | "city" => 0,
                    "county" => 1,
                    "township" => 2,
                    _ => 3,
                };
                let label = format!("{}{}（{}）", "　".repeat(depth), r.name, r.code);
                (r.code.clone(), label)
            })
            .collect();
        Ok(Names {
            regions,
            all_regions: rows.into_iter().map(|r| (r.code, r.name)).collect(),
            departments: app::org::departments(&s.app).await?,
        })
    }

    fn region(&self, code: &str) -> String {
        self.all_regions
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_string())
    }

    fn department(&self, code: &str) -> String {
        self.departments
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| code.to_string())
    }
}

#[derive(Template)]
#[template(path = "hotline_knowledge.html")]
struct ListPage {
    nav: Nav,
    due: Vec<Article>,
    articles: Vec<Article>,
    names: Names,
    f: ArticleForm,
    problems: Problems,
    flash: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct FlashQuery {
    flash: String,
    version: Option<i64>,
}

async fn list_page(
    s: &AppState,
    ctx: &Ctx,
    f: ArticleForm,
    problems: Problems,
    flash: String,
) -> Result<ListPage, WebError> {
    let due = kb::due_for_review(&s.app, &ctx.actor).await?;
    let articles = kb::list(&s.app, &ctx.actor).await?;
    Ok(ListPage {
        nav: Nav::of(ctx),
        due,
        articles,
        names: Names::load(s, ctx).await?,
        f,
        problems,
        flash,
    })
}

async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<FlashQuery>,
) -> Result<Response, WebError> {
    let today = domain::calendar::china_date(s.app.now());
    let f = ArticleForm {
        valid_from: today.to_string(),
        review_by: today
            .replace_year(today.year() + 1)
            .unwrap_or(today)
            .to_string(),
        ..ArticleForm::default()
    };
    render(&list_page(&s, &ctx, f, Problems::default(), q.flash).await?)
}

fn anchor(field: &str) -> Option<String> {
    Some(format!("kb-{field}"))
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ArticleForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    match kb::save(&s.app, &ctx.actor, None, &f.request()).await {
        Ok(a) => Ok(Redirect::to(&format!(
            "/hotline/knowledge/{}?flash={}",
            a.id,
            urlencode("已新增知识")
        ))
        .into_response()),
        Err(e @ (AppError::Validation(_) | AppError::State(_) | AppError::Conflict { .. })) => {
            let problems = Problems::of(&e, anchor);
            Ok(unprocessable(render(
                &list_page(&s, &ctx, f, problems, String::new()).await?,
            )?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "hotline_article.html")]
struct ArticlePage {
    nav: Nav,
    a: Article,
    names: Names,
    f: ArticleForm,
    problems: Problems,
    flash: String,
}

async fn one(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, WebError> {
    let a = kb::article(&s.app, &ctx.actor, &id, q.version).await?;
    render(&ArticlePage {
        nav: Nav::of(&ctx),
        f: ArticleForm::of(&a),
        a,
        names: Names::load(&s, &ctx).await?,
        problems: Problems::default(),
        flash: q.flash,
    })
}

async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ArticleForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    match kb::save(&s.app, &ctx.actor, Some(&id), &f.request()).await {
        Ok(a) => Ok(Redirect::to(&format!(
            "/hotline/knowledge/{}?flash={}",
            a.id,
            urlencode(&format!("已保存为第 {} 版", a.version))
        ))
        .into_response()),
        Err(e @ (AppError::Validation(_) | AppError::State(_) | AppError::Conflict { .. })) => {
            let a = kb::article(&s.app, &ctx.actor, &id, None).await?;
            let problems = Problems::of(&e, anchor);
            Ok(unprocessable(render(&ArticlePage {
                nav: Nav::of(&ctx),
                a,
                names: Names::load(&s, &ctx).await?,
                f,
                problems,
                flash: String::new(),
            })?))
        }
        Err(e) => Err(e.into()),
    }
}
