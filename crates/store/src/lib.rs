//! Persistence for OneWindow through sqlx, one query layer for SQLite (the embedded
//! default) and PostgreSQL. Every query is written once in SQL both accept (`$1`
//! placeholders, integer times, text ids, JSON as text); the few real differences live in
//! [`db`]. Functions take a `&mut AnyConnection` so the app layer decides the transaction:
//! pass a pooled connection to read, a transaction to write.
//!
//! The `testing` feature adds the `testing` module (a fresh database on each backend) and
//! the few reads only tests make; other crates turn it on from their `[dev-dependencies]`.

pub mod accounts;
pub mod agents;
pub mod assessment;
pub mod bundles;
pub mod cases;
pub mod catalog;
pub mod cluster;
pub mod command;
mod conns;
pub mod db;
mod group;
pub mod hall;
pub mod hotline;
pub mod licenses;
mod lite;
mod lite_read;
pub mod market;
pub mod notify;
pub mod off_platform;
pub mod oidc;
pub mod org;
pub mod outbox;
pub mod oversight;
pub mod payments;
pub mod policies;
pub mod post;
pub mod posts;
pub mod projects;
pub mod ratings;
mod read;
pub mod rights;
pub mod service_points;
pub mod stats;
pub mod subjects;
pub mod supervision;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tongban;
pub mod unresolved;
pub mod uploads;
pub mod visits;
pub mod walk_ins;
mod write;

pub use db::{Backend, Conn, Options as StoreOptions, Store, StoreError, Tx};
/// The connection type every query function takes.
pub use sqlx::AnyConnection as Connection;

pub type Result<T> = std::result::Result<T, StoreError>;

/// Milliseconds since the Unix epoch, the storage form of every instant.
pub fn millis(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_millis(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
