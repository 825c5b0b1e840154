//! The display board (大屏): the tickets being called with their window, the next ones, and
//! the waiting count per line, computed once per change and sent to every open board.

use domain::hall::queue::{self, Priority, TicketState};
use serde::Serialize;

use super::{BoardUpdate, hall, today};
use crate::{App, Result};

/// How many called tickets and next numbers a board shows.
const CALLING_SHOWN: usize = 6;
const NEXT_SHOWN: usize = 10;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Board {
    pub hall: String,
    pub name: String,
    pub calling: Vec<Calling>,
    pub next: Vec<String>,
    pub lines: Vec<LineWait>,
    /// Windows with staff signed in and not paused.
    pub windows_open: usize,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Calling {
    pub number: String,
    pub window: String,
    /// 请 A012 号到 3 号窗口.
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineWait {
    pub code: String,
    pub name: String,
    pub waiting: usize,
    pub wait_minutes: u32,
}

/// The board of `hall` now (public: numbers and windows only, no names).
pub async fn board(app: &App, hall_code: &str) -> Result<Board> {
    let h = hall(app, hall_code).await?;
    let mut c = app.store.conn().await?;
    let open = store::hall::tickets_of_day(
        &mut c,
        &h.code,
        &today(app).to_string(),
        &[TicketState::Waiting, TicketState::Called],
    )
    .await?;
    let duty = store::hall::duty_of_hall(&mut c, &h.code).await?;
    let mut called: Vec<_> = open
        .iter()
        .map(|s| &s.ticket)
        .filter(|t| t.state == TicketState::Called)
        .collect();
    called.sort_by_key(|t| std::cmp::Reverse(t.called_at));
    let mut waiting: Vec<_> = open
        .iter()
        .map(|s| &s.ticket)
        .filter(|t| t.state == TicketState::Waiting)
        .collect();
    let rank = |p: Priority| match p {
        Priority::Green => 0,
        Priority::Booked if h.rules.booked_first => 1,
        _ => 2,
    };
    waiting.sort_by_key(|t| (rank(t.priority), t.issued_at));
    let open_windows: Vec<_> = duty
        .iter()
        .filter(|d| !d.paused)
        .filter_map(|d| h.window(&d.window))
        .collect();
    let mut lines = Vec::new();
    for l in &h.lines {
        let n = waiting.iter().filter(|t| t.line == l.code).count();
        let recent = store::hall::recent_service_seconds(&mut c, &h.code, &l.code, 20).await?;
        let serving = open_windows.iter().filter(|w| w.serves(&l.code)).count();
        lines.push(LineWait {
            code: l.code.clone(),
            name: l.name.clone(),
            waiting: n,
            wait_minutes: queue::estimate_wait_minutes(n, &recent, serving),
        });
    }
    Ok(Board {
        hall: h.code.clone(),
        name: h.name.clone(),
        calling: called
            .iter()
            .take(CALLING_SHOWN)
            .map(|t| {
                let w = t.window.clone().unwrap_or_default();
                Calling {
                    text: queue::announcement(&t.number, &w),
                    number: t.number.clone(),
                    window: w,
                }
            })
            .collect(),
        next: waiting
            .iter()
            .take(NEXT_SHOWN)
            .map(|t| t.number.clone())
            .collect(),
        lines,
        windows_open: open_windows.len(),
    })
}

/// Tells the open boards of `hall` its new state, with `announce` to speak. The change has
/// committed already, so a failure here is logged: the boards catch up with the next change
/// or when they reconnect.
pub(crate) async fn publish(app: &App, hall_code: &str, announce: Option<String>) {
    match board(app, hall_code).await {
        Ok(b) => match serde_json::to_string(&b) {
            Ok(json) => app.hall_hub.send(BoardUpdate {
                hall: hall_code.to_string(),
                json,
                announce,
            }),
            Err(e) => tracing::warn!(hall = hall_code, "board not encoded: {e}"),
        },
        Err(e) => tracing::warn!(hall = hall_code, "board not read: {e:?}"),
    }
}
