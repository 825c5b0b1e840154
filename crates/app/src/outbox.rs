//! Events for systems outside the platform: the rows a change adds to the outbox, built here
//! so that each use case only says what happened. What is published and how it reads is the
//! domain's (`domain::outbox`); delivery is the relay's (`crates/relay`).

use domain::case::Case;
use domain::outbox::{CaseChange, case_topic};
use serde::Serialize;
use store::cases::EventRow;
use store::outbox::OutboxRow;

use crate::App;

/// An outbox row for `topic` about `aggregate` (kind and id), carrying `data`.
pub(crate) fn row(topic: &str, kind: &str, id: &str, data: &impl Serialize, at: i64) -> OutboxRow {
    OutboxRow {
        id: uuid::Uuid::now_v7().to_string(),
        topic: topic.into(),
        aggregate: format!("{kind}:{id}"),
        // Serialising a plain struct of strings and numbers cannot fail.
        payload: serde_json::to_string(data).unwrap_or_else(|_| "{}".into()),
        created_at: at,
    }
}

/// The rows for a case's new audit events, when events are recorded at all.
pub(crate) fn for_case(
    app: &App,
    case: &Case,
    events: &[EventRow],
    license: Option<&str>,
) -> Vec<OutboxRow> {
    if !app.settings.record_events {
        return Vec::new();
    }
    let numbered = !case.number.is_empty();
    events
        .iter()
        .filter_map(|e| {
            let topic = case_topic(&e.kind, numbered)?;
            let change = CaseChange {
                case_id: case.id.to_string(),
                number: case.number.to_string(),
                item_code: case.item_code.to_string(),
                region: case.region.clone(),
                department: case.department.clone(),
                state: case.state.as_str().into(),
                event: e.kind.clone(),
                seq: e.seq,
                approved: (e.kind == "decided").then(|| decided_approved(&e.payload)),
                license: (e.kind == "license_issued")
                    .then(|| license.map(str::to_string))
                    .flatten(),
            };
            Some(row(topic, "case", case.id.as_str(), &change, e.at))
        })
        .collect()
}

fn decided_approved(payload: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v["decision"]["approved"].as_bool())
        .unwrap_or(false)
}

/// A row for another aggregate (a rating, a ticket, a license), when events are recorded.
pub(crate) fn other(
    app: &App,
    topic: &str,
    kind: &str,
    id: &str,
    data: &impl Serialize,
    at: i64,
) -> Option<OutboxRow> {
    app.settings
        .record_events
        .then(|| row(topic, kind, id, data, at))
}
