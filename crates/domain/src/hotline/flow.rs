//! What may happen to a ticket, by whom, from which state: one table ([`RULES`]) read by
//! [`apply`] and by the pages that offer the next steps.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

pub use super::limits::{Limits, RegionLimits};
use super::{Callback, CallbackMethod, ExtensionRequest, Reply, State, TEXT_MAX, Ticket};
use crate::calendar::{WorkCalendar, china_date};

/// Who acts, as the rules know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seat {
    /// 话务员: takes calls, answers from the knowledge base, calls back.
    Operator,
    /// 派单员: dispatches and rules on returns.
    Dispatcher,
    /// The lead department's handler (承办人).
    Handler,
    /// A handler of a 协办 department.
    CoHandler,
    /// The caller, answering an SMS callback through its one-time link.
    Caller,
}

impl Seat {
    /// The seat as the audit trail names the actor's role.
    pub fn role(self) -> &'static str {
        match self {
            Seat::Operator => "hotline_operator",
            Seat::Dispatcher => "hotline_dispatcher",
            Seat::Handler => "hotline_handler",
            Seat::CoHandler => "hotline_co_handler",
            Seat::Caller => "hotline_caller",
        }
    }
}

/// A step on a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineCommand))]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// 直接办结: answered by the operator (from an article or in own words).
    Answer {
        #[serde(default)]
        article: Option<String>,
        text: String,
    },
    /// 派单 to a lead department and 协办 departments.
    Dispatch {
        department: String,
        #[serde(default)]
        co_handlers: Vec<String>,
    },
    /// 签收.
    Accept,
    /// 退单 with a reason.
    Return { reason: String },
    /// The dispatcher's ruling on a return: upheld (back to 待派单) or refused (back to the
    /// department, which must accept).
    RuleReturn {
        upheld: bool,
        #[serde(default)]
        note: String,
    },
    /// 申请延期, once, with a reason, before the due day has passed; the dispatcher rules.
    Extend { days: u32, reason: String },
    /// The dispatcher's ruling on a pending extension request.
    RuleExtension {
        granted: bool,
        #[serde(default)]
        note: String,
    },
    /// 协办意见: a 协办 department's part, for the lead department's reply.
    CoReply { text: String },
    /// 办理结果.
    Reply {
        text: String,
        #[serde(default)]
        evidence: Vec<String>,
    },
    /// 回访. `reopen` asks for 重办 when the caller is not resolved or not satisfied.
    Callback {
        resolved: bool,
        satisfied: bool,
        method: CallbackMethod,
        #[serde(default)]
        note: String,
        #[serde(default)]
        reopen: bool,
    },
    /// 合并 into another open ticket (a duplicate).
    Merge { into: String },
    /// 短信回访: a text with a one-time link goes to the caller, who answers themself.
    AskBySms,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Answer { .. } => "answer",
            Command::Dispatch { .. } => "dispatch",
            Command::Accept => "accept",
            Command::Return { .. } => "return",
            Command::RuleReturn { .. } => "rule_return",
            Command::Extend { .. } => "extend",
            Command::RuleExtension { .. } => "rule_extension",
            Command::Reply { .. } => "reply",
            Command::CoReply { .. } => "co_reply",
            Command::Callback { .. } => "callback",
            Command::Merge { .. } => "merge",
            Command::AskBySms => "ask_by_sms",
        }
    }
}

/// One row of the table: a command, the states it starts from, the seats that may issue it.
pub struct Rule {
    pub command: &'static str,
    pub label: &'static str,
    pub from: &'static [State],
    pub seats: &'static [Seat],
}

pub const RULES: &[Rule] = &[
    Rule {
        command: "answer",
        label: "直接办结",
        from: &[State::Open],
        seats: &[Seat::Operator],
    },
    Rule {
        command: "dispatch",
        label: "派单",
        from: &[State::Open],
        seats: &[Seat::Dispatcher, Seat::Operator],
    },
    Rule {
        command: "accept",
        label: "签收",
        from: &[State::Dispatched],
        seats: &[Seat::Handler],
    },
    Rule {
        command: "return",
        label: "退单",
        from: &[State::Dispatched],
        seats: &[Seat::Handler],
    },
    Rule {
        command: "rule_return",
        label: "退单审核",
        from: &[State::Returned],
        seats: &[Seat::Dispatcher],
    },
    Rule {
        command: "extend",
        label: "申请延期",
        from: &[State::Handling],
        seats: &[Seat::Handler],
    },
    Rule {
        command: "rule_extension",
        label: "延期审核",
        from: &[State::Handling],
        seats: &[Seat::Dispatcher],
    },
    Rule {
        command: "reply",
        label: "回复办理结果",
        from: &[State::Handling],
        seats: &[Seat::Handler],
    },
    Rule {
        command: "co_reply",
        label: "提交协办意见",
        from: &[State::Dispatched, State::Handling],
        seats: &[Seat::CoHandler],
    },
    Rule {
        command: "callback",
        label: "回访",
        from: &[State::Replied],
        seats: &[Seat::Operator, Seat::Caller],
    },
    Rule {
        command: "ask_by_sms",
        label: "发送短信回访",
        from: &[State::Replied],
        seats: &[Seat::Operator],
    },
    Rule {
        command: "merge",
        label: "合并重复工单",
        from: &[State::Open, State::Dispatched],
        seats: &[Seat::Operator, Seat::Dispatcher],
    },
];

/// The commands `seats` may issue on a ticket in `state`.
pub fn allowed(state: State, seats: &[Seat]) -> Vec<&'static Rule> {
    RULES
        .iter()
        .filter(|r| r.from.contains(&state) && r.seats.iter().any(|s| seats.contains(s)))
        .collect()
}

/// Why a step was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not from this state (the message names the state).
    State(String),
    /// Not for this seat.
    Seat(String),
    /// A field is wrong: (field, message).
    Field(&'static str, String),
}

/// What a step needs to know besides the ticket.
pub struct Context<'a> {
    pub now: OffsetDateTime,
    pub calendar: &'a WorkCalendar,
    pub limits: &'a Limits,
    /// The actor's seats on this ticket (a handler only of its own department).
    pub seats: &'a [Seat],
    pub actor: &'a str,
    /// The actor's department (a handler's), if any.
    pub department: Option<&'a str>,
}

/// Applies `cmd` to `t`, or says why not. On success `t` is the ticket after the step.
pub fn apply(t: &mut Ticket, cmd: &Command, cx: &Context) -> Result<(), Refusal> {
    let rule = RULES
        .iter()
        .find(|r| r.command == cmd.name())
        .expect("every command has a rule");
    if !rule.from.contains(&t.state) {
        return Err(Refusal::State(format!(
            "工单当前为“{}”，不能{}",
            t.state.label(),
            rule.label
        )));
    }
    if !rule.seats.iter().any(|s| cx.seats.contains(s)) {
        return Err(Refusal::Seat(format!("您无权对此工单{}", rule.label)));
    }
    let text = |field: &'static str, v: &str, what: &str| -> Result<String, Refusal> {
        let v = v.trim();
        if v.is_empty() {
            Err(Refusal::Field(field, format!("{what}不能为空")))
        } else if v.chars().count() > TEXT_MAX {
            Err(Refusal::Field(
                field,
                format!("{what}不能超过 {TEXT_MAX} 个字"),
            ))
        } else {
            Ok(v.to_string())
        }
    };
    let now = cx.now;
    match cmd {
        Command::Answer { article, text: a } => {
            t.answer = text("text", a, "答复内容")?;
            t.article = article.clone().filter(|a| !a.trim().is_empty());
            t.state = State::Closed;
            t.closed_at = Some(now);
        }
        Command::Dispatch {
            department,
            co_handlers,
        } => {
            let department = department.trim();
            if department.is_empty() {
                return Err(Refusal::Field("department", "请选择承办单位".into()));
            }
            let mut co: Vec<String> = co_handlers
                .iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            if co.iter().any(|c| c == department) {
                return Err(Refusal::Field(
                    "co_handlers",
                    "主办单位不能同时是协办单位".into(),
                ));
            }
            co.sort();
            co.dedup();
            t.department = Some(department.to_string());
            t.co_handlers = co;
            t.state = State::Dispatched;
            t.dispatched_at = Some(now);
            t.respond_due = Some(now + Duration::hours(cx.limits.respond_hours as i64));
            t.due = Some(
                cx.calendar
                    .add_working_days(china_date(now), cx.limits.finish_days(t.kind)),
            );
            t.accepted_at = None;
            t.responded_in_time = None;
            t.return_reason.clear();
        }
        Command::Accept => {
            t.state = State::Handling;
            t.accepted_at = Some(now);
            if t.responded_in_time.is_none() {
                t.responded_in_time = Some(t.respond_due.is_none_or(|d| now <= d));
            }
        }
        Command::Return { reason } => {
            t.return_reason = text("reason", reason, "退单理由")?;
            t.returns += 1;
            t.state = State::Returned;
        }
        Command::RuleReturn { upheld, .. } => {
            if *upheld {
                t.state = State::Open;
                t.department = None;
                t.co_handlers.clear();
                t.dispatched_at = None;
                t.respond_due = None;
                t.due = None;
            } else {
                // Back to the same department, whose response clock kept running.
                t.state = State::Dispatched;
            }
        }
        Command::Extend { days, reason } => {
            if t.extended {
                return Err(Refusal::Field("days", "每张工单只能申请一次延期".into()));
            }
            if t.due.is_some_and(|d| china_date(now) > d) {
                return Err(Refusal::Field(
                    "days",
                    "已超过办结期限，不能再申请延期".into(),
                ));
            }
            if *days == 0 || *days > cx.limits.max_extension_days {
                return Err(Refusal::Field(
                    "days",
                    format!(
                        "延期天数应为 1 到 {} 个工作日",
                        cx.limits.max_extension_days
                    ),
                ));
            }
            let reason = text("reason", reason, "延期理由")?;
            t.extension = Some(ExtensionRequest {
                days: *days,
                reason,
                granted: None,
            });
            t.extended = true;
        }
        Command::RuleExtension { granted, .. } => {
            let Some(req) = t.extension.as_mut().filter(|r| r.granted.is_none()) else {
                return Err(Refusal::State("没有待审核的延期申请".into()));
            };
            req.granted = Some(*granted);
            if *granted {
                let from = t.due.unwrap_or_else(|| china_date(now));
                t.due = Some(cx.calendar.add_working_days(from, req.days));
            }
        }
        Command::Reply { text: r, evidence } => {
            if evidence.len() > 9 {
                return Err(Refusal::Field("evidence", "佐证材料最多 9 个".into()));
            }
            t.reply = Some(Reply {
                text: text("text", r, "办理结果")?,
                evidence: evidence.clone(),
                at: now,
                by: cx.actor.to_string(),
            });
            t.state = State::Replied;
        }
        Command::Callback {
            resolved,
            satisfied,
            method,
            note,
            reopen,
        } => {
            if note.chars().count() > TEXT_MAX {
                return Err(Refusal::Field("note", "回访记录过长".into()));
            }
            if !cx.seats.contains(&Seat::Operator) {
                super::callback::check_callers_answer(t, *method, *resolved, *satisfied, *reopen)?;
            }
            let content = *resolved && *satisfied;
            if *reopen && content {
                return Err(Refusal::Field(
                    "reopen",
                    "群众已解决且满意，无需重办".into(),
                ));
            }
            if *reopen && t.reopened >= 1 {
                return Err(Refusal::Field("reopen", "每张工单只能重办一次".into()));
            }
            t.callback = Some(Callback {
                resolved: *resolved,
                satisfied: *satisfied,
                method: *method,
                note: note.trim().to_string(),
                at: now,
            });
            if *reopen {
                // 重办: back to the same department with a fresh limit.
                t.reopened += 1;
                t.state = State::Handling;
                t.due = Some(
                    cx.calendar
                        .add_working_days(china_date(now), cx.limits.finish_days(t.kind)),
                );
            } else {
                t.state = State::Closed;
                t.closed_at = Some(now);
            }
        }
        Command::CoReply { text: said } => {
            let department = cx
                .department
                .filter(|d| t.co_handlers.iter().any(|c| c == d))
                .ok_or_else(|| Refusal::Seat("只有协办单位可以提交协办意见".into()))?;
            let said = text("text", said, "协办意见")?;
            t.co_replies.retain(|r| r.department != department);
            t.co_replies.push(super::CoReply {
                department: department.to_string(),
                text: said,
                at: now,
                by: cx.actor.to_string(),
            });
        }
        Command::AskBySms => super::callback::ask(t, now)?,
        Command::Merge { into } => {
            if into.trim().is_empty() || *into == t.id {
                return Err(Refusal::Field("into", "请选择要合并到的另一张工单".into()));
            }
            t.merged_into = Some(into.trim().to_string());
            t.state = State::Merged;
            t.closed_at = Some(now);
        }
    }
    Ok(())
}
