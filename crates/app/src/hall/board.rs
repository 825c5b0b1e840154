//! The display board (大屏): the tickets being called with their window, the next ones, and
//! the waiting count per line, computed once per change and sent to every open board.

use domain::hall::queue;
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

/// The board of `hall` now (public: numbers and windows only, no names). A few small
/// queries, not the day's tickets: it is read once per change of the queue.
pub async fn board(app: &App, hall_code: &str) -> Result<Board> {
    let h = hall(app, hall_code).await?;
    let day = today(app).to_string();
    let mut c = app.store.conn().await?;
    let calls = store::hall::latest_calls(&mut c, &h.code, &day, CALLING_SHOWN as i64).await?;
    let next = store::hall::next_numbers(
        &mut c,
        &h.code,
        &day,
        h.rules.booked_first,
        NEXT_SHOWN as i64,
    )
    .await?;
    let counts = store::hall::waiting_counts(&mut c, &h.code, &day).await?;
    let duty = store::hall::duty_of_hall(&mut c, &h.code).await?;
    let open_windows: Vec<_> = duty
        .iter()
        .filter(|d| !d.paused)
        .filter_map(|d| h.window(&d.window))
        .collect();
    let mut lines = Vec::new();
    for l in &h.lines {
        let n = counts
            .iter()
            .find(|(line, _)| *line == l.code)
            .map(|(_, n)| *n as usize)
            .unwrap_or(0);
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
        calling: calls
            .into_iter()
            .map(|(number, window)| Calling {
                text: queue::announcement(&number, &window),
                number,
                window,
            })
            .collect(),
        next,
        lines,
        windows_open: open_windows.len(),
    })
}

/// Tells the open boards of `hall` its new state, with `announce` to speak. The change has
/// committed already, so a failure here is logged: the boards catch up with the next change
/// or when they reconnect.
pub(crate) async fn publish(app: &App, hall_code: &str, announce: Option<String>) {
    publish_here(app, hall_code, announce.clone()).await;
    let hall = hall_code.to_string();
    crate::cluster::tell(app, crate::cluster::Change::Board { hall, announce }).await;
}

/// Tells this node's open boards of `hall` its state (another node changed it, or this one).
pub(crate) async fn publish_here(app: &App, hall_code: &str, announce: Option<String>) {
    match board(app, hall_code).await {
        Ok(b) => match serde_json::to_string(&b) {
            Ok(json) => app.hall_hub.send(BoardUpdate {
                seq: 0,
                hall: hall_code.to_string(),
                json,
                announce,
            }),
            Err(e) => tracing::warn!(hall = hall_code, "board not encoded: {e}"),
        },
        Err(e) => tracing::warn!(hall = hall_code, "board not read: {e:?}"),
    }
}
