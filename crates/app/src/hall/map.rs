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

/// A map tile server for the 政务地图's backdrop (`[map]`): an XYZ address such as
/// `https://tiles.example.gov.cn/{z}/{x}/{y}.png` (Web Mercator, 256-pixel tiles, the scheme
/// of OpenStreetMap and most 天地图-style servers), the attribution its licence asks for, and
/// the deepest zoom it serves. Without one the map is the points alone, with nothing fetched
/// from elsewhere.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TileServer {
    pub tile_url: String,
    #[serde(default)]
    pub attribution: String,
    #[serde(default = "default_max_zoom")]
    pub max_zoom: u8,
}

fn default_max_zoom() -> u8 {
    18
}

impl TileServer {
    /// Checked at start: an http(s) address with `{z}`, `{x}` and `{y}`, a zoom up to 22.
    pub fn check(&self) -> std::result::Result<(), String> {
        let u = &self.tile_url;
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(format!(
                "[map] tile_url 须以 https:// 或 http:// 开头：“{u}”"
            ));
        }
        if !(u.contains("{z}") && u.contains("{x}") && u.contains("{y}")) {
            return Err(format!("[map] tile_url 须含 {{z}}、{{x}}、{{y}}：“{u}”"));
        }
        let host = u.split("://").nth(1).and_then(|r| r.split('/').next());
        if host.is_none_or(|h| h.is_empty() || h.contains('{')) {
            return Err(format!(
                "[map] tile_url 的主机名应为固定地址（不支持 {{s}} 等占位符）：“{u}”"
            ));
        }
        if self.max_zoom > 22 {
            return Err("[map] max_zoom 不应大于 22".into());
        }
        Ok(())
    }

    /// The address of one tile.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> String {
        self.tile_url
            .replace("{z}", &z.to_string())
            .replace("{x}", &x.to_string())
            .replace("{y}", &y.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::TileServer;

    fn server(url: &str, max_zoom: u8) -> TileServer {
        TileServer {
            tile_url: url.into(),
            attribution: String::new(),
            max_zoom,
        }
    }

    #[test]
    fn a_tile_server_needs_a_fixed_http_host_and_the_three_placeholders() {
        assert!(
            server("https://t.example.gov.cn/{z}/{x}/{y}.png", 18)
                .check()
                .is_ok()
        );
        assert_eq!(
            server("https://t.example.gov.cn/{z}/{x}/{y}.png", 18).tile(12, 3261, 1683),
            "https://t.example.gov.cn/12/3261/1683.png"
        );
        for bad in [
            "ftp://t.example.gov.cn/{z}/{x}/{y}.png",
            "https://t.example.gov.cn/{z}/{x}.png",
            "https://{s}.tile.example.org/{z}/{x}/{y}.png",
        ] {
            assert!(server(bad, 18).check().is_err(), "{bad}");
        }
        assert!(
            server("https://t.example.gov.cn/{z}/{x}/{y}.png", 23)
                .check()
                .is_err()
        );
    }
}
