//! Errors of the domain layer: no HTTP, no SQL. The web layer maps them once.

use serde::Serialize;

/// One problem with one input field, named so a form can show it next to the field
/// and the API can return it as `{code, message, field}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `materials[2].name`.
    pub field: String,
    /// Machine-readable reason, e.g. `required`, `too_long`, `inconsistent`.
    pub code: &'static str,
    /// What was wrong, in Chinese, for the person who typed it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Collected validation failures; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn push(
        &mut self,
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.0.push(FieldError::new(field, code, message));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `Ok(())` when nothing was found, the list otherwise.
    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
    /// Checks a required, length-bounded text field.
    pub fn text(&mut self, field: &str, value: &str, label: &str, max_chars: usize) {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.push(field, "required", format!("{label}不能为空"));
        } else if trimmed.chars().count() > max_chars {
            self.push(
                field,
                "too_long",
                format!("{label}不能超过 {max_chars} 个字符"),
            );
        } else if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            self.push(
                field,
                "invalid_char",
                format!("{label}含有不可见的控制字符"),
            );
        }
    }
    /// Checks an optional, length-bounded text field.
    /// A code of letters, digits, `-` and `_` (department and service point codes).
    pub fn code(&mut self, field: &str, value: &str, label: &str) {
        self.text(field, value, label, 50);
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.push(
                field,
                "invalid_char",
                format!("{label}只能包含字母、数字、“-”“_”"),
            );
        }
    }

    pub fn optional_text(&mut self, field: &str, value: &str, label: &str, max_chars: usize) {
        if !value.trim().is_empty() {
            self.text(field, value, label, max_chars);
        }
    }
}

/// A stored text that names none of an enum's values (a column written by a newer version,
/// or tampered with).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}
