//! 惠企政策 and 免申即享 in storage: the facts held about subjects, policies with their
//! published versions, and the grants (the 兑现 ledger). Terms and explanations are JSON,
//! read whole; what lists filter on is a column.

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct PolicyRow {
    pub id: String,
    pub department: String,
    pub region: String,
    /// `domain::policy::Terms` as JSON.
    pub terms: String,
    pub title: String,
    pub target: String,
    pub mode: String,
    pub state: String,
    pub version: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: i64,
    pub last_run_at: i64,
}

const POLICY: &str = "id, department, region, terms, title, target, mode, state, version, created_by, created_at, updated_at, published_at, last_run_at";

pub async fn insert_policy(conn: &mut AnyConnection, p: &PolicyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO policies (id, department, region, terms, title, target, mode, state, version,
           created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $10)",
    )
    .bind(&p.id)
    .bind(&p.department)
    .bind(&p.region)
    .bind(&p.terms)
    .bind(&p.title)
    .bind(&p.target)
    .bind(&p.mode)
    .bind(&p.state)
    .bind(&p.created_by)
    .bind(p.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the terms of a draft; false when the policy is no longer a draft.
pub async fn update_draft(conn: &mut AnyConnection, p: &PolicyRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE policies SET department = $2, region = $3, terms = $4, title = $5, target = $6,
           mode = $7, updated_at = $8
         WHERE id = $1 AND state = 'draft'",
    )
    .bind(&p.id)
    .bind(&p.department)
    .bind(&p.region)
    .bind(&p.terms)
    .bind(&p.title)
    .bind(&p.target)
    .bind(&p.mode)
    .bind(p.updated_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn policy(conn: &mut AnyConnection, id: &str) -> Result<Option<PolicyRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {POLICY} FROM policies WHERE id = $1"),
        id,
    )
    .await
}

/// Policies in `state` (every one when empty), newest first.
pub async fn policies(conn: &mut AnyConnection, state: &str) -> Result<Vec<PolicyRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {POLICY} FROM policies WHERE ($1 = '' OR state = $1)
         ORDER BY published_at DESC, created_at DESC, id"
    )))
    .bind(state)
    .fetch_all(conn)
    .await?)
}

/// Publishes the draft as the next version; false when it is not a draft (published by
/// someone else meanwhile).
pub async fn publish(
    conn: &mut AnyConnection,
    id: &str,
    terms: &str,
    by: &str,
    at: i64,
) -> Result<Option<i64>> {
    let done = sqlx::query(
        "UPDATE policies SET state = 'published', version = version + 1, terms = $2,
           published_at = $3, updated_at = $3
         WHERE id = $1 AND state = 'draft'",
    )
    .bind(id)
    .bind(terms)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    let version: i64 = sqlx::query_scalar("SELECT version FROM policies WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO policy_versions (policy_id, version, terms, published_by, published_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(version)
    .bind(terms)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(Some(version))
}

/// Moves a policy from `from` to `to` (停止, or back to a draft for a new version); false
/// when it was not in `from`.
pub async fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    from: &str,
    to: &str,
    at: i64,
) -> Result<bool> {
    let done =
        sqlx::query("UPDATE policies SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2")
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(at)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_last_run(conn: &mut AnyConnection, id: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE policies SET last_run_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// One published version: (version, terms, published_by, published_at), oldest first.
pub async fn versions(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Vec<(i64, String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT version, terms, published_by, published_at FROM policy_versions
         WHERE policy_id = $1 ORDER BY version",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// What the platform holds about one enterprise or person.
#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct SubjectRow {
    pub subject_id: String,
    pub target: String,
    pub name: String,
    pub industry: String,
    pub size: String,
    pub region: String,
    pub registered_on: String,
    pub employees: i64,
    pub birth_date: String,
    pub hukou_region: String,
    pub source: String,
    pub updated_at: i64,
}

const SUBJECT: &str = "subject_id, target, name, industry, size, region, registered_on, employees, birth_date, hukou_region, source, updated_at";

/// Records what a shared-data source says about a subject (replacing what it said before).
pub async fn upsert_subject(conn: &mut AnyConnection, s: &SubjectRow) -> Result<()> {
    upsert_subjects(conn, std::slice::from_ref(s)).await
}

/// Rows per INSERT of subjects: twelve parameters each.
const SUBJECTS_PER_INSERT: usize = 400;

/// Records many subjects at once (a shared-data delivery), replacing what was said before.
pub async fn upsert_subjects(conn: &mut AnyConnection, rows: &[SubjectRow]) -> Result<()> {
    for chunk in rows.chunks(SUBJECTS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO subject_facts (subject_id, target, name, industry, size, region,
               registered_on, employees, birth_date, hukou_region, source, updated_at) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            let cols: Vec<String> = (1..=12).map(|k| format!("${}", i * 12 + k)).collect();
            sql.push_str(&format!("({})", cols.join(", ")));
        }
        sql.push_str(
            " ON CONFLICT (subject_id) DO UPDATE SET name = excluded.name,
               industry = excluded.industry, size = excluded.size, region = excluded.region,
               registered_on = excluded.registered_on, employees = excluded.employees,
               birth_date = excluded.birth_date, hukou_region = excluded.hukou_region,
               source = excluded.source, updated_at = excluded.updated_at",
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for s in chunk {
            q = q
                .bind(&s.subject_id)
                .bind(&s.target)
                .bind(&s.name)
                .bind(&s.industry)
                .bind(&s.size)
                .bind(&s.region)
                .bind(&s.registered_on)
                .bind(s.employees)
                .bind(&s.birth_date)
                .bind(&s.hukou_region)
                .bind(&s.source)
                .bind(s.updated_at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds every applicant account the platform has that shared data has not named yet, with
/// nothing known but its identifier and name (the rest is derived from its own records).
pub async fn add_account_subjects(conn: &mut AnyConnection, at: i64) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO subject_facts (subject_id, target, name, source, updated_at)
         SELECT login, CASE kind WHEN 'enterprise' THEN 'enterprise' ELSE 'person' END,
                display_name, '本平台账户', $1
         FROM accounts WHERE kind IN ('enterprise', 'natural_person')
         ON CONFLICT (subject_id) DO NOTHING",
    )
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub async fn subject(conn: &mut AnyConnection, id: &str) -> Result<Option<SubjectRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {SUBJECT} FROM subject_facts WHERE subject_id = $1"),
        id,
    )
    .await
}

/// Subjects of `target` after `after` in identifier order, `limit` at a time: the bulk pass
/// reads a million in pages so that memory stays flat. Only the columns its target's facts
/// come from are read (decoded by position): the pass is mostly this read.
pub async fn subjects_after(
    conn: &mut AnyConnection,
    target: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<SubjectRow>> {
    if target == "enterprise" {
        let rows: Vec<(String, String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT subject_id, name, industry, size, region, registered_on, employees
             FROM subject_facts WHERE target = 'enterprise' AND subject_id > $1
             ORDER BY subject_id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(conn)
        .await?;
        return Ok(rows
            .into_iter()
            .map(
                |(subject_id, name, industry, size, region, registered_on, employees)| SubjectRow {
                    subject_id,
                    target: "enterprise".into(),
                    name,
                    industry,
                    size,
                    region,
                    registered_on,
                    employees,
                    ..SubjectRow::default()
                },
            )
            .collect());
    }
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT subject_id, name, birth_date, hukou_region
         FROM subject_facts WHERE target = $1 AND subject_id > $2
         ORDER BY subject_id LIMIT $3",
    )
    .bind(target)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(subject_id, name, birth_date, hukou_region)| SubjectRow {
            subject_id,
            target: target.to_string(),
            name,
            birth_date,
            hukou_region,
            employees: -1,
            ..SubjectRow::default()
        })
        .collect())
}

/// The valid licenses of every holder as (holder, type name, issued day), valid on `today`
/// (YYYY-MM-DD); of `holder` alone when it is not empty.
pub async fn held_licenses(
    conn: &mut AnyConnection,
    holder: &str,
    today: &str,
) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT l.holder_id, t.name, l.issued FROM licenses l
         JOIN license_types t ON t.code = l.type_code
         WHERE l.status = 'valid' AND (l.valid_until IS NULL OR l.valid_until = ''
               OR l.valid_until >= $2)
           AND ($1 = '' OR l.holder_id = $1)
         ORDER BY l.holder_id",
    )
    .bind(holder)
    .bind(today)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct GrantRow {
    pub policy_id: String,
    pub subject_id: String,
    pub subject_name: String,
    pub version: i64,
    pub amount: i64,
    /// `domain::policy::Decision` as JSON.
    pub explanation: String,
    pub state: String,
    pub bank: String,
    pub account: String,
    pub confirmed_by: String,
    pub paid_ref: String,
    pub paid_by: String,
    pub granted_at: i64,
    pub confirmed_at: i64,
    pub paid_at: i64,
}

const GRANT: &str = "policy_id, subject_id, subject_name, version, amount, explanation, state, bank, account, confirmed_by, paid_ref, paid_by, granted_at, confirmed_at, paid_at";

/// The subjects already granted under a policy (a re-run grants each once).
pub async fn granted_subjects(conn: &mut AnyConnection, policy_id: &str) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT subject_id FROM policy_grants WHERE policy_id = $1")
            .bind(policy_id)
            .fetch_all(conn)
            .await?,
    )
}

/// Rows per INSERT: eight parameters each stays far below SQLite's limit of 32 766.
const GRANTS_PER_INSERT: usize = 400;

/// Records new grants, several hundred to a statement; one already there is left as it is.
pub async fn insert_grants(conn: &mut AnyConnection, grants: &[GrantRow]) -> Result<u64> {
    let mut n = 0;
    for chunk in grants.chunks(GRANTS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO policy_grants (policy_id, subject_id, subject_name, version, amount,
               explanation, state, granted_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 8;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8
            ));
        }
        sql.push_str(" ON CONFLICT (policy_id, subject_id) DO NOTHING");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for g in chunk {
            q = q
                .bind(&g.policy_id)
                .bind(&g.subject_id)
                .bind(&g.subject_name)
                .bind(g.version)
                .bind(g.amount)
                .bind(&g.explanation)
                .bind(&g.state)
                .bind(g.granted_at);
        }
        n += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(n)
}

/// The accounts to tell of grants made at `at` under a policy: the subject's own account
/// (its login is its identifier) and the accounts linked to it (法定代表人, 监护人), as
/// (account id, subject id).
pub async fn accounts_to_tell(
    conn: &mut AnyConnection,
    policy_id: &str,
    at: i64,
) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT a.id, g.subject_id FROM policy_grants g JOIN accounts a ON a.login = g.subject_id
         WHERE g.policy_id = $1 AND g.granted_at = $2
         UNION
         SELECT h.account_id, g.subject_id FROM policy_grants g
         JOIN holder_links h ON h.holder_id = g.subject_id
         WHERE g.policy_id = $1 AND g.granted_at = $2",
    )
    .bind(policy_id)
    .bind(at)
    .fetch_all(conn)
    .await?)
}

pub async fn grant(
    conn: &mut AnyConnection,
    policy_id: &str,
    subject_id: &str,
) -> Result<Option<GrantRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {GRANT} FROM policy_grants WHERE policy_id = $1 AND subject_id = $2"
    )))
    .bind(policy_id)
    .bind(subject_id)
    .fetch_optional(conn)
    .await?)
}

/// The grants to one subject, newest first.
pub async fn grants_to(conn: &mut AnyConnection, subject_id: &str) -> Result<Vec<GrantRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {GRANT} FROM policy_grants WHERE subject_id = $1 ORDER BY granted_at DESC, policy_id"
    )))
    .bind(subject_id)
    .fetch_all(conn)
    .await?)
}

/// A policy's grants, `limit` of them, those waiting first.
pub async fn grants_of(
    conn: &mut AnyConnection,
    policy_id: &str,
    limit: i64,
) -> Result<Vec<GrantRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {GRANT} FROM policy_grants WHERE policy_id = $1
         ORDER BY CASE state WHEN 'confirmed' THEN 0 WHEN 'granted' THEN 1 ELSE 2 END,
                  granted_at, subject_id LIMIT $2"
    )))
    .bind(policy_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The holder confirms the account; false when the grant was not waiting for one.
pub async fn confirm(conn: &mut AnyConnection, g: &GrantRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE policy_grants SET state = 'confirmed', bank = $3, account = $4, confirmed_by = $5,
           confirmed_at = $6
         WHERE policy_id = $1 AND subject_id = $2 AND state = 'granted'",
    )
    .bind(&g.policy_id)
    .bind(&g.subject_id)
    .bind(&g.bank)
    .bind(&g.account)
    .bind(&g.confirmed_by)
    .bind(g.confirmed_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The department records the payment; false when the grant was not confirmed.
pub async fn pay(conn: &mut AnyConnection, g: &GrantRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE policy_grants SET state = 'paid', paid_ref = $3, paid_by = $4, paid_at = $5
         WHERE policy_id = $1 AND subject_id = $2 AND state = 'confirmed'",
    )
    .bind(&g.policy_id)
    .bind(&g.subject_id)
    .bind(&g.paid_ref)
    .bind(&g.paid_by)
    .bind(g.paid_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A policy's 兑现 ledger by state: (state, grants, amount in fen, sum of the payment times
/// over the paid).
pub async fn ledger(
    conn: &mut AnyConnection,
    policy_id: &str,
) -> Result<Vec<(String, i64, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT state, COUNT(*), CAST(COALESCE(SUM(amount), 0) AS BIGINT),
                CAST(COALESCE(SUM(paid_at), 0) AS BIGINT)
         FROM policy_grants WHERE policy_id = $1 GROUP BY state ORDER BY state",
    )
    .bind(policy_id)
    .fetch_all(conn)
    .await?)
}
