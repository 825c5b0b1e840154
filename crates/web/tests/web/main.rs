//! HTTP tests of the whole site in process: pages, API, sessions, CSRF, escaping.

mod accounts;
mod admin;
mod agents;
mod api;
mod authz;
mod bundles;
mod cases;
mod forms;
mod licenses;
mod market;
mod oidc;
mod open311;
mod payment;
mod portal;
mod post;
mod projects;
mod ratings;
mod settings;
mod setup;
mod stats;
mod supervision;
mod support;
