//! The store conformance suite: every story runs on SQLite and on PostgreSQL.

mod accounts;
mod cases;
mod catalog;
mod cluster;
mod command;
mod conns;
mod hall;
mod hotline;
mod licenses;
mod oidc;
mod org;
mod schema;
mod stats;
mod supervision;
mod transactions;
