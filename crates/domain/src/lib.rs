//! The pure rules of OneWindow: identifiers, regions, the working-day calendar, the catalog
//! model and accounts. No I/O, no async, no SQL: everything here is decided from its
//! arguments, so it can be tested exhaustively.

pub mod account;
pub mod agent;
pub mod assessment;
pub mod bundle;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod content;
pub mod credit;
pub mod error;
#[cfg(any(test, feature = "testing"))]
pub mod fixtures;
pub mod hall;
pub mod hotline;
pub mod identity;
pub mod ids;
pub mod inspection;
pub mod keys;
pub mod license;
pub mod market;
pub mod notify;
pub mod off_platform;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod org;
pub mod outbox;
pub mod password;
pub mod payment;
pub mod penalty;
pub mod policy;
pub mod post;
pub mod project;
pub mod push;
pub mod rating;
pub mod rights;
pub mod service_point;
pub mod session;
pub mod signed;
pub mod stats;
pub mod subject;
pub mod supervision;
pub mod throttle;
pub mod tongban;
pub mod unresolved;
pub mod upload;
pub mod visits;
pub mod workflow;

pub use error::{FieldError, Problems};
