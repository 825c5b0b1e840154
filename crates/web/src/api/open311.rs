//! Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the 12345 hotline, so
//! civic apps that speak it can list services, file requests and follow them. Base URL
//! `/api/open311/v2`; JSON only (`.json` paths). Services are the classification tree's leaves;
//! `jurisdiction_id` is the region code of the place (required when filing: the platform serves
//! many regions and does not geocode). A client application registered in
//! `[[open311.clients]]` files with its `api_key` (the person's `first_name`, `last_name` and
//! `phone` come with the request) and reads back what it filed with the same key (`api_key` in
//! the query); a logged-in person's session (cookie and `X-CSRF-Token` for the POST) works
//! too. A person reads their own requests; staff those within their reach. Errors are
//! Open311's `[{"code", "description"}]`.

use app::AppError;
use app::auth::Actor;
use app::hotline::tickets::{self, FileTicket};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use axum_extra::extract::Form;
use domain::hotline::{Caller, NewTicket, Ticket};
use domain::service_point::Coordinates;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::csrf_header;
use crate::AppState;
use crate::ctx::Ctx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/services.json", get(services))
        .route("/open311/v2/services/{code}", get(service))
        .route("/open311/v2/requests.json", get(requests).post(file))
        .route("/open311/v2/requests/{id}", get(request))
}

/// An Open311 error answer.
fn fail(status: StatusCode, description: impl Into<String>) -> Response {
    let body = json!([{ "code": status.as_u16(), "description": description.into() }]);
    (status, Json(body)).into_response()
}

fn from_app(e: AppError) -> Response {
    // Open311 answers a bad request with 400 where the rest of the API says 422.
    let status = match &e {
        AppError::Validation(_) => StatusCode::BAD_REQUEST,
        _ => crate::error::status_of(&e),
    };
    let description = match &e {
        AppError::Validation(v) => v
            .iter()
            .map(|f| format!("{}: {}", open311_field(&f.field), f.message))
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Internal(_) => "internal error".into(),
        other => other.to_string(),
    };
    fail(status, description)
}

/// Our field names in Open311's words, so a client knows which parameter was wrong.
fn open311_field(f: &str) -> &str {
    match f {
        "class" => "service_code",
        "region" => "jurisdiction_id",
        "text" => "description",
        "caller.phone" => "phone",
        "address" => "address_string",
        "position" => "lat/long",
        other => other,
    }
}

#[derive(Serialize)]
struct Service {
    service_code: String,
    service_name: String,
    description: String,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: String,
}

async fn services(State(s): State<AppState>) -> Response {
    let tree = match tickets::tree(&s.app).await {
        Ok(t) => t,
        Err(e) => return from_app(e),
    };
    let leaves: Vec<Service> = tree
        .iter()
        .filter(|c| {
            !tree
                .iter()
                .any(|o| o.code.len() > c.code.len() && o.code.starts_with(&c.code))
        })
        .map(|c| Service {
            service_code: c.code.clone(),
            service_name: c.name.clone(),
            description: domain::hotline::classes::path(&tree, &c.code),
            metadata: false,
            kind: "realtime",
            keywords: String::new(),
            group: domain::hotline::classes::parent(&c.code)
                .and_then(|p| tree.iter().find(|o| o.code == p))
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        })
        .collect();
    Json(leaves).into_response()
}

/// A service's definition: no extra attributes (`metadata` is false for every service).
async fn service(State(s): State<AppState>, Path(code): Path<String>) -> Response {
    let Some(code) = code.strip_suffix(".json") else {
        return fail(StatusCode::NOT_FOUND, "only .json is served");
    };
    match tickets::tree(&s.app).await {
        Ok(tree) if tree.iter().any(|c| c.code == code) => {
            Json(json!({ "service_code": code, "attributes": [] })).into_response()
        }
        Ok(_) => fail(
            StatusCode::NOT_FOUND,
            format!("service_code {code} not found"),
        ),
        Err(e) => from_app(e),
    }
}

#[derive(Deserialize, Default)]
struct NewRequest {
    #[serde(default)]
    service_code: String,
    /// The region code of the place.
    #[serde(default)]
    jurisdiction_id: String,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    long: Option<f64>,
    #[serde(default)]
    address_string: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    description: String,
    /// Not part of GeoReport: 咨询, 求助 (default), 投诉, 举报, 建议, 表扬 or their codes.
    #[serde(default)]
    kind: String,
    /// The CSRF token, for a form posted by a browser (API clients send the header).
    #[serde(default)]
    csrf: String,
    /// A registered client application's key; the person using it is named below.
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
}

async fn file(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(r): Form<NewRequest>,
) -> Response {
    // A client application with its key: no session, so no CSRF token either (the key is
    // not something a browser sends by itself).
    let client = match r.api_key.trim() {
        "" => None,
        key => match app::hotline::clients::authenticate(&s.app, key) {
            Ok(c) => Some(c),
            Err(e) => return from_app(e),
        },
    };
    let checked = if client.is_some() {
        Ok(())
    } else if headers.contains_key("x-csrf-token") {
        csrf_header(&ctx, &headers).map_err(|e| e.0)
    } else {
        ctx.check_csrf(&r.csrf).map_err(|e| match e {
            crate::WebError::App(a) => a,
            crate::WebError::Csrf => AppError::Forbidden("CSRF 令牌无效，请刷新后重试".into()),
        })
    };
    if let Err(e) = checked {
        return from_app(e);
    }
    if client.is_none()
        && let Err(e) = tickets::may_file(&ctx.actor, false)
    {
        return from_app(e);
    }
    let position = match (r.lat, r.long) {
        (Some(latitude), Some(longitude)) => Some(Coordinates {
            latitude,
            longitude,
        }),
        (None, None) => None,
        _ => return fail(StatusCode::BAD_REQUEST, "lat/long: give both or neither"),
    };
    let req = FileTicket {
        ticket: NewTicket {
            kind: if r.kind.trim().is_empty() {
                "help".into()
            } else {
                r.kind.clone()
            },
            class: r.service_code.clone(),
            region: r.jurisdiction_id.clone(),
            address: r.address_string.clone(),
            position,
            caller: Caller {
                phone: r.phone.clone(),
                ..Caller::default()
            },
            text: r.description.clone(),
            ..NewTicket::default()
        },
        ..FileTicket::default()
    };
    let filed = match &client {
        Some(c) => {
            // Chinese names: family name first.
            let name = format!("{}{}", r.last_name.trim(), r.first_name.trim());
            app::hotline::clients::file(&s.app, c, &name, &req).await
        }
        None => tickets::file(&s.app, &ctx.actor, &req, true).await,
    };
    match filed {
        Ok(v) => Json(json!([{
            "service_request_id": v.ticket.number,
            "service_notice": "已受理，承办单位办理后将回访",
            "account_id": null,
        }]))
        .into_response(),
        Err(e) => from_app(e),
    }
}

/// A ticket in GeoReport's shape.
fn shape(t: &Ticket, service_name: &str, agency: &str) -> serde_json::Value {
    let status = if t.state.is_finished() {
        "closed"
    } else {
        "open"
    };
    let notes = match (&t.reply, &t.answer) {
        (Some(r), _) => r.text.clone(),
        (None, a) if !a.is_empty() => a.clone(),
        _ => t.state.label().to_string(),
    };
    let updated = t
        .closed_at
        .or(t.reply.as_ref().map(|r| r.at))
        .or(t.accepted_at)
        .or(t.dispatched_at)
        .unwrap_or(t.created_at);
    let rfc = |x: time::OffsetDateTime| {
        x.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    json!({
        "service_request_id": t.number,
        "status": status,
        "status_notes": notes,
        "service_name": service_name,
        "service_code": t.class,
        "description": t.text,
        "agency_responsible": agency,
        "service_notice": t.state.label(),
        "requested_datetime": rfc(t.created_at),
        "updated_datetime": rfc(updated),
        "expected_datetime": t.due.map(|d| d.to_string()),
        "address": t.address,
        "address_id": t.region,
        "zipcode": null,
        "lat": t.position.map(|p| p.latitude),
        "long": t.position.map(|p| p.longitude),
        "media_url": null,
    })
}

/// Who reads: a client application by its key, else the session's person or staff.
enum Reader<'a> {
    Client(app::hotline::clients::Client),
    Session(&'a Actor),
}

fn reader<'a>(s: &AppState, ctx: &'a Ctx, api_key: &str) -> Result<Reader<'a>, AppError> {
    match api_key.trim() {
        "" => Ok(Reader::Session(&ctx.actor)),
        key => Ok(Reader::Client(app::hotline::clients::authenticate(
            &s.app, key,
        )?)),
    }
}

#[derive(Deserialize, Default)]
struct KeyQuery {
    #[serde(default)]
    api_key: String,
}

async fn shaped(s: &AppState, who: &Reader<'_>, id: &str) -> Result<serde_json::Value, AppError> {
    let v = match who {
        Reader::Client(c) => app::hotline::clients::view(&s.app, c, id).await?,
        Reader::Session(actor) => app::hotline::view(&s.app, actor, id).await?,
    };
    let name = v
        .class_path
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    Ok(shape(&v.ticket, &name, &v.department_name))
}

async fn request(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(k): Query<KeyQuery>,
) -> Response {
    let Some(id) = id.strip_suffix(".json") else {
        return fail(StatusCode::NOT_FOUND, "only .json is served");
    };
    let who = match reader(&s, &ctx, &k.api_key) {
        Ok(w) => w,
        Err(e) => return from_app(e),
    };
    match shaped(&s, &who, id).await {
        Ok(v) => Json(json!([v])).into_response(),
        Err(e) => from_app(e),
    }
}

#[derive(Deserialize, Default)]
struct RequestQuery {
    /// Comma-separated request ids.
    #[serde(default)]
    service_request_id: String,
    #[serde(default)]
    service_code: String,
    /// open or closed.
    #[serde(default)]
    status: String,
    #[serde(default)]
    api_key: String,
}

/// The caller's requests (a person: their own; staff: the queue of all in reach, newest
/// 200), filtered as GeoReport allows.
async fn requests(State(s): State<AppState>, ctx: Ctx, Query(q): Query<RequestQuery>) -> Response {
    if !matches!(q.status.as_str(), "" | "open" | "closed") {
        return fail(StatusCode::BAD_REQUEST, "status: open or closed");
    }
    let who = match reader(&s, &ctx, &q.api_key) {
        Ok(w) => w,
        Err(e) => return from_app(e),
    };
    let mut out = Vec::new();
    if !q.service_request_id.trim().is_empty() {
        for id in q
            .service_request_id
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .take(50)
        {
            match shaped(&s, &who, id).await {
                Ok(v) => out.push(v),
                Err(AppError::NotFound(_)) => {}
                Err(e) => return from_app(e),
            }
        }
    } else {
        let tickets: Vec<Ticket> = match (&who, &ctx.actor) {
            (Reader::Client(c), _) => match app::hotline::clients::list(&s.app, c).await {
                Ok(t) => t,
                Err(e) => return from_app(e),
            },
            (_, Actor::Applicant { .. }) => match tickets::mine(&s.app, &ctx.actor).await {
                Ok(t) => t,
                Err(e) => return from_app(e),
            },
            (_, Actor::Anonymous) => return from_app(AppError::Unauthenticated),
            (_, Actor::Staff { .. }) => {
                match tickets::queue(&s.app, &ctx.actor, tickets::Queue::All, 200, 0).await {
                    Ok(v) => v.into_iter().map(|v| v.ticket).collect(),
                    Err(e) => return from_app(e),
                }
            }
        };
        let tree = tickets::tree(&s.app).await.unwrap_or_default();
        for t in tickets {
            let name = tree
                .iter()
                .find(|c| c.code == t.class)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            out.push(shape(&t, &name, t.department.as_deref().unwrap_or("")));
        }
    }
    let out: Vec<serde_json::Value> = out
        .into_iter()
        .filter(|v| q.service_code.is_empty() || v["service_code"] == q.service_code.as_str())
        .filter(|v| q.status.is_empty() || v["status"] == q.status.as_str())
        .collect();
    Json(out).into_response()
}
