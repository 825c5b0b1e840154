//! The 政务地图: service points with address, hours (open now?), phone and what their halls
//! serve, nearest first from the visitor's position, the distance computed here.

use domain::service_point::{Coordinates, ServicePoint, distance_km, open_at};
use serde::Serialize;

use crate::{App, AppError, Result};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapPoint {
    pub point: ServicePoint,
    pub kind_label: String,
    /// Kilometres from the visitor, when a position was given and the point has one.
    pub distance_km: Option<f64>,
    /// Open now by its published hours; `None` when the hours cannot be read.
    pub open_now: Option<bool>,
    /// Halls at the point.
    pub halls: Vec<HallRef>,
    /// The service lines of its halls (不动产, 社保, 综合 …).
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HallRef {
    pub code: String,
    pub name: String,
}

/// Service points (in `region` and below when given), nearest first from `near`, else by
/// region and code.
pub async fn points(
    app: &App,
    near: Option<Coordinates>,
    region: Option<&str>,
) -> Result<Vec<MapPoint>> {
    if let Some(n) = near
        && !n.in_china()
    {
        return Err(AppError::field(
            "near",
            "invalid",
            "位置不在中国境内：请检查经纬度",
        ));
    }
    let all = crate::org::service_points(app, region).await?;
    let halls = super::halls(app).await?;
    let now = app.now().to_offset(domain::calendar::CHINA_OFFSET);
    let working = app
        .calendar
        .read()
        .map_err(|_| AppError::Internal("calendar".into()))?
        .is_working_day(now.date());
    let mut out: Vec<MapPoint> = all
        .into_iter()
        .map(|p| {
            let mine: Vec<_> = halls.iter().filter(|h| h.service_point == p.code).collect();
            let mut lines: Vec<String> = mine
                .iter()
                .flat_map(|h| h.lines.iter().map(|l| l.name.clone()))
                .collect();
            lines.dedup();
            MapPoint {
                kind_label: p.kind.label().to_string(),
                distance_km: near.zip(p.location).map(|(a, b)| distance_km(a, b)),
                open_now: open_at(&p.hours, working, now.time()),
                halls: mine
                    .iter()
                    .map(|h| HallRef {
                        code: h.code.clone(),
                        name: h.name.clone(),
                    })
                    .collect(),
                lines,
                point: p,
            }
        })
        .collect();
    if near.is_some() {
        out.sort_by(|a, b| {
            let d = |m: &MapPoint| m.distance_km.unwrap_or(f64::INFINITY);
            d(a).total_cmp(&d(b))
        });
    }
    Ok(out)
}
