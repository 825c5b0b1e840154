//! The 7×24 self-service kiosk (自助终端): large type and touch targets, an on-screen numeric
//! pad, real-name tickets and booking check-in without a keyboard for the common path; the
//! page clears itself after 60 s idle (app.js) and the server refuses a form left open longer
//! than `KIOSK_FORM_SECONDS`, so the next person never acts in someone else's session.

use app::hall::booking;
use app::hall::tickets::{self, TakeTicket, TicketView};
use app::hall::{self as hall_app, Person};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::hall::Hall;
use domain::hall::queue::{GREEN_REASONS, Source};

use super::fixable;
use crate::ctx::Ctx;
use crate::views::{Nav, render, unprocessable};
use crate::{AppState, WebError};

/// A kiosk form older than this is refused: its person has long gone.
const KIOSK_FORM_SECONDS: i64 = 600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/halls/{code}/kiosk", get(page))
        .route("/halls/{code}/kiosk/ticket", post(take))
        .route("/halls/{code}/kiosk/check-in", post(check_in))
}

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    nav: Nav,
    hall: Hall,
    /// The identity a simulated ID card reader returns (demo only, `?reader=simulated`), as
    /// `name|ID number`; empty for a real kiosk, whose shell provides the reader.
    simulated_reader: String,
    opened: i64,
    green_reasons: &'static [&'static str],
    error: String,
    receipt: Option<TicketView>,
}

fn kiosk(s: &AppState, ctx: &Ctx, hall: Hall) -> KioskPage {
    KioskPage {
        nav: Nav::of(ctx),
        hall,
        simulated_reader: String::new(),
        opened: s.app.now_ms(),
        green_reasons: GREEN_REASONS,
        error: String::new(),
        receipt: None,
    }
}

#[derive(serde::Deserialize, Default)]
struct KioskQuery {
    reader: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<KioskQuery>,
) -> Result<Response, WebError> {
    let hall = hall_app::hall(&s.app, &code).await?;
    let mut p = kiosk(&s, &ctx, hall);
    // The demo's simulated reader holds the demo citizen's card; a real site never offers it.
    if q.reader.as_deref() == Some("simulated") && s.app.settings.demo_shared_data {
        p.simulated_reader = format!("张三|{}", app::demo::demo_id_number("19900101", "123"));
    }
    render(&p)
}

fn fresh(s: &AppState, opened: i64) -> Result<(), app::AppError> {
    let age = (s.app.now_ms() - opened) / 1000;
    if !(0..=KIOSK_FORM_SECONDS).contains(&age) {
        return Err(app::AppError::State(
            "本次操作已超时，信息已清除，请重新开始".into(),
        ));
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct TicketForm {
    csrf: String,
    opened: i64,
    line: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    green_reason: String,
}

async fn finish(
    s: &AppState,
    ctx: &Ctx,
    hall: Hall,
    result: Result<TicketView, app::AppError>,
) -> Result<Response, WebError> {
    let mut p = kiosk(s, ctx, hall);
    match result {
        Ok(t) => {
            p.receipt = Some(t);
            render(&p)
        }
        Err(e) => {
            p.error = fixable(e)?;
            Ok(unprocessable(render(&p)?))
        }
    }
}

async fn take(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<TicketForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let hall = hall_app::hall(&s.app, &code).await?;
    let result = match fresh(&s, f.opened) {
        Err(e) => Err(e),
        Ok(()) => {
            let req = TakeTicket {
                line: f.line,
                person: Some(Person {
                    name: f.name,
                    id_number: f.id_number,
                    phone: f.phone,
                }),
                green_reason: f.green_reason,
                position: None,
            };
            tickets::take(
                &s.app,
                &app::auth::Actor::Anonymous,
                &code,
                Source::Kiosk,
                &req,
            )
            .await
        }
    };
    finish(&s, &ctx, hall, result).await
}

#[derive(serde::Deserialize)]
struct CheckInForm {
    csrf: String,
    opened: i64,
    code: String,
    id_number: String,
}

async fn check_in(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<CheckInForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let hall = hall_app::hall(&s.app, &code).await?;
    let result = match fresh(&s, f.opened) {
        Err(e) => Err(e),
        Ok(()) => {
            booking::check_in(
                &s.app,
                &app::auth::Actor::Anonymous,
                &f.code,
                &f.id_number,
                Some(&hall.code),
            )
            .await
        }
    };
    // A code that is not found reads as a mistake to fix at the kiosk, not an error page.
    let result = result.map_err(|e| match e {
        app::AppError::NotFound(_) => app::AppError::field(
            "code",
            "not_found",
            "预约码或身份证号码不正确，请核对后重新输入",
        ),
        other => other,
    });
    finish(&s, &ctx, hall, result).await
}
