//! The import of records placed in a region (departments, service points): one pass that
//! reads and checks every row, then writes the rows that changed and the log entry in one
//! transaction. What differs between the records is the `Placed` impl.

use std::collections::HashMap;

use super::table::Table;
use super::{Placement, SetupReport, TableSpec};
use crate::auth::SystemAdmin;
use crate::exchange::{RowError, Sheet};
use crate::{App, Result};

pub(super) trait Placed: PartialEq + Sized {
    /// The sheet (its name is what the records are called), columns and row limit.
    const SPEC: TableSpec;
    /// The code and region columns.
    const PLACE: (&'static str, &'static str);
    /// The administrators' log action.
    const ACTION: &'static str;

    fn code(&self) -> &str;
    fn region(&self) -> &str;
    /// Row `n` as a record, with the problems it has (its own checks and `validate`).
    fn read(t: &Table<'_>, n: usize, row: &[String], errors: &mut Vec<RowError>) -> Self;
    /// Checks across the file, after every row is read.
    fn check_file(
        _t: &Table<'_>,
        _good: &[Self],
        _existing: &HashMap<String, Self>,
        _errors: &mut Vec<RowError>,
    ) {
    }
    async fn stored(conn: &mut store::Connection) -> store::Result<Vec<Self>>;
    async fn upsert(tx: &mut store::Connection, record: &Self) -> store::Result<()>;
}

pub(super) async fn import<R: Placed>(
    app: &App,
    cap: &SystemAdmin,
    sheet: &Sheet,
    dry_run: bool,
) -> Result<SetupReport> {
    let (t, mut report) = match SetupReport::start(dry_run, sheet, R::SPEC) {
        Ok(started) => started,
        Err(refused) => return Ok(refused),
    };
    let mut conn = app.store.conn().await?;
    let stored = R::stored(&mut conn).await?;
    drop(conn);
    let existing = super::by_code(stored, |r: &R| r.code());
    let mut place = Placement::new(app, cap, R::SPEC.0, R::PLACE).await?;
    let mut good = Vec::new();
    for (n, row) in t.rows() {
        report.rows += 1;
        let before = report.errors.len();
        let r = R::read(&t, n, row, &mut report.errors);
        let owner = existing.get(r.code()).map(|o| o.region());
        place.check(&t, n, r.code(), r.region(), owner, &mut report.errors);
        if report.errors.len() == before {
            good.push(r);
        }
    }
    R::check_file(&t, &good, &existing, &mut report.errors);
    // In row order, so that a reader goes down the file once.
    report.errors.sort_by_key(|e| e.row);
    if !report.errors.is_empty() || dry_run {
        return Ok(report);
    }
    let mut tx = app.store.begin().await?;
    for r in report.tally(&good, &existing, |r| r.code()) {
        R::upsert(&mut tx, r).await?;
    }
    report
        .record(&mut tx, app, cap.actor_id(), R::ACTION)
        .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(report)
}
