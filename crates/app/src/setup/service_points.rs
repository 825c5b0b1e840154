//! Service points from a spreadsheet: the county's 政务服务中心, township 便民服务中心 and
//! village 便民服务站 (columns in docs/CATALOG_LAYOUT.md, set-up tables).

use domain::service_point::{Coordinates, PointKind, ServicePoint};

use super::placed::Placed;
use super::table::Table;
use super::{SetupReport, TableSpec};
use crate::auth::SystemAdmin;
use crate::exchange::RowError;
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
    let report = super::placed::import::<ServicePoint>(app, cap, sheet, dry_run).await?;
    if report.written() {
        // Every node's copy of the list (this one's at once).
        crate::cluster::tell(app, crate::cluster::Change::Org).await;
    }
    Ok(report)
}

impl Placed for ServicePoint {
    const SPEC: TableSpec = (
        "服务场所",
        &[CODE, NAME, KIND, REGION, ADDRESS, HOURS, PHONE],
        &[LOCATION],
        20_000,
    );
    const PLACE: (&'static str, &'static str) = (CODE, REGION);
    const ACTION: &'static str = "service_points_imported";

    fn code(&self) -> &str {
        &self.code
    }

    fn region(&self) -> &str {
        &self.region
    }

    fn read(t: &Table<'_>, n: usize, row: &[String], errors: &mut Vec<RowError>) -> Self {
        let before = errors.len();
        let kind_text = t.cell(row, KIND);
        let kind = PointKind::parse(&kind_text).unwrap_or_else(|| {
            let choices: Vec<&str> = PointKind::ALL.iter().map(|k| k.label()).collect();
            errors.push(t.error(
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
            Coordinates::parse(&location_text)
                .map_err(|e| errors.push(t.error(n, LOCATION, &location_text, e)))
                .ok()
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
        let kind_ok = errors.len() == before;
        if let Err(problems) = p.validate() {
            // A wrong kind already said why; its level is not a second mistake.
            let problems = problems
                .into_iter()
                .filter(|e| kind_ok || e.field != "region" || e.code != "inconsistent");
            errors.extend(t.problems(n, row, problems, column_of));
        }
        p
    }

    async fn stored(conn: &mut store::Connection) -> store::Result<Vec<Self>> {
        store::service_points::list(conn).await
    }

    async fn upsert(tx: &mut store::Connection, p: &Self) -> store::Result<()> {
        store::service_points::upsert(tx, p).await
    }
}
