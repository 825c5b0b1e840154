//! The one error type of the use cases. The web layer maps each variant to a status once.

use domain::FieldError;
use store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum AppError {
    /// Input failed the rules; every problem is listed with its field.
    #[error("输入有误")]
    Validation(Vec<FieldError>),
    #[error("{0}不存在")]
    NotFound(String),
    #[error("请先登录")]
    Unauthenticated,
    #[error("没有权限：{0}")]
    Forbidden(String),
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// The action does not fit the current state (e.g. publishing without a draft).
    #[error("{0}")]
    State(String),
    #[error("尝试次数过多，请于 {until} 后再试")]
    Throttled { until: String },
    /// A service the platform depends on (object storage, say) failed or refused; the
    /// person may try again later. `cause` is logged, never shown.
    #[error("{what}暂时不可用，请稍后再试")]
    Unavailable { what: String, cause: String },
    #[error("服务器内部错误")]
    Internal(String),
}

impl AppError {
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Validation(vec![FieldError::new(field, code, message)])
    }

    /// Stable machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::NotFound(_) => "not_found",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::Conflict { .. } => "conflict",
            AppError::State(_) => "invalid_state",
            AppError::Throttled { .. } => "too_many_attempts",
            AppError::Unavailable { .. } => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("记录".into()),
            StoreError::Conflict { field } => AppError::Conflict {
                message: format!("“{field}”已存在"),
                field,
            },
            StoreError::State(m) => AppError::State(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<search::SearchError> for AppError {
    fn from(e: search::SearchError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(v: Vec<FieldError>) -> Self {
        AppError::Validation(v)
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Validation(vec![e])
    }
}
