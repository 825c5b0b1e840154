//! The 政务地图: service points nearest first from the visitor's position (the browser's, or
//! a chosen place), drawn as an SVG of the points themselves, so no outside tile service is
//! needed; a site with a tile server (`[map]`) gets its map behind the points.

use app::hall::map::{self, MapPoint, TileServer};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use domain::service_point::Coordinates;

use crate::ctx::Ctx;
use crate::views::{Nav, render};
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new().route("/map", get(page))
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    nav: Nav,
    points: Vec<MapPoint>,
    near: String,
    place: String,
    /// Points with coordinates a visitor may stand at: (code, name).
    places: Vec<(String, String)>,
    svg: String,
    error: String,
}

impl MapPage {
    fn km(&self, d: &Option<f64>) -> String {
        match d {
            Some(d) if *d < 1.0 => format!("{:.0} 米", d * 1000.0),
            Some(d) => format!("{d:.1} 公里"),
            None => String::new(),
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct MapQuery {
    near: Option<String>,
    place: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MapQuery>,
) -> Result<Response, WebError> {
    let all = map::points(&s.app, None, None).await?;
    let places: Vec<(String, String)> = all
        .iter()
        .filter(|p| p.point.location.is_some())
        .map(|p| (p.point.code.clone(), p.point.name.clone()))
        .collect();
    let place = q.place.unwrap_or_default();
    let mut error = String::new();
    let near = match (
        q.near.as_deref().map(str::trim).filter(|n| !n.is_empty()),
        place.as_str(),
    ) {
        (Some(n), _) => match Coordinates::parse(n) {
            Ok(c) => Some(c),
            Err(e) => {
                error = e;
                None
            }
        },
        (None, "") => None,
        (None, code) => all
            .iter()
            .find(|p| p.point.code == code)
            .and_then(|p| p.point.location),
    };
    let points = if near.is_some() {
        map::points(&s.app, near, None).await?
    } else {
        all
    };
    render(&MapPage {
        nav: Nav::of(&ctx),
        svg: draw(&points, near, s.app.settings.map_tiles.as_ref()),
        near: near.map(|c| c.text()).unwrap_or_default(),
        points,
        place,
        places,
        error,
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const W: f64 = 640.0;
const H: f64 = 420.0;
const PAD: f64 = 30.0;

/// Where a position falls on the drawing.
enum Projection {
    /// Without tiles: longitude scaled by the cosine of the mean latitude, so distances look
    /// right at county scale; the points fill the frame.
    Plain {
        min_lng: f64,
        max_lat: f64,
        k: f64,
        scale: f64,
    },
    /// Over tiles: Web Mercator at zoom `z`, shifted so the points sit in the middle.
    Tiled { z: u8, ox: f64, oy: f64 },
}

/// Web Mercator pixel position at zoom `z` with 256-pixel tiles: the two formulas of the XYZ
/// tile scheme, written out (a crate for two lines would add more than it saves).
fn mercator(c: Coordinates, z: u8) -> (f64, f64) {
    let n = 256.0 * 2f64.powi(i32::from(z));
    let lat = c.latitude.to_radians();
    (
        (c.longitude + 180.0) / 360.0 * n,
        (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n,
    )
}

impl Projection {
    fn fit(all: &[Coordinates], tiles: Option<&TileServer>) -> Projection {
        let (min_lat, max_lat) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), c| {
            (a.min(c.latitude), b.max(c.latitude))
        });
        let (min_lng, max_lng) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), c| {
            (a.min(c.longitude), b.max(c.longitude))
        });
        if let Some(t) = tiles {
            // The frame's corners in pixels at zoom z: north-west and south-east.
            let corners = |z: u8| {
                let nw = Coordinates {
                    latitude: max_lat,
                    longitude: min_lng,
                };
                let se = Coordinates {
                    latitude: min_lat,
                    longitude: max_lng,
                };
                (mercator(nw, z), mercator(se, z))
            };
            // The deepest zoom (a single point: a street's) at which every point fits.
            let z = (0..=t.max_zoom.min(16))
                .rev()
                .find(|z| {
                    let ((x0, y0), (x1, y1)) = corners(*z);
                    x1 - x0 <= W - 2.0 * PAD && y1 - y0 <= H - 2.0 * PAD
                })
                .unwrap_or(0);
            let ((x0, y0), (x1, y1)) = corners(z);
            return Projection::Tiled {
                z,
                ox: W / 2.0 - (x0 + x1) / 2.0,
                oy: H / 2.0 - (y0 + y1) / 2.0,
            };
        }
        let k = ((min_lat + max_lat) / 2.0).to_radians().cos();
        let span_x = ((max_lng - min_lng) * k).max(0.005);
        let span_y = (max_lat - min_lat).max(0.005);
        Projection::Plain {
            min_lng,
            max_lat,
            k,
            scale: ((W - 2.0 * PAD) / span_x).min((H - 2.0 * PAD) / span_y),
        }
    }

    fn xy(&self, c: Coordinates) -> (f64, f64) {
        match *self {
            Projection::Plain {
                min_lng,
                max_lat,
                k,
                scale,
            } => (
                PAD + (c.longitude - min_lng) * k * scale,
                PAD + (max_lat - c.latitude) * scale,
            ),
            Projection::Tiled { z, ox, oy } => {
                let (x, y) = mercator(c, z);
                (x + ox, y + oy)
            }
        }
    }

    /// The tiles that cover the frame, as SVG images, and the attribution over them.
    fn backdrop(&self, tiles: Option<&TileServer>) -> String {
        let (Projection::Tiled { z, ox, oy }, Some(t)) = (self, tiles) else {
            return String::new();
        };
        let last = (1u32 << z) - 1;
        let range = |o: f64, size: f64| {
            let first = ((-o) / 256.0).floor().max(0.0) as u32;
            let end = ((size - o) / 256.0).floor().max(0.0) as u32;
            first.min(last)..=end.min(last)
        };
        let mut out = String::new();
        for ty in range(*oy, H) {
            for tx in range(*ox, W) {
                out.push_str(&format!(
                    r#"<image href="{}" x="{:.1}" y="{:.1}" width="256" height="256"/>"#,
                    escape(&t.tile(*z, tx, ty)),
                    f64::from(tx) * 256.0 + ox,
                    f64::from(ty) * 256.0 + oy,
                ));
            }
        }
        out
    }
}

/// The points as an SVG, numbered as in the list; the visitor as a square; over the tile
/// server's map where one is configured.
fn draw(points: &[MapPoint], near: Option<Coordinates>, tiles: Option<&TileServer>) -> String {
    let located: Vec<(usize, &MapPoint, Coordinates)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.point.location.map(|c| (i + 1, p, c)))
        .collect();
    if located.is_empty() {
        return String::new();
    }
    let mut all: Vec<Coordinates> = located.iter().map(|(_, _, c)| *c).collect();
    all.extend(near);
    let projection = Projection::fit(&all, tiles);
    let mut svg = format!(
        r##"<svg class="map" viewBox="0 0 {W} {H}" role="img" aria-labelledby="map-title"><title id="map-title">服务场所分布图（编号与下方列表一致）</title><rect width="{W}" height="{H}" fill="#f0f4f8"/>{}"##,
        projection.backdrop(tiles)
    );
    for (n, p, c) in &located {
        let (x, y) = projection.xy(*c);
        let fill = match p.point.kind {
            domain::service_point::PointKind::Center => "#b3261e",
            domain::service_point::PointKind::Township => "#0b57d0",
            domain::service_point::PointKind::Village => "#146c2e",
        };
        svg.push_str(&format!(
            r##"<g><title>{}</title><circle cx="{x:.1}" cy="{y:.1}" r="11" fill="{fill}" stroke="#fff" stroke-width="2"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#fff">{n}</text></g>"##,
            escape(&p.point.name),
            y + 4.0
        ));
    }
    if let Some(me) = near {
        let (x, y) = projection.xy(me);
        svg.push_str(&format!(
            r##"<g><title>您的位置</title><rect x="{:.1}" y="{:.1}" width="14" height="14" fill="#1f2328" stroke="#fff" stroke-width="2"/></g>"##,
            x - 7.0,
            y - 7.0
        ));
    }
    if let Some(t) = tiles.filter(|t| !t.attribution.is_empty()) {
        svg.push_str(&format!(
            r##"<text class="attribution" x="{:.1}" y="{:.1}" text-anchor="end" font-size="11" fill="#1f2328" stroke="#fff" stroke-width="3" paint-order="stroke">{}</text>"##,
            W - 6.0,
            H - 6.0,
            escape(&t.attribution)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mercator_puts_known_places_on_their_tiles() {
        // At zoom 0 the world is one tile: (0°, 0°) is its middle.
        let (x, y) = mercator(
            Coordinates {
                latitude: 0.0,
                longitude: 0.0,
            },
            0,
        );
        assert!((x - 128.0).abs() < 1e-9 && (y - 128.0).abs() < 1e-9);
        // 广安 (30.47°N, 106.63°E) lies on tile 12/3261/1683 of the XYZ scheme
        // (x = 286.63 / 360 × 4096; y = (1 − ln(tan φ + sec φ) / π) / 2 × 4096).
        let (x, y) = mercator(
            Coordinates {
                latitude: 30.4739,
                longitude: 106.6335,
            },
            12,
        );
        assert_eq!(((x / 256.0) as u32, (y / 256.0) as u32), (3261, 1683));
    }

    #[test]
    fn the_chosen_zoom_keeps_every_point_in_the_frame_and_the_tiles_cover_it() {
        let t = TileServer {
            tile_url: "https://tiles.example.gov.cn/{z}/{x}/{y}.png".into(),
            attribution: "© 示例".into(),
            max_zoom: 18,
        };
        let all = [
            Coordinates {
                latitude: 30.4739,
                longitude: 106.6335,
            },
            Coordinates {
                latitude: 30.5396,
                longitude: 106.4347,
            },
            Coordinates {
                latitude: 30.4489,
                longitude: 106.6403,
            },
        ];
        let p = Projection::fit(&all, Some(&t));
        for c in all {
            let (x, y) = p.xy(c);
            assert!((0.0..=W).contains(&x) && (0.0..=H).contains(&y), "{x},{y}");
        }
        let Projection::Tiled { z, ox, oy } = p else {
            panic!("not tiled")
        };
        // One zoom deeper would not fit.
        let deeper = Projection::Tiled { z: z + 1, ox, oy };
        let (a, _) = deeper.xy(all[1]);
        let (b, _) = deeper.xy(all[2]);
        assert!(b - a > W - 2.0 * PAD || z == 16);
        let images = p.backdrop(Some(&t));
        assert!(images.contains(&format!("https://tiles.example.gov.cn/{z}/")));
        // Every image starts at most a tile left of and above the frame.
        assert!(images.matches("<image").count() >= 4);
    }

    #[test]
    fn without_tiles_nothing_is_fetched() {
        let all = [Coordinates {
            latitude: 30.4739,
            longitude: 106.6335,
        }];
        let p = Projection::fit(&all, None);
        assert!(p.backdrop(None).is_empty());
    }
}
