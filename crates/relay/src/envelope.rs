//! What a consumer receives: the event with its idempotency key, topic, aggregate, place in
//! the order and time, around the domain's payload.

use store::outbox::Stored;

/// The JSON body of a delivery.
pub fn envelope(e: &Stored) -> Vec<u8> {
    let data: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or_default();
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.created_at) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.to_offset(time::macros::offset!(+8))
                .format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    serde_json::to_vec(&serde_json::json!({
        "id": e.id,
        "seq": e.seq,
        "topic": e.topic,
        "aggregate": e.aggregate,
        "at": at,
        "at_ms": e.created_at,
        "data": data,
    }))
    .unwrap_or_default()
}
