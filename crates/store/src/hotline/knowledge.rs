//! Knowledge-base articles (every version kept; `latest` marks the current one) and the
//! questions asked on item guides.

use domain::hotline::knowledge::{Article, Question};
use sqlx::{AnyConnection, AssertSqlSafe as AssertSql};

use crate::{Result, from_millis, millis};

type ArticleRow = (
    String,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
    i64,
);

const ARTICLE_COLS: &str = "SELECT id, version, question, answer, regions, valid_from, valid_to, source, items, owner, review_by, flagged, updated_at FROM kb_articles";

fn article(r: ArticleRow) -> Result<Article> {
    let date = |s: &str| {
        domain::calendar::parse_iso_date(s)
            .map_err(|_| crate::StoreError::Corrupt(format!("article {}: date {s}", r.0)))
    };
    Ok(Article {
        valid_from: date(&r.5)?,
        valid_to: r.6.as_deref().map(date).transpose()?,
        review_by: date(&r.10)?,
        regions: serde_json::from_str(&r.4)?,
        items: serde_json::from_str(&r.8)?,
        id: r.0,
        version: r.1,
        question: r.2,
        answer: r.3,
        source: r.7,
        owner: r.9,
        flagged: r.11,
        updated_at: from_millis(r.12),
    })
}

/// Stores `a` as the new latest version of its article (its `version` one above the last).
pub async fn save_article(conn: &mut AnyConnection, a: &Article, by: &str) -> Result<()> {
    sqlx::query("UPDATE kb_articles SET latest = 0 WHERE id = $1")
        .bind(&a.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO kb_articles (id, version, latest, question, answer, regions, valid_from,
           valid_to, source, items, owner, review_by, flagged, updated_at, updated_by)
         VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&a.id)
    .bind(a.version)
    .bind(&a.question)
    .bind(&a.answer)
    .bind(serde_json::to_string(&a.regions)?)
    .bind(a.valid_from.to_string())
    .bind(a.valid_to.map(|d| d.to_string()))
    .bind(&a.source)
    .bind(serde_json::to_string(&a.items)?)
    .bind(&a.owner)
    .bind(a.review_by.to_string())
    .bind(&a.flagged)
    .bind(millis(a.updated_at))
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// The current version of every article (of one owner when given).
pub async fn latest_articles(
    conn: &mut AnyConnection,
    owner: Option<&str>,
) -> Result<Vec<Article>> {
    let filter = if owner.is_some() {
        "AND owner = $1"
    } else {
        ""
    };
    let sql = format!("{ARTICLE_COLS} WHERE latest = 1 {filter} ORDER BY review_by, id");
    let mut q = sqlx::query_as::<_, ArticleRow>(AssertSql(sql));
    if let Some(o) = owner {
        q = q.bind(o);
    }
    let rows = q.fetch_all(conn).await?;
    rows.into_iter().map(article).collect()
}

/// One article, the latest version or a given one.
pub async fn article_version(
    conn: &mut AnyConnection,
    id: &str,
    version: Option<i64>,
) -> Result<Option<Article>> {
    let which = if version.is_some() {
        "version = $2"
    } else {
        "latest = 1"
    };
    let sql = format!("{ARTICLE_COLS} WHERE id = $1 AND {which}");
    let mut q = sqlx::query_as::<_, ArticleRow>(AssertSql(sql)).bind(id);
    if let Some(v) = version {
        q = q.bind(v);
    }
    let row = q.fetch_optional(conn).await?;
    row.map(article).transpose()
}

/// Flags the current articles linked to `item` for review, saying why; returns how many.
pub async fn flag_articles_of_item(conn: &mut AnyConnection, item: &str, why: &str) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE kb_articles SET flagged = $1 WHERE latest = 1 AND items LIKE $2 ESCAPE '!'",
    )
    .bind(why)
    .bind(format!("%\"{}\"%", super::like_literal(item)))
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

type QuestionRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<i64>,
    i64,
    Option<String>,
);

const QUESTION_COLS: &str = "SELECT id, item, department, text, asker, asked_at, answer, answered_at, public, article FROM item_questions";

fn question(r: QuestionRow) -> Question {
    Question {
        id: r.0,
        item: r.1,
        department: r.2,
        text: r.3,
        asker: r.4,
        asked_at: from_millis(r.5),
        answer: r.6,
        answered_at: r.7.map(from_millis),
        public: r.8 != 0,
        article: r.9,
    }
}

pub async fn insert_question(conn: &mut AnyConnection, q: &Question) -> Result<()> {
    sqlx::query(
        "INSERT INTO item_questions (id, item, department, text, asker, asked_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&q.id)
    .bind(&q.item)
    .bind(&q.department)
    .bind(&q.text)
    .bind(&q.asker)
    .bind(millis(q.asked_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the answer once: false if it was answered already.
pub async fn answer_question(conn: &mut AnyConnection, q: &Question, by: &str) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE item_questions SET answer = $1, answered_at = $2, answered_by = $3, public = $4,
           article = $5
         WHERE id = $6 AND answered_at IS NULL",
    )
    .bind(&q.answer)
    .bind(q.answered_at.map(millis))
    .bind(by)
    .bind(q.public as i64)
    .bind(&q.article)
    .bind(&q.id)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn get_question(conn: &mut AnyConnection, id: &str) -> Result<Option<Question>> {
    let row: Option<QuestionRow> =
        sqlx::query_as(AssertSql(format!("{QUESTION_COLS} WHERE id = $1")))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(question))
}

/// Answered public questions on an item's guide, newest first.
pub async fn public_questions(
    conn: &mut AnyConnection,
    item: &str,
    limit: i64,
) -> Result<Vec<Question>> {
    let rows: Vec<QuestionRow> = sqlx::query_as(AssertSql(format!(
        "{QUESTION_COLS} WHERE item = $1 AND public = 1 ORDER BY answered_at DESC LIMIT $2"
    )))
    .bind(item)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(question).collect())
}

/// Questions for a department (unanswered first), or asked by one account.
pub async fn questions_for(
    conn: &mut AnyConnection,
    department: Option<&str>,
    asker: Option<&str>,
    limit: i64,
) -> Result<Vec<Question>> {
    // One indexed column per query (an OR of two would read the whole table).
    let (column, value) = match (department, asker) {
        (Some(d), _) => ("department", d),
        (None, Some(a)) => ("asker", a),
        (None, None) => return Ok(Vec::new()),
    };
    let rows: Vec<QuestionRow> = sqlx::query_as(AssertSql(format!(
        "{QUESTION_COLS} WHERE {column} = $1
         ORDER BY (CASE WHEN answered_at IS NULL THEN 0 ELSE 1 END), asked_at DESC LIMIT $2"
    )))
    .bind(value)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(question).collect())
}
