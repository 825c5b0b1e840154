//! 行政相对人 in storage: which accounts may see a holder's licenses (the legal representative
//! of a new enterprise, the guardian of a newborn), and the serials of identifiers the platform
//! assigns.

use sqlx::AnyConnection;

use crate::Result;
use crate::command::{Arg, Batch};

/// A link from a holder (ID number or credit code) to an account that may see its licenses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderLink {
    pub holder_id: String,
    pub account_id: String,
    /// 法定代表人, 监护人 …
    pub relation: String,
    pub created_at: i64,
}

/// Adds the link unless it exists, in the batch that issues the license.
pub(crate) fn push_link<'a>(b: &mut Batch<'a>, l: &'a HolderLink) {
    b.push(
        "INSERT INTO holder_links (holder_id, account_id, relation, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (holder_id, account_id) DO NOTHING",
        vec![
            Arg::Text(&l.holder_id),
            Arg::Text(&l.account_id),
            Arg::Text(&l.relation),
            Arg::Int(l.created_at),
        ],
    );
}

/// The holders whose licenses the account may see besides its own, with the relation.
pub async fn linked_holders(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT holder_id, relation FROM holder_links WHERE account_id = $1 ORDER BY created_at, holder_id",
    )
    .bind(account_id)
    .fetch_all(conn)
    .await?)
}

/// Whether the account is linked to the holder.
pub async fn is_linked(
    conn: &mut AnyConnection,
    holder_id: &str,
    account_id: &str,
) -> Result<bool> {
    let n: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM holder_links WHERE holder_id = $1 AND account_id = $2")
            .bind(holder_id)
            .bind(account_id)
            .fetch_optional(conn)
            .await?;
    Ok(n.is_some())
}

/// Draws the next serial of an identifier kind under a key, as a write of its own (a gap
/// after a failed approval is harmless; a repeat is impossible).
pub async fn reserve_identifier(store: &crate::Store, kind: &str, key: &str) -> Result<i64> {
    let mut b = Batch::default();
    b.push(
        "INSERT INTO identifier_serials (kind, key, last) VALUES (?, ?, 1)
         ON CONFLICT (kind, key) DO UPDATE SET last = identifier_serials.last + 1 RETURNING last",
        vec![Arg::Text(kind), Arg::Text(key)],
    );
    crate::cases::drawn(store.run_batch_with(b, false).await?)
}

/// The accounts linked to a holder (its 法定代表人, 监护人 …).
pub async fn accounts_linked_to(conn: &mut AnyConnection, holder_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT account_id FROM holder_links WHERE holder_id = $1 ORDER BY created_at, account_id",
    )
    .bind(holder_id)
    .fetch_all(conn)
    .await?)
}
