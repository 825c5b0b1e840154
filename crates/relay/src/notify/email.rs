//! Email through an SMTP server (lettre): plain SMTP inside the government network, STARTTLS
//! or implicit TLS outside it, with credentials when the server asks for them.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use store::notify::MessageRow;

use super::Sent;

/// `[notify.email]`.
#[derive(Clone, Serialize, Deserialize)]
pub struct Smtp {
    pub host: String,
    #[serde(default = "port")]
    pub port: u16,
    /// `none` (inside the network), `starttls` or `tls`.
    #[serde(default = "tls")]
    pub tls: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    /// `一窗通办 <noreply@gov.example.cn>`
    pub from: String,
    #[serde(default = "timeout_ms")]
    pub timeout_ms: u64,
}

fn port() -> u16 {
    25
}
fn tls() -> String {
    "starttls".into()
}
fn timeout_ms() -> u64 {
    10_000
}

// The password never reaches a log.
impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("from", &self.from)
            .finish()
    }
}

impl Smtp {
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.host.trim().is_empty() {
            return Err("notify.email: 请设置 host".into());
        }
        if !matches!(self.tls.as_str(), "none" | "starttls" | "tls") {
            return Err(format!(
                "notify.email: tls 应为 none、starttls 或 tls，收到“{}”",
                self.tls
            ));
        }
        self.from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| format!("notify.email: from “{}” 不是邮箱地址：{e}", self.from))?;
        Ok(())
    }
}

pub(crate) struct Email {
    from: lettre::message::Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Email {
    pub(crate) fn new(cfg: Smtp) -> Result<Email, String> {
        cfg.check()?;
        let builder = match cfg.tls.as_str() {
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)
                .map_err(|e| format!("notify.email: {e}"))?,
            _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
                .map_err(|e| format!("notify.email: {e}"))?,
        };
        let mut builder = builder
            .port(cfg.port)
            .timeout(Some(Duration::from_millis(cfg.timeout_ms)));
        if !cfg.username.is_empty() {
            builder =
                builder.credentials(Credentials::new(cfg.username.clone(), cfg.password.clone()));
        }
        Ok(Email {
            from: cfg.from.parse().map_err(|e| format!("notify.email: {e}"))?,
            transport: builder.build(),
        })
    }

    pub(crate) async fn send(&self, m: &MessageRow) -> Sent {
        let to = m
            .address
            .parse()
            .map_err(|e| (false, format!("收件地址无效：{e}")))?;
        let mail = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!(
                "一窗通办：{}",
                domain::notify::kind_label(&m.kind)
            ))
            .header(ContentType::TEXT_PLAIN)
            .message_id(Some(format!("<{}@onewindow>", m.id)))
            .body(format!(
                "{}\n\n—— 一窗通办。此邮件由系统发出，请勿回复；不想再收到邮件，可在“我的办件”页的“短信、邮件提醒设置”中关闭。",
                m.body
            ))
            .map_err(|e| (false, format!("邮件无法构造：{e}")))?;
        match self.transport.send(mail).await {
            Ok(r) => Ok(r.message().collect::<Vec<_>>().join(" ")),
            // 5xx: the server will not take it (no such mailbox …); anything else may pass later.
            Err(e) if e.is_permanent() => Err((false, format!("邮件服务器拒收：{e}"))),
            Err(e) => Err((true, format!("邮件发送失败：{e}"))),
        }
    }
}
