//! The two reads most tables have: every row of a listing, and one row by its key.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};

use crate::Result;

/// Every row `sql` returns (a query without arguments).
pub(crate) async fn all_rows<R>(conn: &mut AnyConnection, sql: String) -> Result<Vec<R>>
where
    R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
{
    Ok(sqlx::query_as(AssertSqlSafe(sql)).fetch_all(conn).await?)
}

/// The row `sql` returns for `key`, its one argument (`$1`), if there is one.
pub(crate) async fn row_by_key<R>(
    conn: &mut AnyConnection,
    sql: String,
    key: &str,
) -> Result<Option<R>>
where
    R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
{
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(key)
        .fetch_optional(conn)
        .await?)
}

/// Every row `sql` returns, each turned into its record by `decode`.
pub(crate) async fn all_decoded<R, T>(
    conn: &mut AnyConnection,
    sql: String,
    decode: fn(R) -> Result<T>,
) -> Result<Vec<T>>
where
    R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
{
    all_rows(conn, sql).await?.into_iter().map(decode).collect()
}

/// The record `sql` returns for `key`, turned by `decode`, if there is one.
pub(crate) async fn decoded_by_key<R, T>(
    conn: &mut AnyConnection,
    sql: String,
    key: &str,
    decode: fn(R) -> Result<T>,
) -> Result<Option<T>>
where
    R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
{
    row_by_key(conn, sql, key).await?.map(decode).transpose()
}
