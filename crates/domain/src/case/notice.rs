//! The written notices of a case (行政许可法 art. 32, 38): 受理通知书, 补正材料通知书 (the
//! one-time notice), 不予受理通知书 and the 准予/不予行政许可决定书. Their wording follows from
//! the case alone; the app adds the department, the applicant and where to rate.

use time::OffsetDateTime;

use super::{Case, CaseState};
use crate::calendar::china_date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Supplement,
    Reject,
    Accept,
    Decision,
}

impl NoticeKind {
    pub const ALL: &'static [NoticeKind] = &[
        NoticeKind::Supplement,
        NoticeKind::Reject,
        NoticeKind::Accept,
        NoticeKind::Decision,
    ];

    /// The name in addresses (`/cases/{id}/notices/{name}`).
    pub fn name(self) -> &'static str {
        match self {
            NoticeKind::Supplement => "supplement",
            NoticeKind::Reject => "reject",
            NoticeKind::Accept => "accept",
            NoticeKind::Decision => "decision",
        }
    }

    pub fn parse(name: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// The notices a case has produced so far.
    pub fn of(c: &Case) -> Vec<NoticeKind> {
        let mut v = Vec::new();
        if c.supplement.is_some() {
            v.push(NoticeKind::Supplement);
        }
        if c.state == CaseState::RejectedAtIntake {
            v.push(NoticeKind::Reject);
        }
        if c.accepted_at.is_some() {
            v.push(NoticeKind::Accept);
        }
        if c.decision.is_some() {
            v.push(NoticeKind::Decision);
        }
        v
    }
}

/// A notice's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeText {
    pub title: String,
    /// 文号, e.g. 市场监管局受字〔2026〕第 5116002026112700001 号.
    pub number: String,
    pub date: String,
    pub paragraphs: Vec<String>,
}

/// A date as notices print it: 2026年12月2日.
pub fn notice_date(t: OffsetDateTime) -> String {
    let d = china_date(t);
    format!("{}年{}月{}日", d.year(), d.month() as u8, d.day())
}

/// The text of a notice of `kind`, or None when the case has not produced it.
/// `department_short` is the issuing department's short name (for the 文号); `promised`
/// explains the promised deadline, printed on the acceptance notice.
pub fn compose(
    c: &Case,
    kind: NoticeKind,
    department_short: &str,
    promised: Option<&str>,
) -> Option<NoticeText> {
    let year = china_date(c.submitted_at.unwrap_or(c.created_at)).year();
    let number = |word: &str| format!("{department_short}{word}字〔{year}〕第 {} 号", c.number);
    let item = &c.item_name;
    let text =
        |title: &str, number: String, at: OffsetDateTime, paragraphs: Vec<String>| NoticeText {
            title: title.to_string(),
            number,
            date: notice_date(at),
            paragraphs,
        };
    Some(match kind {
        NoticeKind::Supplement => {
            let n = c.supplement.as_ref()?;
            let mut p = vec![format!(
                "你（单位）于{}提出的{}申请，经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条的规定，现一次性告知需要补正的全部内容如下：",
                notice_date(c.submitted_at.unwrap_or(c.created_at)),
                item
            )];
            p.extend(
                n.materials
                    .iter()
                    .enumerate()
                    .map(|(i, m)| format!("{}. {}", i + 1, m)),
            );
            p.extend(n.fields.iter().map(|f| format!("表单项目：{f}")));
            if !n.note.is_empty() {
                p.push(format!("说明：{}", n.note));
            }
            p.push("请补齐上述全部材料后重新提交。".into());
            text("补正材料通知书", number("补"), n.issued_at, p)
        }
        NoticeKind::Reject => text(
            "不予受理通知书",
            number("不受"),
            c.closed_at.unwrap_or(c.created_at),
            vec![
                format!("你（单位）提出的{item}申请，经审查，决定不予受理。"),
                format!("理由：{}", c.close_reason),
                "如不服本决定，可以依法申请行政复议或者提起行政诉讼。".into(),
            ],
        ),
        NoticeKind::Accept => {
            let mut p = vec![format!(
                "你（单位）提出的{item}申请，申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。"
            )];
            if let Some(e) = promised {
                p.push(format!("承诺办结期限：{e}。"));
            }
            p.push(format!(
                "办件编号：{}。可凭办件编号查询办理进度。",
                c.number
            ));
            text(
                "受理通知书",
                number("受"),
                c.accepted_at.unwrap_or(c.created_at),
                p,
            )
        }
        NoticeKind::Decision => {
            let d = c.decision.as_ref()?;
            let mut p = vec![format!(
                "你（单位）提出的{item}申请，本机关已依法受理并审查。"
            )];
            if d.approved {
                let basis = match d.legal_basis.is_empty() {
                    true => "有关法律法规的规定",
                    false => d.legal_basis.as_str(),
                };
                p.push(format!(
                    "经审查，{}。根据{basis}，决定准予行政许可。",
                    d.reason
                ));
                if let Some(rule) = &d.by_rule {
                    p.push(format!("本决定由系统依据审批规则“{rule}”自动作出。"));
                }
                text("准予行政许可决定书", number("许"), d.at, p)
            } else {
                p.push(format!(
                    "经审查，{}。根据{}，决定不予行政许可。",
                    d.reason, d.legal_basis
                ));
                p.push("如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。".into());
                text("不予行政许可决定书", number("不许"), d.at, p)
            }
        }
    })
}
