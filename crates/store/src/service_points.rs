//! Service points (政务服务中心, 便民服务中心, 便民服务站).

use domain::service_point::{Coordinates, PointKind, ServicePoint};
use sqlx::AnyConnection;

use crate::{Result, StoreError};

pub async fn upsert(conn: &mut AnyConnection, p: &ServicePoint) -> Result<()> {
    sqlx::query(
        "INSERT INTO service_points (code, name, kind, region, address, hours, phone, location)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
           region = excluded.region, address = excluded.address, hours = excluded.hours,
           phone = excluded.phone, location = excluded.location",
    )
    .bind(&p.code)
    .bind(&p.name)
    .bind(p.kind.name())
    .bind(&p.region)
    .bind(&p.address)
    .bind(&p.hours)
    .bind(&p.phone)
    .bind(p.location.map(|c| c.text()).unwrap_or_default())
    .execute(conn)
    .await?;
    Ok(())
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn point(r: Row) -> Result<ServicePoint> {
    let (code, name, kind, region, address, hours, phone, location) = r;
    Ok(ServicePoint {
        kind: PointKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("service point {code}: kind {kind}")))?,
        location: match location.as_str() {
            "" => None,
            l => Some(
                Coordinates::parse(l)
                    .map_err(|e| StoreError::Corrupt(format!("service point {code}: {e}")))?,
            ),
        },
        code,
        name,
        region,
        address,
        hours,
        phone,
    })
}

const COLS: &str =
    "SELECT code, name, kind, region, address, hours, phone, location FROM service_points";

/// Every service point, by region then code.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<ServicePoint>> {
    crate::read::all_decoded(conn, format!("{COLS} ORDER BY region, code"), point).await
}

pub async fn get(conn: &mut AnyConnection, code: &str) -> Result<Option<ServicePoint>> {
    crate::read::decoded_by_key(conn, format!("{COLS} WHERE code = $1"), code, point).await
}
