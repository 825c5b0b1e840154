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

/// A sink's progress, for the administrator.
#[derive(Debug, Clone)]
pub struct SinkState {
    pub cursor: store::outbox::Cursor,
    /// Events written that it has not passed yet.
    pub behind: i64,
}

/// The delivery of events: the newest event, each sink's progress, the dead letters.
#[derive(Debug, Clone)]
pub struct Overview {
    pub head: i64,
    pub sinks: Vec<SinkState>,
    pub dead: Vec<store::outbox::Dead>,
}

/// Event delivery is the whole installation's: only an administrator of its top region
/// sees and replays it.
pub(crate) async fn platform_only(
    conn: &mut store::Connection,
    cap: &crate::auth::SystemAdmin,
) -> crate::Result<()> {
    if cap.is_command_line() {
        return Ok(());
    }
    crate::org::check_setting_scope(
        conn,
        cap.scope(),
        &domain::account::SettingScope::Platform,
        "事件投递是全平台的设置，只有平台最上级区划的系统管理员可以查看和重发",
    )
    .await
}

pub async fn overview(app: &App, cap: &crate::auth::SystemAdmin) -> crate::Result<Overview> {
    let mut conn = app.store.conn().await?;
    platform_only(&mut conn, cap).await?;
    let head = store::outbox::head(&mut conn).await?;
    let sinks = store::outbox::cursors(&mut conn)
        .await?
        .into_iter()
        .map(|c| SinkState {
            behind: (head - c.position).max(0),
            cursor: c,
        })
        .collect();
    let dead = store::outbox::dead_letters(&mut conn, 200).await?;
    Ok(Overview { head, sinks, dead })
}

/// Asks for a dead letter to be sent again (the sink's deliverer takes it within a round),
/// recorded on the administration chain.
pub async fn replay(
    app: &App,
    cap: &crate::auth::SystemAdmin,
    sink: &str,
    seq: i64,
) -> crate::Result<()> {
    let mut tx = app.store.begin().await?;
    platform_only(&mut tx, cap).await?;
    if !store::outbox::ask_replay(&mut tx, sink, seq).await? {
        return Err(crate::AppError::field(
            "seq",
            "unknown",
            format!("接收方“{sink}”没有第 {seq} 号待重发的死信（可能已重发成功）"),
        ));
    }
    crate::audit::admin(
        &mut tx,
        app,
        cap.actor_id(),
        "event_replay_requested",
        &format!("{sink}#{seq}"),
        serde_json::json!({"sink": sink, "seq": seq}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// 数据汇聚 reconciliation: what the upper-level platform should hold of every case created
/// since `since_ms` (the steps it was told of, its particulars, its result).
pub async fn push_expected(
    app: &App,
    cap: &crate::auth::SystemAdmin,
    since_ms: i64,
) -> crate::Result<Vec<domain::push::Holding>> {
    let mut conn = app.store.conn().await?;
    platform_only(&mut conn, cap).await?;
    let trails = store::cases::trails_since(&mut conn, since_ms).await?;
    Ok(trails
        .iter()
        .map(|t| {
            let state = domain::case::CaseState::parse(&t.state)
                .unwrap_or(domain::case::CaseState::Submitted);
            domain::push::expected(&t.number, state, &t.events)
        })
        .collect())
}
