//! Statistics pages: the supervision dashboard with charts, tables, drill-down from region to
//! department to item to case and Excel export; and the public monthly report.

use app::stats::{self, Query as StatsQuery, Report};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::rating::Satisfaction;
use domain::stats::percent;

use super::{Nav, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/supervision/stats", get(dashboard))
        .route("/supervision/stats.xlsx", get(export))
        .route("/reports/monthly", get(monthly))
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    nav: Nav,
    r: Report,
    public: bool,
    department: Option<String>,
    item: Option<String>,
    level_chart: String,
    group_chart: String,
    group_title: &'static str,
    levels: Vec<(&'static str, usize)>,
    export: String,
    /// The last day of the period (the query's `to` is the day after).
    until: String,
    /// One-click periods: (label, from, to).
    presets: Vec<(&'static str, String, String)>,
    /// 大厅排队: each hall of the staff member's region over the period.
    halls: Vec<app::hall::figures::HallRow>,
}

impl StatsPage {
    fn minutes(&self, v: &f64) -> String {
        format!("{v:.1}")
    }
    fn share(&self, v: &f64) -> String {
        format!("{:.0}%", v * 100.0)
    }

    fn pct(&self, r: &Option<f64>) -> String {
        percent(*r)
    }

    fn num(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
    }

    /// The next level down for a group row, on the dashboard only.
    fn drill(&self, key: &str) -> Option<String> {
        if self.public {
            return None;
        }
        let base = format!("/supervision/stats?from={}&to={}", self.r.from, self.r.to);
        match self.r.level {
            "department" => Some(format!("{base}&department={}", enc(key))),
            "item" => Some(format!(
                "{base}&department={}&item={}",
                enc(self.department.as_deref().unwrap_or("")),
                enc(key)
            )),
            _ => None,
        }
    }
}

fn enc(s: &str) -> String {
    super::admin::urlencode(s)
}

fn page(ctx: &Ctx, r: Report, q: &StatsQuery, public: bool, today: time::Date) -> StatsPage {
    let levels: Vec<(&'static str, usize)> = Satisfaction::ALL
        .iter()
        .map(|l| {
            (
                l.label(),
                r.summary.by_level.get(&l.code()).copied().unwrap_or(0),
            )
        })
        .collect();
    let level_chart = crate::charts::bars(
        "评价等级分布",
        &levels
            .iter()
            .map(|(l, n)| (l.to_string(), *n as f64))
            .collect::<Vec<_>>(),
        "条",
    );
    let group_title = match r.level {
        "department" => "部门",
        "item" => "事项",
        "window" => "窗口人员",
        "staff" => "审批人员",
        "subject" => "办理对象",
        _ => "办件",
    };
    let group_chart = crate::charts::bars(
        &format!("各{group_title}收件量"),
        &r.groups
            .iter()
            .take(15)
            .map(|g| (g.label.clone(), g.summary.received as f64))
            .collect::<Vec<_>>(),
        "件",
    );
    let export = format!(
        "/supervision/stats.xlsx?from={}&to={}&department={}&item={}&group={}",
        r.from,
        r.to,
        enc(q.department.as_deref().unwrap_or("")),
        enc(q.item.as_deref().unwrap_or("")),
        enc(q.group.as_deref().unwrap_or(""))
    );
    let iso = app::licenses::iso;
    let until = domain::calendar::parse_iso_date(&r.to)
        .ok()
        .and_then(|d| d.previous_day())
        .map(iso)
        .unwrap_or_else(|| r.to.clone());
    let presets = domain::stats::period_presets(today)
        .into_iter()
        .map(|(l, f, t)| (l, iso(f), iso(t)))
        .collect();
    StatsPage {
        halls: Vec::new(),
        until,
        presets,
        nav: Nav::of(ctx),
        public,
        department: q.department.clone().filter(|d| !d.is_empty()),
        item: q.item.clone().filter(|i| !i.is_empty()),
        level_chart,
        group_chart,
        group_title,
        levels,
        export,
        r,
    }
}

#[derive(serde::Deserialize, Default)]
struct DashQuery {
    from: Option<String>,
    to: Option<String>,
    department: Option<String>,
    item: Option<String>,
    group: Option<String>,
}

/// Defaults to the current month so far.
fn query_of(s: &AppState, q: DashQuery) -> StatsQuery {
    let today = domain::calendar::china_date(s.app.now());
    let first = today.replace_day(1).unwrap_or(today);
    let iso = |d: time::Date| format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    StatsQuery {
        from: q.from.unwrap_or_else(|| iso(first)),
        to: q
            .to
            .unwrap_or_else(|| iso(today.next_day().unwrap_or(today))),
        department: q.department.filter(|d| !d.is_empty()),
        item: q.item.filter(|i| !i.is_empty()),
        group: q.group.filter(|g| !g.is_empty()),
    }
}

async fn dashboard(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DashQuery>,
) -> Result<Response, WebError> {
    let q = query_of(&s, q);
    let r = stats::report(&s.app, &ctx.actor, &q).await?;
    let today = domain::calendar::china_date(s.app.now());
    let mut p = page(&ctx, r, &q, false, today);
    p.halls = app::hall::figures::overview(&s.app, &ctx.actor, &p.r.from, &p.until).await?;
    render(&p)
}

/// The dashboard's table as an Excel workbook.
async fn export(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DashQuery>,
) -> Result<Response, WebError> {
    let q = query_of(&s, q);
    let r = stats::report(&s.app, &ctx.actor, &q).await?;
    let bytes = app::stats::to_xlsx(&r)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename*=UTF-8''{}",
                    enc(&format!("统计-{}-{}.xlsx", r.from, r.to))
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(serde::Deserialize, Default)]
struct MonthQuery {
    month: Option<String>,
}

async fn monthly(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MonthQuery>,
) -> Result<Response, WebError> {
    let today = domain::calendar::china_date(s.app.now());
    let month = q
        .month
        .unwrap_or_else(|| format!("{}-{:02}", today.year(), today.month() as u8));
    let r = stats::monthly(&s.app, &month).await?;
    let sq = StatsQuery {
        from: r.from.clone(),
        to: r.to.clone(),
        ..Default::default()
    };
    render(&page(&ctx, r, &sq, true, today))
}
