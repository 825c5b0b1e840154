//! A policy's terms as its issuer writes them (文件, 发文单位, 有效期, 兑现方式, 金额, 依据) and
//! the life of a grant under it (granted → confirmed → paid), with the checks that keep a
//! grant from reaching someone the rule does not find eligible.

use serde::{Deserialize, Serialize};
use time::Date;

use super::Rule;
use crate::error::{FieldError, Problems};
use crate::payment::Fen;

/// How a policy reaches people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// 免申即享: the platform finds the eligible and grants without an application.
    Exempt,
    /// 申报: the eligible apply through a catalog item; the rule tells them they qualify.
    Apply,
}

impl Mode {
    pub const ALL: &'static [Mode] = &[Mode::Exempt, Mode::Apply];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Exempt => "exempt",
            Mode::Apply => "apply",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.iter().copied().find(|m| m.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Mode::Exempt => "免申即享",
            Mode::Apply => "依申请兑现",
        }
    }
}

/// Where a policy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyState {
    Draft,
    Published,
    /// 已停止: no new grants; those made stand.
    Withdrawn,
}

impl PolicyState {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyState::Draft => "draft",
            PolicyState::Published => "published",
            PolicyState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<PolicyState> {
        [
            PolicyState::Draft,
            PolicyState::Published,
            PolicyState::Withdrawn,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PolicyState::Draft => "草稿",
            PolicyState::Published => "已发布",
            PolicyState::Withdrawn => "已停止",
        }
    }
}

/// A policy as written: everything but its id, state and versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub title: String,
    /// 文号, e.g. 广安府办发〔2026〕12号.
    pub document: String,
    /// The issuing department's id.
    pub department: String,
    /// The region it applies in (行政区划代码).
    pub region: String,
    /// What the policy gives, in words (一次性创业补贴 …).
    pub benefit: String,
    /// The money per grant, in fen; 0 for a benefit that is not money.
    pub amount: Fen,
    /// 政策依据: the article that grants it.
    pub legal_basis: String,
    /// 政策解读 in a few lines.
    pub summary: String,
    pub mode: Mode,
    /// For 申报 policies: the catalog item through which one applies.
    pub item_code: String,
    pub valid_from: Date,
    pub valid_until: Date,
    pub rule: Rule,
}

/// At most this much per grant (a hundred million yuan): beyond it a typing slip is likelier.
pub const MAX_AMOUNT: Fen = 10_000_000_000;

impl Terms {
    /// Before saving a draft or publishing: every field present and in range, and the rule
    /// checked clause by clause (`rule.clauses[i]…`).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        let required = [
            ("title", &self.title, "政策名称", 100),
            ("document", &self.document, "政策文件（文号）", 100),
            ("department", &self.department, "发文单位", 64),
            ("region", &self.region, "适用地区", 12),
            ("benefit", &self.benefit, "扶持内容", 200),
            ("legal_basis", &self.legal_basis, "政策依据", 500),
        ];
        for (field, value, label, max) in required {
            let v = value.trim();
            if v.is_empty() {
                p.push(field, "required", format!("请填写{label}"));
            } else if v.chars().count() > max {
                p.push(field, "too_long", format!("{label}不能超过 {max} 个字"));
            }
        }
        if self.summary.chars().count() > 2000 {
            p.push("summary", "too_long", "政策解读不能超过 2000 个字");
        }
        if !self.region.trim().is_empty() && crate::ids::RegionCode::parse(&self.region).is_err() {
            p.push("region", "invalid", "适用地区应为 6 位或 12 位行政区划代码");
        }
        if !(0..=MAX_AMOUNT).contains(&self.amount) {
            p.push("amount", "invalid", "金额应在 0 至 1 亿元之间");
        }
        if self.valid_until < self.valid_from {
            p.push("valid_until", "inconsistent", "有效期的截止日早于起始日");
        }
        if self.mode == Mode::Apply && self.item_code.trim().is_empty() {
            p.push(
                "item_code",
                "required",
                "依申请兑现的政策须写明申报事项的编码",
            );
        }
        if self.mode == Mode::Exempt && !self.item_code.trim().is_empty() {
            p.push(
                "item_code",
                "inconsistent",
                "免申即享的政策无需申报，不应填写申报事项",
            );
        }
        if let Err(e) = self.rule.validate() {
            for f in e {
                p.0.push(FieldError {
                    field: format!("rule.{}", f.field),
                    ..f
                });
            }
        }
        p.into_result()
    }

    /// Whether grants may be made on `today` (within the validity).
    pub fn in_force(&self, today: Date) -> bool {
        self.valid_from <= today && today <= self.valid_until
    }
}

/// Where one grant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantState {
    /// 已认定: found eligible and told; money waits for an account.
    Granted,
    /// 已确认: the account to pay into is confirmed.
    Confirmed,
    /// 已兑付.
    Paid,
}

impl GrantState {
    pub const ALL: &'static [GrantState] =
        &[GrantState::Granted, GrantState::Confirmed, GrantState::Paid];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantState::Granted => "granted",
            GrantState::Confirmed => "confirmed",
            GrantState::Paid => "paid",
        }
    }

    pub fn parse(s: &str) -> Option<GrantState> {
        GrantState::ALL.iter().copied().find(|g| g.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            GrantState::Granted => "已认定，待确认收款账户",
            GrantState::Confirmed => "已确认账户，待兑付",
            GrantState::Paid => "已兑付",
        }
    }
}

/// What may not happen to a grant, said to the person who tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("该政策的扶持不是资金，无需确认收款账户")]
    NotMoney,
    #[error("已确认过收款账户")]
    AlreadyConfirmed,
    #[error("尚未确认收款账户，不能兑付")]
    NotConfirmed,
    #[error("已经兑付")]
    AlreadyPaid,
}

/// The holder confirms the account to be paid into.
pub fn confirm(state: GrantState, amount: Fen) -> Result<GrantState, GrantError> {
    if amount == 0 {
        return Err(GrantError::NotMoney);
    }
    match state {
        GrantState::Granted => Ok(GrantState::Confirmed),
        GrantState::Confirmed => Err(GrantError::AlreadyConfirmed),
        GrantState::Paid => Err(GrantError::AlreadyPaid),
    }
}

/// The issuing department records the payment.
pub fn pay(state: GrantState, amount: Fen) -> Result<GrantState, GrantError> {
    if amount == 0 {
        return Err(GrantError::NotMoney);
    }
    match state {
        GrantState::Confirmed => Ok(GrantState::Paid),
        GrantState::Granted => Err(GrantError::NotConfirmed),
        GrantState::Paid => Err(GrantError::AlreadyPaid),
    }
}

/// A bank account to pay a grant into, as typed: the bank's name and the account number
/// (digits, spaces allowed as people group them). Problems name `bank` and `account`.
pub fn bank_account(bank: &str, account: &str) -> Result<(String, String), Vec<FieldError>> {
    let mut p = Problems::default();
    let bank = bank.trim();
    if bank.is_empty() {
        p.push("bank", "required", "请填写开户银行");
    } else if bank.chars().count() > 60 {
        p.push("bank", "too_long", "开户银行不能超过 60 个字");
    }
    let number: String = account.chars().filter(|c| !c.is_whitespace()).collect();
    if number.is_empty() {
        p.push("account", "required", "请填写银行账号");
    } else if !number.chars().all(|c| c.is_ascii_digit()) || !(8..=32).contains(&number.len()) {
        p.push("account", "invalid", "银行账号应为 8 至 32 位数字");
    }
    p.into_result()?;
    Ok((bank.to_string(), number))
}

/// An account number as shown to anyone: the last four digits.
pub fn mask_account(number: &str) -> String {
    let n = number.chars().count();
    let tail: String = number.chars().skip(n.saturating_sub(4)).collect();
    format!("****{tail}")
}
