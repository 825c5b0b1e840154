//! Use-case tests; every one runs on SQLite and on PostgreSQL.

mod accounts;
mod agents;
mod audit;
mod bundles;
mod cases;
mod catalog;
mod catalog_review;
mod for_others;
mod forms;
mod gaps;
mod hall;
mod licenses;
mod passwords;
mod presentations;
mod ratings;
mod scopes;
mod search;
mod service_points;
mod sessions;
mod setup;
mod shared;
mod subjects;
mod supervision;
mod support;
mod uploads;
mod walk_ins;
