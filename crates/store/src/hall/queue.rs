//! The queue as the windows and boards read it, without loading the day's tickets: the
//! candidates a window may call, the board's calls and next numbers, the waiting counts, and
//! how many wait before a ticket. Each answers from a handful of rows however long the queue.

use domain::hall::queue::Ticket;
use sqlx::{AnyConnection, AssertSqlSafe as AssertSql};

use super::{COLUMNS, Stored, TICKET_COLS, TicketRow, ticket};
use crate::Result;

/// The order people are called in within a line: 绿色通道 0, booked 1 where the hall puts
/// them first (`$booked` is 1, else 2), walk-ins 2.
fn rank(booked: &str) -> String {
    format!("CASE priority WHEN 'green' THEN 0 WHEN 'booked' THEN {booked} ELSE 2 END")
}

/// The first waiting ticket of each line, priority and reserved window that `window` could
/// be given (open to any window, or transferred to this one): whoever the window calls next
/// is among them, as `domain::hall::queue::pick_next` decides.
pub async fn candidates(
    conn: &mut AnyConnection,
    hall: &str,
    day: &str,
    window: &str,
) -> Result<Vec<Stored>> {
    let rows: Vec<TicketRow> = sqlx::query_as(AssertSql(format!(
        "SELECT {COLUMNS} FROM (
           SELECT {COLUMNS}, ROW_NUMBER() OVER (PARTITION BY line, priority, window_no ORDER BY issued_at, number) AS rn
           FROM hall_tickets
           WHERE hall = $1 AND day = $2 AND state = 'waiting' AND (window_no IS NULL OR window_no = $3)
         ) firsts WHERE rn = 1"
    )))
    .bind(hall)
    .bind(day)
    .bind(window)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(ticket).collect()
}

/// The ticket `window` called and has not finished.
pub async fn current_of_window(
    conn: &mut AnyConnection,
    hall: &str,
    day: &str,
    window: &str,
) -> Result<Option<Ticket>> {
    let row: Option<TicketRow> = sqlx::query_as(AssertSql(format!(
        "{TICKET_COLS} WHERE hall = $1 AND day = $2 AND state = 'called' AND window_no = $3"
    )))
    .bind(hall)
    .bind(day)
    .bind(window)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(ticket).transpose()?.map(|s| s.ticket))
}

/// The latest calls of the day: (number, window), newest first.
pub async fn latest_calls(
    conn: &mut AnyConnection,
    hall: &str,
    day: &str,
    limit: i64,
) -> Result<Vec<(String, String)>> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT number, window_no FROM hall_tickets
         WHERE hall = $1 AND day = $2 AND state = 'called' ORDER BY called_at DESC LIMIT $3",
    )
    .bind(hall)
    .bind(day)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(n, w)| (n, w.unwrap_or_default()))
        .collect())
}

/// The next waiting numbers in calling order (绿色通道, booked, then arrival).
pub async fn next_numbers(
    conn: &mut AnyConnection,
    hall: &str,
    day: &str,
    booked_first: bool,
    limit: i64,
) -> Result<Vec<String>> {
    let rank = rank(if booked_first { "1" } else { "2" });
    Ok(sqlx::query_scalar(AssertSql(format!(
        "SELECT number FROM hall_tickets WHERE hall = $1 AND day = $2 AND state = 'waiting'
         ORDER BY {rank}, issued_at, number LIMIT $3"
    )))
    .bind(hall)
    .bind(day)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Waiting tickets per line: (line, count).
pub async fn waiting_counts(
    conn: &mut AnyConnection,
    hall: &str,
    day: &str,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT line, COUNT(*) FROM hall_tickets
         WHERE hall = $1 AND day = $2 AND state = 'waiting' GROUP BY line",
    )
    .bind(hall)
    .bind(day)
    .fetch_all(conn)
    .await?)
}

/// How many waiting tickets of its line go before `t` (see `domain::hall::queue::ahead_of`).
pub async fn ahead_of(conn: &mut AnyConnection, t: &Ticket, booked_first: bool) -> Result<i64> {
    let rank = rank(if booked_first { "1" } else { "2" });
    let mine: i64 = match t.priority {
        domain::hall::queue::Priority::Green => 0,
        domain::hall::queue::Priority::Booked if booked_first => 1,
        _ => 2,
    };
    Ok(sqlx::query_scalar(AssertSql(format!(
        "SELECT COUNT(*) FROM hall_tickets
         WHERE hall = $1 AND day = $2 AND line = $3 AND state = 'waiting' AND id <> $4
           AND ({rank} < $5 OR ({rank} = $5 AND issued_at < $6))"
    )))
    .bind(&t.hall)
    .bind(&t.day)
    .bind(&t.line)
    .bind(&t.id)
    .bind(mine)
    .bind(crate::millis(t.issued_at))
    .fetch_one(conn)
    .await?)
}
