//! `audit verify`: recomputes every case's chain and the administration chain, checks that
//! each chain ends where its case says and that the case's state column agrees with its
//! record, and, given a checkpoint kept off the server, that nothing it covered was rewritten
//! or removed since. Read-only: it runs beside a live server.

use std::collections::{BTreeMap, VecDeque};

use sm3::{Digest, Sm3};
use store::cases::{self as sc, CaseSeal};

use super::{Checkpoint, GENESIS, Head, hash};
use crate::{App, Result};

/// A broken link: in a case's chain, or in the administration chain (`case_id` "admin").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Broken {
    pub case_id: String,
    pub seq: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VerifyReport {
    pub cases: usize,
    pub events: usize,
    pub admin_events: usize,
    /// Cases the checkpoint covered (when one was given).
    pub checkpoint_cases: Option<usize>,
    pub broken: Vec<Broken>,
}

/// The SM3 of a case's stored record, as a checkpoint keeps it.
pub(super) fn digest(data: &str) -> String {
    hex::encode(Sm3::digest(data.as_bytes()))
}

/// One case's chain as read so far.
struct Chain {
    seal: Option<CaseSeal>,
    case_id: String,
    last: Option<(i64, String)>,
    broken: bool,
    /// The checkpoint's head of this case, checked when the chain passes its place.
    expected: Option<Head>,
    met_checkpoint: bool,
}

/// Recomputes every chain, a page at a time; `progress` hears the events checked so far.
pub async fn verify(
    app: &App,
    checkpoint: Option<&Checkpoint>,
    mut progress: impl FnMut(usize),
) -> Result<VerifyReport> {
    let mut report = VerifyReport {
        checkpoint_cases: checkpoint.map(|c| c.heads.len()),
        ..Default::default()
    };
    let mut expected: BTreeMap<&str, &Head> = checkpoint
        .map(|c| c.heads.iter().map(|h| (h.case.as_str(), h)).collect())
        .unwrap_or_default();
    let mut c = app.store.conn().await?;
    let mut seals = Seals::default();
    let (mut after_case, mut after_seq) = (String::new(), 0i64);
    let mut chain: Option<Chain> = None;
    let (mut prev_hash, mut expected_seq) = (GENESIS.to_string(), 1i64);
    loop {
        let page = sc::events_after(&mut c, &after_case, after_seq, 1000).await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            if chain.as_ref().is_none_or(|ch| ch.case_id != e.case_id) {
                if let Some(done) = chain.take() {
                    finish(done, &mut report);
                }
                // Cases before this one in id order have no events at all.
                while let Some(s) = seals.next_before(&mut c, &e.case_id).await? {
                    let head = expected.remove(s.id.as_str()).cloned();
                    finish(chain_of(Some(s), head), &mut report);
                }
                let seal = seals.take_if(&mut c, &e.case_id).await?;
                let head = expected.remove(e.case_id.as_str()).cloned();
                let mut ch = chain_of(seal, head);
                ch.case_id = e.case_id.clone();
                chain = Some(ch);
                prev_hash = GENESIS.to_string();
                expected_seq = 1;
                report.cases += 1;
            }
            let Some(ch) = chain.as_mut() else {
                continue;
            };
            report.events += 1;
            let problem = if e.seq != expected_seq {
                Some(format!(
                    "缺少第 {expected_seq} 条记录（下一条是第 {} 条）",
                    e.seq
                ))
            } else if e.prev_hash != prev_hash {
                Some("前序哈希与上一条记录不符（记录被删除或替换）".to_string())
            } else if hash(
                &e.prev_hash,
                e.seq,
                e.at,
                &e.actor,
                &e.role,
                &e.kind,
                &e.payload,
            ) != e.hash
            {
                Some("内容与哈希不符（记录被修改）".to_string())
            } else if let Some(h) = &ch.expected
                && h.seq == e.seq
                && h.hash != e.hash
            {
                Some("与检查点不符：该记录在检查点之后被改写（哈希链被重新计算）".to_string())
            } else {
                None
            };
            if ch.expected.as_ref().is_some_and(|h| h.seq == e.seq) {
                ch.met_checkpoint = true;
            }
            if let Some(reason) = problem {
                flag(&mut report, ch, e.seq, reason);
            }
            prev_hash = e.hash.clone();
            expected_seq = e.seq + 1;
            ch.last = Some((e.seq, e.hash.clone()));
        }
        let last = &page[page.len() - 1];
        after_case = last.case_id.clone();
        after_seq = last.seq;
        progress(report.events);
    }
    if let Some(done) = chain.take() {
        finish(done, &mut report);
    }
    while let Some(s) = seals.next_before(&mut c, "\u{10ffff}").await? {
        let head = expected.remove(s.id.as_str()).cloned();
        finish(chain_of(Some(s), head), &mut report);
    }
    for (case, h) in expected {
        report.broken.push(Broken {
            case_id: case.to_string(),
            seq: h.seq,
            reason: "检查点中的办件已不存在（办件及其记录被删除）".into(),
        });
    }
    verify_admin(&mut c, checkpoint, &mut report).await?;
    Ok(report)
}

fn chain_of(seal: Option<CaseSeal>, expected: Option<Head>) -> Chain {
    Chain {
        case_id: seal.as_ref().map(|s| s.id.clone()).unwrap_or_default(),
        seal,
        last: None,
        broken: false,
        expected,
        met_checkpoint: false,
    }
}

/// Reports a case's first problem only: the rest of a broken chain follows from it.
fn flag(report: &mut VerifyReport, ch: &mut Chain, seq: i64, reason: String) {
    if !ch.broken {
        ch.broken = true;
        report.broken.push(Broken {
            case_id: ch.case_id.clone(),
            seq,
            reason,
        });
    }
}

/// The checks once a case's chain has been read: it ends where the case says, the case's
/// state column agrees with its record, and what the checkpoint saw is still there.
fn finish(mut ch: Chain, report: &mut VerifyReport) {
    let last_seq = ch.last.as_ref().map(|l| l.0).unwrap_or(0);
    let Some(seal) = ch.seal.take() else {
        flag(
            report,
            &mut ch,
            last_seq,
            "办件记录已不存在，只剩操作记录".into(),
        );
        return;
    };
    let last = ch.last.clone();
    match (&last, seal.head_seq, &seal.head_hash) {
        (None, Some(h), _) => flag(
            report,
            &mut ch,
            h,
            "整条操作记录被删除（办件登记有记录，链中一条也没有）".into(),
        ),
        (Some((seq, _)), Some(h), _) if *seq < h => flag(
            report,
            &mut ch,
            seq + 1,
            format!("链只到第 {seq} 条，办件登记到第 {h} 条（末尾记录被删除）"),
        ),
        (Some((seq, hash)), Some(h), Some(hh)) if *seq == h && hash != hh => flag(
            report,
            &mut ch,
            *seq,
            "末条记录与办件登记的哈希不符（记录被替换）".into(),
        ),
        _ => {}
    }
    #[derive(serde::Deserialize)]
    struct StateOnly {
        state: String,
    }
    let recorded = serde_json::from_str::<StateOnly>(&seal.data)
        .map(|s| s.state)
        .unwrap_or_default();
    if recorded != seal.state {
        flag(
            report,
            &mut ch,
            last_seq,
            format!(
                "办件状态列为“{}”，办件数据为“{recorded}”（状态被改动）",
                seal.state
            ),
        );
    }
    if let Some(h) = ch.expected.clone() {
        if h.seq > last_seq {
            flag(
                report,
                &mut ch,
                last_seq + 1,
                format!(
                    "检查点时已有 {} 条记录，现在只有 {last_seq} 条（记录被删除）",
                    h.seq
                ),
            );
        } else if h.seq == last_seq && (h.state != seal.state || h.data != digest(&seal.data)) {
            flag(
                report,
                &mut ch,
                last_seq,
                "检查点之后没有新记录，办件数据却变了（办件被直接改动）".into(),
            );
        } else if !ch.met_checkpoint {
            flag(report, &mut ch, h.seq, "检查点所记的记录已不在链中".into());
        }
    }
}

async fn verify_admin(
    c: &mut store::Connection,
    checkpoint: Option<&Checkpoint>,
    report: &mut VerifyReport,
) -> Result<()> {
    let (mut prev, mut next_seq) = (GENESIS.to_string(), 1i64);
    let broke = |seq: i64, reason: String, report: &mut VerifyReport| {
        if !report.broken.iter().any(|b| b.case_id == "admin") {
            report.broken.push(Broken {
                case_id: "admin".into(),
                seq,
                reason,
            });
        }
    };
    let want = checkpoint.and_then(|c| c.admin.clone());
    let mut met = false;
    loop {
        let page = store::accounts::admin_events_after(c, next_seq - 1, 1000).await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            report.admin_events += 1;
            if e.seq != next_seq {
                broke(e.seq, format!("管理操作记录缺少第 {next_seq} 条"), report);
            } else if e.prev_hash != prev
                || hash(
                    &e.prev_hash,
                    e.seq,
                    e.at,
                    &e.actor,
                    &e.action,
                    &e.target,
                    &e.detail,
                ) != e.hash
            {
                broke(e.seq, "管理操作记录被修改或替换".into(), report);
            }
            if let Some((s, h)) = &want
                && *s == e.seq
            {
                met = true;
                if *h != e.hash {
                    broke(
                        e.seq,
                        "管理操作记录与检查点不符（被改写后重新计算）".into(),
                        report,
                    );
                }
            }
            prev = e.hash.clone();
            next_seq = e.seq + 1;
        }
    }
    if let Some((s, _)) = want
        && !met
    {
        broke(
            s,
            format!("检查点时已有 {s} 条管理操作记录，现在少了"),
            report,
        );
    }
    Ok(())
}

/// The case rows in id order, read a page at a time beside the events.
#[derive(Default)]
struct Seals {
    page: VecDeque<CaseSeal>,
    after: String,
    done: bool,
}

impl Seals {
    async fn peek(&mut self, c: &mut store::Connection) -> Result<Option<&CaseSeal>> {
        if self.page.is_empty() && !self.done {
            let rows = sc::seals_after(c, &self.after, 500).await?;
            self.done = rows.is_empty();
            if let Some(last) = rows.last() {
                self.after = last.id.clone();
            }
            self.page.extend(rows);
        }
        Ok(self.page.front())
    }

    /// The next case whose id sorts before `id`, if any.
    async fn next_before(
        &mut self,
        c: &mut store::Connection,
        id: &str,
    ) -> Result<Option<CaseSeal>> {
        match self.peek(c).await? {
            Some(s) if s.id.as_str() < id => Ok(self.page.pop_front()),
            _ => Ok(None),
        }
    }

    /// The case with this id, when it is next.
    async fn take_if(&mut self, c: &mut store::Connection, id: &str) -> Result<Option<CaseSeal>> {
        match self.peek(c).await? {
            Some(s) if s.id == id => Ok(self.page.pop_front()),
            _ => Ok(None),
        }
    }
}
