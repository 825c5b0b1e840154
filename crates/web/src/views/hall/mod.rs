//! The service hall's pages: the hall (booking and remote tickets), my bookings and tickets,
//! the kiosk (`kiosk`), the display board (`board`), the window's desk (`desk`), the
//! manager's dashboard (`dashboard`) and the 政务地图 (`map`).

mod board;
mod dashboard;
mod desk;
mod kiosk;
mod map;

use app::AppError;
use app::hall::booking::{self, BookRequest, SlotView};
use app::hall::tickets::{self, TakeTicket, TicketView};
use app::hall::{self as hall_app, Person};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::hall::Hall;
use domain::hall::booking::Appointment;
use domain::hall::queue::Source;

use super::{Nav, render, unprocessable};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/halls", get(list))
        .route("/halls/{code}", get(page))
        .route("/halls/{code}/book", post(book))
        .route("/halls/{code}/ticket", post(remote_ticket))
        .route("/appointments", get(mine))
        .route("/appointments/{code}/cancel", post(cancel))
        .route("/tickets/{id}", get(ticket))
        .merge(kiosk::router())
        .merge(board::router())
        .merge(desk::router())
        .merge(dashboard::router())
        .merge(map::router())
}

/// An error a person can fix shown on the page (422); anything else goes to the error page.
pub(super) fn fixable(e: AppError) -> Result<String, WebError> {
    match e {
        AppError::Validation(_) | AppError::Conflict { .. } | AppError::State(_) => {
            Ok(crate::error::describe(&e).0)
        }
        other => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "halls.html")]
struct HallsPage {
    nav: Nav,
    halls: Vec<Hall>,
}

async fn list(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render(&HallsPage {
        nav: Nav::of(&ctx),
        halls: hall_app::halls(&s.app).await?,
    })
}

#[derive(Template)]
#[template(path = "hall.html")]
struct HallPage {
    nav: Nav,
    hall: Hall,
    days: Vec<String>,
    day: String,
    line: String,
    slots: Vec<SlotView>,
    error: String,
    booked: Option<Appointment>,
    /// Logged in as a person or enterprise (books in their own name, may take a remote ticket).
    applicant: bool,
    form: BookForm,
}

#[derive(serde::Deserialize, Default)]
struct HallQuery {
    day: Option<String>,
    line: Option<String>,
    /// 改约: the booking being moved.
    change: Option<String>,
}

async fn hall_page(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    day: Option<String>,
    line: Option<String>,
) -> Result<HallPage, WebError> {
    let hall = hall_app::hall(&s.app, code).await?;
    let days: Vec<String> = booking::days(&s.app, code)
        .await?
        .into_iter()
        .map(|d| d.to_string())
        .collect();
    let day = day
        .filter(|d| days.contains(d))
        .or_else(|| days.first().cloned())
        .unwrap_or_default();
    let line = line
        .filter(|l| hall.line(l).is_some())
        .or_else(|| hall.lines.first().map(|l| l.code.clone()))
        .unwrap_or_default();
    let slots = if day.is_empty() || line.is_empty() {
        vec![]
    } else {
        booking::slots(&s.app, code, &line, &day).await?
    };
    Ok(HallPage {
        nav: Nav::of(ctx),
        applicant: matches!(ctx.actor, app::auth::Actor::Applicant { .. }),
        hall,
        days,
        day,
        line,
        slots,
        error: String::new(),
        booked: None,
        form: BookForm::default(),
    })
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<HallQuery>,
) -> Result<Response, WebError> {
    let mut p = hall_page(&s, &ctx, &code, q.day, q.line).await?;
    p.form.change = q.change.unwrap_or_default();
    render(&p)
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct BookForm {
    csrf: String,
    line: String,
    day: String,
    band: String,
    name: String,
    id_number: String,
    phone: String,
    item: String,
    /// 改约: the code of the booking to move instead of a new one.
    change: String,
}

async fn book(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<BookForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let person = ctx.actor.is_anonymous().then(|| Person {
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        phone: f.phone.clone(),
    });
    let req = BookRequest {
        line: f.line.clone(),
        day: f.day.clone(),
        band: f.band.clone(),
        person,
        item: f.item.clone(),
        case_id: String::new(),
    };
    let result = if f.change.trim().is_empty() {
        booking::book(&s.app, &ctx.actor, &code, &req).await
    } else {
        booking::change(&s.app, &ctx.actor, &f.change, &f.id_number, &f.day, &f.band).await
    };
    let mut p = hall_page(&s, &ctx, &code, Some(f.day.clone()), Some(f.line.clone())).await?;
    match result {
        Ok(a) => {
            p.booked = Some(a);
            p.form.change = f.change.clone();
            render(&p)
        }
        Err(e) => {
            p.error = fixable(e)?;
            p.form = BookForm {
                id_number: String::new(),
                ..f
            };
            Ok(unprocessable(render(&p)?))
        }
    }
}

#[derive(serde::Deserialize)]
struct RemoteForm {
    csrf: String,
    line: String,
    #[serde(default)]
    position: String,
}

/// 远程取号 from the portal: the page's script fills in the position from the browser.
async fn remote_ticket(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<RemoteForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let position = match f.position.trim() {
        "" => None,
        p => Some(
            domain::service_point::Coordinates::parse(p)
                .map_err(|e| AppError::field("position", "invalid", e))?,
        ),
    };
    let req = TakeTicket {
        line: f.line.clone(),
        person: None,
        green_reason: String::new(),
        position,
    };
    match tickets::take(&s.app, &ctx.actor, &code, Source::Portal, &req).await {
        Ok(t) => Ok(Redirect::to(&format!("/tickets/{}", t.ticket.id)).into_response()),
        Err(e) => {
            let mut p = hall_page(&s, &ctx, &code, None, Some(f.line)).await?;
            p.error = fixable(e)?;
            Ok(unprocessable(render(&p)?))
        }
    }
}

#[derive(Template)]
#[template(path = "appointments.html")]
struct MinePage {
    nav: Nav,
    appointments: Vec<(Appointment, String, String)>,
    tickets: Vec<TicketView>,
    error: String,
}

async fn mine_page(s: &AppState, ctx: &Ctx, error: String) -> Result<MinePage, WebError> {
    let halls = hall_app::halls(&s.app).await?;
    let appointments = booking::mine(&s.app, &ctx.actor)
        .await?
        .into_iter()
        .map(|a| {
            let h = halls.iter().find(|h| h.code == a.hall);
            let hall = h.map(|h| h.name.clone()).unwrap_or_default();
            let line = h
                .and_then(|h| h.line(&a.line))
                .map(|l| l.name.clone())
                .unwrap_or_default();
            (a, hall, line)
        })
        .collect();
    Ok(MinePage {
        nav: Nav::of(ctx),
        appointments,
        tickets: tickets::mine(&s.app, &ctx.actor).await?,
        error,
    })
}

async fn mine(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render(&mine_page(&s, &ctx, String::new()).await?)
}

#[derive(serde::Deserialize)]
struct CancelForm {
    csrf: String,
}

async fn cancel(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<CancelForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    match booking::cancel(&s.app, &ctx.actor, &code, "").await {
        Ok(_) => Ok(Redirect::to("/appointments").into_response()),
        Err(e) => {
            let msg = fixable(e)?;
            Ok(unprocessable(render(&mine_page(&s, &ctx, msg).await?)?))
        }
    }
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage {
    nav: Nav,
    t: TicketView,
    issued: String,
}

async fn ticket(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let t = tickets::ticket(&s.app, &ctx.actor, &id).await?;
    render(&TicketPage {
        nav: Nav::of(&ctx),
        issued: super::fmt_time(app::millis(t.ticket.issued_at)),
        t,
    })
}
