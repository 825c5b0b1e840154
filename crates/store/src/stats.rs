//! Statistics kept as they happen (migration 0050): each received case's facts in
//! `case_stats`, and per-day sums in `stat_days`, `stat_handling` and `stat_open`, moved by
//! the difference of a case's change in the same transaction as the change
//! ([`push_change`]). The reports add a period's days ([`totals_between`]).

use std::collections::BTreeMap;

use domain::stats::{COUNTS, CaseFacts, CaseStat, Counts, DayKey, Totals, delta};
use sqlx::{AnyConnection, Row};

use crate::Result;
use crate::command::{Arg, Batch};

/// The sums' columns, in the order of `Counts::to_array`.
const SUMS: [&str; COUNTS] = Counts::NAMES;

const STAT_COLS: &str = "case_id, day, region, department, item_code, online, e_delivered, instant, accepted, decided, completed, on_time, handling_days, materials_required, materials_avoided, visits, open_due";

fn day_text(d: time::Date) -> String {
    d.to_string()
}

fn parse_day(s: &str) -> Result<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| crate::StoreError::Corrupt(format!("statistics day {s}: {e}")))
}

fn stat_args(case_id: &str, s: &CaseStat) -> Vec<Arg<'static>> {
    let f = &s.facts;
    let b = |v: bool| Arg::Int(i64::from(v));
    vec![
        Arg::Owned(case_id.to_string()),
        Arg::Owned(day_text(s.key.day)),
        Arg::Owned(s.key.region.clone()),
        Arg::Owned(s.key.department.clone()),
        Arg::Owned(s.key.item_code.clone()),
        b(f.online),
        b(f.delivered_electronically),
        b(f.instant),
        b(f.accepted),
        b(f.decided),
        b(f.completed),
        Arg::OptInt(f.on_time.map(i64::from)),
        Arg::OptInt(f.handling_days.map(i64::from)),
        Arg::Int(i64::from(f.materials_required)),
        Arg::Int(i64::from(f.materials_avoided)),
        Arg::Int(i64::from(f.visits)),
        Arg::OptOwned(s.open_due.map(day_text)),
    ]
}

/// How many rows each day and place's sums are spread over (migration 0051): a change locks
/// one of them until it commits, so up to this many changes of one place and day commit
/// side by side on PostgreSQL instead of one after another.
pub const STRIPES: u32 = 16;

/// The stripe a case's changes add to: the same for every change of one case, spread evenly
/// over case ids. FNV-1a, written out because it is five lines and needs no stability
/// promise from a crate: the stripe only spreads the load, any stripe gives the same sums.
pub fn stripe_of(case_id: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in case_id.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h % STRIPES
}

fn key_args(k: &DayKey, stripe: u32) -> Vec<Arg<'static>> {
    vec![
        Arg::Owned(day_text(k.day)),
        Arg::Owned(k.region.clone()),
        Arg::Owned(k.department.clone()),
        Arg::Owned(k.item_code.clone()),
        Arg::Int(i64::from(stripe)),
    ]
}

/// The upsert adding `counts` to a day's sums.
fn push_sums(b: &mut Batch<'_>, k: &DayKey, stripe: u32, counts: Counts) {
    let sql = format!(
        "INSERT INTO stat_days (day, region, department, item_code, stripe, {}) VALUES (?, ?, ?, ?, ?, {})
         ON CONFLICT (day, region, department, item_code, stripe) DO UPDATE SET {}",
        SUMS.join(", "),
        ["?"; COUNTS].join(", "),
        SUMS.map(|c| format!("{c} = stat_days.{c} + excluded.{c}"))
            .join(", ")
    );
    let mut args = key_args(k, stripe);
    args.extend(counts.to_array().map(Arg::Int));
    b.push(sql, args);
}

fn push_open(b: &mut Batch<'_>, k: &DayKey, stripe: u32, due: time::Date, n: i64) {
    let mut args = key_args(k, stripe);
    args.extend([Arg::Owned(day_text(due)), Arg::Int(n)]);
    b.push(
        "INSERT INTO stat_open (day, region, department, item_code, stripe, due, cases) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (day, region, department, item_code, due, stripe) DO UPDATE SET cases = stat_open.cases + excluded.cases",
        args,
    );
}

fn push_handling(b: &mut Batch<'_>, k: &DayKey, stripe: u32, days: u32, n: i64) {
    let mut args = key_args(k, stripe);
    args.extend([Arg::Int(i64::from(days)), Arg::Int(n)]);
    b.push(
        "INSERT INTO stat_handling (day, region, department, item_code, stripe, days, cases) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (day, region, department, item_code, days, stripe) DO UPDATE SET cases = stat_handling.cases + excluded.cases",
        args,
    );
}

/// A case's change from `before` (as stored) to `after`: nothing when its facts are the same,
/// which is most commands.
pub(crate) fn push_change(
    b: &mut Batch<'_>,
    case_id: &str,
    before: Option<&CaseStat>,
    after: Option<&CaseStat>,
) {
    if before == after {
        return;
    }
    match after {
        Some(s) => b.push(
            format!(
                "INSERT INTO case_stats ({STAT_COLS}) VALUES ({})
                 ON CONFLICT (case_id) DO UPDATE SET {}",
                ["?"; 17].join(", "),
                STAT_COLS
                    .split(", ")
                    .skip(1)
                    .map(|c| format!("{c} = excluded.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            stat_args(case_id, s),
        ),
        None => b.push(
            "DELETE FROM case_stats WHERE case_id = ?",
            vec![Arg::Owned(case_id.to_string())],
        ),
    }
    // The rows are locked in one order (table, then key) by every change, so two changes
    // never wait for each other crosswise.
    let d = delta(before, after);
    let stripe = stripe_of(case_id);
    for (k, c) in &d.days {
        push_sums(b, k, stripe, *c);
    }
    for (k, days, n) in &d.handling {
        push_handling(b, k, stripe, *days, *n);
    }
    for (k, due, n) in &d.open {
        push_open(b, k, stripe, *due, *n);
    }
}

/// [`push_change`] on its own, in the caller's transaction.
pub async fn change(
    conn: &mut AnyConnection,
    case_id: &str,
    before: Option<&CaseStat>,
    after: Option<&CaseStat>,
) -> Result<()> {
    let mut b = Batch::default();
    push_change(&mut b, case_id, before, after);
    b.run(conn).await?;
    Ok(())
}

/// A stored `case_stats` row from a query that selected its columns with the prefix `p`.
pub(crate) fn from_row(r: &sqlx::any::AnyRow, p: &str) -> Result<Option<CaseStat>> {
    let day: Option<String> = r.try_get(format!("{p}day").as_str())?;
    let Some(day) = day else { return Ok(None) };
    let int = |c: &str| -> Result<i64> { Ok(r.try_get::<i64, _>(format!("{p}{c}").as_str())?) };
    let opt = |c: &str| -> Result<Option<i64>> {
        Ok(r.try_get::<Option<i64>, _>(format!("{p}{c}").as_str())?)
    };
    let open_due: Option<String> = r.try_get(format!("{p}open_due").as_str())?;
    Ok(Some(CaseStat {
        key: DayKey {
            day: parse_day(&day)?,
            region: r.try_get(format!("{p}region").as_str())?,
            department: r.try_get(format!("{p}department").as_str())?,
            item_code: r.try_get(format!("{p}item_code").as_str())?,
        },
        facts: CaseFacts {
            online: int("online")? != 0,
            delivered_electronically: int("e_delivered")? != 0,
            instant: int("instant")? != 0,
            accepted: int("accepted")? != 0,
            decided: int("decided")? != 0,
            completed: int("completed")? != 0,
            on_time: opt("on_time")?.map(|v| v != 0),
            handling_days: opt("handling_days")?.map(|v| v as u32),
            overdue_open: false,
            materials_required: int("materials_required")? as u32,
            materials_avoided: int("materials_avoided")? as u32,
            visits: int("visits")? as u32,
        },
        open_due: open_due.as_deref().map(parse_day).transpose()?,
    }))
}

/// The columns of `case_stats` aliased with the prefix `p` (for a join).
pub(crate) fn select_cols(table: &str, p: &str) -> String {
    STAT_COLS
        .split(", ")
        .skip(1)
        .map(|c| format!("{table}.{c} AS {p}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn get(conn: &mut AnyConnection, case_id: &str) -> Result<Option<CaseStat>> {
    let sql = format!(
        "SELECT {} FROM case_stats s WHERE s.case_id = $1",
        select_cols("s", "s_")
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(case_id)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(r) => from_row(&r, "s_"),
        None => Ok(None),
    }
}

/// Where a period's sums belong.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub region: String,
    pub department: String,
    pub item_code: String,
}

/// The sums of the days `from` ≤ day < `to` (YYYY-MM-DD) per region, department and item,
/// optionally of one department and one item; open cases count as overdue when their
/// deadline is before `today`. Three grouped reads of small tables, whatever the number of
/// cases.
pub async fn totals_between(
    conn: &mut AnyConnection,
    from: &str,
    to: &str,
    today: &str,
    department: Option<&str>,
    item: Option<&str>,
) -> Result<BTreeMap<Place, Totals>> {
    let filter =
        "day >= $1 AND day < $2 AND ($3 = '' OR department = $3) AND ($4 = '' OR item_code = $4)";
    let place = |r: &sqlx::any::AnyRow| -> Result<Place> {
        Ok(Place {
            region: r.try_get("region")?,
            department: r.try_get("department")?,
            item_code: r.try_get("item_code")?,
        })
    };
    let (dept, item) = (department.unwrap_or(""), item.unwrap_or(""));
    let mut out: BTreeMap<Place, Totals> = BTreeMap::new();
    let sql = format!(
        "SELECT region, department, item_code, {} FROM stat_days WHERE {filter}
         GROUP BY region, department, item_code",
        SUMS.map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
            .join(", ")
    );
    // The period and scope bound to `$1`–`$4` of a statement.
    let scoped = |sql: String| {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from)
            .bind(to)
            .bind(dept)
            .bind(item)
    };
    for r in &scoped(sql).fetch_all(&mut *conn).await? {
        out.entry(place(r)?).or_default().counts = counts(r)?;
    }
    let rows = scoped(format!(
        "SELECT region, department, item_code, days, CAST(SUM(cases) AS BIGINT) AS n FROM stat_handling
         WHERE {filter} GROUP BY region, department, item_code, days"
    ))
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let days: i64 = r.try_get("days")?;
        let n: i64 = r.try_get("n")?;
        *out.entry(place(r)?)
            .or_default()
            .handling
            .entry(days as u32)
            .or_default() += n;
    }
    let rows = scoped(format!(
        "SELECT region, department, item_code, CAST(SUM(cases) AS BIGINT) AS n FROM stat_open
         WHERE due < $5 AND {filter} GROUP BY region, department, item_code"
    ))
    .bind(today)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        out.entry(place(r)?).or_default().overdue_open += r.try_get::<i64, _>("n")?;
    }
    Ok(out)
}

/// The sums of a row that selected [`SUMS`] by name.
fn counts(r: &sqlx::any::AnyRow) -> Result<Counts> {
    let mut a = [0i64; COUNTS];
    for (i, c) in SUMS.iter().enumerate() {
        a[i] = r.try_get(*c)?;
    }
    Ok(Counts::from_array(a))
}

/// Every stored sum: per day and place, per handling time, per deadline of open cases.
#[derive(Debug, PartialEq, Eq)]
pub struct Sums {
    pub days: BTreeMap<DayKey, Counts>,
    pub handling: BTreeMap<(DayKey, u32), i64>,
    pub open: BTreeMap<(DayKey, time::Date), i64>,
}

/// Every stored sum, zero rows left out: to compare with a recomputation.
pub async fn all_sums(conn: &mut AnyConnection) -> Result<Sums> {
    let key = |r: &sqlx::any::AnyRow| -> Result<DayKey> {
        Ok(DayKey {
            day: parse_day(&r.try_get::<String, _>("day")?)?,
            region: r.try_get("region")?,
            department: r.try_get("department")?,
            item_code: r.try_get("item_code")?,
        })
    };
    let mut days = BTreeMap::new();
    let sql = format!(
        "SELECT day, region, department, item_code, {} FROM stat_days
         GROUP BY day, region, department, item_code",
        SUMS.map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
            .join(", ")
    );
    for r in sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?
    {
        let c = counts(&r)?;
        if !c.is_zero() {
            days.insert(key(&r)?, c);
        }
    }
    let mut open = BTreeMap::new();
    for r in sqlx::query(
        "SELECT day, region, department, item_code, due, CAST(SUM(cases) AS BIGINT) AS cases
         FROM stat_open GROUP BY day, region, department, item_code, due",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let n: i64 = r.try_get("cases")?;
        if n != 0 {
            let due = parse_day(&r.try_get::<String, _>("due")?)?;
            open.insert((key(&r)?, due), n);
        }
    }
    let mut handling = BTreeMap::new();
    for r in sqlx::query(
        "SELECT day, region, department, item_code, days, CAST(SUM(cases) AS BIGINT) AS cases
             FROM stat_handling GROUP BY day, region, department, item_code, days",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let n: i64 = r.try_get("cases")?;
        if n != 0 {
            let d: i64 = r.try_get("days")?;
            handling.insert((key(&r)?, d as u32), n);
        }
    }
    Ok(Sums {
        days,
        handling,
        open,
    })
}

/// Empties the statistics, for a rebuild in the same transaction.
pub async fn clear(conn: &mut AnyConnection) -> Result<()> {
    for t in ["case_stats", "stat_days", "stat_handling", "stat_open"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Writes the statements `push` makes of `rows`, 200 rows to a batch (a recount's sums).
async fn in_chunks<T>(
    conn: &mut AnyConnection,
    rows: impl IntoIterator<Item = T>,
    push: impl Fn(&mut Batch<'_>, &T),
) -> Result<()> {
    let rows: Vec<T> = rows.into_iter().collect();
    for chunk in rows.chunks(200) {
        let mut b = Batch::default();
        for r in chunk {
            push(&mut b, r);
        }
        b.run(conn).await?;
    }
    Ok(())
}

/// How [`add_all`] writes its sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SumRows {
    /// One row per day and place (stripe 0): a rebuild, a bulk load.
    Folded,
    /// In the stripe of each case, as the cases' own commands leave them (up to
    /// [`STRIPES`] rows per day and place): to measure reports over such rows.
    Striped,
}

/// Adds cases whose rows are not stored yet (a rebuild, a bulk load): their rows a few
/// hundred to a round trip, their sums added up here first and written once per row.
pub async fn add_all(
    conn: &mut AnyConnection,
    rows: &[(String, CaseStat)],
    sums: SumRows,
) -> Result<()> {
    let mut days: BTreeMap<(&DayKey, u32), Counts> = BTreeMap::new();
    let mut handling: BTreeMap<(&DayKey, u32, u32), i64> = BTreeMap::new();
    let mut open: BTreeMap<(&DayKey, u32, time::Date), i64> = BTreeMap::new();
    for chunk in rows.chunks(200) {
        let mut b = Batch::default();
        for (id, s) in chunk {
            b.push(
                format!(
                    "INSERT INTO case_stats ({STAT_COLS}) VALUES ({})",
                    ["?"; 17].join(", ")
                ),
                stat_args(id, s),
            );
            let stripe = match sums {
                SumRows::Folded => 0,
                SumRows::Striped => stripe_of(id),
            };
            let e = days.entry((&s.key, stripe)).or_default();
            *e = e.plus(Counts::of(&s.facts));
            if let Some(d) = s.facts.handling_days {
                *handling.entry((&s.key, stripe, d)).or_default() += 1;
            }
            if let Some(due) = s.open_due {
                *open.entry((&s.key, stripe, due)).or_default() += 1;
            }
        }
        b.run(conn).await?;
    }
    in_chunks(conn, open, |b, ((k, st, due), n)| {
        push_open(b, k, *st, *due, *n)
    })
    .await?;
    in_chunks(conn, days, |b, ((k, st), c)| push_sums(b, k, *st, *c)).await?;
    in_chunks(conn, handling, |b, ((k, st, d), n)| {
        push_handling(b, k, *st, *d, *n)
    })
    .await?;
    Ok(())
}
