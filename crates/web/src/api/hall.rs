//! The service hall through the API: halls, slots and bookings, queue tickets, the window's
//! desk (sign in, call, recall, no-show, transfer, finish), the display board and its live
//! feed (server-sent events), the hall's figures and the 政务地图.

use std::convert::Infallible;

use app::hall::board::Board;
use app::hall::booking::{self, BookRequest, SlotView};
use app::hall::figures::Figures;
use app::hall::map::MapPoint;
use app::hall::tickets::{self, Desk, TakeTicket, TicketView, WindowAction};
use app::hall::{Person, board};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::hall::Hall;
use domain::hall::booking::Appointment;
use domain::hall::queue::{Source, Ticket};
use domain::service_point::Coordinates;
use futures_util::Stream;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::Writer;
use super::openapi::{Conflict, Forbidden, Invalid, NotFound, Unauthenticated, WriteErrors};
use super::{ApiResult, List};
use crate::AppState;
use crate::ctx::Ctx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/halls", get(list))
        .route("/v1/halls/{hall}", get(one).put(save))
        .route("/v1/halls/{hall}/slots", get(slots))
        .route("/v1/halls/{hall}/appointments", post(book))
        .route("/v1/halls/{hall}/tickets", post(take))
        .route("/v1/halls/{hall}/board", get(board_now))
        .route("/v1/halls/{hall}/board/events", get(events))
        .route("/v1/halls/{hall}/figures", get(figures))
        .route("/v1/appointments", get(my_appointments))
        .route("/v1/appointments/{code}/cancel", post(cancel))
        .route("/v1/appointments/{code}/change", post(change))
        .route("/v1/appointments/{code}/check-in", post(check_in))
        .route("/v1/tickets", get(my_tickets))
        .route("/v1/tickets/{id}", get(ticket))
        .route("/v1/tickets/{id}/window-action", post(window_action))
        .route("/v1/desk", get(desk))
        .route("/v1/desk/sign-in", post(sign_in))
        .route("/v1/desk/sign-out", post(sign_out))
        .route("/v1/desk/pause", post(pause))
        .route("/v1/desk/call", post(call))
        .route("/v1/map", get(map))
}

#[utoipa::path(get, path = "/api/v1/halls", tag = "hall", operation_id = "halls", summary = "政务服务大厅（队列、窗口、预约规则）",
    responses((status = 200, description = "大厅列表", body = List<Hall>)))]
async fn list(State(s): State<AppState>) -> ApiResult<List<Hall>> {
    Ok(Json(List::counted(app::hall::halls(&s.app).await?)))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}", tag = "hall", operation_id = "hall", summary = "一个大厅",
    params(("hall" = String, Path, description = "大厅编码")),
    responses((status = 200, description = "大厅", body = Hall), NotFound))]
async fn one(State(s): State<AppState>, Path(hall): Path<String>) -> ApiResult<Hall> {
    Ok(Json(app::hall::hall(&s.app, &hall).await?))
}

#[utoipa::path(put, path = "/api/v1/halls/{hall}", tag = "hall", operation_id = "saveHall",
    summary = "设置大厅：业务队列、窗口（服务的队列按优先顺序）和规则（系统管理员，本区划；整体检查后一次写入）",
    params(("hall" = String, Path, description = "大厅编码（与请求体 code 相同）")),
    request_body = Hall,
    responses((status = 200, description = "已保存的大厅", body = Hall), WriteErrors, NotFound))]
async fn save(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(hall): Path<String>,
    body: Result<Json<Hall>, JsonRejection>,
) -> ApiResult<Hall> {
    let cap = ctx.actor.system_admin()?;
    let Json(h) = body?;
    if h.code != hall {
        return Err(
            app::AppError::field("code", "inconsistent", "请求体的大厅编码与路径不同").into(),
        );
    }
    Ok(Json(app::hall::setup::save(&s.app, &cap, &h).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SlotQuery {
    /// 队列字母.
    line: String,
    /// YYYY-MM-DD.
    day: String,
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/slots", tag = "hall", operation_id = "hallSlots", summary = "某日某队列的预约时段和余量（节假日无时段）",
    params(("hall" = String, Path, description = "大厅编码"), SlotQuery),
    responses((status = 200, description = "时段", body = List<SlotView>), NotFound, Invalid))]
async fn slots(
    State(s): State<AppState>,
    Path(hall): Path<String>,
    q: Result<Query<SlotQuery>, QueryRejection>,
) -> ApiResult<List<SlotView>> {
    let Query(q) = q?;
    Ok(Json(List::counted(
        booking::slots(&s.app, &hall, &q.line, &q.day).await?,
    )))
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/appointments", tag = "hall", operation_id = "book",
    summary = "预约：登录的个人或企业本人，或不登录以姓名、身份证号码、手机号码实名预约；每人每天每队列限一次",
    security((), ("sessionCookie" = [], "csrfCookie" = [], "csrfHeader" = [])),
    params(("hall" = String, Path, description = "大厅编码")),
    request_body = BookRequest,
    responses((status = 200, description = "预约（含预约码）", body = Appointment), WriteErrors, NotFound, Conflict))]
async fn book(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(hall): Path<String>,
    body: Result<Json<BookRequest>, JsonRejection>,
) -> ApiResult<Appointment> {
    let Json(req) = body?;
    Ok(Json(booking::book(&s.app, &ctx.actor, &hall, &req).await?))
}

/// A ticket request: where it is taken and for whom.
#[derive(Deserialize, ToSchema)]
pub struct TicketRequest {
    /// kiosk（自助取号，实名）、reception（导服台，综窗人员）或 portal（远程取号，登录本人，须在大厅附近）.
    #[schema(example = "kiosk")]
    source: String,
    /// 队列字母.
    line: String,
    #[serde(default)]
    person: Option<Person>,
    /// 绿色通道原因：老年人（按身份证号码核验）、残疾人、孕妇、退役军人、其他特殊群体（后四项仅导服台）.
    #[serde(default)]
    green_reason: String,
    #[serde(default)]
    position: Option<Coordinates>,
}

#[utoipa::path(post, path = "/api/v1/halls/{hall}/tickets", tag = "hall", operation_id = "takeTicket",
    summary = "取号：号码按队列和日期连续编排（A001、B001…），永不重复",
    security((), ("sessionCookie" = [], "csrfCookie" = [], "csrfHeader" = [])),
    params(("hall" = String, Path, description = "大厅编码")),
    request_body = TicketRequest,
    responses((status = 200, description = "排队号和前面等候人数", body = TicketView), WriteErrors, NotFound, Conflict))]
async fn take(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(hall): Path<String>,
    body: Result<Json<TicketRequest>, JsonRejection>,
) -> ApiResult<TicketView> {
    let Json(r) = body?;
    let source = Source::parse(r.source.trim()).ok_or_else(|| {
        app::AppError::field(
            "source",
            "invalid",
            "取号渠道应为 kiosk、reception 或 portal",
        )
    })?;
    let req = TakeTicket {
        line: r.line,
        person: r.person,
        green_reason: r.green_reason,
        position: r.position,
    };
    Ok(Json(
        tickets::take(&s.app, &ctx.actor, &hall, source, &req).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/board", tag = "hall", operation_id = "hallBoard",
    summary = "叫号大屏的当前内容（号码和窗口，不含姓名）；实时更新见 /api/v1/halls/{hall}/board/events（text/event-stream）",
    params(("hall" = String, Path, description = "大厅编码")),
    responses((status = 200, description = "大屏", body = Board), NotFound))]
async fn board_now(State(s): State<AppState>, Path(hall): Path<String>) -> ApiResult<Board> {
    Ok(Json(board::board(&s.app, &hall).await?))
}

/// The board's live feed: a `board` event with the state at once, then one per change with
/// the announcement to speak; a comment every 15 s keeps proxies from closing it. A board
/// that falls behind catches up from the hall's recent updates, announcements included
/// (`Hub::since`); only one too far behind for those skips to the latest state. Not in the
/// OpenAPI document, which cannot describe a stream that never ends.
async fn events(
    State(s): State<AppState>,
    Path(hall): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, crate::error::ApiError> {
    use tokio::sync::broadcast::error::RecvError;
    let first = serde_json::to_string(&board::board(&s.app, &hall).await?)
        .map_err(|e| app::AppError::Internal(e.to_string()))?;
    let rx = s.app.hall_hub.subscribe();
    // Updates up to here are in the state just read or still in `rx`.
    let start = s.app.hall_hub.latest();
    let app = s.app.clone();
    let event = |board: &str, announce: Option<&str>| {
        let announce = serde_json::to_string(&announce).unwrap_or_else(|_| "null".into());
        Event::default()
            .event("board")
            .data(format!(r#"{{"board":{board},"announce":{announce}}}"#))
    };
    let pending = std::collections::VecDeque::new();
    let state = (Some(first), rx, start, pending);
    let stream = futures_util::stream::unfold(
        state,
        move |(first, mut rx, mut last, mut pending)| {
            let app = app.clone();
            let hall = hall.clone();
            async move {
                if let Some(f) = first {
                    return Some((Ok(event(&f, None)), (None, rx, last, pending)));
                }
                loop {
                    if let Some(u) = pending.pop_front() {
                        let u: std::sync::Arc<app::hall::BoardUpdate> = u;
                        last = u.seq;
                        let e = event(&u.json, u.announce.as_deref());
                        return Some((Ok(e), (None, rx, last, pending)));
                    }
                    match rx.recv().await {
                        // Sent already while catching up.
                        Ok(u) if u.seq <= last => continue,
                        Ok(u) if u.hall == hall => {
                            last = u.seq;
                            let e = event(&u.json, u.announce.as_deref());
                            return Some((Ok(e), (None, rx, last, pending)));
                        }
                        Ok(_) => continue,
                        Err(RecvError::Lagged(_)) => match app.hall_hub.since(&hall, last) {
                            Some(missed) => pending.extend(missed),
                            None => {
                                // Calls were skipped on this screen: worth knowing.
                                tracing::warn!(hall = %hall, "a board fell too far behind; sent it the current state");
                                last = app.hall_hub.latest();
                                let now = board::board(&app, &hall).await.ok()?;
                                let json = serde_json::to_string(&now).ok()?;
                                return Some((Ok(event(&json, None)), (None, rx, last, pending)));
                            }
                        },
                        Err(RecvError::Closed) => return None,
                    }
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FigureQuery {
    /// 开始日期 YYYY-MM-DD（默认今天）.
    first: Option<String>,
    /// 结束日期 YYYY-MM-DD（默认今天）.
    last: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/halls/{hall}/figures", tag = "hall", operation_id = "hallFigures",
    summary = "大厅运行情况：等候、平均等候和办理时长（按队列、窗口、人员），预约履约（本区划工作人员）",
    security(("sessionCookie" = [])),
    params(("hall" = String, Path, description = "大厅编码"), FigureQuery),
    responses((status = 200, description = "统计", body = Figures), Unauthenticated, Forbidden, NotFound, Invalid))]
async fn figures(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(hall): Path<String>,
    q: Result<Query<FigureQuery>, QueryRejection>,
) -> ApiResult<Figures> {
    let Query(q) = q?;
    let f = app::hall::figures::figures(
        &s.app,
        &ctx.actor,
        &hall,
        q.first.as_deref().unwrap_or(""),
        q.last.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(f))
}

#[utoipa::path(get, path = "/api/v1/appointments", tag = "hall", operation_id = "myAppointments", summary = "我的预约",
    security(("sessionCookie" = [])),
    responses((status = 200, description = "预约", body = List<Appointment>), Unauthenticated))]
async fn my_appointments(State(s): State<AppState>, ctx: Ctx) -> ApiResult<List<Appointment>> {
    Ok(Json(List::counted(
        booking::mine(&s.app, &ctx.actor).await?,
    )))
}

/// Who holds a booking when not logged in: the ID number it was made with.
#[derive(Deserialize, ToSchema, Default)]
pub struct Holder {
    #[serde(default)]
    id_number: String,
}

#[utoipa::path(post, path = "/api/v1/appointments/{code}/cancel", tag = "hall", operation_id = "cancelAppointment",
    summary = "取消预约（时段开始前的截止时间之前；本人登录或提供预约时的身份证号码）",
    security((), ("sessionCookie" = [], "csrfCookie" = [], "csrfHeader" = [])),
    params(("code" = String, Path, description = "预约码")),
    request_body = Holder,
    responses((status = 200, description = "已取消", body = Appointment), WriteErrors, NotFound, Conflict))]
async fn cancel(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(code): Path<String>,
    body: Result<Json<Holder>, JsonRejection>,
) -> ApiResult<Appointment> {
    let Json(h) = body?;
    Ok(Json(
        booking::cancel(&s.app, &ctx.actor, &code, &h.id_number).await?,
    ))
}

/// 改约: the new day and band of the booking's line.
#[derive(Deserialize, ToSchema)]
pub struct ChangeRequest {
    /// YYYY-MM-DD.
    day: String,
    /// 时段开始 HH:MM.
    band: String,
    /// 未登录时：预约时的身份证号码.
    #[serde(default)]
    id_number: String,
}

#[utoipa::path(post, path = "/api/v1/appointments/{code}/change", tag = "hall", operation_id = "changeAppointment",
    summary = "改约到同一队列的其他日期或时段（原时段开始前的截止时间之前；原名额随即释放）",
    security((), ("sessionCookie" = [], "csrfCookie" = [], "csrfHeader" = [])),
    params(("code" = String, Path, description = "预约码")),
    request_body = ChangeRequest,
    responses((status = 200, description = "改约后的预约", body = Appointment), WriteErrors, NotFound, Conflict))]
async fn change(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(code): Path<String>,
    body: Result<Json<ChangeRequest>, JsonRejection>,
) -> ApiResult<Appointment> {
    let Json(c) = body?;
    Ok(Json(
        booking::change(&s.app, &ctx.actor, &code, &c.id_number, &c.day, &c.band).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/appointments/{code}/check-in", tag = "hall", operation_id = "checkIn",
    summary = "预约签到取号（时段内签到优先于现场取号）",
    security((), ("sessionCookie" = [], "csrfCookie" = [], "csrfHeader" = [])),
    params(("code" = String, Path, description = "预约码")),
    request_body = Holder,
    responses((status = 200, description = "排队号", body = TicketView), WriteErrors, NotFound, Conflict))]
async fn check_in(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(code): Path<String>,
    body: Result<Json<Holder>, JsonRejection>,
) -> ApiResult<TicketView> {
    let Json(h) = body?;
    Ok(Json(
        booking::check_in(&s.app, &ctx.actor, &code, &h.id_number, None).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/tickets", tag = "hall", operation_id = "myTickets", summary = "我正在等候的排队号（虚拟排队）",
    security(("sessionCookie" = [])),
    responses((status = 200, description = "排队号", body = List<TicketView>), Unauthenticated))]
async fn my_tickets(State(s): State<AppState>, ctx: Ctx) -> ApiResult<List<TicketView>> {
    Ok(Json(List::counted(
        tickets::mine(&s.app, &ctx.actor).await?,
    )))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "hall", operation_id = "ticket", summary = "一个排队号（持号人本人或本区划工作人员）",
    security(("sessionCookie" = [])),
    params(("id" = String, Path, description = "排队号 id")),
    responses((status = 200, description = "排队号", body = TicketView), NotFound))]
async fn ticket(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<TicketView> {
    Ok(Json(tickets::ticket(&s.app, &ctx.actor, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/window-action", tag = "hall", operation_id = "windowAction",
    summary = "窗口处理本窗口叫到的号：recall 重呼、no_show 过号、finish 办结（可附办件编号）、transfer 转移",
    params(("id" = String, Path, description = "排队号 id")),
    request_body = WindowAction,
    responses((status = 200, description = "处理后的排队号", body = Ticket), WriteErrors, NotFound, Conflict))]
async fn window_action(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    body: Result<Json<WindowAction>, JsonRejection>,
) -> ApiResult<Ticket> {
    let Json(a) = body?;
    Ok(Json(tickets::act(&s.app, &ctx.actor, &id, &a).await?))
}

#[utoipa::path(get, path = "/api/v1/desk", tag = "hall", operation_id = "desk", summary = "我签到的窗口（未签到时为 null）",
    security(("sessionCookie" = [])),
    responses((status = 200, description = "窗口", body = Option<Desk>), Unauthenticated, Forbidden, Conflict))]
async fn desk(State(s): State<AppState>, ctx: Ctx) -> ApiResult<Option<Desk>> {
    Ok(Json(tickets::desk(&s.app, &ctx.actor).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    hall: String,
    window: String,
}

#[utoipa::path(post, path = "/api/v1/desk/sign-in", tag = "hall", operation_id = "deskSignIn", summary = "在窗口签到（综窗人员，本区划；专业窗口须本部门）",
    request_body = SignIn,
    responses((status = 200, description = "窗口", body = Desk), WriteErrors, NotFound, Conflict))]
async fn sign_in(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    body: Result<Json<SignIn>, JsonRejection>,
) -> ApiResult<Desk> {
    let Json(b) = body?;
    Ok(Json(
        tickets::sign_in(&s.app, &ctx.actor, &b.hall, &b.window).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/desk/sign-out", tag = "hall", operation_id = "deskSignOut", summary = "签退",
    responses((status = 204, description = "已签退"), WriteErrors, Conflict))]
async fn sign_out(
    State(s): State<AppState>,
    Writer(ctx): Writer,
) -> Result<axum::http::StatusCode, crate::error::ApiError> {
    tickets::sign_out(&s.app, &ctx.actor).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PauseRequest {
    paused: bool,
}

#[utoipa::path(post, path = "/api/v1/desk/pause", tag = "hall", operation_id = "deskPause", summary = "暂停或恢复叫号",
    request_body = PauseRequest,
    responses((status = 200, description = "窗口", body = Desk), WriteErrors, Conflict))]
async fn pause(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    body: Result<Json<PauseRequest>, JsonRejection>,
) -> ApiResult<Desk> {
    let Json(b) = body?;
    Ok(Json(tickets::pause(&s.app, &ctx.actor, b.paused).await?))
}

#[utoipa::path(post, path = "/api/v1/desk/call", tag = "hall", operation_id = "deskCall", summary = "叫下一个号（按窗口的队列顺序和绿色通道、预约优先规则）",
    responses((status = 200, description = "叫到的号", body = Ticket), WriteErrors, NotFound, Conflict))]
async fn call(State(s): State<AppState>, Writer(ctx): Writer) -> ApiResult<Ticket> {
    Ok(Json(tickets::call_next(&s.app, &ctx.actor).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct MapQuery {
    /// 访客位置“纬度,经度”，给出时按距离由近到远排列.
    near: Option<String>,
    /// 只列此区划及以下.
    region: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/map", tag = "hall", operation_id = "map", summary = "政务地图：服务场所、是否正在办公、可办业务，按距离排序",
    params(MapQuery),
    responses((status = 200, description = "服务场所", body = List<MapPoint>), Invalid))]
async fn map(
    State(s): State<AppState>,
    q: Result<Query<MapQuery>, QueryRejection>,
) -> ApiResult<List<MapPoint>> {
    let Query(q) = q?;
    let near = match q.near.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => {
            Some(Coordinates::parse(n).map_err(|e| app::AppError::field("near", "invalid", e))?)
        }
        None => None,
    };
    let region = super::region_param(q.region.as_deref())?;
    Ok(Json(List::counted(
        app::hall::map::points(&s.app, near, region.as_deref()).await?,
    )))
}

pub(super) fn paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        list,
        one,
        save,
        slots,
        book,
        take,
        board_now,
        figures,
        my_appointments,
        cancel,
        change,
        check_in,
        my_tickets,
        ticket,
        window_action,
        desk,
        sign_in,
        sign_out,
        pause,
        call,
        map
    ))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
