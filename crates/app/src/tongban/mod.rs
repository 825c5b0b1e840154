//! 跨市通办 with other cities' platforms (`[tongban]`): this platform's windows receive items
//! a partner concludes and forward them (`send`), and receive forwards from partners for the
//! items concluded here (`receive`). Every message is signed with the pair's shared secret
//! (`domain::signed`) and names its sender in `x-onewindow-partner`; docs/INTEGRATION.md
//! describes the protocol.

mod receive;
mod send;

pub use receive::{
    answer_items, on_case_committed, push_pending, receive_forward, receive_handover,
};
pub use send::{
    Forwarding, Outgoing, forward, hand_over, list, offered_items, receive_progress, view,
};

use crate::platform::Link;
use crate::{App, AppError, Result};

/// The header a partner names itself in (its `code` in our `[[tongban.partners]]`).
pub const PARTNER_HEADER: &str = "x-onewindow-partner";

/// This platform's name among partners and the partners it exchanges 跨市通办 with.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TongbanConfig {
    /// How partners know this platform, e.g. 511600 (the city's region code).
    pub code: String,
    /// As people read it, e.g. 广安市一体化政务服务平台.
    pub name: String,
    #[serde(default)]
    pub partners: Vec<Partner>,
}

/// Another city's platform: its code and name, its 跨市通办 API (`{url}/items`,
/// `{url}/forwards` …) and the secret both sides sign with.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Partner {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub link: Link,
}

impl TongbanConfig {
    /// Checked at start: a code and a name, and each partner's link, once each.
    pub fn check(&self) -> std::result::Result<(), String> {
        if !code_ok(&self.code) {
            return Err("[tongban] code 应为 1 至 32 位字母、数字、- 或 _".into());
        }
        if self.name.trim().is_empty() {
            return Err("[tongban] 缺少 name".into());
        }
        let mut seen = std::collections::HashSet::new();
        for p in &self.partners {
            if !code_ok(&p.code) {
                return Err(format!("[[tongban.partners]] code “{}” 无效", p.code));
            }
            if p.code == self.code {
                return Err(format!(
                    "[[tongban.partners]] code “{}” 与本平台相同",
                    p.code
                ));
            }
            if !seen.insert(&p.code) {
                return Err(format!("[[tongban.partners]] code “{}” 重复", p.code));
            }
            if p.name.trim().is_empty() {
                return Err(format!("[[tongban.partners]] “{}” 缺少 name", p.code));
            }
            p.link.check("tongban.partners")?;
        }
        Ok(())
    }
}

fn code_ok(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn config(app: &App) -> Result<&TongbanConfig> {
    app.settings
        .tongban
        .as_ref()
        .ok_or_else(|| AppError::State("本平台未开通跨市通办（未配置合作平台）".into()))
}

/// A partner by code, for someone here (a clerk picking it): unknown is a field error.
fn partner<'a>(app: &'a App, code: &str) -> Result<&'a Partner> {
    config(app)?
        .partners
        .iter()
        .find(|p| p.code == code)
        .ok_or_else(|| AppError::field("partner", "unknown", "没有这个合作平台"))
}

/// The partner a signed message comes from, checked: its signature and timestamp against
/// that partner's secret. An unknown sender and a bad signature get the same refusal.
fn verified<'a>(
    app: &'a App,
    sender: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<&'a Partner> {
    let Some(cfg) = &app.settings.tongban else {
        return Err(AppError::NotFound("跨市通办接口".into()));
    };
    let p = sender
        .and_then(|s| cfg.partners.iter().find(|p| p.code == s))
        .ok_or_else(|| {
            tracing::warn!(target: "onewindow::tongban", sender, "message from an unknown partner refused");
            AppError::Forbidden("跨市通办报文未通过验证：未知的合作平台".into())
        })?;
    p.link
        .verify(timestamp, signature, body, app.now().unix_timestamp())
        .map_err(|r| {
            tracing::warn!(target: "onewindow::tongban", partner = %p.code, "message refused: {r}");
            AppError::Forbidden(format!("跨市通办报文未通过验证：{r}"))
        })?;
    Ok(p)
}

/// Sends a signed message to a partner and reads the JSON answer. A refusal with the
/// protocol's error body (`{code, message, field}`) comes back as that error, so the clerk
/// reads what the partner found wrong; no answer is "unavailable".
async fn call<T: serde::de::DeserializeOwned>(
    app: &App,
    p: &Partner,
    method: hyper::Method,
    path: &str,
    key: &str,
    body: Vec<u8>,
) -> Result<T> {
    let me = &config(app)?.code;
    let url = p.link.endpoint(path);
    let (status, answer) = p
        .link
        .call_with(method, &url, key, &[(PARTNER_HEADER, me)], body)
        .await
        .map_err(|cause| AppError::Unavailable {
            what: p.name.clone(),
            cause,
        })?;
    if status.is_success() {
        return serde_json::from_slice(&answer).map_err(|e| AppError::Unavailable {
            what: p.name.clone(),
            cause: format!("answer of {url} unreadable: {e}"),
        });
    }
    #[derive(serde::Deserialize)]
    struct Refusal {
        #[serde(default)]
        message: String,
        #[serde(default)]
        field: Option<String>,
    }
    let r: Option<Refusal> = serde_json::from_slice(&answer).ok();
    let said = |r: &Refusal| r.message.clone();
    match (status.as_u16(), r) {
        (400 | 409 | 422, Some(r)) => Err(AppError::field(
            r.field.as_deref().unwrap_or("partner"),
            "refused_by_partner",
            format!("{}未接收：{}", p.name, said(&r)),
        )),
        (_, r) => Err(AppError::Unavailable {
            what: p.name.clone(),
            cause: format!(
                "{url} answered {status}: {}",
                r.map(|r| said(&r)).unwrap_or_default()
            ),
        }),
    }
}

/// The person as a window checks an identity (walk-in rules), problems named
/// `applicant.<field>`.
fn check_person(
    app: &App,
    p: &domain::tongban::Person,
) -> Result<domain::account::ValidRegistration> {
    domain::account::ApplicantRegistration::NaturalPerson {
        id_number: p.id_number.trim().to_uppercase(),
        name: p.name.clone(),
        phone: p.phone.clone(),
        password: String::new(),
    }
    .validate_by(domain::account::RegisteredBy::WalkIn, app.now().date())
    .map_err(|mut e| {
        for x in &mut e {
            x.field = format!("applicant.{}", x.field);
        }
        AppError::Validation(e)
    })
}
