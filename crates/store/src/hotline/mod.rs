//! The 12345 hotline: tickets (whole as JSON, with the columns lists and measures use), their
//! audit events, the daily numbering, the classification tree and dispatch rules; the
//! knowledge base and guide questions are in [`knowledge`].

pub mod knowledge;
pub mod links;
mod results;
pub use results::decided_cases;
mod measures;

pub use measures::*;

use domain::hotline::Ticket;
use domain::hotline::classes::{Class, DispatchRule};
use sqlx::{AnyConnection, AssertSqlSafe as AssertSql};

use crate::{Result, millis};

/// A ticket with the version its next update must match.
#[derive(Debug, Clone)]
pub struct Stored {
    pub ticket: Ticket,
    pub version: i64,
}

/// The next sequence number of `day` (one statement, so two nodes never draw the same).
pub async fn next_number(conn: &mut AnyConnection, day: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO hotline_counters (day, last) VALUES ($1, 1)
         ON CONFLICT (day) DO UPDATE SET last = hotline_counters.last + 1
         RETURNING last",
    )
    .bind(day)
    .fetch_one(conn)
    .await?)
}

fn china(t: time::OffsetDateTime) -> time::OffsetDateTime {
    t.to_offset(time::macros::offset!(+8))
}

/// Measure flags of a ticket, kept in columns so the measures are one GROUP BY: dispatched,
/// in time, called back, resolved, satisfied, answered directly, accepted.
fn flags(t: &Ticket) -> [i64; 7] {
    let cb = t.callback.as_ref();
    [
        t.department.is_some() as i64,
        (t.responded_in_time == Some(true)) as i64,
        cb.is_some() as i64,
        cb.is_some_and(|c| c.resolved) as i64,
        cb.is_some_and(|c| c.satisfied) as i64,
        (t.state == domain::hotline::State::Closed && !t.answer.is_empty()) as i64,
        t.responded_in_time.is_some() as i64,
    ]
}

/// What duplicates are matched on: the address without whitespace.
pub fn address_key(address: &str) -> String {
    address.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `v` taken literally in a LIKE pattern written with `ESCAPE '!'`.
pub(crate) fn like_literal(v: &str) -> String {
    v.replace('!', "!!").replace('%', "!%").replace('_', "!_")
}

/// Keeps the 协办 rows in step with the ticket.
async fn set_co_handlers(conn: &mut AnyConnection, t: &Ticket) -> Result<()> {
    sqlx::query("DELETE FROM hotline_ticket_departments WHERE ticket_id = $1")
        .bind(&t.id)
        .execute(&mut *conn)
        .await?;
    for d in &t.co_handlers {
        sqlx::query(
            "INSERT INTO hotline_ticket_departments (department, ticket_id) VALUES ($1, $2)",
        )
        .bind(d)
        .bind(&t.id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn insert_ticket(conn: &mut AnyConnection, t: &Ticket) -> Result<()> {
    let at = china(t.created_at);
    let f = flags(t);
    sqlx::query(
        "INSERT INTO hotline_tickets (id, number, kind, channel, class, region, state, department,
           phone, address, account, county, month, day, hour, created_at, closed_at,
                      dispatched, in_time, called_back, resolved, satisfied, direct, data, version,
           accepted, respond_due, address_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
           $18, $19, $20, $21, $22, $23, $24, 0, $25, $26, $27)",
    )
    .bind(&t.id)
    .bind(&t.number)
    .bind(t.kind.as_str())
    .bind(t.channel.as_str())
    .bind(&t.class)
    .bind(&t.region)
    .bind(t.state.as_str())
    .bind(&t.department)
    .bind(&t.caller.phone)
    .bind(t.address.trim())
    .bind(&t.account)
    .bind(t.region.get(..6).unwrap_or(&t.region))
    .bind(format!("{:04}-{:02}", at.year(), at.month() as u8))
    .bind(at.date().to_string())
    .bind(at.hour() as i64)
    .bind(millis(t.created_at))
    .bind(t.closed_at.map(millis))
    .bind(f[0])
    .bind(f[1])
    .bind(f[2])
    .bind(f[3])
    .bind(f[4])
    .bind(f[5])
    .bind(serde_json::to_string(t)?)
    .bind(f[6])
    .bind(t.respond_due.map(millis))
    .bind(address_key(&t.address))
    .execute(&mut *conn)
    .await?;
    set_co_handlers(conn, t).await
}

/// Writes a changed ticket if nobody changed it since `version`; false otherwise.
pub async fn update_ticket(conn: &mut AnyConnection, t: &Ticket, version: i64) -> Result<bool> {
    let f = flags(t);
    let r = sqlx::query(
        "UPDATE hotline_tickets SET state = $1, department = $2, closed_at = $3, dispatched = $4,
           in_time = $5, called_back = $6, resolved = $7, satisfied = $8, direct = $9, data = $10,
                      accepted = $13, respond_due = $14, version = version + 1
         WHERE id = $11 AND version = $12",
    )
    .bind(t.state.as_str())
    .bind(&t.department)
    .bind(t.closed_at.map(millis))
    .bind(f[0])
    .bind(f[1])
    .bind(f[2])
    .bind(f[3])
    .bind(f[4])
    .bind(f[5])
    .bind(serde_json::to_string(t)?)
    .bind(&t.id)
    .bind(version)
    .bind(f[6])
    .bind(t.respond_due.map(millis))
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() != 1 {
        return Ok(false);
    }
    set_co_handlers(conn, t).await?;
    Ok(true)
}

/// Holds an open ticket against a concurrent merge or close: bumps its version only while it
/// is open. False when it is closed or merged (or gone).
pub async fn hold_open(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE hotline_tickets SET version = version + 1
         WHERE id = $1 AND state NOT IN ('closed', 'merged')",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

fn stored(r: (String, i64)) -> Result<Stored> {
    Ok(Stored {
        ticket: serde_json::from_str(&r.0)?,
        version: r.1,
    })
}

/// A ticket by id or by its number.
pub async fn get(conn: &mut AnyConnection, id_or_number: &str) -> Result<Option<Stored>> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT data, version FROM hotline_tickets WHERE id = $1 OR number = $1")
            .bind(id_or_number)
            .fetch_optional(conn)
            .await?;
    row.map(stored).transpose()
}

/// Which tickets a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub states: Vec<String>,
    /// The lead department, or a 协办 department (matched in the JSON).
    pub department: Option<String>,
    /// Region code prefix (a county's tickets: its six digits).
    pub region_prefix: Option<String>,
    pub account: Option<String>,
    pub kind: Option<String>,
    pub class_prefix: Option<String>,
    pub month: Option<String>,
}

/// Tickets matching `f`, newest first.
pub async fn list(
    conn: &mut AnyConnection,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<Vec<Ticket>> {
    let mut sql = String::from("SELECT data, version FROM hotline_tickets WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    fn bind(binds: &mut Vec<String>, sql: &mut String, clause: &str, v: String) {
        binds.push(v);
        sql.push_str(&clause.replace('?', &format!("${}", binds.len())));
    }
    if !f.states.is_empty() {
        let mut parts = Vec::new();
        for s in &f.states {
            binds.push(s.clone());
            parts.push(format!("${}", binds.len()));
        }
        sql.push_str(&format!(" AND state IN ({})", parts.join(", ")));
    }
    if let Some(d) = &f.department {
        bind(&mut binds, &mut sql, " AND (department = ?", d.clone());
        bind(
            &mut binds,
            &mut sql,
            " OR id IN (SELECT ticket_id FROM hotline_ticket_departments WHERE department = ?))",
            d.clone(),
        );
    }
    let prefix = |p: &Option<String>| p.as_ref().map(|p| format!("{}%", like_literal(p)));
    let clauses = [
        (" AND region LIKE ? ESCAPE '!'", prefix(&f.region_prefix)),
        (" AND account = ?", f.account.clone()),
        (" AND kind = ?", f.kind.clone()),
        (" AND class LIKE ? ESCAPE '!'", prefix(&f.class_prefix)),
        (" AND month = ?", f.month.clone()),
    ];
    for (clause, value) in clauses {
        if let Some(v) = value {
            bind(&mut binds, &mut sql, clause, v);
        }
    }
    sql.push_str(&format!(
        " ORDER BY created_at DESC, id LIMIT ${} OFFSET ${}",
        binds.len() + 1,
        binds.len() + 2
    ));
    let mut q = sqlx::query_as(AssertSql(sql));
    for b in binds {
        q = q.bind(b);
    }
    let rows: Vec<(String, i64)> = q.bind(limit).bind(offset).fetch_all(conn).await?;
    rows.into_iter()
        .map(|r| stored(r).map(|s| s.ticket))
        .collect()
}

/// Open tickets since `since` with the same phone or the same address: the candidates a new
/// ticket is compared with for duplicates.
pub async fn recent_alike(
    conn: &mut AnyConnection,
    phone: &str,
    address: &str,
    since: time::OffsetDateTime,
) -> Result<Vec<Ticket>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT data, version FROM hotline_tickets
         WHERE created_at >= $1 AND state NOT IN ('closed', 'merged')
                      AND ((phone = $2 AND phone <> '') OR (address_key = $3 AND address_key <> ''))
         ORDER BY created_at DESC LIMIT 50",
    )
    .bind(millis(since))
    .bind(phone)
    .bind(address_key(address))
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| stored(r).map(|s| s.ticket))
        .collect()
}

/// An audit event of a ticket.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub ticket_id: String,
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub kind: String,
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

pub async fn last_event(conn: &mut AnyConnection, id: &str) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT seq, hash FROM hotline_events WHERE ticket_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Appends an event and moves the ticket's chain head to it.
pub async fn append_event(conn: &mut AnyConnection, e: &EventRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO hotline_events (ticket_id, seq, at, actor, role, kind, payload, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&e.ticket_id)
    .bind(e.seq)
    .bind(e.at)
    .bind(&e.actor)
    .bind(&e.role)
    .bind(&e.kind)
    .bind(&e.payload)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE hotline_tickets SET head_seq = $1, head_hash = $2 WHERE id = $3")
        .bind(e.seq)
        .bind(&e.hash)
        .bind(&e.ticket_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn events(conn: &mut AnyConnection, id: &str) -> Result<Vec<EventRow>> {
    Ok(sqlx::query_as(
        "SELECT ticket_id, seq, at, actor, role, kind, payload, prev_hash, hash
         FROM hotline_events WHERE ticket_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

pub async fn classes(conn: &mut AnyConnection) -> Result<Vec<Class>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT code, name FROM hotline_classes ORDER BY code")
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(code, name)| Class { code, name })
        .collect())
}

/// Replaces the tree (checked by the caller).
pub async fn replace_classes(conn: &mut AnyConnection, tree: &[Class]) -> Result<()> {
    sqlx::query("DELETE FROM hotline_classes")
        .execute(&mut *conn)
        .await?;
    for c in tree {
        sqlx::query("INSERT INTO hotline_classes (code, name) VALUES ($1, $2)")
            .bind(&c.code)
            .bind(&c.name)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn dispatch_rules(conn: &mut AnyConnection) -> Result<Vec<DispatchRule>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT class, region, department FROM hotline_dispatch_rules ORDER BY class, region",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(class, region, department)| DispatchRule {
            class,
            region,
            department,
        })
        .collect())
}

pub async fn upsert_dispatch_rule(conn: &mut AnyConnection, r: &DispatchRule) -> Result<()> {
    sqlx::query(
        "INSERT INTO hotline_dispatch_rules (class, region, department) VALUES ($1, $2, $3)
         ON CONFLICT (class, region) DO UPDATE SET department = excluded.department",
    )
    .bind(&r.class)
    .bind(&r.region)
    .bind(&r.department)
    .execute(conn)
    .await?;
    Ok(())
}
