//! Events for systems outside the platform (the outbox): which changes are published, under
//! which topic and with what content; in which order a sink may take them; when a failed
//! delivery is tried again and when it is given up (a dead letter). The relay does the I/O.

use serde::{Deserialize, Serialize};

/// The topic of a case's audit event, if others are told about it. A draft's events stay
/// private (nobody outside needs a half-filled form), as does every event of a case that never
/// left its draft (it has no number).
pub fn case_topic(kind: &str, numbered: bool) -> Option<&'static str> {
    if !numbered {
        return None;
    }
    Some(match kind {
        "submitted" => "case.submitted",
        "supplement_requested" => "case.supplement_requested",
        "supplied" => "case.supplied",
        "accepted" => "case.accepted",
        "rejected_at_intake" => "case.rejected_at_intake",
        "claimed" => "case.claimed",
        "step_completed" => "case.step_completed",
        "decided" => "case.decided",
        "suspended" => "case.suspended",
        "resumed" => "case.resumed",
        "extended" => "case.extended",
        "issued" => "case.issued",
        "completed" => "case.completed",
        "withdrawn" => "case.withdrawn",
        "verified" => "case.verified",
        "pending_supplied" => "case.pending_supplied",
        "fee_assessed" => "case.fee_assessed",
        "paid" => "case.paid",
        "license_issued" => "license.issued",
        _ => return None,
    })
}

/// What a case event tells the outside: enough to route and to fetch the rest through the
/// API; no names, ID numbers or form contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseChange {
    pub case_id: String,
    pub number: String,
    pub item_code: String,
    pub region: String,
    pub department: String,
    /// The case's state after the event.
    pub state: String,
    /// The audit event's kind and its number in the case's chain.
    pub event: String,
    pub seq: i64,
    /// For `decided`: approved or refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved: Option<bool>,
    /// For `license.issued`: the license's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
}

/// A license's change of status outside a case command (`license.revoked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseChange {
    pub license_id: String,
    pub number: String,
    pub type_code: String,
    pub department: String,
    pub case_id: Option<String>,
    pub status: String,
    pub reason: String,
}

/// A 好差评 rating given (`rating.given`): the case, the level and the channel; the comment
/// stays inside (it may name people).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingGiven {
    pub rating_id: String,
    pub case_id: String,
    pub level: i64,
    pub channel: String,
    pub department: String,
    pub region: String,
}

/// A 12345 ticket's step (`ticket.<event>`): no caller, no text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketChange {
    pub ticket_id: String,
    pub number: String,
    pub kind: String,
    pub class: String,
    pub region: String,
    pub state: String,
    pub department: Option<String>,
    pub event: String,
    pub seq: i64,
}

/// What one delivery attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The sink could not be reached, timed out, was busy or failed (connection refused, 5xx,
    /// 408, 429, no acknowledgement): the event waits and is tried again, however long that
    /// takes, so an outage is caught up afterwards.
    Transient,
    /// The sink answered that it will not take this event (another 4xx): tried a few times,
    /// then set aside as a dead letter so the events behind it flow again.
    Rejected,
}

impl Failure {
    /// How an HTTP status is read; `None` for success.
    pub fn of_status(status: u16) -> Option<Failure> {
        match status {
            200..=299 => None,
            408 | 425 | 429 => Some(Failure::Transient),
            400..=499 => Some(Failure::Rejected),
            _ => Some(Failure::Transient),
        }
    }
}

/// When a failed event is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// The first wait, in milliseconds; each failure doubles it.
    pub base_ms: i64,
    /// The longest wait.
    pub cap_ms: i64,
    /// Rejections before the event becomes a dead letter.
    pub max_rejections: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_ms: 500,
            cap_ms: 60_000,
            max_rejections: 5,
        }
    }
}

/// What happens after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    RetryAfter {
        ms: i64,
    },
    /// Give up: a dead letter, and the sink moves on.
    Bury,
}

impl RetryPolicy {
    /// After the `attempts`-th failed attempt (1 for the first), ending in `failure`.
    /// Transient failures never bury: a broker that is down for a day is caught up after.
    pub fn next(&self, attempts: u32, failure: Failure) -> Next {
        if failure == Failure::Rejected && attempts >= self.max_rejections {
            return Next::Bury;
        }
        let doublings = attempts.saturating_sub(1).min(30);
        let ms = self
            .base_ms
            .saturating_mul(1i64 << doublings)
            .min(self.cap_ms);
        Next::RetryAfter { ms: ms.max(0) }
    }
}

/// A hole in the sequence a sink reads: a number taken by a transaction that has not
/// committed yet, or never will (rolled back). `horizon` is the first transaction id that had
/// not started when the hole was seen; once every transaction below it has ended, nothing can
/// fill the hole any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    pub seq: i64,
    pub horizon: i64,
}

/// Which of the rows read after `position` may be delivered now, in order. `seqs` are the
/// sequence numbers read (ascending); `gaps` the holes seen before, with their horizons;
/// `oldest_running` the oldest transaction still running now (a database whose writer
/// commits in sequence order, SQLite, passes `i64::MAX`: a hole there is final at once);
/// `horizon_now` the horizon to record for a hole first seen now.
///
/// Delivery stops before the first hole that may still fill, so an event is never passed
/// over and then found behind the position. Returns the numbers to deliver and the holes
/// still open before the last of them or at the stop.
pub fn deliverable(
    position: i64,
    seqs: &[i64],
    gaps: &[Gap],
    oldest_running: i64,
    horizon_now: i64,
) -> (Vec<i64>, Vec<Gap>) {
    let mut out = Vec::new();
    let mut open = Vec::new();
    let mut expect = position + 1;
    for &s in seqs {
        if s < expect {
            continue;
        }
        while expect < s {
            let horizon = gaps
                .iter()
                .find(|g| g.seq == expect)
                .map(|g| g.horizon)
                .unwrap_or(horizon_now);
            if oldest_running < horizon {
                // Someone who took this number may still commit it: wait (only this hole
                // and the first of those behind it are recorded; the rest are seen again).
                open.push(Gap {
                    seq: expect,
                    horizon,
                });
                return (out, open);
            }
            expect += 1;
        }
        out.push(s);
        expect = s + 1;
    }
    (out, open)
}

/// How a webhook's body is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureAlgorithm {
    #[default]
    HmacSha256,
    HmacSm3,
}

impl SignatureAlgorithm {
    /// The name in the signature header (`X-OneWindow-Signature: hmac-sm3=…`).
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::HmacSha256 => "hmac-sha256",
            SignatureAlgorithm::HmacSm3 => "hmac-sm3",
        }
    }
}

/// What a webhook's signature covers: the timestamp sent beside it and the body, so a
/// recorded delivery cannot be replayed later under a new timestamp.
pub fn signing_input(timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut v = format!("{timestamp}.").into_bytes();
    v.extend_from_slice(body);
    v
}

#[cfg(test)]
mod tests;
