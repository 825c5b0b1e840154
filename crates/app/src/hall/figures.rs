//! The hall's figures for its manager and for statistics: waiting now, the longest wait,
//! average wait and service time per line, window and staff member over a period, windows
//! idle, appointments kept, and the share of people served within the wait target.

use std::collections::BTreeMap;

use domain::hall::booking::BookingState;
use domain::hall::queue::{Ticket, TicketState};
use serde::Serialize;

use super::{hall, today};
use crate::auth::Actor;
use crate::{App, AppError, Result};

#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Row {
    /// A line's letter and name, a window number, or a staff member's name.
    pub key: String,
    pub label: String,
    pub tickets: usize,
    pub served: usize,
    pub no_shows: usize,
    /// Average minutes from ticket to call (tickets called).
    pub avg_wait: f64,
    pub max_wait: f64,
    /// Average minutes from call to finish (tickets served).
    pub avg_service: f64,
    /// Share of called tickets waiting no longer than the target, 0–1.
    pub within_target: f64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    pub hall: String,
    pub name: String,
    pub first: String,
    pub last: String,
    pub wait_target_minutes: u32,
    pub waiting_now: usize,
    /// Minutes the longest-waiting person has waited so far.
    pub longest_wait_now: f64,
    /// Windows with staff on duty, not paused and not serving anyone.
    pub windows_idle: Vec<String>,
    pub total: Row,
    pub lines: Vec<Row>,
    pub windows: Vec<Row>,
    pub staff: Vec<Row>,
    /// Tickets per day of the period.
    pub days: Vec<DayRow>,
    pub appointments: usize,
    pub appointments_kept: usize,
    pub appointments_missed: usize,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayRow {
    pub day: String,
    pub tickets: usize,
    pub avg_wait: f64,
}

fn row(key: &str, label: &str, ts: &[&Ticket], target: u32) -> Row {
    let waits: Vec<f64> = ts
        .iter()
        .filter_map(|t| t.wait_seconds())
        .map(|s| s as f64 / 60.0)
        .collect();
    let services: Vec<f64> = ts
        .iter()
        .filter_map(|t| t.service_seconds())
        .map(|s| s as f64 / 60.0)
        .collect();
    let avg = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    Row {
        key: key.to_string(),
        label: label.to_string(),
        tickets: ts.len(),
        served: ts
            .iter()
            .filter(|t| t.state == TicketState::Finished)
            .count(),
        no_shows: ts.iter().filter(|t| t.state == TicketState::NoShow).count(),
        avg_wait: avg(&waits),
        max_wait: waits.iter().copied().fold(0.0, f64::max),
        avg_service: avg(&services),
        within_target: if waits.is_empty() {
            0.0
        } else {
            waits.iter().filter(|w| **w <= target as f64).count() as f64 / waits.len() as f64
        },
    }
}

/// Figures of `hall` from `first` to `last` (`YYYY-MM-DD`, today when empty), for staff of
/// its region.
pub async fn figures(
    app: &App,
    actor: &Actor,
    hall_code: &str,
    first: &str,
    last: &str,
) -> Result<Figures> {
    let h = hall(app, hall_code).await?;
    match actor {
        Actor::Staff { scope, .. } if scope.covers_region(&h.region) => {}
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        _ => {
            return Err(AppError::Forbidden(
                "只有本区划的工作人员可以查看大厅运行情况".into(),
            ));
        }
    }
    let today = today(app).to_string();
    let day = |s: &str| -> Result<String> {
        if s.trim().is_empty() {
            return Ok(today.clone());
        }
        domain::calendar::parse_iso_date(s)
            .map(|d| d.to_string())
            .map_err(|_| AppError::field("first", "invalid", format!("日期“{s}”应为 YYYY-MM-DD")))
    };
    let (first, last) = (day(first)?, day(last)?);
    if first > last {
        return Err(AppError::field(
            "first",
            "inconsistent",
            "开始日期不能晚于结束日期",
        ));
    }
    let mut c = app.store.conn().await?;
    let tickets = store::hall::tickets_between(&mut c, &h.code, &first, &last).await?;
    let duty = store::hall::duty_of_hall(&mut c, &h.code).await?;
    let mut appointments = Vec::new();
    let mut d =
        domain::calendar::parse_iso_date(&first).map_err(|_| AppError::Internal("day".into()))?;
    let end =
        domain::calendar::parse_iso_date(&last).map_err(|_| AppError::Internal("day".into()))?;
    if end - d > time::Duration::days(92) {
        return Err(AppError::field("last", "too_long", "一次最多统计 92 天"));
    }
    while d <= end {
        appointments.extend(store::hall::of_hall_day(&mut c, &h.code, &d.to_string()).await?);
        match d.next_day() {
            Some(n) => d = n,
            None => break,
        }
    }
    let target = h.rules.wait_target_minutes;
    let all: Vec<&Ticket> = tickets.iter().collect();
    let now = app.now();
    let waiting: Vec<&Ticket> = all
        .iter()
        .copied()
        .filter(|t| t.state == TicketState::Waiting && t.day == today)
        .collect();
    let lines = h
        .lines
        .iter()
        .map(|l| {
            let ts: Vec<&Ticket> = all.iter().copied().filter(|t| t.line == l.code).collect();
            row(&l.code, &format!("{} {}", l.code, l.name), &ts, target)
        })
        .collect();
    let windows = h
        .windows
        .iter()
        .map(|w| {
            let ts: Vec<&Ticket> = all
                .iter()
                .copied()
                .filter(|t| {
                    t.window.as_deref() == Some(&w.number) && t.state != TicketState::Waiting
                })
                .collect();
            row(&w.number, &w.name, &ts, target)
        })
        .collect();
    let mut by_staff: BTreeMap<&str, Vec<&Ticket>> = BTreeMap::new();
    for t in &all {
        if let Some(s) = &t.staff {
            by_staff.entry(s.as_str()).or_default().push(t);
        }
    }
    let mut staff = Vec::new();
    for (id, ts) in by_staff {
        let name = match app.account(&mut c, id).await {
            Ok(a) => a.display_name.clone(),
            Err(_) => id.to_string(),
        };
        staff.push(row(id, &name, &ts, target));
    }
    let mut per_day: BTreeMap<&str, Vec<&Ticket>> = BTreeMap::new();
    for t in &all {
        per_day.entry(t.day.as_str()).or_default().push(t);
    }
    let busy: Vec<&str> = all
        .iter()
        .filter(|t| t.state == TicketState::Called && t.day == today)
        .filter_map(|t| t.window.as_deref())
        .collect();
    Ok(Figures {
        hall: h.code.clone(),
        name: h.name.clone(),
        wait_target_minutes: target,
        waiting_now: waiting.len(),
        longest_wait_now: waiting
            .iter()
            .map(|t| (now - t.issued_at).whole_seconds() as f64 / 60.0)
            .fold(0.0, f64::max),
        windows_idle: duty
            .iter()
            .filter(|d| !d.paused && !busy.contains(&d.window.as_str()))
            .map(|d| d.window.clone())
            .collect(),
        total: row("", "全部", &all, target),
        lines,
        windows,
        staff,
        days: per_day
            .into_iter()
            .map(|(d, ts)| DayRow {
                day: d.to_string(),
                tickets: ts.len(),
                avg_wait: row("", "", &ts, target).avg_wait,
            })
            .collect(),
        appointments: appointments
            .iter()
            .filter(|a| a.state != BookingState::Cancelled)
            .count(),
        appointments_kept: appointments
            .iter()
            .filter(|a| a.state == BookingState::CheckedIn)
            .count(),
        appointments_missed: appointments
            .iter()
            .filter(|a| a.state == BookingState::NoShow)
            .count(),
        first,
        last,
    })
}

/// One hall's queue figures over a period, for the statistics page.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HallRow {
    pub wait_target_minutes: u32,
    pub row: Row,
}

/// Every hall in the staff member's region with its tickets, waits and the share within
/// its target from `first` to `last` (inclusive, `YYYY-MM-DD`): the statistics page's 大厅排队.
pub async fn overview(app: &App, actor: &Actor, first: &str, last: &str) -> Result<Vec<HallRow>> {
    let Actor::Staff { scope, .. } = actor else {
        return Err(AppError::Forbidden(
            "只有工作人员可以查看大厅运行情况".into(),
        ));
    };
    let halls = super::halls(app).await?;
    let mut c = app.store.conn().await?;
    let mut out = Vec::new();
    for h in halls.iter().filter(|h| scope.covers_region(&h.region)) {
        let tickets = store::hall::tickets_between(&mut c, &h.code, first, last).await?;
        let all: Vec<&Ticket> = tickets.iter().collect();
        out.push(HallRow {
            wait_target_minutes: h.rules.wait_target_minutes,
            row: row(&h.code, &h.name, &all, h.rules.wait_target_minutes),
        });
    }
    Ok(out)
}
