//! The handlers' errors, with two renderings: `ApiError` answers JSON `{code, message, field}`
//! under `/api`, `WebError` a Chinese error page. Both map an `AppError` to its status in
//! `status_of`. A 5xx never shows internal text: it logs the cause chain with a request id and
//! shows the person only the id.

use app::AppError;
use askama::Template;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// An error of a page handler, rendered as an HTML error page.
#[derive(Debug)]
pub enum WebError {
    App(AppError),
    Csrf,
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
        AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
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
        AppError::Internal(_) => {
            let id = uuid::Uuid::now_v7();
            tracing::error!(request_id = %id, error = ?e, causes = %net::causes(e), "internal error");
            (format!("服务器内部错误，请稍后再试（请求编号 {id}）"), None)
        }
        AppError::Unavailable { what, cause } => {
            let id = uuid::Uuid::now_v7();
            tracing::warn!(request_id = %id, service = %what, cause = %cause, "service unavailable");
            (format!("{e}（请求编号 {id}）"), None)
        }
        other => (other.to_string(), None),
    }
}

/// An error of an API handler, rendered as JSON `{code, message, field}` with the status of
/// `status_of`. Handlers use `?` on app results and on rejected JSON bodies and query strings.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

/// A body that is not the expected JSON: 422 on the field `body`.
impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        ApiError(AppError::field(
            "body",
            "invalid",
            format!("请求体不是有效的 JSON：{}", e.body_text()),
        ))
    }
}

/// A query string that does not fit the parameters: 422 on the field `query`.
impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        ApiError(AppError::field(
            "query",
            "invalid",
            format!("查询参数有误：{}", e.body_text()),
        ))
    }
}

/// The CSRF check of an API write fails with a JSON 403.
impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        match e {
            WebError::App(e) => ApiError(e),
            WebError::Csrf => ApiError(AppError::Forbidden(
                "缺少或无效的 X-CSRF-Token 请求头".into(),
            )),
        }
    }
}

/// The JSON body of an API error.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// Stable machine-readable code: validation_failed, not_found, unauthenticated,
    /// forbidden, conflict, invalid_state, too_many_attempts or internal.
    code: &'static str,
    /// What went wrong, in Chinese; for a 500 only the request id, never internal details.
    message: String,
    /// The field at fault (the first one for validation_failed), e.g. `materials[0].copies`,
    /// `query` or `body`; null when none.
    field: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (message, field) = describe(&self.0);
        let body = ErrorBody {
            code: self.0.code(),
            message,
            field,
        };
        (status_of(&self.0), Json(body)).into_response()
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

/// An error page's text, kept on the response so that `ctx::count_and_csrf` can render it
/// again with the visitor's own header (an error never looks like being logged out).
#[derive(Clone)]
pub struct ErrorText {
    pub title: String,
    pub message: String,
}

pub fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let mut r = page_with(status, title, message, crate::views::Nav::anonymous());
    r.extensions_mut().insert(ErrorText {
        title: title.into(),
        message: message.into(),
    });
    r
}

/// The error page with a given header.
pub fn page_with(
    status: StatusCode,
    title: &str,
    message: &str,
    nav: crate::views::Nav,
) -> Response {
    let p = ErrorPage {
        title: title.into(),
        message: message.into(),
        status: status.as_u16(),
        nav,
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn rendered(e: ApiError) -> (StatusCode, serde_json::Value) {
        let res = e.into_response();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn an_internal_error_shows_only_a_plain_message_with_the_request_id() {
        let (status, body) = rendered(ApiError(AppError::Internal(
            "database is locked: /srv/onewindow/data/onewindow.sqlite".into(),
        )))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["code"], "internal");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("请求编号"), "{message}");
        assert!(!message.contains("sqlite"), "{message}");
        assert!(body["field"].is_null());
    }

    #[tokio::test]
    async fn a_validation_error_names_its_first_field() {
        let e = AppError::Validation(vec![
            domain::FieldError::new("limit", "range", "limit 应在 1 到 100 之间"),
            domain::FieldError::new("offset", "range", "offset 不能为负"),
        ]);
        let (status, body) = rendered(ApiError(e)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            serde_json::json!({
                "code": "validation_failed",
                "message": "limit 应在 1 到 100 之间；offset 不能为负",
                "field": "limit",
            })
        );
    }
}
