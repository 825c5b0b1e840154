//! The service hall: queue tickets and calling (`tickets`), appointments (`booking`), the
//! display board's live feed (`Hub`, `board`), the 政务地图 (`map`) and the hall's figures
//! (`figures`). Rules are in `domain::hall`; this module reads, authorizes, writes in one
//! transaction and tells the boards.

pub mod board;
pub mod booking;
pub mod figures;
pub mod map;
pub mod setup;
pub mod tickets;

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
    pub hall: String,
    pub json: String,
    pub announce: Option<String>,
}

/// Delivers board updates to every open board of this process. Slow boards skip to the
/// latest state (each update is a whole board), so one stuck screen holds no one up.
pub struct Hub {
    tx: broadcast::Sender<Arc<BoardUpdate>>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub {
            tx: broadcast::channel(256).0,
        }
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BoardUpdate>> {
        self.tx.subscribe()
    }

    pub(crate) fn send(&self, u: BoardUpdate) {
        // No board open is not an error.
        let _ = self.tx.send(Arc::new(u));
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
    Sm3::digest(identity.trim().to_ascii_uppercase().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn today(app: &App) -> time::Date {
    domain::calendar::china_date(app.now())
}
