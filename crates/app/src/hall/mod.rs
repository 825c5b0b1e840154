//! The service hall: queue tickets and calling (`tickets`), appointments (`booking`), the
//! display board's live feed (`Hub`, `board`), the 政务地图 (`map`) and the hall's figures
//! (`figures`). Rules are in `domain::hall`; this module reads, authorizes, writes in one
//! transaction and tells the boards.

pub mod board;
pub mod booking;
pub mod figures;
pub mod kiosk;
pub mod map;
pub mod setup;
pub mod tickets;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use domain::hall::{Hall, HallError};
use domain::ids::IdNumber;
use sm3::{Digest, Sm3};
use tokio::sync::broadcast;

use crate::{App, AppError, Result};

impl From<HallError> for AppError {
    fn from(e: HallError) -> AppError {
        match e {
            HallError::Invalid(f) => AppError::Validation(vec![f]),
            HallError::State(s) => AppError::State(s),
        }
    }
}

/// A change of a hall's queues, as its boards receive it: the board's new state as JSON and
/// the announcement to speak, if a ticket was called.
#[derive(Debug, Clone)]
pub struct BoardUpdate {
    /// This process's order of updates (set by the hub).
    pub seq: u64,
    pub hall: String,
    pub json: String,
    pub announce: Option<String>,
}

type Recent = HashMap<String, VecDeque<Arc<BoardUpdate>>>;

/// How many recent updates of each hall the hub keeps for boards that fell behind.
const KEPT_PER_HALL: usize = 512;

/// Delivers board updates to every open board of this process. A board that falls behind
/// the broadcast (a busy machine, a slow screen) catches up from the hall's recent updates,
/// so no call goes unannounced; one so far behind that even those are gone gets the latest
/// state. One stuck screen holds no one up either way.
pub struct Hub {
    tx: broadcast::Sender<Arc<BoardUpdate>>,
    /// The last sequence number given, and each hall's recent updates.
    recent: std::sync::Mutex<(u64, Recent)>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub {
            tx: broadcast::channel(256).0,
            recent: Default::default(),
        }
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BoardUpdate>> {
        self.tx.subscribe()
    }

    /// The hall's updates after `seq`, oldest first; None when some of them are no longer
    /// kept (the board must start again from the current state).
    pub fn since(&self, hall: &str, seq: u64) -> Option<Vec<Arc<BoardUpdate>>> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let Some(kept) = recent.1.get(hall) else {
            return Some(Vec::new());
        };
        if kept.front().is_some_and(|u| u.seq > seq + 1) && kept.len() == KEPT_PER_HALL {
            return None;
        }
        Some(kept.iter().filter(|u| u.seq > seq).cloned().collect())
    }

    /// The sequence number of the latest update sent (0: none yet).
    pub fn latest(&self) -> u64 {
        self.recent.lock().unwrap_or_else(|e| e.into_inner()).0
    }

    pub(crate) fn send(&self, mut u: BoardUpdate) {
        // Numbered, kept and broadcast under one lock, so the numbers follow the broadcast
        // order and a board never sees an update before it is kept.
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.0 += 1;
        u.seq = recent.0;
        let u = Arc::new(u);
        let kept = recent.1.entry(u.hall.clone()).or_default();
        if kept.len() == KEPT_PER_HALL {
            kept.pop_front();
        }
        kept.push_back(u.clone());
        // No board open is not an error.
        let _ = self.tx.send(u);
    }
}

pub async fn halls(app: &App) -> Result<Vec<Hall>> {
    let mut c = app.store.conn().await?;
    Ok(store::hall::list_halls(&mut c).await?)
}

pub async fn hall(app: &App, code: &str) -> Result<Hall> {
    let mut c = app.store.conn().await?;
    store::hall::get_hall(&mut c, code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("大厅 {code}")))
}

/// A person who takes a ticket or books in their own name (实名): name, ID number, phone.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub name: String,
    pub id_number: String,
    pub phone: String,
}

/// A person checked: the ID number parsed, the name and phone well-formed.
pub(crate) struct Checked {
    pub name: String,
    pub id: IdNumber,
    pub phone: String,
}

impl Person {
    /// The person a request names, checked; `missing` says what to do when it names none.
    pub(crate) fn required(
        person: Option<&Person>,
        missing: &str,
        today: time::Date,
    ) -> Result<Checked> {
        person
            .ok_or_else(|| AppError::field("person", "required", missing))?
            .check(today)
    }

    pub(crate) fn check(&self, today: time::Date) -> Result<Checked> {
        let mut p = domain::Problems::default();
        p.text("name", &self.name, "姓名", 30);
        let id = match IdNumber::parse_on(&self.id_number, today) {
            Ok(id) => Some(id),
            Err(e) => {
                p.push("id_number", "invalid", format!("居民身份号码无效：{e}"));
                None
            }
        };
        let phone = self.phone.trim();
        if !(phone.len() == 11
            && phone.starts_with('1')
            && phone.bytes().all(|b| b.is_ascii_digit()))
        {
            p.push("phone", "invalid", "手机号码应为 1 开头的 11 位数字");
        }
        p.into_result()?;
        Ok(Checked {
            name: self.name.trim().to_string(),
            id: id.ok_or_else(|| AppError::Internal("id".into()))?,
            phone: phone.to_string(),
        })
    }
}

/// The key bookings are counted by: SM3 of the ID number or credit code, so the table holds
/// no identity in clear beyond the masked form.
pub(crate) fn person_key(identity: &str) -> String {
    hex::encode(Sm3::digest(identity.trim().to_ascii_uppercase().as_bytes()))
}

pub(crate) fn today(app: &App) -> time::Date {
    domain::calendar::china_date(app.now())
}

#[cfg(test)]
mod tests {
    use super::{BoardUpdate, Hub, KEPT_PER_HALL};

    fn update(hall: &str, n: usize) -> BoardUpdate {
        BoardUpdate {
            seq: 0,
            hall: hall.into(),
            json: "{}".into(),
            announce: Some(format!("请 A{n:03} 号到 01 号窗口")),
        }
    }

    #[test]
    fn a_board_behind_gets_its_halls_missed_calls_in_order_until_they_are_no_longer_kept() {
        let hub = Hub::default();
        for n in 0..3 {
            hub.send(update("A", n));
            hub.send(update("B", n));
        }
        let missed = hub.since("A", 2).unwrap();
        let seqs: Vec<u64> = missed.iter().map(|u| u.seq).collect();
        assert_eq!(seqs, [3, 5]);
        assert!(missed.iter().all(|u| u.hall == "A"));
        assert_eq!(hub.since("C", 0).unwrap().len(), 0);
        assert_eq!(hub.latest(), 6);
        for n in 0..KEPT_PER_HALL {
            hub.send(update("A", n));
        }
        assert!(
            hub.since("A", 2).is_none(),
            "the calls after 2 are no longer all kept"
        );
        assert_eq!(hub.since("A", hub.latest() - 1).unwrap().len(), 1);
    }
}
