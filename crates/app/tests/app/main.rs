//! Use-case tests; every one runs on SQLite and on PostgreSQL.

mod accounts;
mod bundles;
mod cases;
mod catalog;
mod licenses;
mod passwords;
mod ratings;
mod shared;
mod supervision;
mod support;
