//! The two migration folders describe one schema. Each backend is migrated from scratch and
//! its tables, columns, indexes and triggers are listed by name; the lists must match, but
//! for the differences named in [`ALLOWED`], each with its reason. A migration added to one
//! folder and forgotten in the other, or a column spelt differently, fails here.
//!
//! Types, defaults and index definitions are not compared: they are written in each
//! backend's dialect (`INTEGER` against `BIGINT`, partial-index syntax), and the conformance
//! stories check what they do. Compared by hand when this test was written, they agreed
//! (indexes column for column, unique and partial alike; foreign keys and their `ON DELETE`;
//! defaults), but for what each backend makes of the same words:
//! - ten columns are `INTEGER` on SQLite and `BIGINT` on PostgreSQL: both 64 bits;
//! - a single-column `TEXT PRIMARY KEY` (21 tables: `cases.id`, `accounts.id`, …) admits
//!   NULL on SQLite, a documented quirk of its rowid tables, and not on PostgreSQL; the
//!   store always writes the key, so no row has one;
//! - `calendar_years.year INTEGER PRIMARY KEY` is SQLite's rowid itself, so SQLite has no
//!   index for that key and PostgreSQL has `calendar_years_pkey`;
//! - PostgreSQL's trigger runs a function, `cases_version_steps()` (migration 0014), where
//!   SQLite writes the trigger's body inline.

use std::collections::BTreeSet;

use sqlx::AnyConnection;
use store::testing::{postgres, sqlite};
use store::{Backend, Store};

/// Objects one backend has and the other has not, as `schema_objects` names them (`"index
/// x on t"`), each with the reason it may differ. Empty: today the folders agree name for
/// name (292 objects each after migration 0015). A difference that is meant goes here with
/// its reason; one that is not is a migration to add to the other folder.
const ALLOWED: &[(&str, &str)] = &[];

#[tokio::test]
async fn both_migration_folders_make_the_same_tables_columns_indexes_and_triggers() {
    let lite = sqlite().await;
    let sqlite_objects = schema_objects(&lite.store).await;
    lite.cleanup().await;
    let Some(pg) = postgres().await else {
        return;
    };
    let pg_objects = schema_objects(&pg.store).await;
    pg.cleanup().await;

    let allowed: BTreeSet<&str> = ALLOWED.iter().map(|(name, _)| *name).collect();
    let differ = |a: &BTreeSet<String>, b: &BTreeSet<String>| -> Vec<String> {
        a.difference(b)
            .filter(|o| !allowed.contains(o.as_str()))
            .cloned()
            .collect()
    };
    let only_sqlite = differ(&sqlite_objects, &pg_objects);
    let only_pg = differ(&pg_objects, &sqlite_objects);
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "the migration folders drifted apart:\n  only on SQLite: {only_sqlite:?}\n  only on PostgreSQL: {only_pg:?}"
    );
    // An allowed difference that is gone must leave the list, so the list stays true.
    let stale: Vec<&str> = allowed
        .iter()
        .filter(|o| sqlite_objects.contains(**o) == pg_objects.contains(**o))
        .copied()
        .collect();
    assert!(
        stale.is_empty(),
        "ALLOWED names differences that no longer exist: {stale:?}"
    );
}

/// The migrated schema's objects: `table T`, `column T.C`, `index I on T` and `trigger R on T`.
/// Only indexes a migration creates with `CREATE INDEX` count: those the backends make for
/// primary keys and `UNIQUE` constraints are named differently by each (`sqlite_autoindex_…`
/// against `…_pkey`/`…_key`), and the constraints are already part of the columns' tables.
async fn schema_objects(store: &Store) -> BTreeSet<String> {
    let mut c = store.conn().await.expect("connection");
    let (tables, columns, indexes, triggers) = match store.backend() {
        Backend::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            // `sql` is NULL for the indexes SQLite makes for constraints itself.
            "SELECT name || ' on ' || tbl_name FROM sqlite_master
             WHERE type = 'index' AND sql IS NOT NULL",
            "SELECT name || ' on ' || tbl_name FROM sqlite_master WHERE type = 'trigger'",
        ),
        Backend::Postgres => (
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            "SELECT table_name::text || '.' || column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema()",
            // Not the indexes behind a primary key, UNIQUE or EXCLUDE constraint (a foreign
            // key's `conindid` names the index it references: that one counts).
            "SELECT i.relname::text || ' on ' || t.relname::text
             FROM pg_index x
             JOIN pg_class i ON i.oid = x.indexrelid
             JOIN pg_class t ON t.oid = x.indrelid
             WHERE t.relnamespace = current_schema()::regnamespace
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                               WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x'))",
            // Not the internal triggers that enforce foreign keys.
            "SELECT g.tgname::text || ' on ' || t.relname::text
             FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
             WHERE t.relnamespace = current_schema()::regnamespace AND NOT g.tgisinternal",
        ),
    };
    let mut out = BTreeSet::new();
    for (kind, sql, known) in [
        ("table", tables, "cases"),
        ("column", columns, "cases.version"),
        ("index", indexes, "cases_queue on cases"),
        ("trigger", triggers, "cases_version_steps on cases"),
    ] {
        let found: Vec<String> = names(&mut c, sql).await;
        // A query that read nothing on both backends would compare equal: it must at
        // least see an object every migrated schema has.
        assert!(
            found.iter().any(|n| n == known),
            "{:?}: no {kind} {known} in {found:?}",
            store.backend()
        );
        // sqlx's own bookkeeping, the same on both but not the schema's.
        let ours = found
            .into_iter()
            .filter(|n| !n.contains("_sqlx_migrations"));
        out.extend(ours.map(|name| format!("{kind} {name}")));
    }
    out
}

async fn names(c: &mut AnyConnection, sql: &'static str) -> Vec<String> {
    sqlx::query_scalar(sql)
        .fetch_all(c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
