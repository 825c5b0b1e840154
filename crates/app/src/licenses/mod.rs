//! Electronic licenses (电子证照): issuing on approval in the decision's write, attaching the
//! holder's licenses to a new application (免提交, trust level A), revoking, the holder's
//! wallet, and public verification of a QR token. One concern a file.

mod exempt;
mod holder;
mod issue;
mod keys;
mod present;
mod register;
mod verify;
mod wallet;

use domain::calendar::china_date;

use crate::{App, AppError};

pub use exempt::*;
pub use holder::*;
pub use issue::*;
pub use keys::*;
pub use present::{PRESENTATION_TTL, Presented, present};
pub use register::*;
pub use verify::*;
pub use wallet::*;

pub(super) fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// Today in China as YYYY-MM-DD, the form dates are stored in.
pub fn today_iso(app: &App) -> String {
    iso(china_date(app.now()))
}

/// A date as YYYY-MM-DD.
pub fn iso(d: time::Date) -> String {
    format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}
