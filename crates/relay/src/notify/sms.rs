//! The SMS gateway: carriers' gateways take a pre-approved template, a signature name and the
//! template's parameters over HTTPS with a signed request, and answer a code ("OK") with their
//! message id. This adapter speaks that shape generically: a JSON POST signed like a webhook
//! (HMAC-SHA256 or HMAC-SM3 over timestamp and body), the message id as the idempotency key
//! (`out_id`), so a retried send is not a second text.

use std::collections::BTreeMap;

use domain::outbox::{Failure, SignatureAlgorithm};
use serde::{Deserialize, Serialize};
use store::notify::MessageRow;

use super::Sent;
use crate::WebhookSink;
use crate::webhook::Webhook;

/// `[notify.sms]`.
#[derive(Clone, Serialize, Deserialize)]
pub struct SmsGateway {
    /// `http://…/sms/send`
    pub url: String,
    pub secret: String,
    #[serde(default)]
    pub algorithm: SignatureAlgorithm,
    /// 短信签名, registered with the carrier.
    #[serde(default = "sign_name")]
    pub sign_name: String,
    /// Template code per notification kind (`case_progress` → `SMS_2001`); others use
    /// `default_template`. Each template has one variable, `${content}`.
    #[serde(default)]
    pub templates: BTreeMap<String, String>,
    pub default_template: String,
    #[serde(default = "timeout_ms")]
    pub timeout_ms: u64,
}

fn sign_name() -> String {
    "一窗通办".into()
}
fn timeout_ms() -> u64 {
    5_000
}

// The secret never reaches a log.
impl std::fmt::Debug for SmsGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsGateway")
            .field("url", &self.url)
            .field("secret", &"[redacted]")
            .field("sign_name", &self.sign_name)
            .field("templates", &self.templates)
            .finish()
    }
}

impl SmsGateway {
    pub(crate) fn check(&self) -> Result<(), String> {
        if !net::is_http_url(&self.url) {
            return Err("notify.sms: url 应以 https:// 或 http:// 开头".into());
        }
        if self.secret.len() < 16 {
            return Err("notify.sms: secret 至少 16 个字符".into());
        }
        if self.default_template.trim().is_empty() {
            return Err("notify.sms: 请设置 default_template（运营商审核通过的模板编号）".into());
        }
        Ok(())
    }
}

pub(crate) struct Sms {
    cfg: SmsGateway,
    http: Webhook,
}

#[derive(Deserialize)]
struct Answer {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    biz_id: String,
}

impl Sms {
    pub(crate) fn new(cfg: SmsGateway) -> Sms {
        let http = Webhook::new(WebhookSink {
            name: "sms".into(),
            url: cfg.url.clone(),
            secret: cfg.secret.clone(),
            algorithm: cfg.algorithm,
            topics: vec![],
            timeout_ms: cfg.timeout_ms,
        });
        Sms { cfg, http }
    }

    pub(crate) async fn send(&self, m: &MessageRow) -> Sent {
        let template = self
            .cfg
            .templates
            .get(&m.kind)
            .unwrap_or(&self.cfg.default_template);
        let body = serde_json::to_vec(&serde_json::json!({
            "out_id": m.id,
            "phone": m.address,
            "sign_name": self.cfg.sign_name,
            "template_code": template,
            "params": { "content": m.body },
        }))
        .unwrap_or_default();
        let answer = self
            .http
            .request(hyper::Method::POST, &self.cfg.url, &m.id, "sms", body)
            .await
            .map_err(|(f, why)| (f == Failure::Transient, format!("短信网关：{why}")))?;
        let a: Answer = serde_json::from_slice(&answer)
            .map_err(|e| (true, format!("短信网关应答无法解析：{e}")))?;
        if a.code == "OK" {
            Ok(a.biz_id)
        } else {
            // The gateway refused this text (a bad number, a template not approved, the
            // carrier's own flow control): sending it again would be refused again.
            Err((false, format!("短信网关拒绝：{} {}", a.code, a.message)))
        }
    }
}
