//! Service points from a spreadsheet: the county's 政务服务中心, township 便民服务中心 and
//! village 便民服务站 (columns in docs/CATALOG_LAYOUT.md, set-up tables).

use domain::service_point::{Coordinates, PointKind, ServicePoint};

use super::SetupReport;
use crate::auth::SystemAdmin;
use crate::exchange::Sheet;
use crate::{App, Result};

const CODE: &str = "场所编码";
const NAME: &str = "场所名称";
const KIND: &str = "类型";
const REGION: &str = "所属区划";
const ADDRESS: &str = "地址";
const HOURS: &str = "办公时间";
const PHONE: &str = "咨询电话";
const LOCATION: &str = "坐标";

fn column_of(field: &str) -> &'static str {
    match field {
        "code" => CODE,
        "name" => NAME,
        "kind" => KIND,
        "region" => REGION,
        "address" => ADDRESS,
        "hours" => HOURS,
        "phone" => PHONE,
        _ => LOCATION,
    }
}

/// Imports service points; the region must exist (import regions first). One already there
/// gets the file's values.
pub async fn import_service_points(
    app: &App,
    cap: &SystemAdmin,
    sheet: &Sheet,
    dry_run: bool,
) -> Result<SetupReport> {
    let spec = (
        "服务场所",
        &[CODE, NAME, KIND, REGION, ADDRESS, HOURS, PHONE][..],
        &[LOCATION][..],
        20_000,
    );
    let (t, mut report) = match SetupReport::start(dry_run, sheet, spec) {
        Ok(started) => started,
        Err(refused) => return Ok(refused),
    };
    let mut conn = app.store.conn().await?;
    let stored = store::service_points::list(&mut conn).await?;
    drop(conn);
    let existing = super::by_code(stored, |p: &ServicePoint| &p.code);
    let mut place = super::Placement::new(app, cap, "服务场所", (CODE, REGION)).await?;
    let mut good = Vec::new();
    for (n, row) in t.rows() {
        report.rows += 1;
        let before = report.errors.len();
        let kind_text = t.cell(row, KIND);
        let kind = PointKind::parse(&kind_text).unwrap_or_else(|| {
            let choices: Vec<&str> = PointKind::ALL.iter().map(|k| k.label()).collect();
            report.errors.push(t.error(
                n,
                KIND,
                &kind_text,
                format!("不是有效的场所类型，可选：{}", choices.join("、")),
            ));
            PointKind::Center
        });
        let location_text = t.cell(row, LOCATION);
        let location = if location_text.is_empty() {
            None
        } else {
            match Coordinates::parse(&location_text) {
                Ok(c) => Some(c),
                Err(e) => {
                    report.errors.push(t.error(n, LOCATION, &location_text, e));
                    None
                }
            }
        };
        let mut p = ServicePoint {
            code: t.cell(row, CODE),
            name: t.cell(row, NAME),
            kind,
            region: t.cell(row, REGION),
            address: t.cell(row, ADDRESS),
            hours: t.cell(row, HOURS),
            phone: t.cell(row, PHONE),
            location,
        };
        if let Ok(r) = domain::ids::RegionCode::parse(&p.region) {
            p.region = r.as_str().to_string();
        }
        let kind_ok = report.errors.len() == before;
        if let Err(problems) = p.validate() {
            for e in problems {
                // A wrong kind already said why; its level is not a second mistake.
                if e.field == "region" && e.code == "inconsistent" && !kind_ok {
                    continue;
                }
                let col = column_of(&e.field);
                report
                    .errors
                    .push(t.error(n, col, &t.cell(row, col), e.message));
            }
        }
        let owner = existing.get(&p.code).map(|o| o.region.as_str());
        place.check(&t, n, &p.code, &p.region, owner, &mut report.errors);
        if report.errors.len() == before {
            good.push(p);
        }
    }
    if !report.errors.is_empty() || dry_run {
        return Ok(report);
    }
    let mut tx = app.store.begin().await?;
    for p in report.tally(&good, &existing, |p| &p.code) {
        store::service_points::upsert(&mut tx, p).await?;
    }
    report
        .record(&mut tx, app, cap.actor_id(), "service_points_imported")
        .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(report)
}
