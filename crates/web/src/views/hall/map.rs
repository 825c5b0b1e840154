//! The 政务地图: service points nearest first from the visitor's position (the browser's, or
//! a chosen place), drawn as an SVG of the points themselves, so no outside tile service is
//! needed. (A configurable tile server for sites that have one is not built yet.)

use app::hall::map::{self, MapPoint};
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
        svg: draw(&points, near),
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

/// The points as an SVG: longitude scaled by the cosine of the mean latitude so distances
/// look right at county scale, numbered as in the list; the visitor as a square.
fn draw(points: &[MapPoint], near: Option<Coordinates>) -> String {
    const W: f64 = 640.0;
    const H: f64 = 420.0;
    const PAD: f64 = 30.0;
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
    let (min_lat, max_lat) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), c| {
        (a.min(c.latitude), b.max(c.latitude))
    });
    let (min_lng, max_lng) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), c| {
        (a.min(c.longitude), b.max(c.longitude))
    });
    let k = ((min_lat + max_lat) / 2.0).to_radians().cos();
    let span_x = ((max_lng - min_lng) * k).max(0.005);
    let span_y = (max_lat - min_lat).max(0.005);
    let scale = ((W - 2.0 * PAD) / span_x).min((H - 2.0 * PAD) / span_y);
    let xy = |c: Coordinates| {
        (
            PAD + (c.longitude - min_lng) * k * scale,
            PAD + (max_lat - c.latitude) * scale,
        )
    };
    let mut svg = format!(
        r##"<svg class="map" viewBox="0 0 {W} {H}" role="img" aria-labelledby="map-title"><title id="map-title">服务场所分布图（编号与下方列表一致）</title><rect width="{W}" height="{H}" fill="#f0f4f8"/>"##
    );
    for (n, p, c) in &located {
        let (x, y) = xy(*c);
        let fill = match p.point.kind {
            domain::service_point::PointKind::Center => "#b3261e",
            domain::service_point::PointKind::Township => "#0b57d0",
            domain::service_point::PointKind::Village => "#146c2e",
        };
        svg.push_str(&format!(
            r##"<g><title>{}</title><circle cx="{x:.1}" cy="{y:.1}" r="11" fill="{fill}"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#fff">{n}</text></g>"##,
            escape(&p.point.name),
            y + 4.0
        ));
    }
    if let Some(me) = near {
        let (x, y) = xy(me);
        svg.push_str(&format!(
            r##"<g><title>您的位置</title><rect x="{:.1}" y="{:.1}" width="14" height="14" fill="#1f2328"/></g>"##,
            x - 7.0,
            y - 7.0
        ));
    }
    svg.push_str("</svg>");
    svg
}
