//! 统一公共支付: the department assesses what a case owes from the item's fee rules (核定收费),
//! the applicant pays on the province's public payment platform, its signed notice records the
//! payment with the 电子票据, a second payment for the same case is refunded, and each day's
//! orders are reconciled with the platform's statement. The protocol is in
//! docs/INTEGRATION.md; a simulator runs as its own process (tests/sims/pay_platform.py).

use domain::case::{Case, Command};
use domain::payment::{Entry, FeeLine, Mismatch, Paid};

use crate::auth::Actor;
use crate::platform::Link;
use crate::{App, AppError, Result};

/// The payment platform (`[payment]`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PaymentConfig {
    /// The platform's API (`{url}/orders`, `{url}/refunds`, `{url}/statements`) and the
    /// secret both sides sign with.
    #[serde(flatten)]
    pub link: Link,
    /// 执收单位编码: this platform's code at the payment platform.
    pub merchant: String,
}

impl PaymentConfig {
    pub fn check(&self) -> std::result::Result<(), String> {
        self.link.check("payment")?;
        if self.merchant.trim().is_empty() {
            return Err("[payment] 缺少 merchant（执收单位编码）".into());
        }
        Ok(())
    }
}

fn config(app: &App) -> Result<&PaymentConfig> {
    app.settings
        .payment
        .as_ref()
        .ok_or_else(|| AppError::State("本平台未接入统一公共支付，费用请在窗口收取".into()))
}

fn unavailable(what: &str, cause: String) -> AppError {
    tracing::warn!(target: "onewindow::payment", "payment platform: {what}: {cause}");
    AppError::Unavailable {
        what: "统一公共支付平台".into(),
        cause: format!("{what}: {cause}"),
    }
}

/// 核定收费: the item's fee rules that apply to this case and how many of each (none: a
/// waiver). Only where the platform is connected: a fee assessed here must be payable online.
pub async fn assess(
    app: &App,
    actor: &Actor,
    case_id: &str,
    chosen: Vec<(String, u32)>,
) -> Result<Case> {
    config(app)?;
    let fees = chosen
        .into_iter()
        .map(|(name, quantity)| FeeLine {
            name,
            quantity,
            unit_fen: 0,
        })
        .collect();
    crate::cases::act(app, actor, case_id, Command::AssessFee { fees }).await
}

/// Starts paying the case's assessed fee: an order at the platform (or the one already
/// waiting), and the platform's page to send the applicant to. Only the applicant (or their
/// agent) pays, and only what is owed now.
pub async fn pay(app: &App, actor: &Actor, case_id: &str) -> Result<String> {
    let cfg = config(app)?;
    let v = crate::cases::view(app, actor, case_id).await?;
    let Actor::Applicant { id: payer, .. } = actor else {
        return Err(AppError::Forbidden("由申请人本人缴费".into()));
    };
    let Some(owed) = v.case.fee_to_pay() else {
        let paid = v.case.fee.as_ref().is_some_and(|f| f.paid.is_some());
        return Err(AppError::State(
            if paid {
                "已缴费"
            } else {
                "此办件当前没有待缴的费用"
            }
            .into(),
        ));
    };
    let mut c = app.store.conn().await?;
    let waiting = store::payments::of_case(&mut c, case_id)
        .await?
        .into_iter()
        .find(|p| p.state == "created" && p.amount_fen == owed);
    drop(c);
    if let Some(p) = waiting {
        return Ok(p.pay_url);
    }
    let order_id = format!("OW{}", &uuid::Uuid::now_v7().simple().to_string()[..30]);
    let base = app.settings.public_url.trim_end_matches('/');
    let body = serde_json::json!({
        "order_id": order_id,
        "merchant": cfg.merchant,
        "amount_fen": owed,
        "subject": format!("{}（办件 {}）", v.case.item_name, v.case.number),
        "payer": v.applicant.name,
        "notify_url": format!("{base}/api/payments/notify"),
        "return_url": format!("{base}/cases/{case_id}?flash=paid"),
    });
    let (status, answer) = cfg
        .link
        .call(
            hyper::Method::POST,
            &cfg.link.endpoint("orders"),
            &order_id,
            body.to_string().into_bytes(),
        )
        .await
        .map_err(|e| unavailable("下单", e))?;
    if !status.is_success() {
        return Err(unavailable(
            "下单",
            format!("HTTP {status} {}", String::from_utf8_lossy(&answer)),
        ));
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        pay_url: String,
    }
    let pay_url = serde_json::from_slice::<Answer>(&answer)
        .map_err(|e| unavailable("下单应答", e.to_string()))?
        .pay_url;
    // The person is sent there: only to the platform itself, never elsewhere.
    if !pay_url.starts_with(&format!("{}/", cfg.link.url.trim_end_matches('/'))) {
        return Err(unavailable(
            "下单应答",
            format!("支付地址不在平台上：{pay_url}"),
        ));
    }
    let mut tx = app.store.begin().await?;
    store::payments::create(
        &mut tx,
        &store::payments::PaymentRow {
            order_id,
            case_id: case_id.into(),
            amount_fen: owed,
            state: "created".into(),
            pay_url: pay_url.clone(),
            trade_no: String::new(),
            receipt_no: String::new(),
            receipt_url: String::new(),
            refund_no: String::new(),
            refund_reason: String::new(),
            created_by: payer.clone(),
            created_at: app.now_ms(),
            paid_at: None,
            refunded_at: None,
        },
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(pay_url)
}

/// The platform's payment notice.
#[derive(Debug, Clone, serde::Deserialize)]
struct Notice {
    order_id: String,
    trade_no: String,
    amount_fen: i64,
    /// When the platform took the money: the day the order is reconciled under, on both sides.
    #[serde(default)]
    paid_at_ms: i64,
    receipt_no: String,
    #[serde(default)]
    receipt_url: String,
}

/// What a notice did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// The payment is recorded on the case.
    Recorded,
    /// Heard before: nothing changed.
    Repeated,
    /// The case had been paid through another order: this payment was refunded.
    Refunded,
}

/// Takes the platform's signed payment notice: signature and timestamp checked, the amount
/// checked against the order, the order marked paid once, and the case's payment recorded.
/// A repeated notice finishes what an interrupted one began; a second payment for a case
/// already paid is refunded at once.
pub async fn notify(
    app: &App,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Received> {
    let Some(cfg) = app.settings.payment.as_ref() else {
        return Err(AppError::NotFound("支付通知".into()));
    };
    cfg.link
        .verify(timestamp, signature, body, app.now().unix_timestamp())
        .map_err(|r| {
            tracing::warn!(target: "onewindow::payment", "payment notice refused: {r}");
            AppError::Forbidden(format!("支付通知未通过验证：{r}"))
        })?;
    let mut n: Notice = serde_json::from_slice(body)
        .map_err(|e| AppError::field("body", "invalid", format!("通知内容无法解析：{e}")))?;
    // The receipt's link is shown on the case page: only a web address, never a script.
    if !(n.receipt_url.starts_with("https://") || n.receipt_url.starts_with("http://")) {
        n.receipt_url.clear();
    }
    let mut tx = app.store.begin().await?;
    let order = store::payments::get(&mut tx, &n.order_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("订单 {}", n.order_id)))?;
    if n.amount_fen != order.amount_fen {
        tracing::warn!(target: "onewindow::payment", "payment notice for {} says {} fen, the order is {}", n.order_id, n.amount_fen, order.amount_fen);
        return Err(AppError::field(
            "amount_fen",
            "mismatch",
            format!(
                "通知金额 {} 与订单金额 {} 不符",
                domain::payment::yuan(n.amount_fen),
                domain::payment::yuan(order.amount_fen)
            ),
        ));
    }
    let fresh = store::payments::mark_paid(
        &mut tx,
        &n.order_id,
        &n.trade_no,
        &n.receipt_no,
        &n.receipt_url,
        if n.paid_at_ms > 0 {
            n.paid_at_ms
        } else {
            app.now_ms()
        },
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    if !fresh && order.state != "paid" {
        return Ok(Received::Repeated);
    }
    let mut c = app.store.conn().await?;
    let case = store::cases::get_case(&mut c, &order.case_id)
        .await?
        .ok_or_else(|| AppError::NotFound("办件".into()))?;
    drop(c);
    let paid_elsewhere = case
        .fee
        .as_ref()
        .and_then(|f| f.paid.as_ref())
        .is_some_and(|p| p.order != n.order_id);
    if paid_elsewhere {
        refund_order(
            app,
            cfg,
            &n.order_id,
            order.amount_fen,
            "重复缴费，自动退款",
        )
        .await?;
        return Ok(Received::Refunded);
    }
    let recorded = case
        .fee
        .as_ref()
        .is_some_and(|f| f.paid.as_ref().is_some_and(|p| p.order == n.order_id));
    if recorded {
        return Ok(Received::Repeated);
    }
    // An order for an amount assessed before the fee was assessed again: not what is owed.
    if case.fee_to_pay() != Some(order.amount_fen) {
        refund_order(
            app,
            cfg,
            &n.order_id,
            order.amount_fen,
            "核定金额已变更，自动退款",
        )
        .await?;
        return Ok(Received::Refunded);
    }
    let paid = Paid {
        order: n.order_id.clone(),
        trade_no: n.trade_no,
        amount_fen: n.amount_fen,
        receipt_no: n.receipt_no,
        receipt_url: n.receipt_url,
    };
    crate::cases::act_as_system(app, &order.case_id, Command::RecordPayment { paid }).await?;
    Ok(if fresh {
        Received::Recorded
    } else {
        Received::Repeated
    })
}

/// Asks the platform to refund a paid order, then records it.
async fn refund_order(
    app: &App,
    cfg: &PaymentConfig,
    order_id: &str,
    amount_fen: i64,
    reason: &str,
) -> Result<()> {
    let body = serde_json::json!({
        "order_id": order_id, "amount_fen": amount_fen, "reason": reason,
    });
    let (status, answer) = cfg
        .link
        .call(
            hyper::Method::POST,
            &cfg.link.endpoint("refunds"),
            &format!("refund-{order_id}"),
            body.to_string().into_bytes(),
        )
        .await
        .map_err(|e| unavailable("退款", e))?;
    #[derive(serde::Deserialize)]
    struct Answer {
        refund_no: String,
    }
    let refund_no = match serde_json::from_slice::<Answer>(&answer) {
        Ok(a) if status.is_success() => a.refund_no,
        _ => {
            return Err(unavailable(
                "退款",
                format!("HTTP {status} {}", String::from_utf8_lossy(&answer)),
            ));
        }
    };
    let mut tx = app.store.begin().await?;
    store::payments::mark_refunded(&mut tx, order_id, &refund_no, reason, app.now_ms()).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// An order as the case page lists it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    pub order_id: String,
    pub amount: String,
    /// 待支付, 已支付, 已退款.
    pub state: String,
    pub receipt_no: String,
    pub receipt_url: String,
    pub refund_reason: String,
}

/// The case's orders, for someone who may see the case (the caller checked that).
pub(crate) async fn orders_of(
    conn: &mut store::Connection,
    case_id: &str,
) -> Result<Vec<OrderView>> {
    Ok(store::payments::of_case(conn, case_id)
        .await?
        .into_iter()
        .map(|p| OrderView {
            amount: domain::payment::yuan(p.amount_fen),
            state: match p.state.as_str() {
                "paid" => "已支付",
                "refunded" => "已退款",
                _ => "待支付",
            }
            .into(),
            order_id: p.order_id,
            receipt_no: p.receipt_no,
            receipt_url: p.receipt_url,
            refund_reason: p.refund_reason,
        })
        .collect())
}

/// A day's reconciliation: our orders paid that day against the platform's statement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reconciliation {
    pub date: String,
    pub ours: usize,
    pub theirs: usize,
    pub total_fen: i64,
    pub mismatches: Vec<Mismatch>,
}

/// Reconciles one China day (`YYYY-MM-DD`).
pub async fn reconcile(app: &App, date: time::Date) -> Result<Reconciliation> {
    let cfg = config(app)?;
    let start = date
        .midnight()
        .assume_offset(domain::calendar::CHINA_OFFSET);
    let from = store::millis(start);
    let to = store::millis(start + time::Duration::days(1));
    let mut c = app.store.conn().await?;
    let ours: Vec<Entry> = store::payments::paid_between(&mut c, from, to)
        .await?
        .into_iter()
        .map(|p| Entry {
            order: p.order_id,
            amount_fen: p.amount_fen,
            state: p.state,
        })
        .collect();
    drop(c);
    let day = date.to_string();
    let url = format!(
        "{}?merchant={}&date={day}",
        cfg.link.endpoint("statements"),
        cfg.merchant
    );
    let (status, answer) = cfg
        .link
        .call(
            hyper::Method::GET,
            &url,
            &format!("statement-{day}"),
            Vec::new(),
        )
        .await
        .map_err(|e| unavailable("对账单", e))?;
    if !status.is_success() {
        return Err(unavailable(
            "对账单",
            format!("HTTP {status} {}", String::from_utf8_lossy(&answer)),
        ));
    }
    #[derive(serde::Deserialize)]
    struct Line {
        order_id: String,
        amount_fen: i64,
        state: String,
    }
    let theirs: Vec<Entry> = serde_json::from_slice::<Vec<Line>>(&answer)
        .map_err(|e| unavailable("对账单", e.to_string()))?
        .into_iter()
        .map(|l| Entry {
            order: l.order_id,
            amount_fen: l.amount_fen,
            state: l.state,
        })
        .collect();
    Ok(Reconciliation {
        date: day,
        ours: ours.len(),
        theirs: theirs.len(),
        total_fen: ours
            .iter()
            .filter(|e| e.state == "paid")
            .map(|e| e.amount_fen)
            .sum(),
        mismatches: domain::payment::reconcile(&ours, &theirs),
    })
}
