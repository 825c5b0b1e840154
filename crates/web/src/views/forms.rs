//! Forms that keep what people typed. A field is rendered by its kind with its value and its
//! own message; every problem is listed once more at the top, each a link to its field (the
//! GOV.UK error-summary pattern); files stored before another field failed travel back as
//! hidden values, so nothing has to be chosen again.

use std::collections::BTreeMap;

use domain::case::Provision;
use domain::workflow::{FieldKind, FormField};

/// A form field as the page shows it.
pub struct FieldView {
    /// The element id (the summary links to it).
    pub id: String,
    /// The posted name.
    pub name: String,
    pub label: String,
    pub value: String,
    pub required: bool,
    pub help: String,
    /// HTML input type, or `select` / `textarea`.
    pub input: &'static str,
    pub options: Vec<(String, bool)>,
    pub editable: bool,
    pub error: String,
}

impl FieldView {
    /// `prefix` makes the element id (`f_` on the case page, `bf_` on a bundle's form); the
    /// posted name is always `f_<key>`.
    pub fn of(f: &FormField, prefix: &str, value: String, editable: bool) -> FieldView {
        let input = match f.kind {
            FieldKind::Select => "select",
            FieldKind::Multiline => "textarea",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Phone => "tel",
            FieldKind::Text | FieldKind::IdNumber => "text",
        };
        FieldView {
            id: format!("{prefix}{}", f.key),
            name: format!("f_{}", f.key),
            label: f.label.clone(),
            options: f.options.iter().map(|o| (o.clone(), *o == value)).collect(),
            value,
            required: f.required,
            help: f.help.clone(),
            input,
            editable,
            error: String::new(),
        }
    }
}

/// The problems of a failed post: each with the element id it belongs to (None for a problem
/// of the whole form), in the order found.
#[derive(Default)]
pub struct Problems {
    pub items: Vec<(Option<String>, String)>,
}

impl Problems {
    /// Maps an application error to problems; `anchor` turns a field name (`form.x`,
    /// `materials.y`) into the element id that shows it, or None.
    pub fn of(e: &app::AppError, anchor: impl Fn(&str) -> Option<String>) -> Problems {
        let items = match e {
            app::AppError::Validation(v) => v
                .iter()
                .map(|f| (anchor(&f.field), f.message.clone()))
                .collect(),
            other => vec![(None, crate::error::describe(other).0)],
        };
        Problems { items }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The messages for one element, joined.
    pub fn at(&self, id: &str) -> String {
        self.items
            .iter()
            .filter(|(a, _)| a.as_deref() == Some(id))
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }

    /// Sets each field's message.
    pub fn mark(&self, fields: &mut [FieldView]) {
        for f in fields {
            f.error = self.at(&f.id);
        }
    }
}

/// The hidden value that carries an upload through a re-rendered form. Only an upload is
/// carried; naming it again is checked like any upload (the stored file must be the poster's).
pub fn kept_value(p: &Provision) -> Option<String> {
    matches!(p, Provision::Uploaded { .. })
        .then(|| serde_json::to_string(p).ok())
        .flatten()
}

/// An upload carried back by [`kept_value`]; anything else is ignored.
pub fn parse_kept(s: &str) -> Option<Provision> {
    serde_json::from_str::<Provision>(s)
        .ok()
        .filter(|p| matches!(p, Provision::Uploaded { .. }))
}

/// The typed form values of a post (`f_<key>`).
pub fn typed(text: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    text.iter()
        .filter_map(|(k, v)| match k.strip_prefix("f_") {
            Some(key) => Some((key.to_string(), v.clone())),
            // The recipient of a parcel (出件 by post), kept apart from the item's form keys.
            None if k.starts_with("recipient_") => Some((format!("post.{k}"), v.clone())),
            None => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_upload_is_carried_back_and_a_forged_value_is_dropped() {
        let up = Provision::Uploaded {
            file: "ab".repeat(32),
            file_name: "申请书.pdf".into(),
            media_type: "application/pdf".into(),
        };
        let kept = kept_value(&up).unwrap();
        assert_eq!(parse_kept(&kept), Some(up));
        assert_eq!(kept_value(&Provision::Committed), None);
        assert_eq!(parse_kept(r#"{"how":"committed"}"#), None);
        assert_eq!(parse_kept("not json"), None);
    }

    #[test]
    fn problems_land_on_their_fields_and_the_rest_on_the_form() {
        let e = app::AppError::Validation(vec![
            domain::FieldError::new("form.phone", "invalid", "手机号码有误"),
            domain::FieldError::new("materials.申请书", "required", "请提供“申请书”"),
            domain::FieldError::new("other", "x", "其他问题"),
        ]);
        let p = Problems::of(&e, |f| f.strip_prefix("form.").map(|k| format!("f_{k}")));
        assert_eq!(p.at("f_phone"), "手机号码有误");
        assert_eq!(p.items.len(), 3);
        assert_eq!(p.items[2], (None, "其他问题".to_string()));
    }
}

/// A form that carries nothing but its CSRF token (a button that does one thing).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CsrfOnly {
    csrf: String,
}

/// The session of someone who pressed a button that does one thing: its form carries only
/// the CSRF token, checked before the handler runs. A body that is no form carries no token.
pub struct Pressed(pub crate::ctx::Ctx);

impl axum::extract::FromRequest<crate::AppState> for Pressed {
    type Rejection = crate::error::WebError;

    async fn from_request(
        req: axum::extract::Request,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let ctx = crate::ctx::Ctx::from_request_parts(&mut parts, state).await?;
        let req = axum::extract::Request::from_parts(parts, body);
        let form = axum::Form::<CsrfOnly>::from_request(req, state).await;
        let token = form.map(|axum::Form(f)| f.csrf).unwrap_or_default();
        ctx.check_csrf(&token)?;
        Ok(Pressed(ctx))
    }
}
