//! Appointments (预约) and the booked count of each slot.

use domain::hall::booking::{Appointment, BookingState};
use sqlx::{AnyConnection, AssertSqlSafe as AssertSql};

use crate::{Result, StoreError, from_millis, millis};

/// Holds one place in a slot if fewer than `capacity` are booked: one statement, so two
/// people booking the last place at once cannot both get it. False when full.
pub async fn take_place(
    conn: &mut AnyConnection,
    hall: &str,
    line: &str,
    day: &str,
    band: &str,
    capacity: u32,
) -> Result<bool> {
    if capacity == 0 {
        return Ok(false);
    }
    let row: Option<i64> = sqlx::query_scalar(
        "INSERT INTO appointment_slots (hall, line, day, band, booked) VALUES ($1, $2, $3, $4, 1)
         ON CONFLICT (hall, line, day, band) DO UPDATE SET booked = appointment_slots.booked + 1
         WHERE appointment_slots.booked < $5
         RETURNING booked",
    )
    .bind(hall)
    .bind(line)
    .bind(day)
    .bind(band)
    .bind(capacity as i64)
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
}

/// Gives a place back (a cancelled or moved booking).
pub async fn release_place(
    conn: &mut AnyConnection,
    hall: &str,
    line: &str,
    day: &str,
    band: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE appointment_slots SET booked = booked - 1
         WHERE hall = $1 AND line = $2 AND day = $3 AND band = $4 AND booked > 0",
    )
    .bind(hall)
    .bind(line)
    .bind(day)
    .bind(band)
    .execute(conn)
    .await?;
    Ok(())
}

/// Places booked per band of `line` in `hall` on `day`.
pub async fn booked_on(
    conn: &mut AnyConnection,
    hall: &str,
    line: &str,
    day: &str,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT band, booked FROM appointment_slots WHERE hall = $1 AND line = $2 AND day = $3",
    )
    .bind(hall)
    .bind(line)
    .bind(day)
    .fetch_all(conn)
    .await?)
}

/// Whether the person already holds a booking (not cancelled) of `line` on `day`.
pub async fn has_booking(
    conn: &mut AnyConnection,
    hall: &str,
    line: &str,
    day: &str,
    person_key: &str,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments
         WHERE hall = $1 AND line = $2 AND day = $3 AND person_key = $4 AND state <> 'cancelled'",
    )
    .bind(hall)
    .bind(line)
    .bind(day)
    .bind(person_key)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

pub async fn insert(conn: &mut AnyConnection, a: &Appointment, person_key: &str) -> Result<()> {
    let at = millis(a.created_at);
    sqlx::query(
        "INSERT INTO appointments (id, code, hall, line, day, band, person_key, account, name, id_masked, phone, item, case_id, state, ticket, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(&a.id)
    .bind(&a.code)
    .bind(&a.hall)
    .bind(&a.line)
    .bind(&a.day)
    .bind(&a.band)
    .bind(person_key)
    .bind(a.account.as_deref())
    .bind(&a.name)
    .bind(&a.id_masked)
    .bind(&a.phone)
    .bind(&a.item)
    .bind(&a.case_id)
    .bind(a.state.name())
    .bind(a.ticket.as_deref())
    .bind(at)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a booking from `from` to a new state; false if it was not in `from` any more.
pub async fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    from: BookingState,
    to: BookingState,
    ticket: Option<&str>,
    at: time::OffsetDateTime,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE appointments SET state = $1, ticket = COALESCE($2, ticket), updated_at = $3
         WHERE id = $4 AND state = $5",
    )
    .bind(to.name())
    .bind(ticket)
    .bind(millis(at))
    .bind(id)
    .bind(from.name())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a booked appointment to another day and band; false if it is no longer booked.
pub async fn move_to(
    conn: &mut AnyConnection,
    id: &str,
    day: &str,
    band: &str,
    at: time::OffsetDateTime,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE appointments SET day = $1, band = $2, updated_at = $3, reminded = 0
         WHERE id = $4 AND state = 'booked'",
    )
    .bind(day)
    .bind(band)
    .bind(millis(at))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    code: String,
    hall: String,
    line: String,
    day: String,
    band: String,
    account: Option<String>,
    name: String,
    id_masked: String,
    phone: String,
    item: String,
    case_id: String,
    state: String,
    ticket: Option<String>,
    created_at: i64,
}

const COLS: &str = "SELECT id, code, hall, line, day, band, account, name, id_masked, phone, item, case_id, state, ticket, created_at FROM appointments";

fn appointment(r: Row) -> Result<Appointment> {
    Ok(Appointment {
        state: BookingState::parse(&r.state).ok_or_else(|| {
            StoreError::Corrupt(format!("appointment {}: state {}", r.id, r.state))
        })?,
        created_at: from_millis(r.created_at),
        id: r.id,
        code: r.code,
        hall: r.hall,
        line: r.line,
        day: r.day,
        band: r.band,
        account: r.account,
        name: r.name,
        id_masked: r.id_masked,
        phone: r.phone,
        item: r.item,
        case_id: r.case_id,
        ticket: r.ticket,
    })
}

async fn one(conn: &mut AnyConnection, filter: &str, value: &str) -> Result<Option<Appointment>> {
    let row: Option<Row> = sqlx::query_as(AssertSql(format!("{COLS} WHERE {filter} = $1")))
        .bind(value)
        .fetch_optional(conn)
        .await?;
    row.map(appointment).transpose()
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Appointment>> {
    one(conn, "id", id).await
}

pub async fn by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<Appointment>> {
    one(conn, "code", code).await
}

/// The person key stored with a booking (to check the person at the kiosk).
pub async fn person_key_of(conn: &mut AnyConnection, id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT person_key FROM appointments WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

/// An account's bookings, latest day first.
pub async fn of_account(conn: &mut AnyConnection, account: &str) -> Result<Vec<Appointment>> {
    let rows: Vec<Row> = sqlx::query_as(AssertSql(format!(
        "{COLS} WHERE account = $1 ORDER BY day DESC, band DESC"
    )))
    .bind(account)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(appointment).collect()
}

/// Bookings in `state` on days up to `last_day` (inclusive), for the no-show sweep and the
/// day-before reminders.
pub async fn in_state_until(
    conn: &mut AnyConnection,
    state: BookingState,
    first_day: &str,
    last_day: &str,
) -> Result<Vec<Appointment>> {
    let rows: Vec<Row> = sqlx::query_as(AssertSql(format!(
        "{COLS} WHERE state = $1 AND day >= $2 AND day <= $3 ORDER BY day, band"
    )))
    .bind(state.name())
    .bind(first_day)
    .bind(last_day)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(appointment).collect()
}

/// A hall's bookings of `day`, by band.
pub async fn of_hall_day(
    conn: &mut AnyConnection,
    hall: &str,
    day: &str,
) -> Result<Vec<Appointment>> {
    let rows: Vec<Row> = sqlx::query_as(AssertSql(format!(
        "{COLS} WHERE hall = $1 AND day = $2 ORDER BY band, created_at"
    )))
    .bind(hall)
    .bind(day)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(appointment).collect()
}

/// When the person's no-shows happened (the sweep's time), newest first.
pub async fn no_shows_of(
    conn: &mut AnyConnection,
    person_key: &str,
) -> Result<Vec<time::OffsetDateTime>> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT updated_at FROM appointments WHERE person_key = $1 AND state = 'no_show' ORDER BY updated_at DESC",
    )
    .bind(person_key)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(from_millis).collect())
}

/// Marks the day-before reminder sent; false if it already was.
pub async fn mark_reminded(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE appointments SET reminded = 1 WHERE id = $1 AND reminded = 0")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
