//! 消息提醒: each person chooses whether their inbox notifications also come as a text message
//! or an email, and sees what was sent them. Only one's own preferences are read or changed.
//! The sending is the relay's (`relay::notify`), from the messages recorded here.

use domain::notify::{Channel, Prefs};
use store::notify::{self as sn, PrefsRow};

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// One message as shown: to its recipient (with its text) or to an administrator (without).
#[derive(Debug, Clone, serde::Serialize)]
pub struct MessageView {
    pub at: i64,
    pub channel: String,
    /// Masked.
    pub address: String,
    /// What it is about (办件进展 …).
    pub kind: String,
    /// 已发送, 等待发送, 发送失败, 超过频率限制未发送.
    pub state: String,
    pub attempts: i64,
    pub error: String,
    /// Empty for administrators: the text is the recipient's business.
    pub text: String,
}

fn view(m: sn::MessageRow, with_text: bool) -> MessageView {
    let channel = Channel::parse(&m.channel).unwrap_or(Channel::Sms);
    MessageView {
        at: m.created_at,
        channel: channel.label().into(),
        address: domain::notify::masked(channel, &m.address),
        kind: domain::notify::kind_label(&m.kind).into(),
        state: state_label(&m.state).into(),
        attempts: m.attempts,
        error: m.last_error,
        text: if with_text { m.body } else { String::new() },
    }
}

/// What the preferences page shows.
#[derive(Debug, Clone)]
pub struct Settings {
    pub prefs: Prefs,
    /// The account's phone, masked; empty when it has none.
    pub phone: String,
    /// The channels this platform can send.
    pub channels: Vec<Channel>,
    pub recent: Vec<MessageView>,
}

fn me(actor: &Actor) -> Result<&str> {
    match actor {
        Actor::Anonymous => Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } | Actor::Staff { id, .. } => Ok(id),
    }
}

fn state_label(s: &str) -> &'static str {
    match s {
        "sent" => "已发送",
        "queued" => "等待发送",
        "limited" => "超过频率限制，未发送",
        _ => "发送失败",
    }
}

pub async fn settings(app: &App, actor: &Actor) -> Result<Settings> {
    let id = me(actor)?;
    let mut c = app.store.conn().await?;
    let prefs = sn::prefs_of(&mut c, id).await?;
    let account = app.account(&mut c, id).await?;
    let recent = sn::recent(&mut c, Some(id), 20)
        .await?
        .into_iter()
        .map(|m| view(m, true))
        .collect();
    Ok(Settings {
        prefs,
        phone: if account.phone.is_empty() {
            String::new()
        } else {
            domain::notify::masked(Channel::Sms, &account.phone)
        },
        channels: app.settings.notify_channels.clone(),
        recent,
    })
}

/// Saves the person's own choices; a fault names its field and nothing is written.
pub async fn save(app: &App, actor: &Actor, prefs: &Prefs) -> Result<()> {
    let id = me(actor)?;
    domain::notify::check(prefs).map_err(AppError::Validation)?;
    let mut tx = app.store.begin().await?;
    sn::save_prefs(
        &mut tx,
        &PrefsRow {
            account_id: id.to_string(),
            sms: i64::from(prefs.sms),
            email: i64::from(prefs.email),
            email_address: prefs.email_address.trim().to_string(),
            updated_at: app.now_ms(),
        },
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// 证照到期提醒: tells each holder once at 30 and once at 7 days before a license runs out
/// (`domain::notify::EXPIRY_THRESHOLDS`), in the inbox and, by their preferences, by text or
/// email. Each reminder and its record are one transaction. Returns how many were sent.
pub async fn remind_expiring(app: &App) -> Result<usize> {
    let today = domain::calendar::china_date(app.now());
    let mut sent = 0;
    for threshold in domain::notify::EXPIRY_THRESHOLDS {
        let Some((low, high)) = domain::notify::expiry_window(threshold) else {
            continue;
        };
        let day = |n: i64| (today + time::Duration::days(n)).to_string();
        let due = {
            let mut c = app.store.conn().await?;
            sn::expiring(&mut c, &day(low), &day(high), threshold, 500).await?
        };
        for l in due {
            let left = time::Date::parse(
                &l.valid_until,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map(|d| (d - today).whole_days())
            .unwrap_or(high);
            let text = domain::notify::expiry_text(&l.type_name, &l.number, &l.valid_until, left);
            let mut tx = app.store.begin().await?;
            sn::reminded(
                &mut tx,
                &l.license_id,
                threshold,
                &l.account_id,
                app.now_ms(),
            )
            .await?;
            crate::agents::notify(&mut tx, app, &l.account_id, "license_expiring", text, None)
                .await?;
            tx.commit().await.map_err(store::StoreError::from)?;
            sent += 1;
        }
    }
    Ok(sent)
}

/// What the platform's administrator sees of texts and emails: counts by channel and state
/// over the last 24 hours, and the latest messages with masked addresses (no texts: they are
/// the recipients' own business).
#[derive(Debug, Clone)]
pub struct Overview {
    /// (channel, state, count)
    pub counts: Vec<(String, String, i64)>,
    pub latest: Vec<MessageView>,
}

pub async fn overview(app: &App, cap: &crate::auth::SystemAdmin) -> Result<Overview> {
    let mut c = app.store.conn().await?;
    crate::outbox::platform_only(&mut c, cap).await?;
    let counts = sn::state_counts(&mut c, app.now_ms() - 86_400_000)
        .await?
        .into_iter()
        .map(|(ch, st, n)| {
            let label = Channel::parse(&ch).map(|c| c.label()).unwrap_or("其他");
            (label.to_string(), state_label(&st).to_string(), n)
        })
        .collect();
    let latest = sn::recent(&mut c, None, 30)
        .await?
        .into_iter()
        .map(|m| view(m, false))
        .collect();
    Ok(Overview { counts, latest })
}
