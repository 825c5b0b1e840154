//! The public side of the hotline: a person's message form (网上留言) and their messages,
//! questions asked on item guides and the departments' answers, the monthly 12345 figures
//! and the published results of decided cases (办件结果公示).

use app::AppError;
use app::hotline::knowledge::{self as kb, AnswerQuestion};
use app::hotline::measures::{self, PublishedResult, Row};
use app::hotline::tickets::{self, FileTicket};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::hotline::classes::Class;
use domain::hotline::knowledge::Question;
use domain::hotline::{Caller, Kind, NewTicket, Ticket};

use super::super::forms::Problems;
use super::super::{Nav, render, unprocessable};
use super::urlencode;
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline/new", get(new_page).post(submit))
        .route("/hotline/mine", get(mine))
        .route("/hotline/public", get(public_figures))
        .route("/results", get(results))
        .route("/items/{code}/questions", post(ask))
        .route("/questions", get(questions))
        .route("/questions/{id}/answer", post(answer))
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct MessageForm {
    csrf: String,
    kind: String,
    class: String,
    region: String,
    address: String,
    phone: String,
    text: String,
    related_item: String,
}

#[derive(Template)]
#[template(path = "hotline_new.html")]
struct NewPage {
    nav: Nav,
    f: MessageForm,
    kinds: Vec<Kind>,
    classes: Vec<Class>,
    regions: Vec<(String, String)>,
    problems: Problems,
}

async fn new_view(
    s: &AppState,
    ctx: &Ctx,
    f: MessageForm,
    problems: Problems,
) -> Result<NewPage, WebError> {
    if !matches!(ctx.actor, app::auth::Actor::Applicant { .. }) {
        return Err(match ctx.actor {
            app::auth::Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("网上留言由办事群众和企业本人提交".into()),
        }
        .into());
    }
    Ok(NewPage {
        nav: Nav::of(ctx),
        f,
        kinds: Kind::ALL.to_vec(),
        classes: tickets::tree(&s.app).await?,
        regions: app::org::regions(&s.app)
            .await?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect(),
        problems,
    })
}

async fn new_page(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render(&new_view(&s, &ctx, MessageForm::default(), Problems::default()).await?)
}

async fn submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<MessageForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    tickets::may_file(&ctx.actor, false)?;
    // A message left on the portal: no name asked, no case number, the channel the portal's.
    let req = FileTicket {
        ticket: NewTicket {
            kind: f.kind.clone(),
            class: f.class.clone(),
            region: f.region.clone(),
            address: f.address.clone(),
            caller: Caller {
                phone: f.phone.clone(),
                ..Caller::default()
            },
            text: f.text.clone(),
            related_item: f.related_item.clone(),
            ..NewTicket::default()
        },
        ..FileTicket::default()
    };
    match tickets::file(&s.app, &ctx.actor, &req, false).await {
        Ok(v) => Ok(Redirect::to(&format!(
            "/hotline/tickets/{}?flash={}",
            v.ticket.id,
            urlencode(&format!("留言已提交，编号 {}", v.ticket.number))
        ))
        .into_response()),
        Err(e @ (AppError::Validation(_) | AppError::State(_) | AppError::Conflict { .. })) => {
            let problems = Problems::of(&e, |f| {
                Some(match f {
                    "caller.phone" => "phone".into(),
                    other => other.to_string(),
                })
            });
            Ok(unprocessable(render(
                &new_view(&s, &ctx, f, problems).await?,
            )?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "hotline_mine.html")]
struct MinePage {
    nav: Nav,
    tickets: Vec<Ticket>,
}

async fn mine(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render(&MinePage {
        nav: Nav::of(&ctx),
        tickets: tickets::mine(&s.app, &ctx.actor).await?,
    })
}

#[derive(Template)]
#[template(path = "hotline_public.html")]
struct PublicPage {
    nav: Nav,
    months: Vec<Row>,
    chart: String,
}

impl PublicPage {
    fn pct(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.1}%")).unwrap_or_else(|| "—".into())
    }
}

#[derive(serde::Deserialize, Default)]
struct RegionQuery {
    #[serde(default)]
    region: String,
}

async fn public_figures(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RegionQuery>,
) -> Result<Response, WebError> {
    let region = if q.region.trim().is_empty() {
        String::new()
    } else {
        app::org::region(&s.app, q.region.trim()).await?.code
    };
    let months = measures::public_months(&s.app, &region, 12).await?;
    let data: Vec<(String, f64)> = months
        .iter()
        .filter_map(|r| {
            r.rates
                .satisfaction
                .map(|x| (r.name.clone(), (x * 10.0).round() / 10.0))
        })
        .collect();
    render(&PublicPage {
        nav: Nav::of(&ctx),
        chart: crate::charts::bars("各月满意率", &data, "%"),
        months,
    })
}

#[derive(Template)]
#[template(path = "results.html")]
struct ResultsPage {
    nav: Nav,
    item: String,
    results: Vec<PublishedResult>,
}

#[derive(serde::Deserialize, Default)]
struct ItemQuery {
    #[serde(default)]
    item: String,
}

async fn results(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ItemQuery>,
) -> Result<Response, WebError> {
    let item = q.item.trim().chars().take(60).collect::<String>();
    let results = if item.is_empty() {
        vec![]
    } else {
        measures::results(&s.app, &item).await?
    };
    render(&ResultsPage {
        nav: Nav::of(&ctx),
        item,
        results,
    })
}

#[derive(serde::Deserialize)]
struct AskForm {
    csrf: String,
    #[serde(default)]
    text: String,
}

async fn ask(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<AskForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    match kb::ask(&s.app, &ctx.actor, &code, &f.text).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/questions?flash={}",
            urlencode("咨询已提交，答复后会显示在这里")
        ))
        .into_response()),
        Err(e @ AppError::Validation(_)) => {
            let problems = Problems::of(&e, |_| Some("ask-text".into()));
            Ok(unprocessable(
                super::super::portal::guide_page(
                    &s,
                    &ctx,
                    &code,
                    None,
                    &Default::default(),
                    problems,
                )
                .await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "questions.html")]
struct QuestionsPage {
    nav: Nav,
    questions: Vec<Question>,
    staff: bool,
    flash: String,
    problems: Problems,
}

#[derive(serde::Deserialize, Default)]
struct FlashQuery {
    #[serde(default)]
    flash: String,
}

async fn questions_view(
    s: &AppState,
    ctx: &Ctx,
    flash: String,
    problems: Problems,
) -> Result<QuestionsPage, WebError> {
    Ok(QuestionsPage {
        nav: Nav::of(ctx),
        questions: kb::questions(&s.app, &ctx.actor).await?,
        staff: matches!(ctx.actor, app::auth::Actor::Staff { .. }),
        flash,
        problems,
    })
}

async fn questions(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<FlashQuery>,
) -> Result<Response, WebError> {
    render(&questions_view(&s, &ctx, q.flash, Problems::default()).await?)
}

#[derive(serde::Deserialize)]
struct AnswerForm {
    csrf: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    public: String,
    #[serde(default)]
    to_knowledge: String,
}

async fn answer(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let req = AnswerQuestion {
        answer: f.answer,
        public: f.public == "1",
        to_knowledge: f.to_knowledge == "1",
    };
    match kb::answer(&s.app, &ctx.actor, &id, &req).await {
        Ok(q) => Ok(Redirect::to(&format!(
            "/questions?flash={}",
            urlencode(if q.public {
                "已答复，并公开在办事指南"
            } else {
                "已答复"
            })
        ))
        .into_response()),
        Err(e @ (AppError::Validation(_) | AppError::State(_))) => {
            let problems = Problems::of(&e, |_| Some(format!("answer-{id}")));
            Ok(unprocessable(render(
                &questions_view(&s, &ctx, String::new(), problems).await?,
            )?))
        }
        Err(e) => Err(e.into()),
    }
}
