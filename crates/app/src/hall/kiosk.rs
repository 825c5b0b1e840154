//! Logging in at a 7×24 self-service kiosk. The kiosk vendor's shell reads the ID card,
//! compares the face with the card's photo, and posts the reading to
//! `POST /api/kiosk/identity`, signed with the kiosk's secret (`[[kiosks]]`) and naming the
//! kiosk in `x-onewindow-kiosk`. A reading that passes leaves a one-time entry link; the shell
//! opens it in the kiosk's browser, which then holds a session of at most ten minutes for
//! that person. docs/INTEGRATION.md says what a vendor implements.

use domain::account::ApplicantKind;
use domain::catalog::NodeKind;
use domain::hall::reader::{self, ENTRY_SECONDS, Reading, SESSION_MINUTES};
use domain::identity::Identity;
use domain::outbox::SignatureAlgorithm;
use store::hall::KioskEntry;

use crate::auth::{Session, open_session_until, random_token, token_hash};
use crate::{App, AppError, Result};

/// The header a kiosk names itself in (its `id` in `[[kiosks]]`).
pub const KIOSK_HEADER: &str = "x-onewindow-kiosk";

/// A self-service kiosk: its id, the hall it stands in and the secret its reader signs with.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct KioskConfig {
    pub id: String,
    pub hall: String,
    pub secret: String,
    #[serde(default)]
    pub algorithm: SignatureAlgorithm,
}

// The secret is never printed.
impl std::fmt::Debug for KioskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KioskConfig")
            .field("id", &self.id)
            .field("hall", &self.hall)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// Checked at start: ids once each, a hall, a secret of 16 characters or more.
pub fn check_config(kiosks: &[KioskConfig]) -> std::result::Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for k in kiosks {
        if k.id.trim().is_empty() || k.id.len() > 64 {
            return Err("[[kiosks]] id 应为 1 至 64 个字符".into());
        }
        if !seen.insert(&k.id) {
            return Err(format!("[[kiosks]] id “{}” 重复", k.id));
        }
        if k.hall.trim().is_empty() {
            return Err(format!("[[kiosks]] “{}” 缺少 hall", k.id));
        }
        if k.secret.chars().count() < 16 {
            return Err(format!("[[kiosks]] “{}” 的 secret 至少 16 个字符", k.id));
        }
    }
    Ok(())
}

/// What the reader's shell gets back: the link to open in the kiosk's browser, good once
/// and for `expires_in` seconds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub url: String,
    pub expires_in: i64,
}

/// A signed reading from a kiosk's reader: verified (an unknown kiosk and a bad signature
/// get the same refusal), checked by the reader rules, and matched to the person's account
/// (a new one without a password if they have none). Returns the entry link.
pub async fn read_identity(
    app: &App,
    kiosk: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Entry> {
    let now = app.now().unix_timestamp();
    let k = kiosk
        .and_then(|id| app.settings.kiosks.iter().find(|k| k.id == id))
        .ok_or_else(|| {
            tracing::warn!(target: "onewindow::kiosk", kiosk, "reading from an unknown kiosk refused");
            AppError::Forbidden("自助终端读卡报告未通过验证：未知的终端".into())
        })?;
    domain::signed::verify(
        k.algorithm,
        k.secret.as_bytes(),
        timestamp,
        signature,
        body,
        now,
    )
    .map_err(|r| {
        tracing::warn!(target: "onewindow::kiosk", kiosk = %k.id, "reading refused: {r}");
        AppError::Forbidden(format!("自助终端读卡报告未通过验证：{r}"))
    })?;
    let reading: Reading = serde_json::from_slice(body)
        .map_err(|e| AppError::field("body", "malformed", format!("读卡报告格式错误：{e}")))?;
    // The signed message itself, once only: the same bytes sent again are a replay.
    let digest = token_hash(&format!(
        "{}.{}",
        timestamp.unwrap_or_default(),
        String::from_utf8_lossy(body)
    ));
    admit(app, k, &reading, &digest).await
}

/// The demo's simulated reader: the demo citizen's card read at the hall's first kiosk, the
/// face matched. Only on a demo site (`demo_shared_data`); anywhere else there is no such door.
pub async fn simulated_reading(app: &App, hall: &str) -> Result<Entry> {
    let k = app
        .settings
        .kiosks
        .iter()
        .find(|k| k.hall == hall)
        .filter(|_| app.settings.demo_shared_data)
        .ok_or_else(|| AppError::NotFound("模拟读卡器".into()))?;
    let reading = Reading {
        hall: hall.into(),
        name: crate::demo::DEMO_CITIZEN_NAME.into(),
        id_number: crate::demo::demo_citizen_id_number(),
        face_match: true,
        read_at: app.now().unix_timestamp(),
    };
    let digest = random_token()?;
    admit(app, k, &reading, &digest).await
}

async fn admit(app: &App, k: &KioskConfig, reading: &Reading, digest: &str) -> Result<Entry> {
    let now = app.now().unix_timestamp();
    let person = reader::check(reading, &k.hall, now, crate::hall::today(app))
        .map_err(AppError::Validation)?;
    let token = random_token()?;
    let mut tx = app.store.begin().await?;
    let identity = Identity::Applicant {
        kind: ApplicantKind::NaturalPerson,
        login: person.id.as_str().to_string(),
        name: person.name.clone(),
        phone: String::new(),
        legal_representative: None,
    };
    let (row, created) = crate::auth::oidc::account_for(app, &mut tx, identity).await?;
    if !created && !reader::name_matches(&row.display_name, &person.name) {
        tracing::warn!(target: "onewindow::kiosk", kiosk = %k.id, account = %row.id, "card name differs from the account's");
        return Err(AppError::State(
            "本平台登记的该身份证号码的姓名与身份证不一致，请到窗口核实".into(),
        ));
    }
    if row.disabled != 0 {
        return Err(AppError::State("该账号已停用，请到窗口咨询".into()));
    }
    let ended = first_check(&mut tx, app, &row, created).await?;
    let entry = KioskEntry {
        account_id: row.id.clone(),
        hall: k.hall.clone(),
        kiosk: k.id.clone(),
        expires_at: app.now_ms() + ENTRY_SECONDS * 1000,
        password_ended: i64::from(ended),
    };
    if !store::hall::insert_entry(&mut tx, &token_hash(&token), digest, &entry).await? {
        tracing::warn!(target: "onewindow::kiosk", kiosk = %k.id, "a reading sent again refused");
        return Err(AppError::State("该读卡报告已使用过，请重新刷身份证".into()));
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    if ended {
        crate::auth::password::forget_sessions(app, &row.id).await;
    }
    tracing::info!(target: "onewindow::kiosk", kiosk = %k.id, account = %row.id, created, ended, "card read; entry issued");
    Ok(Entry {
        url: format!("/halls/{}/kiosk/enter?token={token}", k.hall),
        expires_in: ENTRY_SECONDS,
    })
}

/// The first in-person check of an account that existed before: anyone may have registered
/// it online with this person's ID number and name (nothing online checks them against the
/// person), so a password set then, and its sessions, end here, once, as at the first OIDC
/// link (account pre-hijacking). Returns whether a password ended. Later checks, and accounts
/// the kiosk itself created, change nothing.
async fn first_check(
    tx: &mut store::Connection,
    app: &App,
    row: &store::accounts::AccountRow,
    created: bool,
) -> Result<bool> {
    let first = !created && !store::hall::identity_checked(tx, &row.id).await?;
    // A walk-in's account (无账号办理) has no password yet and stays claimable.
    let ended = first
        && row.password_hash != crate::auth::oidc::NO_PASSWORD
        && row.password_hash != store::walk_ins::UNCLAIMED;
    if ended {
        store::accounts::set_password(tx, &row.id, crate::auth::oidc::NO_PASSWORD, false).await?;
        let n = store::accounts::delete_sessions_of(tx, &row.id, None).await?;
        tracing::info!(target: "onewindow::kiosk", account = %row.id, sessions = n, "first check in person: the password set online and its sessions ended");
    }
    store::hall::record_identity_check(tx, &row.id, "kiosk", app.now_ms()).await?;
    Ok(ended)
}

/// Trades an entry link for a kiosk session at `hall`: once, in time, at the hall it was
/// issued for. The session ends after [`SESSION_MINUTES`] whatever happens.
pub async fn enter(app: &App, hall: &str, token: &str) -> Result<(Session, bool)> {
    let lapsed = || AppError::State("该刷卡登录链接已使用或已失效，请重新刷身份证".into());
    let mut tx = app.store.begin().await?;
    let entry = store::hall::take_entry(&mut tx, &token_hash(token))
        .await?
        .filter(|e| e.hall == hall && e.expires_at > app.now_ms())
        .ok_or_else(lapsed);
    let entry = match entry {
        Ok(e) => e,
        Err(e) => {
            // The taken (spent or lapsed) entry stays used.
            tx.commit().await.map_err(store::StoreError::from)?;
            return Err(e);
        }
    };
    let row = store::accounts::get_account(&mut tx, &entry.account_id).await?;
    if row.disabled != 0 {
        return Err(AppError::State("该账号已停用，请到窗口咨询".into()));
    }
    let ends = app.now_ms() + SESSION_MINUTES * 60_000;
    // The card and the face stand for the second factor.
    let session = open_session_until(app, &mut tx, &row, false, false, ends).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok((session, entry.password_ended != 0))
}

/// Lapsed entries are removed (housekeeping).
pub async fn purge_entries(app: &App) -> Result<u64> {
    let mut c = app.store.conn().await?;
    Ok(store::hall::purge_entries(&mut c, app.now_ms()).await?)
}

/// What a kiosk vendor's shell does, for the `kiosk-reader` command (the simulated reader of
/// tests and trials): post `reading` signed as kiosk `k` to the platform at `base_url`, and
/// return the entry link's full address, or the platform's refusal as it answered.
pub async fn post_reading(
    base_url: &str,
    k: &KioskConfig,
    reading: &Reading,
) -> std::result::Result<String, String> {
    let link = crate::platform::Link {
        url: base_url.to_string(),
        secret: k.secret.clone(),
        algorithm: k.algorithm,
        timeout_ms: 10_000,
    };
    let body = serde_json::to_vec(reading).map_err(|e| e.to_string())?;
    let url = link.endpoint("api/kiosk/identity");
    let key = random_token().map_err(|e| e.to_string())?;
    let (status, answer) = link
        .call_with(
            hyper::Method::POST,
            &url,
            &key,
            &[(KIOSK_HEADER, &k.id)],
            body,
        )
        .await?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&answer)));
    }
    let entry: Entry = serde_json::from_slice(&answer).map_err(|e| e.to_string())?;
    Ok(format!("{}{}", base_url.trim_end_matches('/'), entry.url))
}

/// An item a person can apply for at a kiosk, as the kiosk lists it.
#[derive(Debug, Clone)]
pub struct KioskItem {
    pub code: String,
    pub name: String,
    /// What the person gets (the result's name), e.g. 公共场所卫生许可证.
    pub result_name: String,
    /// The promised time, in words (e.g. 即办, 5 个工作日).
    pub promised: String,
    /// 告知承诺 applies: a signed commitment stands for some materials.
    pub commitment: bool,
    /// 秒批: the system decides on rules at once.
    pub instant: bool,
}

/// The published items marked 自助可办 that serve `hall`'s region (its own and those above).
pub async fn items(app: &App, hall: &domain::hall::Hall) -> Result<Vec<KioskItem>> {
    let regions = crate::org::serving_regions(&hall.region)?;
    let mut c = app.store.conn().await?;
    let marked = store::catalog::published_for_kiosk(&mut c).await?;
    let mut items: Vec<KioskItem> = marked
        .into_iter()
        // A 主项 is applied for through its 办理项, never itself.
        .filter(|d| d.node != NodeKind::Main && regions.contains(&d.region))
        .map(|d| KioskItem {
            promised: d.promised_limit.describe(),
            commitment: d.workflow.commitment.is_some(),
            instant: d.workflow.auto_approval.is_some(),
            code: d.code,
            name: d.name,
            result_name: d.result_name,
        })
        .collect();
    items.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(items)
}
