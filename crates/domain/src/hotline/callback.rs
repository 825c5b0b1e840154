//! 短信回访: the callback by text. The operator sends the caller a one-time link; the caller
//! answers resolved and satisfied themself, and an unresolved or unsatisfied answer reopens
//! the ticket once by rule (the operator is not there to decide).

use time::{Duration, OffsetDateTime};

use super::Ticket;
use super::flow::Refusal;

/// How long a link sent for a callback or a follow-up stays good.
pub const LINK_DAYS: i64 = 7;

/// Whether the caller's answer reopens the ticket (重办): not resolved or not satisfied, and
/// not reopened before.
pub fn caller_reopens(t: &Ticket, resolved: bool, satisfied: bool) -> bool {
    !(resolved && satisfied) && t.reopened == 0
}

/// Whether a text can reach the caller: a mobile number (a landline takes no SMS).
pub fn reachable_by_sms(t: &Ticket) -> bool {
    let p = t.caller.phone.trim();
    p.len() == 11 && p.starts_with('1') && p.bytes().all(|b| b.is_ascii_digit())
}

/// 发送短信回访: once per reply, only to a mobile number.
pub(super) fn ask(t: &mut Ticket, now: OffsetDateTime) -> Result<(), Refusal> {
    if !reachable_by_sms(t) {
        return Err(Refusal::Field(
            "phone",
            "来电人未留手机号码，无法短信回访，请电话回访".into(),
        ));
    }
    if asked_for_this_reply(t) {
        return Err(Refusal::Field(
            "ask_by_sms",
            "已发送过短信回访，请等待群众答复，或改为电话回访".into(),
        ));
    }
    t.sms_asked_at = Some(now);
    Ok(())
}

/// Whether the text went out after the reply in force (a reopened ticket's new reply needs a
/// new text).
pub fn asked_for_this_reply(t: &Ticket) -> bool {
    match (t.sms_asked_at, &t.reply) {
        (Some(asked), Some(r)) => asked >= r.at,
        _ => false,
    }
}

impl Ticket {
    /// 待回访 with a text out for the reply in force: the caller's answer is awaited.
    pub fn awaiting_sms_answer(&self) -> bool {
        self.state == super::State::Replied && asked_for_this_reply(self)
    }
}

/// Whether a link sent at `sent` may still be used at `now`.
pub fn link_fresh(sent: OffsetDateTime, now: OffsetDateTime) -> bool {
    now - sent <= Duration::days(LINK_DAYS)
}

/// The caller answering through the link: by text, after a text was sent for this reply,
/// reopening exactly as the rule says.
pub(super) fn check_callers_answer(
    t: &Ticket,
    method: super::CallbackMethod,
    resolved: bool,
    satisfied: bool,
    reopen: bool,
) -> Result<(), Refusal> {
    if method != super::CallbackMethod::Sms || !asked_for_this_reply(t) {
        return Err(Refusal::Seat("群众只能通过短信回访链接答复".into()));
    }
    if reopen != caller_reopens(t, resolved, satisfied) {
        return Err(Refusal::Field(
            "reopen",
            "是否重办由规则决定：未解决或不满意且未重办过的工单重办一次".into(),
        ));
    }
    Ok(())
}

/// The text asking for the callback.
pub fn ask_text(number: &str, link: &str) -> String {
    format!("您反映的12345诉求（工单{number}）已办理，请点击{link} 告诉我们是否解决、是否满意。")
}

/// The text to the caller of a duplicate merged into another ticket.
pub fn merged_text(number: &str, into: &str, link: &str) -> String {
    format!("您反映的12345诉求（工单{number}）与工单{into}为同一问题，已合并办理，进展请见{link} ")
}

/// The text to a merged caller when the ticket theirs went into has its reply.
pub fn result_text(number: &str, link: &str) -> String {
    format!("您反映的12345诉求（工单{number}）已有办理结果，请点击{link} 查看。")
}
