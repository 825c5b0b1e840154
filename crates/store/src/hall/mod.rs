//! The service hall: halls with their lines, windows and rules; queue tickets and the per-day
//! counters that number them; staff on duty; appointments and the booked count of each slot.

use domain::hall::Hall;
use domain::hall::queue::{Priority, Source, Ticket, TicketState};
use sqlx::{AnyConnection, AssertSqlSafe as AssertSql};

use crate::{Result, StoreError, from_millis, millis};

pub async fn upsert_hall(conn: &mut AnyConnection, h: &Hall) -> Result<()> {
    sqlx::query(
        "INSERT INTO halls (code, name, region, address, hours, windows, service_point, lines, rules)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, region = excluded.region,
           address = excluded.address, hours = excluded.hours, windows = excluded.windows,
           service_point = excluded.service_point, lines = excluded.lines, rules = excluded.rules",
    )
    .bind(&h.code)
    .bind(&h.name)
    .bind(&h.region)
    .bind(&h.address)
    .bind(&h.hours)
    .bind(serde_json::to_string(&h.windows)?)
    .bind(&h.service_point)
    .bind(serde_json::to_string(&h.lines)?)
    .bind(serde_json::to_string(&h.rules)?)
    .execute(conn)
    .await?;
    Ok(())
}

type HallRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn hall(r: HallRow) -> Result<Hall> {
    let (code, name, region, address, hours, windows, service_point, lines, rules) = r;
    Ok(Hall {
        code,
        name,
        region,
        address,
        hours,
        service_point,
        lines: serde_json::from_str(&lines)?,
        windows: serde_json::from_str(&windows)?,
        rules: serde_json::from_str(&rules)?,
    })
}

const HALL_COLS: &str =
    "SELECT code, name, region, address, hours, windows, service_point, lines, rules FROM halls";

pub async fn list_halls(conn: &mut AnyConnection) -> Result<Vec<Hall>> {
    crate::read::all_decoded(conn, format!("{HALL_COLS} ORDER BY region, code"), hall).await
}

pub async fn get_hall(conn: &mut AnyConnection, code: &str) -> Result<Option<Hall>> {
    crate::read::decoded_by_key(conn, format!("{HALL_COLS} WHERE code = $1"), code, hall).await
}

/// The next sequence number of `line` in `hall` on `day`: one statement that adds one and
/// returns it, so concurrent kiosks (and nodes) never draw the same.
pub async fn next_number(
    conn: &mut AnyConnection,
    hall: &str,
    day: &str,
    line: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO hall_counters (hall, day, line, last) VALUES ($1, $2, $3, 1)
         ON CONFLICT (hall, day, line) DO UPDATE SET last = hall_counters.last + 1
         RETURNING last",
    )
    .bind(hall)
    .bind(day)
    .bind(line)
    .fetch_one(conn)
    .await?)
}

#[derive(sqlx::FromRow)]
pub(crate) struct TicketRow {
    id: String,
    hall: String,
    day: String,
    line: String,
    number: String,
    priority: String,
    green_reason: String,
    source: String,
    state: String,
    window_no: Option<String>,
    calls: i64,
    issued_at: i64,
    called_at: Option<i64>,
    finished_at: Option<i64>,
    account: Option<String>,
    holder: String,
    appointment: Option<String>,
    staff: Option<String>,
    note: String,
    cases: String,
    version: i64,
}

const COLUMNS: &str = "id, hall, day, line, number, priority, green_reason, source, state, window_no, calls, issued_at, called_at, finished_at, account, holder, appointment, staff, note, cases, version";
const TICKET_COLS: &str = "SELECT id, hall, day, line, number, priority, green_reason, source, state, window_no, calls, issued_at, called_at, finished_at, account, holder, appointment, staff, note, cases, version FROM hall_tickets";

/// A ticket as stored, with the version its next update must match.
#[derive(Debug, Clone)]
pub struct Stored {
    pub ticket: Ticket,
    pub version: i64,
}

pub(crate) fn ticket(r: TicketRow) -> Result<Stored> {
    let bad = |what: &str, v: &str| StoreError::Corrupt(format!("ticket {}: {what} {v}", r.id));
    Ok(Stored {
        ticket: Ticket {
            priority: Priority::parse(&r.priority).ok_or_else(|| bad("priority", &r.priority))?,
            source: Source::parse(&r.source).ok_or_else(|| bad("source", &r.source))?,
            state: TicketState::parse(&r.state).ok_or_else(|| bad("state", &r.state))?,
            cases: serde_json::from_str(&r.cases)?,
            calls: r.calls as u32,
            issued_at: from_millis(r.issued_at),
            called_at: r.called_at.map(from_millis),
            finished_at: r.finished_at.map(from_millis),
            id: r.id,
            hall: r.hall,
            day: r.day,
            line: r.line,
            number: r.number,
            green_reason: r.green_reason,
            window: r.window_no,
            account: r.account,
            holder: r.holder,
            appointment: r.appointment,
            staff: r.staff,
            note: r.note,
        },
        version: r.version,
    })
}

/// Stores a new ticket; `person_key` is the SM3 of its holder's ID number (empty if unknown).
pub async fn insert_ticket(conn: &mut AnyConnection, t: &Ticket, person_key: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO hall_tickets (id, hall, day, line, number, priority, green_reason, source, state, window_no, calls, issued_at, called_at, finished_at, account, holder, appointment, staff, note, cases, version, person_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 0, $21)",
    )
    .bind(&t.id)
    .bind(&t.hall)
    .bind(&t.day)
    .bind(&t.line)
    .bind(&t.number)
    .bind(t.priority.name())
    .bind(&t.green_reason)
    .bind(t.source.name())
    .bind(t.state.name())
    .bind(t.window.as_deref())
    .bind(t.calls as i64)
    .bind(millis(t.issued_at))
    .bind(t.called_at.map(millis))
    .bind(t.finished_at.map(millis))
    .bind(t.account.as_deref())
    .bind(&t.holder)
    .bind(t.appointment.as_deref())
    .bind(t.staff.as_deref())
    .bind(&t.note)
    .bind(serde_json::to_string(&t.cases)?)
    .bind(person_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// The number of a ticket the person holds on `line` of `hall` on `day` that is still
/// waiting or called, if any.
pub async fn open_ticket_of_person(
    conn: &mut AnyConnection,
    hall: &str,
    day: &str,
    line: &str,
    person_key: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT number FROM hall_tickets
         WHERE person_key = $1 AND day = $2 AND hall = $3 AND line = $4 AND state IN ('waiting', 'called')",
    )
    .bind(person_key)
    .bind(day)
    .bind(hall)
    .bind(line)
    .fetch_optional(conn)
    .await?)
}

/// Writes a changed ticket if nobody changed it since `version` was read; false otherwise
/// (two windows calling the same ticket at once: one wins, the other picks again).
pub async fn update_ticket(conn: &mut AnyConnection, t: &Ticket, version: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE hall_tickets SET line = $1, state = $2, window_no = $3, calls = $4, called_at = $5,
           finished_at = $6, staff = $7, note = $8, cases = $9, version = version + 1
         WHERE id = $10 AND version = $11",
    )
    .bind(&t.line)
    .bind(t.state.name())
    .bind(t.window.as_deref())
    .bind(t.calls as i64)
    .bind(t.called_at.map(millis))
    .bind(t.finished_at.map(millis))
    .bind(t.staff.as_deref())
    .bind(&t.note)
    .bind(serde_json::to_string(&t.cases)?)
    .bind(&t.id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get_ticket(conn: &mut AnyConnection, id: &str) -> Result<Option<Stored>> {
    let row: Option<TicketRow> = sqlx::query_as(AssertSql(format!("{TICKET_COLS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(ticket).transpose()
}

/// The tickets of `hall` on `day` in `states` (all states when empty), in issue order.
pub async fn tickets_of_day(
    conn: &mut AnyConnection,
    hall: &str,
    day: &str,
    states: &[TicketState],
) -> Result<Vec<Stored>> {
    let filter = if states.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = states.iter().map(|s| format!("'{}'", s.name())).collect();
        format!(" AND state IN ({})", names.join(", "))
    };
    let rows: Vec<TicketRow> = sqlx::query_as(AssertSql(format!(
        "{TICKET_COLS} WHERE hall = $1 AND day = $2{filter} ORDER BY issued_at, number"
    )))
    .bind(hall)
    .bind(day)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(ticket).collect()
}

/// Tickets of `hall` issued between two days (inclusive, `YYYY-MM-DD`), for statistics.
pub async fn tickets_between(
    conn: &mut AnyConnection,
    hall: &str,
    first: &str,
    last: &str,
) -> Result<Vec<Ticket>> {
    let rows: Vec<TicketRow> = sqlx::query_as(AssertSql(format!(
        "{TICKET_COLS} WHERE hall = $1 AND day >= $2 AND day <= $3 ORDER BY issued_at"
    )))
    .bind(hall)
    .bind(first)
    .bind(last)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| ticket(r).map(|s| s.ticket))
        .collect()
}

/// An account's open tickets (waiting or called), newest first.
pub async fn open_tickets_of(conn: &mut AnyConnection, account: &str) -> Result<Vec<Ticket>> {
    let rows: Vec<TicketRow> = sqlx::query_as(AssertSql(format!(
        "{TICKET_COLS} WHERE account = $1 AND state IN ('waiting', 'called') ORDER BY issued_at DESC"
    )))
    .bind(account)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| ticket(r).map(|s| s.ticket))
        .collect()
}

/// Service seconds of the last `n` tickets finished on `line` of `hall`.
pub async fn recent_service_seconds(
    conn: &mut AnyConnection,
    hall: &str,
    line: &str,
    n: i64,
) -> Result<Vec<i64>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT called_at, finished_at FROM hall_tickets
         WHERE hall = $1 AND line = $2 AND state = 'finished' AND called_at IS NOT NULL AND finished_at IS NOT NULL
         ORDER BY finished_at DESC LIMIT $3",
    )
    .bind(hall)
    .bind(line)
    .bind(n)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(c, f)| ((f - c) / 1000).max(0))
        .collect())
}

/// Who is at a window now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Duty {
    pub hall: String,
    pub window: String,
    pub staff: String,
    pub paused: bool,
    pub since: i64,
}

/// Signs `staff` in at a window; false if the window is taken or the person is at another.
pub async fn sign_in(conn: &mut AnyConnection, d: &Duty) -> Result<bool> {
    let taken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM hall_duty WHERE (hall = $1 AND window_no = $2) OR staff = $3",
    )
    .bind(&d.hall)
    .bind(&d.window)
    .bind(&d.staff)
    .fetch_one(&mut *conn)
    .await?;
    if taken > 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO hall_duty (hall, window_no, staff, paused, since) VALUES ($1, $2, $3, 0, $4)",
    )
    .bind(&d.hall)
    .bind(&d.window)
    .bind(&d.staff)
    .bind(d.since)
    .execute(conn)
    .await?;
    Ok(true)
}

pub async fn sign_out(conn: &mut AnyConnection, staff: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM hall_duty WHERE staff = $1")
        .bind(staff)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn set_paused(conn: &mut AnyConnection, staff: &str, paused: bool) -> Result<bool> {
    let done = sqlx::query("UPDATE hall_duty SET paused = $1 WHERE staff = $2")
        .bind(i64::from(paused))
        .bind(staff)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

type DutyRow = (String, String, String, i64, i64);

fn duty((hall, window, staff, paused, since): DutyRow) -> Duty {
    Duty {
        hall,
        window,
        staff,
        paused: paused != 0,
        since,
    }
}

pub async fn duty_of_staff(conn: &mut AnyConnection, staff: &str) -> Result<Option<Duty>> {
    let row: Option<DutyRow> = sqlx::query_as(
        "SELECT hall, window_no, staff, paused, since FROM hall_duty WHERE staff = $1",
    )
    .bind(staff)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(duty))
}

pub async fn duty_of_hall(conn: &mut AnyConnection, hall: &str) -> Result<Vec<Duty>> {
    let rows: Vec<DutyRow> = sqlx::query_as(
        "SELECT hall, window_no, staff, paused, since FROM hall_duty WHERE hall = $1 ORDER BY window_no",
    )
    .bind(hall)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(duty).collect())
}

mod appointments;
mod entries;
mod queue;
pub use appointments::*;
pub use entries::*;
pub use queue::*;
