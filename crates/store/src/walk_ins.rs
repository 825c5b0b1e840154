//! People served at a window without an account (无账号办理): an account row with no password
//! (nobody can sign in to it), written in the batch that creates their first case, and
//! claimed when they register with the identity the clerk recorded.

use sqlx::AnyConnection;

use crate::Result;
use crate::accounts::AccountRow;
use crate::command::{Arg, Batch};

/// The password hash of an account nobody has claimed yet: it never verifies.
pub const UNCLAIMED: &str = "";

/// Inserts an unclaimed account as part of `b` (a login already taken fails the batch whole).
pub(crate) fn push_account<'a>(b: &mut Batch<'a>, a: &'a AccountRow) {
    b.push(
        "INSERT INTO accounts (id, login, kind, display_name, phone, legal_representative, password_hash, region, department, roles, created_at, disabled)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, '', ?, 0)",
        vec![
            Arg::Text(&a.id),
            Arg::Text(&a.login),
            Arg::Text(a.kind.as_str()),
            Arg::Text(&a.display_name),
            Arg::Text(&a.phone),
            Arg::Opt(a.legal_representative.as_deref()),
            Arg::Text(UNCLAIMED),
            Arg::Int(a.created_at),
        ],
    );
}

/// Gives an unclaimed account its first password; false when someone claimed it first.
pub async fn claim(conn: &mut AnyConnection, account_id: &str, hash: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE accounts SET password_hash = $1, must_change_password = 0
         WHERE id = $2 AND password_hash = $3",
    )
    .bind(hash)
    .bind(account_id)
    .bind(UNCLAIMED)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
