//! A case command's writes in one round: the versioned update of the case, its audit events,
//! its 电子监察 watch when that moved, and the license an approval issues; and the creation
//! of a case ([`commit_creation`]) the same way.
//!
//! Every statement sent to SQLite is a hand-off to the connection's thread and back (two
//! context switches at least, see docs/PERFORMANCE.md), and these run inside the single
//! writer's turn, so on SQLite a batch goes to the writer's thread whole: a command as a
//! transaction of its own ([`commit_command`]), grouped with others that wait (see `group`),
//! runs from `BEGIN` to `COMMIT` on the thread of `lite`, each statement prepared once per
//! connection; inside a caller's transaction it goes through sqlx as one multi-statement
//! query. The version check is the database's (a trigger), so that a stale write stops
//! before the `COMMIT`. PostgreSQL cannot prepare several statements as one: there the
//! batches here, whose statements do not build on each other, go as one statement of
//! data-modifying `WITH` queries ([`Batch::as_one_statement`]). Which way a batch goes is decided
//! in `db` (`run_statements`, `Store::run_batch`), the one place that knows the backend: this
//! module only builds the statements.

use domain::case::Case;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use std::borrow::Cow;

use crate::cases::{CaseColumns, CaseIndex, EventRow};
use crate::licenses::{Avoided, LicenseRow, UseRow};
use crate::supervision::WatchRow;
use crate::{Result, StoreError};

/// What a command writes.
pub struct CommandWrite<'a> {
    /// The case after the command; its `version` is one more than the stored one.
    pub case: &'a Case,
    pub index: &'a CaseIndex,
    /// The columns as stored when the case was read: only those that change are set. (If
    /// the row changed since, its version did too, and the update is refused anyway.)
    pub stored: &'a CaseColumns,
    /// The command's events, already chained after the stored latest event: a stale chain
    /// takes a sequence number that exists, and the insert fails as a conflict.
    pub events: &'a [EventRow],
    /// The stored watch row (read with the case) and the one the case now runs against.
    pub watch_before: Option<&'a WatchRow>,
    pub watch_after: Option<&'a WatchRow>,
    /// The statistics row as stored (read with the case) and as the case now counts.
    pub stats_before: Option<&'a domain::stats::CaseStat>,
    pub stats_after: Option<&'a domain::stats::CaseStat>,
    /// The license an approval issues with it; its `license_issued` event is among `events`.
    pub issued: Option<Issued<'a>>,
    /// Events for systems outside (the outbox), committed with the command.
    pub outbox: &'a [crate::outbox::OutboxRow],
    /// Messages to the applicant's (and agent's) inbox, committed with the command.
    pub notifications: &'a [crate::agents::NotificationRow],
    pub now: i64,
}

/// A license issued by a command, signed before the write (its serial drawn beforehand).
pub struct Issued<'a> {
    pub license: &'a LicenseRow,
    /// The holder keeps one valid license of this type: the others become `replaced`.
    pub replaces_others: bool,
    /// Issued to someone other than the applicant: the applicant's account may see it.
    pub link: Option<&'a crate::subjects::HolderLink>,
}

/// What creating a case writes: the case, the licenses it uses and the materials they (or
/// shared data) spared, and its first audit event.
pub struct Creation<'a> {
    pub case: &'a Case,
    pub index: &'a CaseIndex,
    pub uses: &'a [UseRow],
    pub avoided: &'a [Avoided<'a>],
    pub event: &'a EventRow,
    /// A message to the applicant, when someone else filed in their name (帮办代办).
    pub notification: Option<&'a crate::agents::NotificationRow>,
    /// The applicant's account, when a clerk records a walk-in without one (无账号办理).
    pub walk_in: Option<&'a crate::accounts::AccountRow>,
    /// Events for systems outside (the outbox), committed with the case.
    pub outbox: &'a [crate::outbox::OutboxRow],
    /// 跨市通办: the partner's forward this case is, recorded with it.
    pub inbound: Option<&'a crate::tongban::InRow>,
    /// Its statistics row, unless it is a draft.
    pub stats: Option<&'a domain::stats::CaseStat>,
    pub now: i64,
}

/// Creates a case as a transaction of its own: one batch, which waits for the writer like a
/// command and is grouped with those waiting beside it. An id already taken fails it whole.
pub async fn commit_creation(store: &crate::Store, w: &Creation<'_>) -> Result<()> {
    let mut b = Batch::default();
    // Each row is written once here; the case's event, uses and the rest point at the case
    // (a walk-in's case at its account) inserted beside them.
    b.independent();
    if let Some(a) = w.walk_in {
        crate::walk_ins::push_account(&mut b, a);
    }
    crate::cases::push_insert_case(&mut b, w.case, w.index, w.now)?;
    for u in w.uses {
        crate::licenses::push_use(&mut b, u);
    }
    for a in w.avoided {
        crate::licenses::push_avoided(&mut b, a);
    }
    crate::cases::push_event(&mut b, w.event);
    if let Some(n) = w.notification {
        crate::agents::push_notification(&mut b, n);
    }
    if let Some(r) = w.inbound {
        crate::tongban::push_in(&mut b, r);
    }
    crate::outbox::push_all(&mut b, w.outbox);
    // Last: the sums' rows are shared with other cases and stay locked until the commit.
    crate::stats::push_change(&mut b, &w.case.id, None, w.stats);
    store.run_batch(b).await?;
    Ok(())
}

/// Writes a command's changes inside the caller's transaction; a version that moved on since
/// the case was read is a `Conflict` on "version". On an error some statements may have run:
/// the caller's transaction must then be dropped (rolled back), as every caller's `?` does.
pub async fn write_command(conn: &mut AnyConnection, w: &CommandWrite<'_>) -> Result<()> {
    let data = serde_json::to_string(w.case)?;
    let updated = batch(w, &data).run(conn).await?;
    found(updated.len())
}

/// Writes a command's changes as a transaction of their own: on SQLite one query from
/// `BEGIN` to `COMMIT`. For commands that write nothing else.
pub async fn commit_command(store: &crate::Store, w: &CommandWrite<'_>) -> Result<()> {
    let data = serde_json::to_string(w.case)?;
    let updated = store.run_batch(batch(w, &data)).await?;
    found(updated.len())
}

/// The case's update returns its one row; none means there is no such case. (In a batch of
/// its own the `COMMIT` cannot have covered anything then: the events' foreign key to `cases`
/// stops the query first, and a command always has events.)
fn found(updated: usize) -> Result<()> {
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

fn batch<'a>(w: &CommandWrite<'a>, data: &'a str) -> Batch<'a> {
    let c = w.case;
    let mut b = Batch::default();
    // Each row is written once: the case, each event, the watch, the warnings of this case,
    // the license and the holder's others (`id <> ?`), the outbox rows (one insert, so that
    // they are numbered in order), each message, the case's statistics row and each sum (one
    // per key, see `domain::stats::delta`). The events' trigger that moves the case's audit
    // head runs after the statement, so it sees the case as updated here.
    b.independent();
    // The version is checked by the trigger of migration 0014 (the new one must follow the
    // stored one), so that a failed check stops the batch before its COMMIT.
    let mut sql = String::from("UPDATE cases SET data = ?, version = ?, updated_at = ?");
    let mut args = vec![Arg::Text(data), Arg::Int(c.version), Arg::Int(w.now)];
    let (old, new) = (w.stored, w.index);
    let mut set = |column: &str, changed: bool, arg: Arg<'a>| {
        if changed {
            sql.push_str(&format!(", {column} = ?"));
            args.push(arg);
        }
    };
    set("number", old.number != c.number, Arg::Text(&c.number));
    set(
        "state",
        old.state != c.state.as_str(),
        Arg::Text(c.state.as_str()),
    );
    set(
        "claimed_by",
        old.claimed_by != c.claimed_by,
        Arg::Opt(c.claimed_by.as_deref()),
    );
    let i = &old.index;
    set(
        "queue_role",
        i.queue_role != new.queue_role,
        Arg::Opt(new.queue_role.as_deref()),
    );
    set(
        "due_date",
        i.due_date != new.due_date,
        Arg::Opt(new.due_date.as_deref()),
    );
    set(
        "verify_due",
        i.verify_due != new.verify_due,
        Arg::Opt(new.verify_due.as_deref()),
    );
    set(
        "tolerance_due",
        i.tolerance_due != new.tolerance_due,
        Arg::Opt(new.tolerance_due.as_deref()),
    );
    // 就近取件 may change: written whenever the case was received for another office.
    set(
        "pickup_point",
        c.relay.is_some(),
        Arg::Opt(c.relay.as_ref().map(|r| r.pickup.code.as_str())),
    );
    // The audit head moves to the command's last event here, so that the events' trigger
    // (migration 0019, which keeps the head whichever path appends) finds it there already
    // and writes the case row no second time per event.
    if let Some(last) = w.events.last() {
        sql.push_str(", head_seq = ?, head_hash = ?");
        args.extend([Arg::Int(last.seq), Arg::Text(&last.hash)]);
    }
    sql.push_str(" WHERE id = ? RETURNING version");
    args.push(Arg::Text(&c.id));
    b.push(sql, args);
    for e in w.events {
        crate::cases::push_event(&mut b, e);
    }
    // An unchanged watch is not written again: its open warnings still apply, and `raise`
    // raises only against the stored watch, which the version check shows is current.
    if w.watch_before != w.watch_after {
        crate::supervision::push_set_watch(&mut b, &c.id, w.watch_after, w.now);
    }
    if let Some(i) = &w.issued {
        crate::licenses::push_insert_license(&mut b, i.license);
        if i.replaces_others {
            crate::licenses::push_replace_others(&mut b, i.license);
        }
        if let Some(l) = i.link {
            crate::subjects::push_link(&mut b, l);
        }
    }
    crate::outbox::push_all(&mut b, w.outbox);
    for n in w.notifications {
        crate::agents::push_notification(&mut b, n);
    }
    // Last: the sums' rows are shared with other cases and stay locked until the commit.
    crate::stats::push_change(&mut b, &c.id, w.stats_before, w.stats_after);
    b
}

/// A bind argument of a batched statement.
pub(crate) enum Arg<'a> {
    Text(&'a str),
    Opt(Option<&'a str>),
    Int(i64),
    OptInt(Option<i64>),
    /// Owned copies, for a batch that outlives its caller's borrows (see `group`).
    Owned(String),
    OptOwned(Option<String>),
}

impl Arg<'_> {
    fn into_owned(self) -> Arg<'static> {
        match self {
            Arg::Text(s) => Arg::Owned(s.to_string()),
            Arg::Opt(s) => Arg::OptOwned(s.map(str::to_string)),
            Arg::Int(i) => Arg::Int(i),
            Arg::OptInt(i) => Arg::OptInt(i),
            Arg::Owned(s) => Arg::Owned(s),
            Arg::OptOwned(s) => Arg::OptOwned(s),
        }
    }
}

/// Statements written with `?` for their arguments, numbered when run: across the whole
/// batch when it goes as one query, from `$1` in each statement when they go one at a time
/// (which way is the backend's, see [`crate::db::run_statements`]).
#[derive(Default)]
pub(crate) struct Batch<'a> {
    statements: Vec<(Cow<'static, str>, Vec<Arg<'a>>)>,
    /// See [`Batch::independent`].
    independent: bool,
}

impl<'a> Batch<'a> {
    pub(crate) fn push(&mut self, sql: impl Into<Cow<'static, str>>, args: Vec<Arg<'a>>) {
        let sql = sql.into();
        debug_assert_eq!(sql.matches('?').count(), args.len(), "{sql}");
        self.statements.push((sql, args));
    }

    /// Declares that its statements do not build on each other: no statement reads or
    /// changes a row that another one writes, and none is a `SELECT`. (A row a foreign key
    /// points at may be inserted beside the row that points at it: the key is checked at the
    /// end of the statement.) On PostgreSQL such a batch goes as one statement
    /// ([`Batch::as_one_statement`]).
    pub(crate) fn independent(&mut self) {
        self.independent = true;
    }

    /// The batch with its arguments copied, free of the caller's borrows.
    pub(crate) fn into_owned(self) -> Batch<'static> {
        Batch {
            statements: self
                .statements
                .into_iter()
                .map(|(sql, args)| (sql, args.into_iter().map(Arg::into_owned).collect()))
                .collect(),
            independent: self.independent,
        }
    }

    /// Its statements, `?` for each argument, with their arguments.
    pub(crate) fn statements(&self) -> impl Iterator<Item = (&str, &[Arg<'a>])> {
        self.statements
            .iter()
            .map(|(sql, args)| (sql.as_ref(), args.as_slice()))
    }

    /// How many of its statements return rows (each at most one: `UPDATE … RETURNING` by
    /// key).
    pub(crate) fn returning(&self) -> usize {
        self.statements
            .iter()
            .filter(|(sql, _)| sql.contains("RETURNING"))
            .count()
    }

    /// The batch as one query: its statements one after another, their `?`s numbered across
    /// the whole text, arguments bound (how a SQLite transaction through sqlx runs it, see
    /// `db`).
    pub(crate) fn as_one_query(&self) -> crate::cases::Insert<'_> {
        let mut sql = String::new();
        let mut n = 0;
        for (s, _) in &self.statements {
            number(&mut sql, s, &mut n);
            sql.push_str(";\n");
        }
        let args = self.statements.iter().flat_map(|(_, a)| a);
        bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
    }

    /// Whether [`Batch::as_one_statement`] takes it: a single statement, or an
    /// [independent](Batch::independent) batch of which at most one statement returns rows.
    pub(crate) fn goes_as_one_statement(&self) -> bool {
        let n = self.statements.len();
        n == 1 || (n > 1 && self.independent && self.returning() <= 1)
    }

    /// The batch as one PostgreSQL statement, when it can go as one: a single statement as it
    /// is, or an [independent](Batch::independent) batch whose statements, at most one of
    /// them returning rows, become the data-modifying queries of one `WITH`: one round trip
    /// where the statements one at a time were one each. Run as a transaction of its own
    /// (`db::run_alone`) it is all or nothing by itself. (The queries of a `WITH` all see the
    /// rows as they were before the statement, and PostgreSQL runs them in an order of its
    /// own: hence only for statements that do not build on each other.)
    pub(crate) fn as_one_statement(&self) -> Option<crate::cases::Insert<'_>> {
        let sql = self.one_statement_sql()?;
        let args = self.statements.iter().flat_map(|(_, a)| a);
        Some(bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args))
    }

    /// The text of [`Batch::as_one_statement`], its arguments numbered in the batch's order.
    fn one_statement_sql(&self) -> Option<String> {
        let n = self.statements.len();
        let mut sql = String::new();
        let mut k = 0;
        if !self.goes_as_one_statement() {
            return None;
        }
        if n == 1 {
            number(&mut sql, &self.statements[0].0, &mut k);
            return Some(sql);
        }
        let returning = self
            .statements
            .iter()
            .position(|(sql, _)| sql.contains("RETURNING"));
        // The statement whose rows come back, else the last, is the main one; the others go
        // in the `WITH` (each runs once and to its end, read or not). The last as the main one
        // keeps the arguments in order.
        let main = returning.unwrap_or(n - 1);
        for (i, (s, _)) in self.statements.iter().enumerate() {
            if i == main && returning.is_none() {
                continue;
            }
            sql.push_str(if sql.is_empty() { "WITH " } else { ", " });
            sql.push_str(&format!("s{i} AS ("));
            number(&mut sql, s, &mut k);
            sql.push(')');
        }
        match returning {
            Some(r) => sql.push_str(&format!(" SELECT * FROM s{r}")),
            None => {
                sql.push(' ');
                number(&mut sql, &self.statements[main].0, &mut k);
            }
        }
        Some(sql)
    }

    /// Each statement as a query of its own, arguments bound, in order.
    pub(crate) fn each_statement(&self) -> impl Iterator<Item = crate::cases::Insert<'_>> {
        self.statements.iter().map(|(s, args)| {
            let mut sql = String::new();
            number(&mut sql, s, &mut 0);
            bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
        })
    }

    /// [`Batch::run`], keeping the first column of each returned row (a version, a counter).
    pub(crate) async fn run_ints(self, conn: &mut AnyConnection) -> Result<Vec<i64>> {
        first_ints(&self.run(conn).await?)
    }

    /// Runs the batch in the caller's transaction, as its backend best takes it
    /// ([`crate::db::run_statements`]); returns the rows its statements returned, in order.
    pub(crate) async fn run(self, conn: &mut AnyConnection) -> Result<Vec<AnyRow>> {
        crate::db::run_statements(conn, &self).await
    }
}

/// Appends `sql` with each `?` replaced by `$k`, counting on from `n`. (The statements are
/// the store's own text; none has a `?` inside a string literal.)
fn number(out: &mut String, sql: &str, n: &mut usize) {
    for part in sql.split_inclusive('?') {
        match part.strip_suffix('?') {
            Some(head) => {
                *n += 1;
                out.push_str(head);
                out.push('$');
                out.push_str(&n.to_string());
            }
            None => out.push_str(part),
        }
    }
}

/// The first column of each row, as an integer.
pub(crate) fn first_ints(rows: &[AnyRow]) -> Result<Vec<i64>> {
    use sqlx::Row;
    Ok(rows
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<std::result::Result<_, _>>()?)
}

pub(crate) fn bind_all<'q, 'a: 'q>(
    mut q: crate::cases::Insert<'q>,
    args: impl IntoIterator<Item = &'q Arg<'a>>,
) -> crate::cases::Insert<'q> {
    for a in args {
        q = match *a {
            Arg::Text(s) => q.bind(s),
            Arg::Opt(s) => q.bind(s),
            Arg::Int(i) => q.bind(i),
            Arg::OptInt(i) => q.bind(i),
            Arg::Owned(ref s) => q.bind(s.as_str()),
            Arg::OptOwned(ref s) => q.bind(s.as_deref()),
        };
    }
    q
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_placeholders_across_statements() {
        let mut out = String::new();
        let mut n = 0;
        super::number(&mut out, "UPDATE t SET a = ? WHERE b = ?", &mut n);
        super::number(&mut out, "; DELETE FROM t WHERE c = ?", &mut n);
        assert_eq!(
            out,
            "UPDATE t SET a = $1 WHERE b = $2; DELETE FROM t WHERE c = $3"
        );
        assert_eq!(n, 3);
    }

    fn batch(independent: bool, statements: &[&'static str]) -> super::Batch<'static> {
        let mut b = super::Batch::default();
        for s in statements {
            let args = (0..s.matches('?').count())
                .map(|_| super::Arg::Int(0))
                .collect();
            b.push(*s, args);
        }
        if independent {
            b.independent();
        }
        b
    }

    #[test]
    fn independent_statements_go_as_one_with_their_arguments_in_order() {
        let b = batch(
            true,
            &[
                "INSERT INTO a VALUES (?)",
                "UPDATE b SET x = ? WHERE y = ? RETURNING v",
                "DELETE FROM c WHERE z = ?",
            ],
        );
        assert_eq!(
            b.one_statement_sql().unwrap(),
            "WITH s0 AS (INSERT INTO a VALUES ($1)), \
             s1 AS (UPDATE b SET x = $2 WHERE y = $3 RETURNING v), \
             s2 AS (DELETE FROM c WHERE z = $4) SELECT * FROM s1"
        );
        // Without rows to return, the last is the main statement (its arguments last).
        let b = batch(
            true,
            &["INSERT INTO a VALUES (?)", "DELETE FROM c WHERE z = ?"],
        );
        assert_eq!(
            b.one_statement_sql().unwrap(),
            "WITH s0 AS (INSERT INTO a VALUES ($1)) DELETE FROM c WHERE z = $2"
        );
        assert_eq!(
            batch(false, &["DELETE FROM c WHERE z = ?"]).one_statement_sql(),
            Some("DELETE FROM c WHERE z = $1".into())
        );
    }

    #[test]
    fn statements_that_build_on_each_other_go_one_at_a_time() {
        let two = ["INSERT INTO a VALUES (?)", "UPDATE a SET x = 1 RETURNING x"];
        assert_eq!(batch(false, &two).one_statement_sql(), None);
        // Two result sets cannot be one.
        let b = batch(
            true,
            &[
                "UPDATE a SET x = 1 RETURNING x",
                "UPDATE b SET y = 1 RETURNING y",
            ],
        );
        assert_eq!(b.one_statement_sql(), None);
        assert_eq!(batch(true, &[]).one_statement_sql(), None);
    }
}
