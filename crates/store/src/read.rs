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
