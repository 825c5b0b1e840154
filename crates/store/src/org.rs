//! Regions, departments, halls, the holiday notices and search synonyms.

use domain::calendar::YearNotice;
use domain::catalog::Synonym;
use domain::ids::RegionCode;
use domain::org::{Department, Region};
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::{Result, StoreError};

/// A region with its place in the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub level: String,
}

pub async fn upsert_region(conn: &mut AnyConnection, r: &Region, code: &RegionCode) -> Result<()> {
    let level = serde_plain(code.level());
    sqlx::query(
        "INSERT INTO regions (code, name, parent, level) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name",
    )
    .bind(code.as_str())
    .bind(r.name.trim())
    .bind(
        code.parent()
            .filter(|_| code.level() != domain::ids::RegionLevel::Province)
            .map(|p| p.as_str().to_string()),
    )
    .bind(level)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds regions that are not there yet, parents before children, many per statement (the
/// national list has 3 351); an existing region keeps its name. Returns how many were added.
pub async fn insert_missing_regions(
    conn: &mut AnyConnection,
    regions: &[(RegionCode, String)],
) -> Result<u64> {
    let mut added = 0;
    for chunk in regions.chunks(200) {
        let mut sql = String::from("INSERT INTO regions (code, name, parent, level) VALUES ");
        for i in 0..chunk.len() {
            let n = i * 4;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
        }
        sql.push_str(" ON CONFLICT (code) DO NOTHING");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (code, name) in chunk {
            q = q
                .bind(code.as_str().to_string())
                .bind(name.trim().to_string())
                .bind(
                    code.parent()
                        .filter(|_| code.level() != domain::ids::RegionLevel::Province)
                        .map(|p| p.as_str().to_string()),
                )
                .bind(serde_plain(code.level()));
        }
        added += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(added)
}

fn serde_plain(l: domain::ids::RegionLevel) -> &'static str {
    use domain::ids::RegionLevel::*;
    match l {
        Province => "province",
        City => "city",
        County => "county",
        Township => "township",
        Village => "village",
    }
}

pub async fn region_exists(conn: &mut AnyConnection, code: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM regions WHERE code = $1")
        .bind(code)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

pub async fn list_regions(conn: &mut AnyConnection) -> Result<Vec<RegionRow>> {
    Ok(
        sqlx::query_as("SELECT code, name, parent, level FROM regions ORDER BY code")
            .fetch_all(conn)
            .await?,
    )
}

pub async fn get_region(conn: &mut AnyConnection, code: &str) -> Result<RegionRow> {
    Ok(
        sqlx::query_as("SELECT code, name, parent, level FROM regions WHERE code = $1")
            .bind(code)
            .fetch_one(conn)
            .await?,
    )
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct DepartmentRow {
    code: String,
    name: String,
    short_name: String,
    region: String,
    credit_code: String,
    phone: String,
    address: String,
    parent: String,
}

impl From<DepartmentRow> for Department {
    fn from(r: DepartmentRow) -> Self {
        Department {
            code: r.code,
            name: r.name,
            short_name: r.short_name,
            region: r.region,
            credit_code: r.credit_code,
            phone: r.phone,
            address: r.address,
            parent: r.parent,
        }
    }
}

pub async fn upsert_department(conn: &mut AnyConnection, d: &Department) -> Result<()> {
    sqlx::query(
        "INSERT INTO departments (code, name, short_name, region, credit_code, phone, address, parent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, short_name = excluded.short_name,
           region = excluded.region, credit_code = excluded.credit_code, phone = excluded.phone,
           address = excluded.address, parent = excluded.parent",
    )
    .bind(d.code.trim())
    .bind(d.name.trim())
    .bind(d.short_name.trim())
    .bind(d.region.trim())
    .bind(d.credit_code.trim().to_ascii_uppercase())
    .bind(d.phone.trim())
    .bind(d.address.trim())
    .bind(d.parent.trim())
    .execute(conn)
    .await?;
    Ok(())
}

const DEPT_COLS: &str =
    "SELECT code, name, short_name, region, credit_code, phone, address, parent FROM departments";

pub async fn list_departments(conn: &mut AnyConnection) -> Result<Vec<Department>> {
    let rows: Vec<DepartmentRow> =
        sqlx::query_as(AssertSqlSafe(format!("{DEPT_COLS} ORDER BY region, code")))
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn get_department(conn: &mut AnyConnection, code: &str) -> Result<Department> {
    let row: DepartmentRow = sqlx::query_as(AssertSqlSafe(format!("{DEPT_COLS} WHERE code = $1")))
        .bind(code)
        .fetch_one(conn)
        .await?;
    Ok(row.into())
}

pub async fn upsert_notice(conn: &mut AnyConnection, n: &YearNotice, now_ms: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO calendar_years (year, notice, loaded_at) VALUES ($1, $2, $3)
         ON CONFLICT (year) DO UPDATE SET notice = excluded.notice, loaded_at = excluded.loaded_at",
    )
    .bind(i64::from(n.year))
    .bind(serde_json::to_string(n)?)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn list_notices(conn: &mut AnyConnection) -> Result<Vec<YearNotice>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT notice FROM calendar_years ORDER BY year")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|s| serde_json::from_str(s).map_err(StoreError::from))
        .collect()
}

/// A synonym's terms as stored: trimmed, without blanks.
fn stored_terms(s: &Synonym) -> Vec<&str> {
    s.terms
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect()
}

pub async fn upsert_synonym(conn: &mut AnyConnection, s: &Synonym) -> Result<()> {
    let terms = stored_terms(s);
    sqlx::query("INSERT INTO synonyms (phrase, terms) VALUES ($1, $2) ON CONFLICT (phrase) DO UPDATE SET terms = excluded.terms")
        .bind(s.phrase.trim())
        .bind(serde_json::to_string(&terms)?)
        .execute(&mut *conn)
        .await?;
    crate::db::bump_meta(conn, "catalog_generation").await
}

/// Adds a synonym unless its phrase is there (an administrator's or the demo's own wins);
/// whether it was added. The caller bumps the catalog generation once for a batch.
pub async fn insert_missing_synonym(conn: &mut AnyConnection, s: &Synonym) -> Result<bool> {
    let terms: Vec<&str> = s
        .terms
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let r = sqlx::query(
        "INSERT INTO synonyms (phrase, terms) VALUES ($1, $2) ON CONFLICT (phrase) DO NOTHING",
    )
    .bind(s.phrase.trim())
    .bind(serde_json::to_string(&terms)?)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn delete_synonym(conn: &mut AnyConnection, phrase: &str) -> Result<()> {
    let r = sqlx::query("DELETE FROM synonyms WHERE phrase = $1")
        .bind(phrase)
        .execute(&mut *conn)
        .await?;
    if r.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    crate::db::bump_meta(conn, "catalog_generation").await
}

pub async fn list_synonyms(conn: &mut AnyConnection) -> Result<Vec<Synonym>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT phrase, terms FROM synonyms ORDER BY phrase")
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|(phrase, terms)| {
            Ok(Synonym {
                phrase,
                terms: serde_json::from_str(&terms)?,
            })
        })
        .collect()
}
