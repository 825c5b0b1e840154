//! 数据汇聚: case steps and ratings pushed to the upper-level platform as GB/T 39046 / 39734
//! records (`domain::push`). The outbox says what happened; the records are built from the
//! case as stored now (its particulars may have moved on since, which an upsert by case number
//! wants) and from the event itself (which does not change). Each outbox event is one signed
//! POST of its records to `{url}/records`, the event's id as the idempotency key; the
//! reconciliation reads `{url}/holdings?since=YYYY-MM-DD`.

use domain::outbox::{CaseChange, Failure, RatingGiven};
use domain::push::{CaseFacts, Holding, Party, Record, Step};
use store::Store;
use store::outbox::Stored;

use crate::deliver::Outcome;
use crate::webhook::Webhook;
use crate::{PushSink, WebhookSink};

pub(crate) struct Push {
    pub(crate) cfg: PushSink,
    store: Store,
    http: Webhook,
}

type Failed = (Failure, String);

/// The signed HTTP client, shared with webhooks (same signature, same failure rules).
fn http(cfg: &PushSink) -> Webhook {
    Webhook::new(WebhookSink {
        name: cfg.name.clone(),
        url: cfg.url.clone(),
        secret: cfg.secret.clone(),
        algorithm: cfg.algorithm,
        topics: cfg.topics.clone(),
        timeout_ms: cfg.timeout_ms,
    })
}

fn store_failed(e: store::StoreError) -> Failed {
    (Failure::Transient, format!("读取本地数据失败：{e}"))
}

impl Push {
    pub(crate) fn new(cfg: PushSink, store: Store) -> Push {
        Push {
            http: http(&cfg),
            cfg,
            store,
        }
    }

    /// One POST per event that has records, in order; stops at the first not taken.
    pub(crate) async fn deliver(&mut self, events: &[&Stored]) -> Outcome {
        let url = format!("{}/records", self.cfg.url.trim_end_matches('/'));
        for (n, e) in events.iter().enumerate() {
            let records = match self.records(e).await {
                Ok(r) => r,
                Err((f, why)) => return Outcome::failed(n, f, why),
            };
            if records.is_empty() {
                continue;
            }
            let body = serde_json::to_vec(&serde_json::json!({
                "id": e.id,
                "topic": e.topic,
                "source": self.cfg.source,
                "records": records,
            }))
            .unwrap_or_default();
            if let Err((f, why)) = self.http.send(&url, &e.id, &e.topic, body).await {
                return Outcome::failed(n, f, why);
            }
        }
        Outcome::done(events.len())
    }

    /// The records of one outbox event; none for a topic the upper platform does not take.
    async fn records(&self, e: &Stored) -> Result<Vec<Record>, Failed> {
        if e.topic == "rating.given" {
            let r: RatingGiven = serde_json::from_str(&e.payload)
                .map_err(|x| (Failure::Rejected, format!("事件内容无法解析：{x}")))?;
            return self
                .rating(&r.rating_id)
                .await
                .map(|r| r.into_iter().collect());
        }
        if !(e.topic.starts_with("case.") || e.topic == "license.issued") {
            return Ok(Vec::new());
        }
        let c: CaseChange = serde_json::from_str(&e.payload)
            .map_err(|x| (Failure::Rejected, format!("事件内容无法解析：{x}")))?;
        self.case(&c).await
    }

    async fn case(&self, change: &CaseChange) -> Result<Vec<Record>, Failed> {
        let mut conn = self.store.conn().await.map_err(store_failed)?;
        let gone = |what: &str| {
            (
                Failure::Rejected,
                format!("办件 {} 的{what}不存在", change.number),
            )
        };
        let case = store::cases::get_case(&mut conn, &change.case_id)
            .await
            .map_err(store_failed)?
            .ok_or_else(|| gone("记录"))?;
        let event = store::cases::event_at(&mut conn, &change.case_id, change.seq)
            .await
            .map_err(store_failed)?
            .ok_or_else(|| gone(&format!("第 {} 个事件", change.seq)))?;
        let item =
            store::catalog::get_version(&mut conn, case.item_code.as_str(), case.item_version)
                .await
                .map_err(store_failed)?
                .definition;
        let applicant = store::accounts::get_account(&mut conn, case.applicant_id.as_str())
            .await
            .map_err(store_failed)?;
        let party = Party {
            natural_person: applicant.kind != domain::account::AccountKind::Enterprise,
            name: applicant.display_name.clone(),
            id: applicant.login.clone(),
        };
        let handler = match event.role.as_str() {
            "applicant" => "申请人".to_string(),
            "system" => "系统".to_string(),
            _ => match store::accounts::get_account(&mut conn, &event.actor).await {
                Ok(a) => a.display_name,
                Err(_) => event.actor.clone(),
            },
        };
        let licenses: Vec<String> = store::licenses::of_case(&mut conn, &change.case_id)
            .await
            .map_err(store_failed)?
            .into_iter()
            .map(|l| l.number)
            .collect();
        let step = Step {
            seq: event.seq,
            // `license_issued` and the like are not machine events: no opinion to read.
            event: serde_json::from_str(&event.payload).ok(),
            kind: event.kind,
            at_ms: event.at,
            handler,
            role: event.role,
            state: change.state.clone(),
        };
        let facts = CaseFacts {
            case: &case,
            item: &item,
            applicant: &party,
            licenses: &licenses,
        };
        Ok(domain::push::case_records(&facts, &step))
    }

    async fn rating(&self, id: &str) -> Result<Option<Record>, Failed> {
        let mut conn = self.store.conn().await.map_err(store_failed)?;
        let Some(r) = store::ratings::get_rating(&mut conn, id)
            .await
            .map_err(store_failed)?
        else {
            return Err((Failure::Rejected, format!("评价 {id} 不存在")));
        };
        let tags: Vec<String> = serde_json::from_str(&r.tags).unwrap_or_default();
        Ok(Some(domain::push::rating_record(
            &r.id,
            &r.case_number,
            &r.item_code,
            &r.department,
            &r.region,
            &r.channel,
            r.level,
            tags,
            &r.text,
            r.named != 0,
            r.rated_at,
        )))
    }
}

/// What the upper platform says it holds of the cases created since `since` (YYYY-MM-DD).
pub async fn holdings(cfg: &PushSink, since: &str) -> Result<Vec<Holding>, String> {
    let push = http(cfg);
    let url = format!("{}/holdings?since={since}", cfg.url.trim_end_matches('/'));
    let id = uuid::Uuid::now_v7().to_string();
    let body = push
        .request(hyper::Method::GET, &url, &id, "push.verify", Vec::new())
        .await
        .map_err(|(_, why)| format!("上级平台 {}：{why}", cfg.name))?;
    #[derive(serde::Deserialize)]
    struct Answer {
        cases: Vec<Holding>,
    }
    serde_json::from_slice::<Answer>(&body)
        .map(|a| a.cases)
        .map_err(|e| format!("上级平台 {} 的应答无法解析：{e}", cfg.name))
}
