//! License types, issuer keys, the license register and its use log.

use domain::license::LicenseType;
use sqlx::AnyConnection;

use crate::Result;
use crate::command::{Arg, Batch};

pub async fn upsert_type(conn: &mut AnyConnection, t: &LicenseType) -> Result<()> {
    sqlx::query(
        "INSERT INTO license_types (code, name, department, data) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET name = $2, department = $3, data = $4",
    )
    .bind(&t.code)
    .bind(&t.name)
    .bind(&t.department)
    .bind(serde_json::to_string(t)?)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM license_type_items WHERE type_code = $1")
        .bind(&t.code)
        .execute(&mut *conn)
        .await?;
    for item in &t.produced_by {
        sqlx::query(
            "INSERT INTO license_type_items (item_code, type_code) VALUES ($1, $2)
             ON CONFLICT (item_code) DO UPDATE SET type_code = $2",
        )
        .bind(item)
        .bind(&t.code)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn parse_type(data: String) -> Result<LicenseType> {
    Ok(serde_json::from_str(&data)?)
}

pub async fn types(conn: &mut AnyConnection) -> Result<Vec<LicenseType>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT data FROM license_types ORDER BY code")
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(parse_type).collect()
}

pub async fn type_by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<LicenseType>> {
    let row: Option<String> = sqlx::query_scalar("SELECT data FROM license_types WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.map(parse_type).transpose()
}

pub async fn type_by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<LicenseType>> {
    let row: Option<String> = sqlx::query_scalar("SELECT data FROM license_types WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await?;
    row.map(parse_type).transpose()
}

/// The type an item issues on approval, if any.
pub async fn type_for_item(
    conn: &mut AnyConnection,
    item_code: &str,
) -> Result<Option<LicenseType>> {
    let row: Option<String> = sqlx::query_scalar(
        "SELECT t.data FROM license_types t JOIN license_type_items i ON i.type_code = t.code WHERE i.item_code = $1",
    )
    .bind(item_code)
    .fetch_optional(conn)
    .await?;
    row.map(parse_type).transpose()
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    pub key_id: String,
    pub department: String,
    pub public_key: String,
    pub sealed_secret: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

const KEY_COLS: &str = "key_id, department, public_key, sealed_secret, created_at, retired_at";

pub async fn insert_key(conn: &mut AnyConnection, k: &KeyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO issuer_keys (key_id, department, public_key, sealed_secret, created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&k.key_id)
    .bind(&k.department)
    .bind(&k.public_key)
    .bind(&k.sealed_secret)
    .bind(k.created_at)
    .bind(k.retired_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// [`active_key`] as a fresh read outside any transaction, on the asking thread on SQLite:
/// for signing a licence outside the writer's turn.
pub async fn read_active_key(c: &mut crate::Conn, department: &str) -> Result<Option<KeyRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT {KEY_COLS} FROM issuer_keys WHERE department = $1 AND retired_at IS NULL ORDER BY created_at DESC, key_id DESC LIMIT 1"
        )
    });
    c.read_one(SQL.as_str(), &[crate::command::Arg::Text(department)])
        .await
}

/// The department's current signing key (the newest not retired).
pub async fn active_key(conn: &mut AnyConnection, department: &str) -> Result<Option<KeyRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLS} FROM issuer_keys WHERE department = $1 AND retired_at IS NULL ORDER BY created_at DESC, key_id DESC LIMIT 1"
    )))
    .bind(department)
    .fetch_optional(conn)
    .await?)
}

pub async fn key(conn: &mut AnyConnection, key_id: &str) -> Result<Option<KeyRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLS} FROM issuer_keys WHERE key_id = $1"
    )))
    .bind(key_id)
    .fetch_optional(conn)
    .await?)
}

pub async fn keys(conn: &mut AnyConnection) -> Result<Vec<KeyRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLS} FROM issuer_keys ORDER BY department, created_at"
    )))
    .fetch_all(conn)
    .await?)
}

pub async fn retire_keys(conn: &mut AnyConnection, department: &str, at: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE issuer_keys SET retired_at = $2 WHERE department = $1 AND retired_at IS NULL",
    )
    .bind(department)
    .bind(at)
    .execute(conn)
    .await?
    .rows_affected())
}

/// The next serial of the day for a license type (1, 2, ...).
pub async fn next_serial(conn: &mut AnyConnection, type_code: &str, day: &str) -> Result<i64> {
    crate::cases::drawn(serial(type_code, day).run_ints(conn).await?)
}

/// Draws the next serial as a write of its own, before the approval that issues the license
/// (see `cases::reserve_case_number`: gaps are possible, repeats are not).
pub async fn reserve_serial(store: &crate::Store, type_code: &str, day: &str) -> Result<i64> {
    crate::cases::drawn(store.run_batch_with(serial(type_code, day), false).await?)
}

fn serial<'a>(type_code: &'a str, day: &'a str) -> Batch<'a> {
    let mut b = Batch::default();
    b.push(
        "INSERT INTO license_serials (type_code, day, last) VALUES (?, ?, 1)
         ON CONFLICT (type_code, day) DO UPDATE SET last = license_serials.last + 1 RETURNING last",
        vec![Arg::Text(type_code), Arg::Text(day)],
    );
    b
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct LicenseRow {
    pub id: String,
    pub number: String,
    pub type_code: String,
    pub holder_id: String,
    pub holder_name: String,
    pub department: String,
    pub issued: String,
    pub valid_until: Option<String>,
    pub status: String,
    pub status_note: String,
    /// JSON object of label → value.
    pub fields: String,
    pub token: String,
    pub case_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const LICENSE_COLS: &str = "id, number, type_code, holder_id, holder_name, department, issued, valid_until, status, status_note, fields, token, case_id, created_at, updated_at";

pub async fn insert_license(conn: &mut AnyConnection, l: &LicenseRow) -> Result<()> {
    let mut b = Batch::default();
    push_insert_license(&mut b, l);
    b.run(conn).await?;
    Ok(())
}

/// The insert of [`insert_license`], added to a batch.
pub(crate) fn push_insert_license<'a>(b: &mut Batch<'a>, l: &'a LicenseRow) {
    b.push(
        format!(
            "INSERT INTO licenses ({LICENSE_COLS}) VALUES ({})",
            ["?"; 15].join(", ")
        ),
        vec![
            Arg::Text(&l.id),
            Arg::Text(&l.number),
            Arg::Text(&l.type_code),
            Arg::Text(&l.holder_id),
            Arg::Text(&l.holder_name),
            Arg::Text(&l.department),
            Arg::Text(&l.issued),
            Arg::Opt(l.valid_until.as_deref()),
            Arg::Text(&l.status),
            Arg::Text(&l.status_note),
            Arg::Text(&l.fields),
            Arg::Text(&l.token),
            Arg::Opt(l.case_id.as_deref()),
            Arg::Int(l.created_at),
            Arg::Int(l.updated_at),
        ],
    );
}

/// Marks the holder's other valid licenses of `l`'s type replaced by `l` (变更/换发), in the
/// transaction that stores `l`, so that two approvals at once cannot both stay valid.
pub(crate) fn push_replace_others<'a>(b: &mut Batch<'a>, l: &'a LicenseRow) {
    b.push(
        "UPDATE licenses SET status = 'replaced', status_note = ?, updated_at = ?
         WHERE holder_id = ? AND type_code = ? AND status = 'valid' AND id <> ?",
        vec![
            Arg::Text(&l.id),
            Arg::Int(l.created_at),
            Arg::Text(&l.holder_id),
            Arg::Text(&l.type_code),
            Arg::Text(&l.id),
        ],
    );
}

pub async fn get_license(conn: &mut AnyConnection, id: &str) -> Result<Option<LicenseRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {LICENSE_COLS} FROM licenses WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

pub async fn of_holder(conn: &mut AnyConnection, holder_id: &str) -> Result<Vec<LicenseRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {LICENSE_COLS} FROM licenses WHERE holder_id = $1 ORDER BY issued DESC, id"
    )))
    .bind(holder_id)
    .fetch_all(conn)
    .await?)
}

/// The holder's valid licenses of a type, newest first, not expired on `today`.
pub async fn valid_of_type(
    conn: &mut AnyConnection,
    holder_id: &str,
    type_code: &str,
    today: &str,
) -> Result<Vec<LicenseRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {LICENSE_COLS} FROM licenses WHERE holder_id = $1 AND type_code = $2 AND status = 'valid'
           AND (valid_until IS NULL OR valid_until >= $3) ORDER BY issued DESC, id"
    )))
    .bind(holder_id)
    .bind(type_code)
    .bind(today)
    .fetch_all(conn)
    .await?)
}

/// [`of_case`] as a fresh read outside any transaction, on the asking thread on SQLite: for
/// the case's page.
pub async fn read_of_case(c: &mut crate::Conn, case_id: &str) -> Result<Vec<LicenseRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("SELECT {LICENSE_COLS} FROM licenses WHERE case_id = $1 ORDER BY id")
    });
    c.read_all(SQL.as_str(), &[crate::command::Arg::Text(case_id)])
        .await
}

pub async fn of_case(conn: &mut AnyConnection, case_id: &str) -> Result<Vec<LicenseRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {LICENSE_COLS} FROM licenses WHERE case_id = $1 ORDER BY id"
    )))
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}

/// Changes a license's status if it is still `valid`; false when it was not.
pub async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: &str,
    note: &str,
    at: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE licenses SET status = $2, status_note = $3, updated_at = $4 WHERE id = $1 AND status = 'valid'",
    )
    .bind(id)
    .bind(status)
    .bind(note)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct UseRow {
    pub license_id: String,
    pub case_id: String,
    pub material: String,
    pub department: String,
    pub actor: String,
    pub reason: String,
    pub at: i64,
}

/// Records that a case used a license for a material, as a case's creation does; for tests
/// that arrange uses without one.
#[cfg(feature = "testing")]
pub async fn record_use(conn: &mut AnyConnection, u: &UseRow) -> Result<()> {
    let mut b = Batch::default();
    push_use(&mut b, u);
    b.run(conn).await?;
    Ok(())
}

/// The insert of a license's use, added to a batch.
pub(crate) fn push_use<'a>(b: &mut Batch<'a>, u: &'a UseRow) {
    b.push(
        "INSERT INTO license_uses (license_id, case_id, material, department, actor, reason, at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (license_id, case_id, material) DO NOTHING",
        vec![
            Arg::Text(&u.license_id),
            Arg::Text(&u.case_id),
            Arg::Text(&u.material),
            Arg::Text(&u.department),
            Arg::Text(&u.actor),
            Arg::Text(&u.reason),
            Arg::Int(u.at),
        ],
    );
}

pub async fn uses_of(conn: &mut AnyConnection, license_id: &str) -> Result<Vec<UseRow>> {
    Ok(sqlx::query_as(
        "SELECT license_id, case_id, material, department, actor, reason, at FROM license_uses WHERE license_id = $1 ORDER BY at DESC",
    )
    .bind(license_id)
    .fetch_all(conn)
    .await?)
}

/// How many materials licenses satisfied (免提交次数), per department of the using case.
/// (Only tests count them so far.)
#[cfg(feature = "testing")]
pub async fn avoided_by_department(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT department, COUNT(*) FROM license_uses GROUP BY department ORDER BY department",
    )
    .fetch_all(conn)
    .await?)
}

/// A material a license or shared data spared the applicant (免提交), as recorded.
pub struct Avoided<'a> {
    pub case_id: &'a str,
    pub item_code: &'a str,
    pub department: &'a str,
    pub material: &'a str,
    /// "license" or "shared".
    pub via: &'a str,
    pub at: i64,
}

/// The insert of an [`Avoided`] material, added to a batch.
pub(crate) fn push_avoided<'a>(b: &mut Batch<'a>, a: &Avoided<'a>) {
    b.push(
        "INSERT INTO avoided_materials (case_id, item_code, department, material, via, at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, material) DO NOTHING",
        vec![
            Arg::Text(a.case_id),
            Arg::Text(a.item_code),
            Arg::Text(a.department),
            Arg::Text(a.material),
            Arg::Text(a.via),
            Arg::Int(a.at),
        ],
    );
}

/// One line of the 免提交 statistics.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct AvoidedCount {
    pub department: String,
    pub item_code: String,
    pub via: String,
    pub count: i64,
}

/// Materials avoided per department, item and way, within [from, to) in milliseconds,
/// optionally for one department.
pub async fn avoided_counts(
    conn: &mut AnyConnection,
    department: Option<&str>,
    from: i64,
    to: i64,
) -> Result<Vec<AvoidedCount>> {
    Ok(sqlx::query_as(
        "SELECT department, item_code, via, COUNT(*) AS count FROM avoided_materials
         WHERE at >= $1 AND at < $2 AND ($3 = '' OR department = $3)
         GROUP BY department, item_code, via ORDER BY department, item_code, via",
    )
    .bind(from)
    .bind(to)
    .bind(department.unwrap_or(""))
    .fetch_all(conn)
    .await?)
}
