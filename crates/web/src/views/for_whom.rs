//! 为谁申请 on the guide and at the window: the applicant themself, a minor in their care or
//! a deceased relative, as far as the item allows (the catalog's 可为谁申请).

use app::cases::ForWhom;
use domain::catalog::FiledFor;

/// The three posted fields, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ForWhomForm {
    /// A `FiledFor` name (oneself, minor, deceased); empty for oneself.
    #[serde(default, rename = "for")]
    pub kind: String,
    #[serde(default)]
    pub subject_name: String,
    #[serde(default)]
    pub subject_id: String,
}

impl ForWhomForm {
    pub fn parse(&self) -> Result<ForWhom, app::AppError> {
        let kind = match self.kind.trim() {
            "" => FiledFor::Oneself,
            k => FiledFor::parse(k).ok_or_else(|| {
                app::AppError::field("subject.kind", "invalid", format!("未知的办理对象“{k}”"))
            })?,
        };
        Ok(ForWhom {
            kind,
            // A name or number left in the boxes while 本人 is chosen is not a subject.
            name: if kind == FiledFor::Oneself {
                String::new()
            } else {
                self.subject_name.clone()
            },
            id_number: if kind == FiledFor::Oneself {
                String::new()
            } else {
                self.subject_id.clone()
            },
        })
    }
}

/// The element that shows a subject field's problem.
pub fn anchor(field: &str) -> Option<String> {
    let id = match field {
        "subject.kind" => "fw-kind",
        "subject.name" => "fw-name",
        "subject.id_number" => "fw-id",
        _ => return None,
    };
    Some(id.to_string())
}

/// The choice as a page shows it.
pub struct ForWhomView {
    /// (value, label, checked), in the catalog's order.
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub name: String,
    pub id_number: String,
    /// Whether anything but 本人 can be chosen (else the page shows a plain button).
    pub offered: bool,
}

impl ForWhomView {
    pub fn new(allowed: &[FiledFor], posted: &ForWhomForm) -> ForWhomView {
        let chosen = FiledFor::parse(&posted.kind)
            .filter(|k| allowed.contains(k))
            .or_else(|| allowed.first().copied());
        ForWhomView {
            kinds: allowed
                .iter()
                .map(|k| (k.name(), k.label(), Some(*k) == chosen))
                .collect(),
            name: posted.subject_name.clone(),
            id_number: posted.subject_id.clone(),
            offered: allowed.iter().any(|k| *k != FiledFor::Oneself),
        }
    }
}
