//! 接诉即办 figures: the rates and scores per department, county and month as tables and SVG
//! charts, hotspots by classification and hour, the period's most frequent words, each
//! group linked to its tickets; and the same tables as an Excel workbook.

use app::hotline::measures::{self, Overview};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::super::{Nav, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline/figures", get(page))
        .route("/hotline/figures.xlsx", get(export))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Period {
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "hotline_figures.html")]
struct FiguresPage {
    nav: Nav,
    o: Overview,
    score_chart: String,
    class_chart: String,
    hour_chart: String,
    month_chart: String,
}

impl FiguresPage {
    fn pct(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.1}%")).unwrap_or_else(|| "—".into())
    }

    fn pct_plain(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
    }
}

async fn overview(s: &AppState, ctx: &Ctx, p: Period) -> Result<Overview, WebError> {
    let month = measures::this_month(&s.app);
    let from = if p.from.is_empty() {
        measures::month_ago(&s.app)
    } else {
        p.from
    };
    let to = if p.to.is_empty() { month } else { p.to };
    Ok(measures::overview(&s.app, &ctx.actor, &from, &to).await?)
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(p): Query<Period>,
) -> Result<Response, WebError> {
    let o = overview(&s, &ctx, p).await?;
    let scores: Vec<(String, f64)> = o
        .by_department
        .iter()
        .filter_map(|r| {
            r.rates
                .score
                .map(|x| (r.name.clone(), (x * 10.0).round() / 10.0))
        })
        .take(15)
        .collect();
    let classes: Vec<(String, f64)> = o
        .by_class
        .iter()
        .take(10)
        .map(|r| (r.name.clone(), r.tally.received as f64))
        .collect();
    let hours: Vec<(String, f64)> = o
        .by_hour
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(h, n)| (format!("{h:02}:00–{:02}:00", h + 1), *n as f64))
        .collect();
    let months: Vec<(String, f64)> = o
        .by_month
        .iter()
        .map(|r| (r.name.clone(), r.tally.received as f64))
        .collect();
    render(&FiguresPage {
        nav: Nav::of(&ctx),
        score_chart: crate::charts::bars("各单位综合得分", &scores, "分"),
        class_chart: crate::charts::bars("热点分类（工单数）", &classes, "件"),
        hour_chart: crate::charts::bars("来电时段（工单数）", &hours, "件"),
        month_chart: crate::charts::bars("各月工单数", &months, "件"),
        o,
    })
}

async fn export(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(p): Query<Period>,
) -> Result<Response, WebError> {
    let o = overview(&s, &ctx, p).await?;
    let built = measures::to_xlsx(&o)?;
    let name = format!("接诉即办-{}-{}.xlsx", o.from_month, o.to_month);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{}", super::urlencode(&name)),
            ),
        ],
        built,
    )
        .into_response())
}
