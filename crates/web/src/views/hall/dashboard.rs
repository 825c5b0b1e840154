//! The hall manager's dashboard (大厅运行监控): waiting now, the longest wait, idle windows,
//! waits and service times per line, window and staff member with the share within the
//! target, appointments kept, as tables and SVG charts.

use app::hall::figures::{self, Figures};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;

use crate::ctx::Ctx;
use crate::views::{Nav, render};
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new().route("/halls/{code}/dashboard", get(page))
}

#[derive(Template)]
#[template(path = "hall_dashboard.html")]
struct DashboardPage {
    nav: Nav,
    f: Figures,
    wait_chart: String,
    day_chart: String,
    tables: Vec<(&'static str, Vec<figures::Row>)>,
}

impl DashboardPage {
    fn minutes(&self, v: &f64) -> String {
        format!("{v:.1}")
    }
    fn pct(&self, v: &f64) -> String {
        format!("{:.0}%", v * 100.0)
    }
}

#[derive(serde::Deserialize, Default)]
struct Period {
    first: Option<String>,
    last: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<Period>,
) -> Result<Response, WebError> {
    let f = figures::figures(
        &s.app,
        &ctx.actor,
        &code,
        q.first.as_deref().unwrap_or(""),
        q.last.as_deref().unwrap_or(""),
    )
    .await?;
    let wait_chart = crate::charts::bars(
        "各队列平均等候（分钟）",
        &f.lines
            .iter()
            .map(|l| (l.label.clone(), l.avg_wait))
            .collect::<Vec<_>>(),
        "分钟",
    );
    let day_chart = crate::charts::bars(
        "每日取号数",
        &f.days
            .iter()
            .map(|d| (d.day.clone(), d.tickets as f64))
            .collect::<Vec<_>>(),
        "个",
    );
    let tables = vec![
        ("按队列", f.lines.clone()),
        ("按窗口", f.windows.clone()),
        ("按工作人员", f.staff.clone()),
    ];
    render(&DashboardPage {
        nav: Nav::of(&ctx),
        tables,
        f,
        wait_chart,
        day_chart,
    })
}
