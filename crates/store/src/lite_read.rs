//! SQLite's hot reads on the thread that asks, through rusqlite.
//!
//! Through sqlx every SQLite query is a hand-off to the connection's own thread and back: a
//! wake-up there, one here, and the rows copied between them. A case's lifecycle made 29
//! such reads, and thread switches and wake-ups were about a sixth of the server's CPU
//! (docs/PERFORMANCE.md). A point read of a few rows from pages already in memory takes a
//! few microseconds, less than the hand-off, so the reads that a request makes on its way
//! ([`crate::Conn::read_row`], [`crate::Conn::read_rows`]) run here, on the async worker
//! that asks, each from a statement prepared once per connection.
//!
//! Only bounded reads come this way (a row by its key, a count over an index): a worker
//! running a read is a worker serving nothing else meanwhile. Listings and reports keep
//! sqlx's connections. The rows come back as sqlx's `AnyRow`, typed as sqlx's SQLite driver
//! types them (by the value's own storage class), so one `FromRow` or `try_get` decodes
//! them on both backends, and the SQL text is the one PostgreSQL runs.
//!
//! Under WAL a reader never waits for the writer, so a read here does not block on the
//! writer's thread; each statement is its own read transaction and sees every commit
//! before it, as a read on a pooled sqlx connection does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Statement};
use sqlx::any::{AnyRow, AnyTypeInfo, AnyTypeInfoKind, AnyValue};
use sqlx_core::any::{AnyColumn, AnyValueKind};
use sqlx_core::ext::ustr::UStr;

use crate::command::Arg;
use crate::{Result, StoreError};

/// Statements kept prepared per connection; the hot reads are a few dozen shapes.
const CACHED_STATEMENTS: usize = 128;

/// Idle connections kept; a read holds one only while it runs (no await in between), so as
/// many as there are threads running reads at once are ever in use.
const KEPT: usize = 8;

/// The read connections of one database file.
pub(crate) struct LiteReaders {
    file: PathBuf,
    pragmas: &'static str,
    idle: Mutex<Vec<Reader>>,
}

struct Reader {
    conn: Connection,
    /// Per statement: its column names as `AnyRow` keeps them, built once.
    shapes: HashMap<Box<str>, Shape>,
}

#[derive(Clone)]
struct Shape {
    names: Arc<sqlx_core::HashMap<UStr, usize>>,
    columns: Arc<[UStr]>,
    /// For each argument slot of the statement, the index into the caller's arguments
    /// (`$3` is the third, wherever it first appears in the text).
    slots: Arc<[usize]>,
}

impl LiteReaders {
    pub(crate) fn new(file: &Path, pragmas: &'static str) -> LiteReaders {
        LiteReaders {
            file: file.to_path_buf(),
            pragmas,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Every row `sql` returns for `args`, at most `limit` of them.
    pub(crate) fn rows(&self, sql: &str, args: &[Arg<'_>], limit: usize) -> Result<Vec<AnyRow>> {
        let mut reader = match self.take() {
            Some(r) => r,
            None => self.open()?,
        };
        let out = reader.rows(sql, args, limit);
        // A connection whose statement failed is still sound (each read is its own
        // transaction, ended with the statement's reset), so it goes back either way.
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < KEPT {
            idle.push(reader);
        }
        out
    }

    fn take(&self) -> Option<Reader> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    fn open(&self) -> Result<Reader> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.file, flags)?;
        conn.execute_batch(self.pragmas)?;
        // Reads only: a statement that would write is refused, whatever its text.
        conn.execute_batch("PRAGMA query_only=ON;")?;
        conn.set_prepared_statement_cache_capacity(CACHED_STATEMENTS);
        Ok(Reader {
            conn,
            shapes: HashMap::new(),
        })
    }
}

impl Reader {
    fn rows(&mut self, sql: &str, args: &[Arg<'_>], limit: usize) -> Result<Vec<AnyRow>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let shape = match self.shapes.get(sql) {
            Some(s) => s.clone(),
            None => {
                let s = shape_of(&stmt)?;
                // Callers pass fixed texts, so this stays small; bounded all the same.
                if self.shapes.len() >= CACHED_STATEMENTS {
                    self.shapes.clear();
                }
                self.shapes.insert(sql.into(), s.clone());
                s
            }
        };
        for (slot, &arg) in shape.slots.iter().enumerate() {
            let a = args.get(arg).ok_or_else(|| {
                StoreError::State(format!(
                    "读取语句要第 {} 个参数，只给了 {} 个",
                    arg + 1,
                    args.len()
                ))
            })?;
            bind(&mut stmt, slot + 1, a)?;
        }
        let mut out = Vec::new();
        let mut rows = stmt.raw_query();
        while out.len() < limit {
            let Some(row) = rows.next()? else { break };
            out.push(any_row(row, &shape)?);
        }
        Ok(out)
    }
}

fn shape_of(stmt: &Statement<'_>) -> Result<Shape> {
    let mut names = sqlx_core::HashMap::new();
    let mut columns = Vec::new();
    for (i, name) in stmt.column_names().into_iter().enumerate() {
        let name = UStr::new(name);
        names.insert(name.clone(), i);
        columns.push(name);
    }
    let mut slots = Vec::new();
    for i in 1..=stmt.parameter_count() {
        // `$N` names the N-th argument; an anonymous `?` takes the next in order.
        let arg = match stmt.parameter_name(i) {
            Some(n) => n
                .strip_prefix('$')
                .and_then(|d| d.parse::<usize>().ok())
                .and_then(|n| n.checked_sub(1))
                .ok_or_else(|| StoreError::State(format!("读取语句的参数名无法识别：{n}")))?,
            None => i - 1,
        };
        slots.push(arg);
    }
    Ok(Shape {
        names: Arc::new(names),
        columns: columns.into(),
        slots: slots.into(),
    })
}

fn bind(stmt: &mut Statement<'_>, slot: usize, a: &Arg<'_>) -> rusqlite::Result<()> {
    match a {
        Arg::Text(s) => stmt.raw_bind_parameter(slot, s),
        Arg::Opt(s) => stmt.raw_bind_parameter(slot, s),
        Arg::Int(n) => stmt.raw_bind_parameter(slot, n),
        Arg::OptInt(n) => stmt.raw_bind_parameter(slot, n),
        Arg::Owned(s) => stmt.raw_bind_parameter(slot, s.as_str()),
        Arg::OptOwned(s) => stmt.raw_bind_parameter(slot, s.as_deref()),
    }
}

/// A row as sqlx's SQLite driver hands it to `Any`: each value typed by its storage class.
fn any_row(row: &rusqlite::Row<'_>, shape: &Shape) -> Result<AnyRow> {
    let n = shape.columns.len();
    let mut columns = Vec::with_capacity(n);
    let mut values = Vec::with_capacity(n);
    for (i, name) in shape.columns.iter().enumerate() {
        let kind = match row.get_ref(i)? {
            ValueRef::Null => AnyValueKind::Null(AnyTypeInfoKind::Null),
            ValueRef::Integer(v) => AnyValueKind::BigInt(v),
            ValueRef::Real(v) => AnyValueKind::Double(v),
            ValueRef::Text(t) => {
                AnyValueKind::Text(Arc::new(String::from_utf8(t.to_vec()).map_err(|_| {
                    StoreError::State(format!("第 {} 列不是 UTF-8 文本", i + 1))
                })?))
            }
            ValueRef::Blob(b) => AnyValueKind::Blob(Arc::new(b.to_vec())),
        };
        columns.push(AnyColumn {
            ordinal: i,
            name: name.clone(),
            type_info: AnyTypeInfo {
                kind: type_of(&kind),
            },
        });
        values.push(AnyValue { kind });
    }
    Ok(AnyRow {
        column_names: shape.names.clone(),
        columns,
        values,
    })
}

fn type_of(kind: &AnyValueKind) -> AnyTypeInfoKind {
    match kind {
        AnyValueKind::BigInt(_) => AnyTypeInfoKind::BigInt,
        AnyValueKind::Double(_) => AnyTypeInfoKind::Double,
        AnyValueKind::Text(_) => AnyTypeInfoKind::Text,
        AnyValueKind::Blob(_) => AnyTypeInfoKind::Blob,
        _ => AnyTypeInfoKind::Null,
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use super::*;

    fn readers() -> (tempfile::TempDir, LiteReaders) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.sqlite");
        let c = Connection::open(&file).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode=WAL;
             CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, x REAL, b BLOB, note TEXT);
             INSERT INTO t VALUES ('a', 1, 1.5, x'00ff', NULL), ('b', 2, NULL, NULL, '办件');",
        )
        .unwrap();
        (dir, LiteReaders::new(&file, crate::db::SQLITE_PRAGMAS))
    }

    #[test]
    fn values_decode_as_through_sqlx_by_name_and_by_place() {
        let (_d, r) = readers();
        let sql = "SELECT id, n, x, b, note FROM t ORDER BY id";
        let rows = r.rows(sql, &[], usize::MAX).unwrap();
        assert_eq!(rows.len(), 2);
        let a = &rows[0];
        assert_eq!(a.try_get::<String, _>("id").unwrap(), "a");
        assert_eq!(a.try_get::<i64, _>(1).unwrap(), 1);
        assert_eq!(a.try_get::<f64, _>("x").unwrap(), 1.5);
        assert_eq!(a.try_get::<Vec<u8>, _>("b").unwrap(), vec![0, 255]);
        assert_eq!(a.try_get::<Option<String>, _>("note").unwrap(), None);
        let b = &rows[1];
        assert_eq!(b.try_get::<Option<f64>, _>("x").unwrap(), None);
        assert_eq!(b.try_get::<String, _>("note").unwrap(), "办件");
        // A text where a number is read is a decoding error, as through sqlx.
        assert!(b.try_get::<i64, _>("note").is_err());
        assert!(b.try_get::<String, _>("missing").is_err());
        // Read again: the statement and its shape come from the caches.
        assert_eq!(r.rows(sql, &[], 1).unwrap().len(), 1);
    }

    #[test]
    fn dollar_numbers_pick_their_argument_wherever_they_stand() {
        let (_d, r) = readers();
        let sql = "SELECT id FROM t WHERE n = $2 AND id = $1 AND n = $2";
        let rows = r.rows(sql, &[Arg::Text("b"), Arg::Int(2)], 5).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].try_get::<String, _>(0).unwrap(), "b");
        let none = r.rows(sql, &[Arg::Text("a"), Arg::Int(2)], 5).unwrap();
        assert!(none.is_empty());
        let Err(e) = r.rows(sql, &[Arg::Text("b")], 5) else {
            panic!("a missing argument is an error")
        };
        assert!(e.to_string().contains("第 2 个参数"), "{e}");
    }

    #[test]
    fn a_statement_that_writes_is_refused_and_the_connection_reads_on() {
        let (_d, r) = readers();
        assert!(r.rows("DELETE FROM t", &[], 1).is_err());
        let sql = "SELECT COUNT(*) FROM t";
        let n = r.rows(sql, &[], 1).unwrap()[0]
            .try_get::<i64, _>(0)
            .unwrap();
        assert_eq!(n, 2);
    }
}
