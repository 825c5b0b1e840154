//! 体外循环: cases that look handled outside the platform and entered after the fact. Three
//! signals, each with the evidence a supervisor needs to judge it: a person served at a window
//! (queue ticket finished, no case linked) whose case was entered a day or more later; many
//! window cases entered in a burst by one person; a decision seconds after acceptance for an
//! item that is not 即办 (its review steps cannot have been done in that time). A signal is a
//! suspicion, not a finding: the supervisor confirms or dismisses it with a note.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::calendar::CHINA_OFFSET;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// 先办后录: served at the window, entered much later.
    LateEntry,
    /// 集中补录: many cases entered by one person in a few minutes.
    Burst,
    /// 秒批异常: a 承诺件 decided seconds after acceptance.
    QuickDecision,
}

impl Signal {
    pub const ALL: &'static [Signal] = &[Signal::LateEntry, Signal::Burst, Signal::QuickDecision];

    pub fn as_str(self) -> &'static str {
        match self {
            Signal::LateEntry => "late_entry",
            Signal::Burst => "burst",
            Signal::QuickDecision => "quick_decision",
        }
    }

    pub fn parse(s: &str) -> Option<Signal> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Signal::LateEntry => "先办后录",
            Signal::Burst => "集中补录",
            Signal::QuickDecision => "受理后数秒即决定",
        }
    }
}

/// When a signal is raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// A case entered this many hours or more after its window service.
    pub late_hours: i64,
    /// This many window cases by one person …
    pub burst_count: usize,
    /// … within this many minutes.
    pub burst_minutes: i64,
    /// A 承诺件 decided within this many seconds of acceptance.
    pub quick_seconds: i64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            late_hours: 24,
            burst_count: 10,
            burst_minutes: 15,
            quick_seconds: 120,
        }
    }
}

/// A case as the detection reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub case_id: String,
    pub number: String,
    pub applicant: String,
    /// Who entered it (the creating actor) and whether at the window.
    pub entered_by: String,
    pub at_window: bool,
    pub entered_at: OffsetDateTime,
    pub accepted_at: Option<OffsetDateTime>,
    pub decided_at: Option<OffsetDateTime>,
    /// Who decided (the holder of the last step, or the window).
    pub decided_by: String,
    /// The item has review steps (not 即办), and how many.
    pub review_steps: usize,
    /// Decided by a 秒批 rule (no person): quick by design.
    pub by_rule: bool,
}

/// A finished window service with no case linked to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub ticket: String,
    pub account: String,
    pub hall: String,
    pub finished_at: OffsetDateTime,
}

/// One suspicion: the case it is about (a burst: its first case), who, and why in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspicion {
    pub signal: Signal,
    pub case_id: String,
    pub staff: String,
    pub evidence: String,
}

fn hm(t: OffsetDateTime) -> String {
    let t = t.to_offset(CHINA_OFFSET);
    format!(
        "{} {:02}:{:02}:{:02}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Every suspicion the entries and services show, in a stable order.
pub fn detect(entries: &[Entry], served: &[Served], rules: &Rules) -> Vec<Suspicion> {
    let mut out = Vec::new();
    // 先办后录: the latest earlier service of the same person, at least `late_hours` before.
    for e in entries.iter().filter(|e| e.at_window) {
        let late = served
            .iter()
            .filter(|s| {
                s.account == e.applicant
                    && e.entered_at - s.finished_at >= Duration::hours(rules.late_hours)
                    && e.entered_at - s.finished_at <= Duration::days(30)
            })
            .max_by_key(|s| s.finished_at);
        if let Some(s) = late {
            let gap = e.entered_at - s.finished_at;
            out.push(Suspicion {
                signal: Signal::LateEntry,
                case_id: e.case_id.clone(),
                staff: e.entered_by.clone(),
                evidence: format!(
                    "申请人在{}取号（{}），{} 窗口办理完毕且未关联办件；办件 {} 于 {} 才录入，相隔 {} 小时",
                    s.hall,
                    s.ticket,
                    hm(s.finished_at),
                    e.number,
                    hm(e.entered_at),
                    gap.whole_hours()
                ),
            });
        }
    }
    // 集中补录: per person, a window of `burst_minutes` holding `burst_count` entries; one
    // suspicion per burst, then the scan resumes after it.
    let mut by_person: std::collections::BTreeMap<&str, Vec<&Entry>> = Default::default();
    for e in entries.iter().filter(|e| e.at_window) {
        by_person.entry(&e.entered_by).or_default().push(e);
    }
    let span = Duration::minutes(rules.burst_minutes);
    for (who, mut list) in by_person {
        list.sort_by_key(|e| (e.entered_at, e.case_id.clone()));
        let mut i = 0;
        while i < list.len() {
            let end = list[i..]
                .iter()
                .take_while(|e| e.entered_at - list[i].entered_at <= span)
                .count();
            if rules.burst_count > 0 && end >= rules.burst_count {
                let burst = &list[i..i + end];
                out.push(Suspicion {
                    signal: Signal::Burst,
                    case_id: burst[0].case_id.clone(),
                    staff: who.to_string(),
                    evidence: format!(
                        "{} 至 {} 的 {} 分钟内录入窗口办件 {} 件：{}",
                        hm(burst[0].entered_at),
                        hm(burst[end - 1].entered_at),
                        (burst[end - 1].entered_at - burst[0].entered_at).whole_minutes(),
                        end,
                        burst
                            .iter()
                            .map(|e| e.number.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                });
                i += end;
            } else {
                i += 1;
            }
        }
    }
    // 受理后数秒即决定: a person decided a 承诺件 with review steps almost at once.
    for e in entries.iter().filter(|e| e.review_steps > 0 && !e.by_rule) {
        let (Some(a), Some(d)) = (e.accepted_at, e.decided_at) else {
            continue;
        };
        let took = d - a;
        if took < Duration::seconds(rules.quick_seconds) && took >= Duration::ZERO {
            out.push(Suspicion {
                signal: Signal::QuickDecision,
                case_id: e.case_id.clone(),
                staff: e.decided_by.clone(),
                evidence: format!(
                    "办件 {} {} 受理，{} 即作出决定，相隔 {} 秒；该事项为承诺件，须经 {} 个审批环节",
                    e.number,
                    hm(a),
                    hm(d),
                    took.whole_seconds(),
                    e.review_steps
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn entry(i: usize, who: &str, at: OffsetDateTime) -> Entry {
        Entry {
            case_id: format!("c{i:03}"),
            number: format!("N{i:03}"),
            applicant: format!("a{i}"),
            entered_by: who.into(),
            at_window: true,
            entered_at: at,
            accepted_at: None,
            decided_at: None,
            decided_by: String::new(),
            review_steps: 0,
            by_rule: false,
        }
    }

    const T0: OffsetDateTime = datetime!(2026-11-02 09:00 +8);

    #[test]
    fn a_person_served_yesterday_whose_case_is_entered_today() {
        let mut e = entry(1, "clerk", T0 + Duration::hours(30));
        e.applicant = "p".into();
        let s = Served {
            ticket: "A012".into(),
            account: "p".into(),
            hall: "区政务服务中心".into(),
            finished_at: T0,
        };
        let got = detect(&[e.clone()], std::slice::from_ref(&s), &Rules::default());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].signal, Signal::LateEntry);
        assert!(
            got[0].evidence.contains("相隔 30 小时"),
            "{}",
            got[0].evidence
        );
        // The same day is normal work; another person's service says nothing.
        e.entered_at = T0 + Duration::hours(2);
        assert!(detect(&[e.clone()], std::slice::from_ref(&s), &Rules::default()).is_empty());
        e.entered_at = T0 + Duration::hours(30);
        e.applicant = "q".into();
        assert!(detect(&[e], &[s], &Rules::default()).is_empty());
    }

    #[test]
    fn a_decision_seconds_after_acceptance_is_suspect_only_for_items_with_review() {
        let mut e = entry(1, "clerk", T0);
        e.accepted_at = Some(T0);
        e.decided_at = Some(T0 + Duration::seconds(20));
        assert!(
            detect(&[e.clone()], &[], &Rules::default()).is_empty(),
            "即办"
        );
        e.review_steps = 3;
        let got = detect(&[e.clone()], &[], &Rules::default());
        assert_eq!(got[0].signal, Signal::QuickDecision);
        assert!(got[0].evidence.contains("相隔 20 秒"));
        e.by_rule = true;
        assert!(detect(&[e], &[], &Rules::default()).is_empty(), "秒批 rule");
    }

    proptest! {
        #[test]
        fn a_burst_is_raised_once_exactly_when_enough_entries_fall_within_the_span(
            gaps in prop::collection::vec(0i64..240, 1..30),
        ) {
            let rules = Rules::default();
            let mut at = T0;
            let entries: Vec<Entry> = gaps
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    at += Duration::seconds(*g);
                    entry(i, "clerk", at)
                })
                .collect();
            let got: Vec<_> = detect(&entries, &[], &rules)
                .into_iter()
                .filter(|s| s.signal == Signal::Burst)
                .collect();
            // Some window of the span holds enough entries?
            let any = (0..entries.len()).any(|i| {
                entries[i..]
                    .iter()
                    .take_while(|e| e.entered_at - entries[i].entered_at <= Duration::minutes(rules.burst_minutes))
                    .count()
                    >= rules.burst_count
            });
            prop_assert_eq!(any, !got.is_empty());
            // No case starts two bursts; each burst names at least `burst_count` cases.
            let mut firsts: Vec<_> = got.iter().map(|s| &s.case_id).collect();
            firsts.dedup();
            prop_assert_eq!(firsts.len(), got.len());
        }
    }
}
