//! One error type for handlers with two renderings: JSON `{code, message, field}` for the
//! API and a Chinese error page for HTML. 5xx never shows internal text; it logs the cause
//! with a request id and shows the id.

use app::AppError;
use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug)]
pub enum WebError {
    App(AppError),
    Csrf,
    /// The same error, to be rendered as JSON.
    Api(AppError),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError::App(e)
    }
}

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Conflict { .. } | AppError::State(_) => StatusCode::CONFLICT,
        AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The person-facing message and field of an error; internal details are logged, not shown.
pub fn describe(e: &AppError) -> (String, Option<String>) {
    match e {
        AppError::Validation(v) => {
            let msg = v
                .iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("；");
            (msg, v.first().map(|f| f.field.clone()))
        }
        AppError::Conflict { field, message } => (message.clone(), Some(field.clone())),
        AppError::Internal(cause) => {
            let id = uuid::Uuid::now_v7();
            tracing::error!(request_id = %id, cause = %cause, "internal error");
            (format!("服务器内部错误，请稍后再试（请求编号 {id}）"), None)
        }
        other => (other.to_string(), None),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    message: String,
    status: u16,
    nav: crate::views::Nav,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::Api(e) => {
                let (message, field) = describe(&e);
                let body =
                    serde_json::json!({ "code": e.code(), "message": message, "field": field });
                (status_of(&e), Json(body)).into_response()
            }
            WebError::Csrf => page(
                StatusCode::FORBIDDEN,
                "请求已失效",
                "页面已过期或请求来源不可信，请返回上一页刷新后重试。",
            ),
            WebError::App(AppError::Unauthenticated) => {
                axum::response::Redirect::to("/login").into_response()
            }
            WebError::App(e) => {
                let status = status_of(&e);
                let title = match status {
                    StatusCode::NOT_FOUND => "找不到页面",
                    StatusCode::FORBIDDEN => "没有权限",
                    StatusCode::TOO_MANY_REQUESTS => "请稍后再试",
                    StatusCode::INTERNAL_SERVER_ERROR => "出错了",
                    _ => "无法完成操作",
                };
                page(status, title, &describe(&e).0)
            }
        }
    }
}

pub fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let p = ErrorPage {
        title: title.into(),
        message: message.into(),
        status: status.as_u16(),
        nav: crate::views::Nav::anonymous(),
    };
    match p.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}

/// A panic in a handler becomes a plain 500 page; the server keeps running.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let id = uuid::Uuid::now_v7();
    tracing::error!(request_id = %id, "handler panicked");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "出错了",
        &format!("服务器内部错误，请稍后再试（请求编号 {id}）"),
    )
}
