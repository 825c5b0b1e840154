//! 接诉即办 measures, defined once: 响应率 (accepted within the response limit, of those
//! dispatched), 解决率 and 满意率 (of those called back), and a combined score with
//! configurable weights; and the yellow and red warnings of a running ticket.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::{State, Ticket};
use crate::calendar::WorkCalendar;
use crate::supervision::Level;

/// Counts over a set of tickets (a department, a region, a month).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Tickets received.
    pub received: u64,
    /// Tickets dispatched to a department whose 签收 has happened or is overdue: a ticket
    /// dispatched minutes ago is not yet a failure.
    pub dispatched: u64,
    /// Of those, accepted (签收) within the response limit.
    pub responded_in_time: u64,
    /// Tickets called back (their last callback counts).
    pub called_back: u64,
    pub resolved: u64,
    pub satisfied: u64,
    /// Answered directly by the centre (直接办结).
    pub answered_directly: u64,
}

impl Tally {
    /// Adds one ticket as it stands at `now`. A ticket counts for the department it was
    /// dispatched to last.
    pub fn add(&mut self, t: &Ticket, now: time::OffsetDateTime) {
        self.received += 1;
        if !t.answer.is_empty() && t.state == State::Closed {
            self.answered_directly += 1;
        }
        let due_or_done = t.responded_in_time.is_some() || t.respond_due.is_some_and(|d| d < now);
        if t.department.is_some() && due_or_done {
            self.dispatched += 1;
            if t.responded_in_time == Some(true) {
                self.responded_in_time += 1;
            }
        }
        if let Some(c) = &t.callback {
            self.called_back += 1;
            self.resolved += c.resolved as u64;
            self.satisfied += c.satisfied as u64;
        }
    }

    pub fn merge(&mut self, o: &Tally) {
        self.received += o.received;
        self.dispatched += o.dispatched;
        self.responded_in_time += o.responded_in_time;
        self.called_back += o.called_back;
        self.resolved += o.resolved;
        self.satisfied += o.satisfied;
        self.answered_directly += o.answered_directly;
    }
}

/// Weights of the combined score, in percent. The default (响应率 10, 解决率 45, 满意率 45)
/// follows the weights Beijing's 接诉即办 assessment has published; a locality sets its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    pub response: u32,
    pub resolution: u32,
    pub satisfaction: u32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            response: 10,
            resolution: 45,
            satisfaction: 45,
        }
    }
}

/// The three rates in percent (None where nothing was counted) and the score out of 100.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Rates {
    pub response: Option<f64>,
    pub resolution: Option<f64>,
    pub satisfaction: Option<f64>,
    /// The weighted mean of the rates that exist (weights renormalised over them).
    pub score: Option<f64>,
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

pub fn rates(t: &Tally, w: &Weights) -> Rates {
    let response = percent(t.responded_in_time, t.dispatched);
    let resolution = percent(t.resolved, t.called_back);
    let satisfaction = percent(t.satisfied, t.called_back);
    let parts = [
        (response, w.response),
        (resolution, w.resolution),
        (satisfaction, w.satisfaction),
    ];
    let weight: u32 = parts
        .iter()
        .filter(|(r, _)| r.is_some())
        .map(|(_, w)| *w)
        .sum();
    let score = (weight > 0).then(|| {
        parts
            .iter()
            .filter_map(|(r, w)| r.map(|r| r * *w as f64))
            .sum::<f64>()
            / weight as f64
    });
    Rates {
        response,
        resolution,
        satisfaction,
        score,
    }
}

/// The warning a running ticket shows at `now`: 签收 overdue or in its last quarter; the
/// reply due today (yellow) or past (red).
pub fn level(t: &Ticket, now: OffsetDateTime, today: Date, cal: &WorkCalendar) -> Option<Level> {
    match t.state {
        State::Dispatched | State::Returned => {
            let (due, from) = (t.respond_due?, t.dispatched_at?);
            if now > due {
                Some(Level::Red)
            } else if (due - now) * 4 <= due - from {
                Some(Level::Yellow)
            } else {
                None
            }
        }
        State::Handling => {
            let due = t.due?;
            if today > due {
                Some(Level::Red)
            } else if today == due || cal.add_working_days(today, 1) >= due {
                Some(Level::Yellow)
            } else {
                None
            }
        }
        _ => None,
    }
}
