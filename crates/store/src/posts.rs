//! 通知公告, 政策解读 and news in storage: a post per row, its links to policies and items in
//! `post_links`. Which posts readers see is decided from `state`, `publish_at` and
//! `expires_at` at the moment of reading, so scheduled and expiring posts need no job.

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct PostRow {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub title: String,
    pub body: String,
    pub department: String,
    pub region: String,
    pub pinned: i64,
    pub publish_at: i64,
    pub expires_at: i64,
    pub author: String,
    pub submitted_by: String,
    pub reviewed_by: String,
    pub review_note: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const POST: &str = "id, kind, state, title, body, department, region, pinned, publish_at, expires_at, author, submitted_by, reviewed_by, review_note, created_at, updated_at";

/// Inserts a post or replaces its words, times and state (links are set apart).
pub async fn save(conn: &mut AnyConnection, p: &PostRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO posts (id, kind, state, title, body, department, region, pinned, publish_at,
           expires_at, author, submitted_by, reviewed_by, review_note, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, state = excluded.state,
           title = excluded.title, body = excluded.body, department = excluded.department,
           region = excluded.region, pinned = excluded.pinned, publish_at = excluded.publish_at,
           expires_at = excluded.expires_at, submitted_by = excluded.submitted_by,
           reviewed_by = excluded.reviewed_by, review_note = excluded.review_note,
           updated_at = excluded.updated_at",
    )
    .bind(&p.id)
    .bind(&p.kind)
    .bind(&p.state)
    .bind(&p.title)
    .bind(&p.body)
    .bind(&p.department)
    .bind(&p.region)
    .bind(p.pinned)
    .bind(p.publish_at)
    .bind(p.expires_at)
    .bind(&p.author)
    .bind(&p.submitted_by)
    .bind(&p.reviewed_by)
    .bind(&p.review_note)
    .bind(p.created_at)
    .bind(p.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a post from `from` to `to`, recording who and why; false when it was no longer in
/// `from` (another editor acted first).
pub async fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    from: &str,
    p: &PostRow,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE posts SET state = $3, submitted_by = $4, reviewed_by = $5, review_note = $6,
           publish_at = $7, updated_at = $8
         WHERE id = $1 AND state = $2",
    )
    .bind(id)
    .bind(from)
    .bind(&p.state)
    .bind(&p.submitted_by)
    .bind(&p.reviewed_by)
    .bind(&p.review_note)
    .bind(p.publish_at)
    .bind(p.updated_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn post(conn: &mut AnyConnection, id: &str) -> Result<Option<PostRow>> {
    crate::read::row_by_key(conn, format!("SELECT {POST} FROM posts WHERE id = $1"), id).await
}

/// Published posts shown at `now`, of `kind` (every kind when empty): pinned first, newest
/// first.
pub async fn shown(
    conn: &mut AnyConnection,
    kind: &str,
    now: i64,
    limit: i64,
) -> Result<Vec<PostRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {POST} FROM posts
         WHERE state = 'published' AND publish_at <= $1 AND (expires_at = 0 OR expires_at > $1)
           AND ($2 = '' OR kind = $2)
         ORDER BY pinned DESC, publish_at DESC, id LIMIT $3"
    )))
    .bind(now)
    .bind(kind)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Every post not shown to readers or not yet: what editors work on, newest change first.
pub async fn desk(conn: &mut AnyConnection, now: i64) -> Result<Vec<PostRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {POST} FROM posts
         WHERE state <> 'published' OR publish_at > $1 OR (expires_at <> 0 AND expires_at <= $1)
         ORDER BY updated_at DESC, id LIMIT 500"
    )))
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// Replaces a post's links.
pub async fn set_links(
    conn: &mut AnyConnection,
    id: &str,
    policies: &[String],
    items: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM post_links WHERE post_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (kind, targets) in [("policy", policies), ("item", items)] {
        for t in targets {
            sqlx::query("INSERT INTO post_links (post_id, kind, target) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(kind)
                .bind(t)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// A post's links as (kind, target, the policy's title or the item's name).
pub async fn links(conn: &mut AnyConnection, id: &str) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT l.kind, l.target, COALESCE(p.title, i.name, l.target) FROM post_links l
         LEFT JOIN policies p ON l.kind = 'policy' AND p.id = l.target
         LEFT JOIN items i ON l.kind <> 'policy' AND i.code = l.target
         WHERE l.post_id = $1 ORDER BY l.kind, l.target",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// Posts shown at `now` that explain `target` (a policy id or an item code).
pub async fn shown_about(
    conn: &mut AnyConnection,
    kind: &str,
    target: &str,
    now: i64,
) -> Result<Vec<PostRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {POST} FROM posts
         WHERE state = 'published' AND publish_at <= $3 AND (expires_at = 0 OR expires_at > $3)
           AND id IN (SELECT post_id FROM post_links WHERE kind = $1 AND target = $2)
         ORDER BY publish_at DESC, id"
    )))
    .bind(kind)
    .bind(target)
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// Every post, for the search index.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<PostRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {POST} FROM posts ORDER BY id"
    )))
    .fetch_all(conn)
    .await?)
}

/// How many posts there are and the latest change: the search index rebuilds when these
/// differ from what it was built from (another node may have saved).
pub async fn generation(conn: &mut AnyConnection) -> Result<(i64, i64)> {
    Ok(
        sqlx::query_as("SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM posts")
            .fetch_one(conn)
            .await?,
    )
}
