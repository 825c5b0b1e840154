//! The simulated applicants and staff: each worker runs whole lifecycles one after another
//! over HTTP, as the applicant for the applicant's steps and as a clerk, reviewer or approver
//! (sessions shared round-robin) for the staff's, timing every request by kind.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use domain::account::Role;
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::http::{Body, Http, Session, multipart_file};

/// The kinds of request a lifecycle makes, in order of first use.
pub const KINDS: [&str; 15] = [
    "start",
    "upload",
    "edit",
    "submit",
    "queue",
    "request_supplement",
    "supply",
    "accept",
    "view",
    "claim",
    "complete_step",
    "approve",
    "issue",
    "complete",
    "progress_page",
];

fn kind_index(k: &str) -> usize {
    KINDS.iter().position(|x| *x == k).unwrap_or(0)
}

/// The form a lifecycle fills in.
pub fn form_data() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("lost_on".to_string(), "2026-11-20".to_string()),
        ("lost_how".to_string(), "遗失".to_string()),
        ("delivery".to_string(), "邮寄送达".to_string()),
        (
            "address".to_string(),
            "四川省广安市广安区中心街 1 号".to_string(),
        ),
        ("phone".to_string(), "13800001234".to_string()),
    ])
}

/// What every worker shares.
pub struct Shared {
    pub http: Http,
    pub item_code: String,
    /// Roles of the review steps after acceptance, the last one deciding.
    pub steps: Vec<Role>,
    pub supplement_share: f64,
    pub clerks: Vec<Session>,
    pub reviewers: Vec<Session>,
    pub approvers: Vec<Session>,
    pub budget: Budget,
    pub completed: AtomicU64,
    pub requests: AtomicU64,
    pub failed: AtomicU64,
}

/// When to stop: after a number of lifecycles, or at a time.
pub struct Budget {
    pub remaining: std::sync::atomic::AtomicI64,
    pub until: Option<Instant>,
}

impl Budget {
    fn take(&self) -> bool {
        if self.until.is_some_and(|u| Instant::now() >= u) {
            return false;
        }
        self.remaining.fetch_sub(1, Ordering::Relaxed) > 0
    }
}

/// One worker's measurements.
#[derive(Default)]
pub struct Tally {
    /// Latencies in microseconds, per kind.
    pub latencies: Vec<Vec<u32>>,
    /// Errors: "kind: what" → count.
    pub errors: BTreeMap<String, u64>,
    /// Completed cases (id, number), for the checks afterwards.
    pub cases: Vec<String>,
}

struct Failure {
    kind: &'static str,
    what: String,
}

struct Worker<'a> {
    s: &'a Shared,
    me: Session,
    tail: String,
    tally: Tally,
    pdf: Vec<u8>,
    jpeg: Vec<u8>,
    n: usize,
    uploads: u64,
}

/// ~100 KB of file content with the given magic bytes, unique per call (the server stores
/// files by content, and real uploads differ).
fn file(magic: &[u8], size: usize, seed: u64) -> Vec<u8> {
    let mut v = magic.to_vec();
    let mut rng = crate::Rng(seed | 1);
    while v.len() < size {
        v.extend_from_slice(&rng.next().to_le_bytes());
    }
    v
}

impl Worker<'_> {
    fn stamp(&mut self, which: u8) {
        // Make this upload's bytes unique: worker and upload count.
        self.uploads += 1;
        let tag = format!("{:08x}{:08x}{which}", self.n, self.uploads);
        let at = 16;
        let buf = if which == 0 {
            &mut self.pdf
        } else {
            &mut self.jpeg
        };
        buf[at..at + tag.len()].copy_from_slice(tag.as_bytes());
    }

    async fn call(
        &mut self,
        kind: &'static str,
        method: Method,
        path: &str,
        who: Option<&Session>,
        body: Body,
        expect: StatusCode,
    ) -> Result<Value, Failure> {
        let fail = |what: String| Failure { kind, what };
        self.s.requests.fetch_add(1, Ordering::Relaxed);
        let a = self
            .s
            .http
            .send(method, path, who, body)
            .await
            .map_err(|e| fail(format!("连接失败：{e}")))?;
        let us = a.took.as_micros().min(u32::MAX as u128) as u32;
        self.tally.latencies[kind_index(kind)].push(us);
        if a.status.is_server_error() {
            // The body only carries a request id; the server log has the cause.
            return Err(fail(format!("HTTP {}（详见服务日志）", a.status.as_u16())));
        }
        if a.status != expect {
            return Err(fail(format!("HTTP {}：{}", a.status.as_u16(), a.snippet())));
        }
        if kind == "progress_page" {
            return Ok(Value::Null);
        }
        a.json().map_err(|e| fail(format!("不是 JSON：{e}")))
    }

    async fn command(
        &mut self,
        kind: &'static str,
        id: &str,
        who: &Session,
        cmd: Value,
    ) -> Result<Value, Failure> {
        let path = format!("/api/v1/cases/{id}/commands");
        self.call(
            kind,
            Method::POST,
            &path,
            Some(who),
            Body::Json(cmd),
            StatusCode::OK,
        )
        .await
    }

    fn staff(&self, role: Role, k: usize) -> Session {
        let pool = match role {
            Role::Clerk => &self.s.clerks,
            Role::Reviewer => &self.s.reviewers,
            _ => &self.s.approvers,
        };
        pool[k % pool.len()].clone()
    }

    async fn lifecycle(&mut self, k: usize) -> Result<(), Failure> {
        let me = self.me.clone();
        let start = json!({ "item_code": self.s.item_code });
        let c = self
            .call(
                "start",
                Method::POST,
                "/api/v1/cases",
                Some(&me),
                Body::Json(start),
                StatusCode::CREATED,
            )
            .await?;
        let id = c["id"].as_str().unwrap_or_default().to_string();
        if c["materials"]["申请人居民户口簿"]["how"] != "license" {
            return Err(Failure {
                kind: "start",
                what: "户口簿未由电子证照自动提供".into(),
            });
        }
        // The files go up first; one edit then saves the form and both materials.
        let mut materials = serde_json::Map::new();
        for (name, which) in [
            ("居民身份证申领登记表", 0u8),
            ("现场采集的人像和指纹信息", 1),
        ] {
            self.stamp(which);
            let body = if which == 0 {
                multipart_file("居民身份证申领登记表.pdf", "application/pdf", &self.pdf)
            } else {
                multipart_file("人像.jpg", "image/jpeg", &self.jpeg)
            };
            let p = self
                .call(
                    "upload",
                    Method::POST,
                    "/api/v1/uploads",
                    Some(&me),
                    body,
                    StatusCode::OK,
                )
                .await?;
            materials.insert(name.to_string(), p["provision"].clone());
        }
        let edit = json!({ "command": "edit", "form": form_data(), "materials": materials });
        self.command("edit", &id, &me, edit).await?;
        let c = self
            .command("submit", &id, &me, json!({ "command": "submit" }))
            .await?;
        let number = c["number"].as_str().unwrap_or_default().to_string();

        let clerk = self.staff(Role::Clerk, k);
        self.call(
            "queue",
            Method::GET,
            "/api/v1/cases?queue=clerk&limit=20",
            Some(&clerk),
            Body::Empty,
            StatusCode::OK,
        )
        .await?;
        // A deterministic share of cases gets a 一次性告知 and is answered.
        let share = (self.s.supplement_share * 1000.0) as usize;
        if (k * 7919 + self.n) % 1000 < share {
            let ask = json!({
                "command": "request_supplement",
                "materials": ["现场采集的人像和指纹信息"],
                "fields": [],
                "note": "人像照片模糊，请重新采集"
            });
            self.command("request_supplement", &id, &clerk, ask).await?;
            self.stamp(1);
            // A retake is other content than the photo found wanting.
            let mut retake = self.jpeg.clone();
            retake.extend_from_slice(format!("retake {k}").as_bytes());
            let body = multipart_file("人像（重拍）.jpg", "image/jpeg", &retake);
            let path = format!("/api/v1/cases/{id}/materials/2");
            let p = self
                .call(
                    "upload",
                    Method::POST,
                    &path,
                    Some(&me),
                    body,
                    StatusCode::OK,
                )
                .await?;
            let supply = json!({
                "command": "supply",
                "form": {},
                "materials": { "现场采集的人像和指纹信息": p["provision"] }
            });
            self.command("supply", &id, &me, supply).await?;
        }
        let accept = json!({ "command": "accept", "tolerate": [], "commitment": false });
        self.command("accept", &id, &clerk, accept).await?;

        let steps = self.s.steps.clone();
        for (i, role) in steps.iter().enumerate() {
            // The next colleague for each step (separation of duties).
            let who = self.staff(*role, k + i);
            let last = i + 1 == steps.len();
            if i == 0 || last {
                // The first reviewer and the decider read the case and its materials.
                let path = format!("/api/v1/cases/{id}");
                self.call(
                    "view",
                    Method::GET,
                    &path,
                    Some(&who),
                    Body::Empty,
                    StatusCode::OK,
                )
                .await?;
            }
            self.command("claim", &id, &who, json!({ "command": "claim" }))
                .await?;
            if last {
                let approve = json!({
                    "command": "approve",
                    "reason": "符合补领条件",
                    "legal_basis": "《中华人民共和国居民身份证法》第十一条"
                });
                self.command("approve", &id, &who, approve).await?;
            } else {
                let done = json!({ "command": "complete_step", "opinion": "材料齐全，同意" });
                self.command("complete_step", &id, &who, done).await?;
            }
        }
        let issue = json!({ "command": "issue", "delivery": { "by": "electronic" } });
        let c = self.command("issue", &id, &clerk, issue).await?;
        if c["state"] != "completed" {
            let c = self
                .command("complete", &id, &clerk, json!({ "command": "complete" }))
                .await?;
            if c["state"] != "completed" {
                return Err(Failure {
                    kind: "complete",
                    what: format!("办结后状态为 {}", c["state"]),
                });
            }
        }
        let path = format!("/progress?number={number}&tail={}", self.tail);
        self.call(
            "progress_page",
            Method::GET,
            &path,
            None,
            Body::Empty,
            StatusCode::OK,
        )
        .await?;
        self.tally.cases.push(id);
        Ok(())
    }
}

/// Runs one worker until the budget is spent.
pub async fn run_worker(s: Arc<Shared>, n: usize, me: Session, login: String) -> Tally {
    let mut w = Worker {
        s: &s,
        me,
        tail: login
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect(),
        tally: Tally {
            latencies: vec![Vec::new(); KINDS.len()],
            ..Default::default()
        },
        pdf: file(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 100 * 1024, n as u64 + 1),
        jpeg: file(
            &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0],
            100 * 1024,
            n as u64 + 7,
        ),
        n,
        uploads: 0,
    };
    let mut k = 0;
    while s.budget.take() {
        match w.lifecycle(k).await {
            Ok(()) => {
                s.completed.fetch_add(1, Ordering::Relaxed);
            }
            Err(f) => {
                s.failed.fetch_add(1, Ordering::Relaxed);
                *w.tally
                    .errors
                    .entry(format!("{}: {}", f.kind, f.what))
                    .or_default() += 1;
            }
        }
        k += 1;
    }
    w.tally
}

/// After the lifecycles: each applicant opens the wallet (亮证) and a verifier checks the
/// license QR texts through the public verification API, `per_worker` times each.
pub async fn verify_licenses(
    s: Arc<Shared>,
    me: Session,
    per_worker: usize,
) -> (Vec<u32>, BTreeMap<String, u64>) {
    let mut lat = Vec::new();
    let mut errors = BTreeMap::new();
    let mut fail = |e: String| *errors.entry(format!("license_verify: {e}")).or_insert(0) += 1;
    let wallet = match s
        .http
        .send(Method::GET, "/api/v1/licenses", Some(&me), Body::Empty)
        .await
    {
        Ok(a) if a.status == StatusCode::OK => a.json().unwrap_or_default(),
        Ok(a) => {
            fail(format!("证照夹 HTTP {}", a.status.as_u16()));
            return (lat, errors);
        }
        Err(e) => {
            fail(format!("证照夹：{e}"));
            return (lat, errors);
        }
    };
    let tokens: Vec<String> = wallet["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["status"] == "valid")
        .filter_map(|l| l["token"].as_str().map(str::to_string))
        .collect();
    if tokens.is_empty() {
        fail("证照夹中没有有效证照".into());
        return (lat, errors);
    }
    for i in 0..per_worker {
        let path = format!("/api/v1/licenses/verify?token={}", tokens[i % tokens.len()]);
        match s.http.send(Method::GET, &path, None, Body::Empty).await {
            Ok(a) if a.status == StatusCode::OK => {
                lat.push(a.took.as_micros().min(u32::MAX as u128) as u32);
                let v = a.json().unwrap_or_default();
                if v["signature_valid"] != true || v["status"] != "valid" {
                    fail(format!("有效证照核验未通过：{}", a.snippet()));
                }
            }
            Ok(a) => fail(format!("HTTP {}", a.status.as_u16())),
            Err(e) => fail(e.to_string()),
        }
    }
    (lat, errors)
}
