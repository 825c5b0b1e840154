//! The dashboard's usual breakdowns (the departments of a region, the items of a department)
//! from the per-day sums kept with every case change (`store::stats`): a month or a year is a
//! few grouped reads, whatever the number of cases. The breakdowns by person, by 办理对象
//! and by case still read the period's cases (`super::build`), as does
//! [`super::report_from_cases`], which the tests hold these sums against.

use std::collections::{BTreeMap, BTreeSet};

use domain::calendar::china_date;
use domain::stats::{CaseStat, Totals, summary_of};

use super::{Group, Query, Report, label, rating_rows, region_covers};
use crate::{App, AppError, Result};

/// Marks that the sums were built from the cases (migration 0050's note).
const BUILT: &str = "case_stats_v1";

/// What a report covers.
pub(super) struct Place<'a> {
    pub region: &'a str,
    pub department: Option<&'a str>,
    pub item: Option<&'a str>,
}

pub(super) async fn report(
    app: &App,
    conn: &mut store::Connection,
    place: Place<'_>,
    q: &Query,
    (from, to): (time::Date, time::Date),
    scope: String,
    level: &'static str,
) -> Result<Report> {
    let today = china_date(app.now()).to_string();
    let sums = store::stats::totals_between(
        &mut *conn,
        &from.to_string(),
        &to.to_string(),
        &today,
        place.department,
        place.item,
    )
    .await?;
    let mut groups: BTreeMap<String, Totals> = BTreeMap::new();
    let mut all = Totals::default();
    let mut items = BTreeSet::new();
    for (p, t) in &sums {
        // A department asked for was checked against the region already.
        if place.department.is_none() && !region_covers(place.region, &p.region) {
            continue;
        }
        // Sums whose cases all went away (a case removed) are rows of zeros.
        if t.counts.received == 0 {
            continue;
        }
        let key = if level == "department" {
            &p.department
        } else {
            &p.item_code
        };
        groups.entry(key.clone()).or_default().add(t);
        all.add(t);
        items.insert(p.item_code.clone());
    }
    let (ratings, tickets) = rating_rows(
        &mut *conn,
        place.region,
        place.department,
        place.item,
        (from, to),
    )
    .await?;
    let key_of = |dept: &String, item: &String| {
        if level == "department" {
            dept.clone()
        } else {
            item.clone()
        }
    };
    let mut out = Vec::with_capacity(groups.len());
    for (k, t) in &groups {
        let rs = ratings
            .iter()
            .filter(|(d, i, _, _)| key_of(d, i) == *k)
            .map(|r| (&r.3, 1));
        let ts: Vec<_> = tickets
            .iter()
            .filter(|(d, i, _, _)| key_of(d, i) == *k)
            .map(|t| t.3.clone())
            .collect();
        out.push(Group {
            key: k.clone(),
            label: label(app, &mut *conn, level, k).await?,
            summary: summary_of(t, rs, &ts),
        });
    }
    // 承诺时限压缩比 of the items the cases were filed under, as each is published now.
    let mut limits = Vec::new();
    for code in &items {
        let Some(row) = store::catalog::find_item(&mut *conn, code).await? else {
            continue;
        };
        let Some(v) = row.current_version else {
            continue;
        };
        let def = app.item_version(&mut *conn, code, v).await?;
        if let Some(legal) = &def.legal_limit {
            limits.push((domain::bundle::item_days(&def), legal.days));
        }
    }
    let ts: Vec<_> = tickets.iter().map(|t| t.3.clone()).collect();
    Ok(Report {
        from: q.from.clone(),
        to: q.to.clone(),
        scope,
        summary: summary_of(&all, ratings.iter().map(|r| (&r.3, 1)), &ts),
        level,
        groups: out,
        compression_ratio: domain::stats::compression_ratio(&limits),
    })
}

/// Builds the sums from the cases, once per database (the first start on migration 0050's
/// schema); the number of cases counted, or none when they were built already (here or by
/// another node).
pub async fn ensure_built(app: &App) -> Result<Option<usize>> {
    {
        let mut c = app.store.conn().await?;
        if store::db::meta_value(&mut c, BUILT).await? != 0 {
            return Ok(None);
        }
    }
    let mut tx = app.store.begin().await?;
    if !store::db::claim_meta(&mut tx, BUILT).await? {
        return Ok(None);
    }
    store::stats::clear(&mut tx).await?;
    let n = fill(app, &mut tx).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Some(n))
}

/// Throws the sums away and counts every case again, in one transaction: what the sums must
/// equal at any time (the tests check it), and a repair after cases were written around the
/// application. Returns the number of cases counted.
pub async fn rebuild(app: &App) -> Result<usize> {
    let mut tx = app.store.begin().await?;
    store::stats::clear(&mut tx).await?;
    let n = fill(app, &mut tx).await?;
    store::db::set_meta(&mut tx, BUILT, 1).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(n)
}

async fn fill(app: &App, tx: &mut store::Tx) -> Result<usize> {
    let cal = crate::cases::calendar(app);
    let now = app.now();
    let mut after = String::new();
    let mut n = 0;
    loop {
        let page = store::cases::received_page(&mut *tx, &after, 2_000).await?;
        let Some((_, last)) = page.last() else { break };
        after = last.id.to_string();
        let mut rows = Vec::with_capacity(page.len());
        for (created_at, c) in &page {
            // A version since removed: the case still counts, without its item's facts.
            let item = match app
                .item_version(&mut *tx, &c.item_code, c.item_version)
                .await
            {
                Ok(i) => Some(i),
                Err(AppError::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            let day = china_date(store::from_millis(*created_at));
            if let Some(s) = CaseStat::of(c, item.as_deref(), &cal, day, now) {
                rows.push((c.id.to_string(), s));
            }
        }
        n += rows.len();
        store::stats::add_all(&mut *tx, &rows, store::stats::SumRows::Folded).await?;
    }
    Ok(n)
}
