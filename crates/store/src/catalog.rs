//! The versioned catalog. An item row points at its current (published) version and its
//! draft; versions are append-only history, so a case can always read the version it was
//! filed under.

use domain::catalog::{ItemDefinition, VersionStatus};
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::db::bump_meta;
use crate::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ItemRow {
    pub code: String,
    pub name: String,
    pub department: String,
    pub region: String,
    pub kind: String,
    pub subjects: String,
    pub online_depth: String,
    pub visits: i64,
    pub status: String,
    pub current_version: Option<i64>,
    pub draft_version: Option<i64>,
    pub views: i64,
    pub updated_at: i64,
    /// Legal elements of the latest version still to be supplied (待补充).
    pub gaps: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub version: i64,
    pub status: VersionStatus,
    pub definition: ItemDefinition,
    pub created_by: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
}

pub(crate) const ITEM_COLS: &str = "code, name, department, region, kind, subjects, online_depth, visits, status, current_version, draft_version, views, updated_at, gaps";

/// Filters of the catalog listing. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    /// Only items whose region is this one (exact) — callers expand a hierarchy themselves.
    pub regions: Vec<String>,
    pub department: Option<String>,
    /// `natural_person` or any legal-person subject (`legal`).
    pub audience: Option<String>,
    pub online_depth: Option<String>,
    /// Only items with a published version (the public catalog).
    pub published_only: bool,
    /// Substring of name or code (admin lists).
    pub text: Option<String>,
    /// Only items whose latest version has legal elements to supply (待补充).
    pub with_gaps: bool,
}

fn subjects_text(def: &ItemDefinition) -> String {
    // Wrapped in commas so `LIKE '%,natural_person,%'` matches whole names on both backends.
    let names: Vec<&str> = def.subjects.iter().map(|s| s.name()).collect();
    format!(",{},", names.join(","))
}

/// Creates an item with its first version as a draft. Conflict if the code exists.
pub async fn create_item(
    conn: &mut AnyConnection,
    def: &ItemDefinition,
    by: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO items ({ITEM_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', NULL, 1, 0, $9, $10)"
    )))
    .bind(&def.code)
    .bind(&def.name)
    .bind(&def.department)
    .bind(&def.region)
    .bind(def.kind.name())
    .bind(subjects_text(def))
    .bind(def.online_depth.name())
    .bind(i64::from(def.visits))
    .bind(now)
    .bind(def.pending.len() as i64)
    .execute(&mut *conn)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict { .. } => StoreError::Conflict { field: "code".into() },
        other => other,
    })?;
    insert_version(conn, &def.code, 1, def, by, now).await
}

async fn insert_version(
    conn: &mut AnyConnection,
    code: &str,
    version: i64,
    def: &ItemDefinition,
    by: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO item_versions (item_code, version, status, definition, created_by, created_at, published_at)
         VALUES ($1, $2, 'draft', $3, $4, $5, NULL)",
    )
    .bind(code)
    .bind(version)
    .bind(serde_json::to_string(def)?)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves `def` as the item's draft: overwrites the open draft, or opens a new version.
/// Returns the draft's version number.
pub async fn save_draft(
    conn: &mut AnyConnection,
    code: &str,
    def: &ItemDefinition,
    by: &str,
    now: i64,
) -> Result<i64> {
    let item = get_item(&mut *conn, code).await?;
    if let Some(v) = item.draft_version {
        sqlx::query("UPDATE item_versions SET definition = $1, created_by = $2, created_at = $3 WHERE item_code = $4 AND version = $5")
            .bind(serde_json::to_string(def)?)
            .bind(by)
            .bind(now)
            .bind(code)
            .bind(v)
            .execute(&mut *conn)
            .await?;
        touch(&mut *conn, code, now).await?;
        set_gaps(conn, code, def).await?;
        return Ok(v);
    }
    let next: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM item_versions WHERE item_code = $1",
    )
    .bind(code)
    .fetch_one(&mut *conn)
    .await?;
    insert_version(&mut *conn, code, next, def, by, now).await?;
    sqlx::query("UPDATE items SET draft_version = $1, updated_at = $2 WHERE code = $3")
        .bind(next)
        .bind(now)
        .bind(code)
        .execute(&mut *conn)
        .await?;
    set_gaps(conn, code, def).await?;
    Ok(next)
}

async fn set_gaps(conn: &mut AnyConnection, code: &str, def: &ItemDefinition) -> Result<()> {
    sqlx::query("UPDATE items SET gaps = $1 WHERE code = $2")
        .bind(def.pending.len() as i64)
        .bind(code)
        .execute(conn)
        .await?;
    Ok(())
}

async fn touch(conn: &mut AnyConnection, code: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE items SET updated_at = $1 WHERE code = $2")
        .bind(now)
        .bind(code)
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes the draft the current version; the previous current version becomes history.
/// The caller has validated the draft.
pub async fn publish(conn: &mut AnyConnection, code: &str, now: i64) -> Result<i64> {
    let item = get_item(&mut *conn, code).await?;
    let Some(draft) = item.draft_version else {
        return Err(StoreError::State("该事项没有待发布的草稿".into()));
    };
    let def = get_version(&mut *conn, code, draft).await?.definition;
    if let Some(cur) = item.current_version {
        sqlx::query(
            "UPDATE item_versions SET status = 'superseded' WHERE item_code = $1 AND version = $2",
        )
        .bind(code)
        .bind(cur)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE item_versions SET status = 'published', published_at = $1 WHERE item_code = $2 AND version = $3")
        .bind(now)
        .bind(code)
        .bind(draft)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE items SET current_version = $1, draft_version = NULL, status = 'active', name = $2, department = $3,
           region = $4, kind = $5, subjects = $6, online_depth = $7, visits = $8, updated_at = $9,
           parent_code = $11 WHERE code = $10",
    )
    .bind(draft)
    .bind(&def.name)
    .bind(&def.department)
    .bind(&def.region)
    .bind(def.kind.name())
    .bind(subjects_text(&def))
    .bind(def.online_depth.name())
    .bind(i64::from(def.visits))
    .bind(now)
    .bind(code)
    .bind(&def.parent_code)
    .execute(&mut *conn)
    .await?;
    bump_meta(conn, "catalog_generation").await?;
    Ok(draft)
}

/// Published items whose 上级事项 is `code`: (code, name), by name.
pub async fn children_of(conn: &mut AnyConnection, code: &str) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT code, name FROM items WHERE parent_code = $1 AND status = 'active'
           AND current_version IS NOT NULL ORDER BY name, code",
    )
    .bind(code)
    .fetch_all(conn)
    .await?)
}

/// Fills `parent_code` of items published before the column existed.
pub async fn backfill_parent_codes(conn: &mut AnyConnection) -> Result<usize> {
    let defs = all_published(&mut *conn).await?;
    let mut n = 0;
    for d in defs.iter().filter(|d| !d.parent_code.is_empty()) {
        sqlx::query("UPDATE items SET parent_code = $1 WHERE code = $2")
            .bind(&d.parent_code)
            .bind(&d.code)
            .execute(&mut *conn)
            .await?;
        n += 1;
    }
    Ok(n)
}

/// Withdraws an item from the public catalog (事项取消). Its versions stay readable.
pub async fn retire(conn: &mut AnyConnection, code: &str, now: i64) -> Result<()> {
    let item = get_item(&mut *conn, code).await?;
    if item.status == "retired" {
        return Err(StoreError::State("该事项已经取消".into()));
    }
    if let Some(cur) = item.current_version {
        sqlx::query(
            "UPDATE item_versions SET status = 'retired' WHERE item_code = $1 AND version = $2",
        )
        .bind(code)
        .bind(cur)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE items SET status = 'retired', updated_at = $1 WHERE code = $2")
        .bind(now)
        .bind(code)
        .execute(&mut *conn)
        .await?;
    bump_meta(conn, "catalog_generation").await
}

/// Drops the open draft (a published version, if any, stays current).
pub async fn discard_draft(conn: &mut AnyConnection, code: &str, now: i64) -> Result<()> {
    let item = get_item(&mut *conn, code).await?;
    let Some(draft) = item.draft_version else {
        return Err(StoreError::State("该事项没有草稿".into()));
    };
    if item.current_version.is_none() {
        return Err(StoreError::State("从未发布的事项不能丢弃唯一的草稿".into()));
    }
    sqlx::query("DELETE FROM item_versions WHERE item_code = $1 AND version = $2")
        .bind(code)
        .bind(draft)
        .execute(&mut *conn)
        .await?;
    // The published version left has no gaps: publishing requires it.
    sqlx::query("UPDATE items SET draft_version = NULL, gaps = 0, updated_at = $1 WHERE code = $2")
        .bind(now)
        .bind(code)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get_item(conn: &mut AnyConnection, code: &str) -> Result<ItemRow> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {ITEM_COLS} FROM items WHERE code = $1"
    )))
    .bind(code)
    .fetch_one(conn)
    .await?)
}

pub async fn find_item(conn: &mut AnyConnection, code: &str) -> Result<Option<ItemRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {ITEM_COLS} FROM items WHERE code = $1"),
        code,
    )
    .await
}

/// The names of the items among `codes` (codes not in the catalog are left out), in one
/// query a few hundred codes at a time: for pages that list many items.
pub async fn item_names(
    conn: &mut AnyConnection,
    codes: &[String],
) -> Result<std::collections::HashMap<String, String>> {
    let mut names = std::collections::HashMap::with_capacity(codes.len());
    for chunk in codes.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT code, name FROM items WHERE code IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
        for code in chunk {
            q = q.bind(code);
        }
        names.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(names)
}

type RawVersion = (i64, String, String, String, i64, Option<i64>);

fn version_row(r: RawVersion) -> Result<VersionRow> {
    let (version, status, definition, created_by, created_at, published_at) = r;
    Ok(VersionRow {
        version,
        status: VersionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown version status {status}")))?,
        definition: serde_json::from_str(&definition)?,
        created_by,
        created_at,
        published_at,
    })
}

pub async fn get_version(conn: &mut AnyConnection, code: &str, version: i64) -> Result<VersionRow> {
    let r: RawVersion = sqlx::query_as(
        "SELECT version, status, definition, created_by, created_at, published_at FROM item_versions WHERE item_code = $1 AND version = $2",
    )
    .bind(code)
    .bind(version)
    .fetch_one(conn)
    .await?;
    version_row(r)
}

pub async fn list_versions(conn: &mut AnyConnection, code: &str) -> Result<Vec<VersionRow>> {
    let rows: Vec<RawVersion> = sqlx::query_as(
        "SELECT version, status, definition, created_by, created_at, published_at FROM item_versions WHERE item_code = $1 ORDER BY version DESC",
    )
    .bind(code)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(version_row).collect()
}

/// Version numbers, statuses and publication times, newest first, without the definitions.
pub async fn version_summaries(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Vec<(i64, VersionStatus, Option<i64>)>> {
    let rows: Vec<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT version, status, published_at FROM item_versions WHERE item_code = $1 ORDER BY version DESC")
            .bind(code)
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|(v, st, at)| {
            let status = VersionStatus::parse(&st)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown version status {st}")))?;
            Ok((v, status, at))
        })
        .collect()
}

/// Builds the WHERE clause and its text binds for a filter. Binds are numbered from 1.
fn where_clause(f: &ItemFilter) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut binds = Vec::new();
    if f.published_only {
        clauses.push("status = 'active' AND current_version IS NOT NULL".to_string());
    }
    if !f.regions.is_empty() {
        let start = binds.len() + 1;
        let marks: Vec<String> = (0..f.regions.len())
            .map(|i| format!("${}", start + i))
            .collect();
        clauses.push(format!("region IN ({})", marks.join(", ")));
        binds.extend(f.regions.iter().cloned());
    }
    if let Some(d) = &f.department {
        binds.push(d.clone());
        clauses.push(format!("department = ${}", binds.len()));
    }
    match f.audience.as_deref() {
        Some("natural_person") => clauses.push("subjects LIKE '%,natural_person,%'".into()),
        Some("legal") => clauses.push("subjects <> ',natural_person,'".into()),
        _ => {}
    }
    if f.with_gaps {
        clauses.push("gaps > 0".to_string());
    }
    if let Some(d) = &f.online_depth {
        binds.push(d.clone());
        clauses.push(format!("online_depth = ${}", binds.len()));
    }
    if let Some(t) = f.text.as_ref().filter(|t| !t.trim().is_empty()) {
        let escaped = t
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        binds.push(format!("%{escaped}%"));
        let n = binds.len();
        clauses.push(format!(
            "(name LIKE ${n} ESCAPE '\\' OR code LIKE ${n} ESCAPE '\\')"
        ));
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (sql, binds)
}

/// One page of items matching `f`, ordered by `order` (`name` or `views`), and the total.
pub async fn list_items(
    conn: &mut AnyConnection,
    f: &ItemFilter,
    popular_first: bool,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ItemRow>, i64)> {
    let (clause, binds) = where_clause(f);
    let order = if popular_first {
        "views DESC, code"
    } else {
        "department, name, code"
    };
    let n = binds.len();
    let sql = format!(
        "SELECT {ITEM_COLS} FROM items{clause} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query_as::<_, ItemRow>(AssertSqlSafe(sql));
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    let count_sql = format!("SELECT COUNT(*) FROM items{clause}");
    let mut c = sqlx::query_scalar::<_, i64>(AssertSqlSafe(count_sql));
    for b in &binds {
        c = c.bind(b);
    }
    let total = c.fetch_one(conn).await?;
    Ok((rows, total))
}

/// Number of published items per department code.
pub async fn published_counts_by_department(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT department, COUNT(*) FROM items WHERE status = 'active' AND current_version IS NOT NULL GROUP BY department ORDER BY department",
    )
    .fetch_all(conn)
    .await?)
}

/// Per department, how many items have legal elements to supply (待补充), in `regions` when
/// given (an administrator's scope).
pub async fn gaps_by_department(
    conn: &mut AnyConnection,
    regions: &[String],
) -> Result<Vec<(String, i64)>> {
    let f = ItemFilter {
        regions: regions.to_vec(),
        with_gaps: true,
        ..Default::default()
    };
    let (clause, binds) = where_clause(&f);
    let sql = format!(
        "SELECT department, COUNT(*) FROM items{clause} GROUP BY department ORDER BY department"
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql));
    for b in &binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(conn).await?)
}

/// Every current published definition, for building the search index and exports.
pub async fn all_published(conn: &mut AnyConnection) -> Result<Vec<ItemDefinition>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT v.definition FROM items i JOIN item_versions v ON v.item_code = i.code AND v.version = i.current_version
         WHERE i.status = 'active' ORDER BY i.code",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|s| serde_json::from_str(s).map_err(StoreError::from))
        .collect()
}

/// The published items marked 自助可办 (`supports_kiosk`), without reading the rest: the flag is
/// written into the stored JSON only when true (`skip_serializing_if`), so a text match finds
/// exactly those; each is parsed and checked again.
pub async fn published_for_kiosk(conn: &mut AnyConnection) -> Result<Vec<ItemDefinition>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT v.definition FROM items i JOIN item_versions v ON v.item_code = i.code AND v.version = i.current_version
         WHERE i.status = 'active' AND v.definition LIKE '%\"supports_kiosk\":true%' ORDER BY i.code",
    )
    .fetch_all(conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for s in &rows {
        let d: ItemDefinition = serde_json::from_str(s)?;
        if d.supports_kiosk {
            out.push(d);
        }
    }
    Ok(out)
}

/// The latest definition of every item, draft or published, for exports.
pub async fn all_latest(conn: &mut AnyConnection) -> Result<Vec<ItemDefinition>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT v.definition FROM items i JOIN item_versions v ON v.item_code = i.code
           AND v.version = COALESCE(i.draft_version, i.current_version)
         ORDER BY i.code",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|s| serde_json::from_str(s).map_err(StoreError::from))
        .collect()
}

pub async fn count_views(conn: &mut AnyConnection, code: &str) -> Result<()> {
    add_views(conn, code, 1).await
}

pub async fn add_views(conn: &mut AnyConnection, code: &str, n: i64) -> Result<()> {
    sqlx::query("UPDATE items SET views = views + $1 WHERE code = $2")
        .bind(n)
        .bind(code)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn catalog_generation(conn: &mut AnyConnection) -> Result<i64> {
    crate::db::meta_value(conn, "catalog_generation").await
}

/// The regions where 审核发布 is on (a draft is published by someone other than its editor).
pub async fn review_regions(conn: &mut AnyConnection) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT region FROM catalog_review_regions ORDER BY region")
            .fetch_all(conn)
            .await?,
    )
}

/// Turns 审核发布 on or off for a region.
pub async fn set_review(
    conn: &mut AnyConnection,
    region: &str,
    on: bool,
    by: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM catalog_review_regions WHERE region = $1")
        .bind(region)
        .execute(&mut *conn)
        .await?;
    if on {
        sqlx::query(
            "INSERT INTO catalog_review_regions (region, set_by, set_at) VALUES ($1, $2, $3)",
        )
        .bind(region)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await?;
    }
    Ok(())
}
