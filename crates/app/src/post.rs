//! 邮寄送达 through a courier (中国邮政 EMS, 顺丰 …): the 出件窗口 ships a case's result, the
//! courier answers a waybill, and its signed tracking callbacks follow the parcel; a signature
//! (签收) completes the case. The courier's protocol: `POST {url}/orders` signed like our
//! webhooks (`domain::signed`), idempotent by the case id, answering `{"waybill"}`; callbacks
//! `POST /api/post/scans` signed with the same secret, one `domain::post::Scan` each.

use domain::case::{Case, Command, Delivery};
use domain::post::{Recipient, Scan, Status};

use crate::auth::Actor;
use crate::platform::Link;
use crate::{App, AppError, Result};

/// The courier this platform ships with (`[post]`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CourierConfig {
    /// The courier's API (orders go to `{url}/orders`) and the secret both sides sign with.
    #[serde(flatten)]
    pub link: Link,
    /// The carrier's name as people read it, e.g. 中国邮政 EMS.
    pub carrier: String,
    /// The sender printed on the waybill: the hall's 出件窗口.
    pub sender_name: String,
    pub sender_phone: String,
    pub sender_address: String,
}

impl CourierConfig {
    /// Checked at start: the link, a carrier and a sender.
    pub fn check(&self) -> std::result::Result<(), String> {
        self.link.check("post")?;
        for (name, v) in [
            ("carrier", &self.carrier),
            ("sender_name", &self.sender_name),
            ("sender_phone", &self.sender_phone),
            ("sender_address", &self.sender_address),
        ] {
            if v.trim().is_empty() {
                return Err(format!("[post] 缺少 {name}"));
            }
        }
        Ok(())
    }
}

/// A shipment as the case page shows it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tracking {
    pub carrier: String,
    pub waybill: String,
    /// In full for the applicant, masked for everyone else.
    pub recipient: Recipient,
    /// 已签收, 运输中 …; 待揽收 before the first scan.
    pub state: String,
    pub scans: Vec<ScanView>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanView {
    /// When the courier scanned, Unix milliseconds.
    pub at_ms: i64,
    pub status: String,
    pub description: String,
    pub signer: String,
}

/// Ships the case's result by the configured courier and issues the case by post with the
/// waybill the courier answered. Only someone who may issue the case now is let through, and
/// before the courier hears of it. The courier dedupes orders by case id, so shipping again
/// after a failure gets the same waybill, never a second parcel.
pub async fn ship(app: &App, actor: &Actor, case_id: &str, recipient: Recipient) -> Result<Case> {
    let Some(cfg) = &app.settings.courier else {
        return Err(AppError::State(
            "本平台未接入快递公司，请填写快递公司和运单号".into(),
        ));
    };
    let v = crate::cases::view(app, actor, case_id).await?;
    if !v.allowed.contains(&"issue") {
        let why = v.case.fee.as_ref().and_then(|f| f.unpaid());
        return Err(AppError::State(
            why.unwrap_or_else(|| "此办件当前不能出件".into()),
        ));
    }
    let Actor::Staff { id: staff_id, .. } = actor else {
        return Err(AppError::Forbidden("结果由出件窗口统一发放".into()));
    };
    let order = serde_json::json!({
        "out_order_id": case_id,
        "sender": {
            "name": cfg.sender_name, "phone": cfg.sender_phone, "address": cfg.sender_address,
        },
        "recipient": recipient,
        "callback_url": format!("{}/api/post/scans", app.settings.public_url.trim_end_matches('/')),
        "goods": format!("办件结果（{} {}）", v.case.number, v.case.item_name),
    });
    let waybill = order_waybill(cfg, case_id, order.to_string().into_bytes()).await?;
    let now = app.now_ms();
    {
        let mut tx = app.store.begin().await?;
        store::post::record(
            &mut tx,
            &store::post::ShipmentRow {
                case_id: case_id.into(),
                carrier: cfg.carrier.clone(),
                waybill: waybill.clone(),
                recipient_name: recipient.name.clone(),
                recipient_phone: recipient.phone.clone(),
                recipient_address: recipient.address.clone(),
                state: String::new(),
                created_by: staff_id.clone(),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        tx.commit().await.map_err(store::StoreError::from)?;
    }
    let issue = Command::Issue {
        delivery: Delivery::Post {
            carrier: cfg.carrier.clone(),
            tracking: waybill,
        },
    };
    crate::cases::act(app, actor, case_id, issue).await
}

/// Places the order; the courier's waybill number. A refusal (4xx) names what the courier
/// said at the address field; an outage is `Unavailable`, logged with its cause.
async fn order_waybill(cfg: &CourierConfig, case_id: &str, body: Vec<u8>) -> Result<String> {
    let unavailable = |cause: String| {
        tracing::warn!(target: "onewindow::post", "courier order for case {case_id}: {cause}");
        AppError::Unavailable {
            what: format!("{}下单服务", cfg.carrier),
            cause,
        }
    };
    let url = cfg.link.endpoint("orders");
    let (status, body) = cfg
        .link
        .call(hyper::Method::POST, &url, case_id, body)
        .await
        .map_err(unavailable)?;
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(default)]
        waybill: String,
        #[serde(default)]
        message: String,
    }
    let answer: Option<Answer> = serde_json::from_slice(&body).ok();
    if status.is_client_error() {
        let said = answer.map(|a| a.message).unwrap_or_default();
        tracing::warn!(target: "onewindow::post", "courier refused the order for case {case_id}: HTTP {status} {said}");
        return Err(AppError::field(
            "recipient_address",
            "refused",
            format!("{}拒绝了此单：{said}", cfg.carrier),
        ));
    }
    if !status.is_success() {
        return Err(unavailable(format!("HTTP {status}")));
    }
    match answer {
        Some(a) if !a.waybill.trim().is_empty() && a.waybill.len() <= 40 => {
            Ok(a.waybill.trim().to_string())
        }
        _ => Err(unavailable(format!(
            "应答中没有运单号：{}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ))),
    }
}

/// What a callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// A new scan, recorded.
    Recorded,
    /// This scan was received before (the courier sent it again): nothing changed.
    Repeated,
}

/// Takes one tracking callback: its signature and timestamp checked against the courier's
/// secret, its scan checked, recorded once by (waybill, seq). A signature completes the case
/// if it is still being issued, also when the scan is a repeat (the completion may have
/// failed after the scan was recorded), so a callback sent again finishes what one began.
pub async fn receive(
    app: &App,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Received> {
    let Some(cfg) = &app.settings.courier else {
        return Err(AppError::NotFound("快递回调".into()));
    };
    let now = app.now();
    cfg.link
        .verify(timestamp, signature, body, now.unix_timestamp())
        .map_err(|r| {
            tracing::warn!(target: "onewindow::post", "courier callback refused: {r}");
            AppError::Forbidden(format!("快递回调未通过验证：{r}"))
        })?;
    let scan: Scan = serde_json::from_slice(body)
        .map_err(|e| AppError::field("body", "invalid", format!("回调内容无法解析：{e}")))?;
    scan.check()?;
    let mut tx = app.store.begin().await?;
    let shipment = store::post::by_waybill(&mut tx, &scan.waybill)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("运单 {}", scan.waybill)))?;
    let added = store::post::add_scan(
        &mut tx,
        &store::post::ScanRow {
            waybill: scan.waybill.clone(),
            seq: scan.seq,
            status: scan.status.name().into(),
            description: scan.description.trim().into(),
            signer: scan.signer.trim().into(),
            at: scan.at_ms,
            received_at: store::millis(now),
        },
    )
    .await?;
    let scans = store::post::scans(&mut tx, &scan.waybill).await?;
    let state = domain::post::state_after(&scans.iter().filter_map(to_scan).collect::<Vec<_>>());
    if let Some(s) = state {
        store::post::set_state(&mut tx, &scan.waybill, s.name(), store::millis(now)).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    if state == Some(Status::Signed) {
        complete_if_issuing(app, &shipment.case_id).await?;
    }
    Ok(if added {
        Received::Recorded
    } else {
        Received::Repeated
    })
}

async fn complete_if_issuing(app: &App, case_id: &str) -> Result<()> {
    let mut c = app.store.conn().await?;
    let state = store::cases::get_case(&mut c, case_id)
        .await?
        .map(|c| c.state);
    drop(c);
    if state == Some(domain::case::CaseState::Issuing) {
        crate::cases::act_as_system(app, case_id, Command::Complete).await?;
    }
    Ok(())
}

fn to_scan(r: &store::post::ScanRow) -> Option<Scan> {
    Some(Scan {
        waybill: r.waybill.clone(),
        seq: r.seq,
        status: Status::from_name(&r.status)?,
        at_ms: r.at,
        description: r.description.clone(),
        signer: r.signer.clone(),
    })
}

/// The case's shipment for someone who may see the case (the caller has checked that), the
/// recipient in full only for the applicant.
pub(crate) async fn tracking_of(
    conn: &mut store::Connection,
    case_id: &str,
    own: bool,
) -> Result<Option<Tracking>> {
    let Some(s) = store::post::of_case(conn, case_id).await? else {
        return Ok(None);
    };
    let scans = store::post::scans(conn, &s.waybill).await?;
    let recipient = Recipient {
        name: s.recipient_name,
        phone: s.recipient_phone,
        address: s.recipient_address,
    };
    Ok(Some(Tracking {
        carrier: s.carrier,
        waybill: s.waybill,
        recipient: if own { recipient } else { recipient.masked() },
        state: Status::from_name(&s.state)
            .map(|x| x.label().to_string())
            .unwrap_or_else(|| "待揽收".into()),
        scans: scans
            .iter()
            .rev()
            .map(|r| ScanView {
                at_ms: r.at,
                status: Status::from_name(&r.status)
                    .map(|x| x.label().to_string())
                    .unwrap_or_else(|| r.status.clone()),
                description: r.description.clone(),
                signer: r.signer.clone(),
            })
            .collect(),
    }))
}
