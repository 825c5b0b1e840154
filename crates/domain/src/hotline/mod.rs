//! The 12345 hotline (接诉即办): tickets (工单) from calls, web messages, the API and letters;
//! their classification, dispatch to a department, handling within limits set per kind on the
//! working-day calendar, the callback (回访) that closes or reopens them, and the measures
//! (响应率, 解决率, 满意率) every department is ranked by.

pub mod callback;
pub mod classes;
pub mod flow;
pub mod knowledge;
pub mod limits;
pub mod measures;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_limits;
#[cfg(test)]
mod tests_sms;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::error::{FieldError, Problems};
use crate::ids::{RegionCode, mask_middle};
use crate::service_point::Coordinates;

/// How a ticket reached the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineChannel))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A call taken by an operator (话务员).
    Phone,
    /// The portal's message form.
    Web,
    /// The API, including Open311 clients.
    Api,
    /// A letter (来信), entered by an operator.
    Letter,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Phone, Channel::Web, Channel::Api, Channel::Letter];
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Letter => "letter",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Channel::Phone => "电话",
            Channel::Web => "网上留言",
            Channel::Api => "接口",
            Channel::Letter => "来信",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What the caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineKind))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 咨询.
    Consult,
    /// 求助.
    Help,
    /// 投诉.
    Complaint,
    /// 举报: the reporter stays confidential.
    Report,
    /// 建议.
    Suggestion,
    /// 表扬.
    Praise,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Consult,
        Kind::Help,
        Kind::Complaint,
        Kind::Report,
        Kind::Suggestion,
        Kind::Praise,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Consult => "consult",
            Kind::Help => "help",
            Kind::Complaint => "complaint",
            Kind::Report => "report",
            Kind::Suggestion => "suggestion",
            Kind::Praise => "praise",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Consult => "咨询",
            Kind::Help => "求助",
            Kind::Complaint => "投诉",
            Kind::Report => "举报",
            Kind::Suggestion => "建议",
            Kind::Praise => "表扬",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label() == s)
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineState))]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 待派单: created, waiting for the dispatcher (also after a return was upheld).
    Open,
    /// 待签收: sent to a department that has not accepted it yet.
    Dispatched,
    /// 退单待审: the department sent it back; the dispatcher rules.
    Returned,
    /// 办理中.
    Handling,
    /// 待回访: the department replied; the centre calls back.
    Replied,
    /// 已办结 (also 直接办结 by the operator).
    Closed,
    /// 已合并: a duplicate followed through another ticket.
    Merged,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Open,
        State::Dispatched,
        State::Returned,
        State::Handling,
        State::Replied,
        State::Closed,
        State::Merged,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Dispatched => "dispatched",
            State::Returned => "returned",
            State::Handling => "handling",
            State::Replied => "replied",
            State::Closed => "closed",
            State::Merged => "merged",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            State::Open => "待派单",
            State::Dispatched => "待签收",
            State::Returned => "退单待审",
            State::Handling => "办理中",
            State::Replied => "待回访",
            State::Closed => "已办结",
            State::Merged => "已合并",
        }
    }
    pub fn parse(s: &str) -> Option<State> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn is_finished(self) -> bool {
        matches!(self, State::Closed | State::Merged)
    }
}

/// Who called. Name and phone are shown in full only to the centre's operators; a reporter
/// (举报) is confidential to everyone else, the department included.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineCaller))]
pub struct Caller {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    /// Gave no name (a phone may still be kept for the callback).
    #[serde(default)]
    pub anonymous: bool,
}

impl Caller {
    /// The caller as someone outside the centre sees them.
    pub fn masked(&self, confidential: bool) -> Caller {
        if confidential {
            return Caller {
                name: "（举报人信息保密）".into(),
                phone: String::new(),
                anonymous: self.anonymous,
            };
        }
        Caller {
            name: if self.anonymous {
                "匿名".into()
            } else {
                crate::hall::queue::mask_name(&self.name)
            },
            phone: mask_phone(&self.phone),
            anonymous: self.anonymous,
        }
    }
}

/// 138****5678; a landline keeps its area code and last four digits.
pub fn mask_phone(phone: &str) -> String {
    let p = phone.trim();
    if p.is_empty() {
        return String::new();
    }
    match p.split_once('-') {
        Some((area, rest)) => format!("{area}-{}", mask_middle(rest, 0, 4)),
        None => mask_middle(p, 3, 4),
    }
}

/// A phone number a callback can reach: a mobile (11 digits from 1) or a landline with its
/// area code (0826-2345678, 08262345678) or without (2345678).
pub fn check_phone(s: &str) -> Result<String, String> {
    let s = s.trim().replace(' ', "");
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let ok = if let Some((area, local)) = s.split_once('-') {
        area.starts_with('0')
            && (3..=4).contains(&area.len())
            && digits(area)
            && (7..=8).contains(&local.len())
            && digits(local)
    } else if s.starts_with('1') {
        s.len() == 11 && digits(&s)
    } else if s.starts_with('0') {
        (10..=12).contains(&s.len()) && digits(&s)
    } else {
        (7..=8).contains(&s.len()) && digits(&s)
    };
    if ok {
        Ok(s)
    } else {
        Err("电话号码应为 11 位手机号码或带区号的固定电话（如 0826-2345678）".into())
    }
}

/// A department's answer (办理结果).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineReply))]
pub struct Reply {
    pub text: String,
    /// Upload ids of photos or documents showing what was done.
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: String,
}

/// A 协办 department's part: its latest opinion replaces its earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineCoReply))]
pub struct CoReply {
    pub department: String,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Rfc3339))]
    pub at: OffsetDateTime,
    pub by: String,
}

/// A handler's request for more time, and the dispatcher's ruling (None: pending).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineExtensionRequest))]
pub struct ExtensionRequest {
    pub days: u32,
    pub reason: String,
    #[serde(default)]
    pub granted: Option<bool>,
}

/// How the callback (回访) reached the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineCallbackMethod))]
#[serde(rename_all = "snake_case")]
pub enum CallbackMethod {
    Phone,
    Sms,
}

impl CallbackMethod {
    pub fn label(self) -> &'static str {
        match self {
            CallbackMethod::Phone => "电话回访",
            CallbackMethod::Sms => "短信回访",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "phone" => Some(Self::Phone),
            "sms" => Some(Self::Sms),
            _ => None,
        }
    }
}

/// The caller's verdict at the callback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineCallback))]
pub struct Callback {
    pub resolved: bool,
    pub satisfied: bool,
    pub method: CallbackMethod,
    #[serde(default)]
    pub note: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A 12345 ticket (工单).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineTicket))]
pub struct Ticket {
    pub id: String,
    /// 工单编号: the day and a sequence, e.g. 20261203-00042.
    pub number: String,
    pub channel: Channel,
    pub kind: Kind,
    /// The classification's code (see [`classes`]).
    pub class: String,
    /// Where: down to the community.
    pub region: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub position: Option<Coordinates>,
    pub caller: Caller,
    pub text: String,
    /// A related case number (办件编号), if any.
    #[serde(default)]
    pub related_case: String,
    /// A related catalog item, if any.
    #[serde(default)]
    pub related_item: String,
    /// Upload ids attached by the caller.
    #[serde(default)]
    pub attachments: Vec<String>,
    pub state: State,
    /// The lead department (主办).
    #[serde(default)]
    pub department: Option<String>,
    /// 协办 departments.
    #[serde(default)]
    pub co_handlers: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub dispatched_at: Option<OffsetDateTime>,
    /// 签收 must happen before this.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub respond_due: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
    /// Whether the first 签收 after each dispatch came in time (None until accepted).
    #[serde(default)]
    pub responded_in_time: Option<bool>,
    /// 办结 due (working days from dispatch, plus any extension).
    #[serde(default)]
    pub due: Option<Date>,
    #[serde(default)]
    pub returns: u32,
    #[serde(default)]
    pub return_reason: String,
    /// Whether an extension was asked for (once per ticket).
    #[serde(default)]
    pub extended: bool,
    #[serde(default)]
    pub extension: Option<ExtensionRequest>,
    #[serde(default)]
    pub reopened: u32,
    #[serde(default)]
    pub reply: Option<Reply>,
    /// 协办意见: what each 协办 department did or found, for the lead department's reply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_replies: Vec<CoReply>,
    #[serde(default)]
    pub callback: Option<Callback>,
    /// When a text asked the caller for the callback (短信回访), for the reply in force.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub sms_asked_at: Option<OffsetDateTime>,
    /// The knowledge-base article an operator answered with (直接办结).
    #[serde(default)]
    pub article: Option<String>,
    /// The operator's direct answer.
    #[serde(default)]
    pub answer: String,
    /// The ticket a duplicate was merged into.
    #[serde(default)]
    pub merged_into: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// The account that filed it on the portal, if any.
    #[serde(default)]
    pub account: Option<String>,
}

impl Ticket {
    /// A ticket just filed (待派单): nothing dispatched, answered or called back yet. The
    /// number is the store's to draw; place details and links are set by the caller.
    #[allow(clippy::too_many_arguments)]
    pub fn filed(
        id: String,
        channel: Channel,
        kind: Kind,
        class: String,
        region: String,
        caller: Caller,
        text: String,
        created_at: OffsetDateTime,
    ) -> Ticket {
        Ticket {
            id,
            number: String::new(),
            channel,
            kind,
            class,
            region,
            address: String::new(),
            position: None,
            caller,
            text,
            related_case: String::new(),
            related_item: String::new(),
            attachments: vec![],
            state: State::Open,
            department: None,
            co_handlers: vec![],
            created_at,
            dispatched_at: None,
            respond_due: None,
            accepted_at: None,
            responded_in_time: None,
            due: None,
            returns: 0,
            return_reason: String::new(),
            extended: false,
            extension: None,
            reopened: 0,
            reply: None,
            co_replies: vec![],
            callback: None,
            sms_asked_at: None,
            article: None,
            answer: String::new(),
            merged_into: None,
            closed_at: None,
            account: None,
        }
    }

    /// 举报 keeps the reporter confidential.
    pub fn confidential(&self) -> bool {
        self.kind == Kind::Report
    }
}

/// What a new ticket says, before it is checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineNewTicket))]
pub struct NewTicket {
    pub kind: String,
    #[serde(default)]
    pub class: String,
    pub region: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub position: Option<Coordinates>,
    #[serde(default)]
    pub caller: Caller,
    pub text: String,
    #[serde(default)]
    pub related_case: String,
    #[serde(default)]
    pub related_item: String,
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// Longest text of a ticket, a reply or an answer.
pub const TEXT_MAX: usize = 4000;

/// Checks a new ticket's own fields (the classification and region against the tree and the
/// region list are the caller's to check, as they need data). Returns the kind and the
/// caller with a normalised phone.
pub fn check_new(n: &NewTicket) -> Result<(Kind, Caller), Vec<FieldError>> {
    let mut p = Problems::default();
    let kind = Kind::parse(n.kind.trim());
    if kind.is_none() {
        p.push(
            "kind",
            "unknown",
            "请选择诉求类型（咨询、求助、投诉、举报、建议、表扬）",
        );
    }
    p.text("text", &n.text, "诉求内容", TEXT_MAX);
    if RegionCode::parse(n.region.trim()).is_err() {
        p.push("region", "invalid", "请选择诉求发生地的行政区划");
    }
    p.optional_text("address", &n.address, "详细地址", 200);
    p.optional_text("related_case", &n.related_case, "相关办件编号", 40);
    p.optional_text("related_item", &n.related_item, "相关事项编码", 60);
    let mut caller = n.caller.clone();
    caller.name = caller.name.trim().to_string();
    if caller.name.chars().count() > 50 {
        p.push("caller.name", "too_long", "来电人姓名不能超过 50 个字");
    }
    if !caller.anonymous && caller.name.is_empty() {
        p.push("caller.name", "required", "请填写来电人姓名，或勾选匿名");
    }
    if !caller.phone.trim().is_empty() {
        match check_phone(&caller.phone) {
            Ok(ph) => caller.phone = ph,
            Err(m) => p.push("caller.phone", "invalid", m),
        }
    } else {
        caller.phone = String::new();
    }
    if let Some(pos) = &n.position
        && !pos.in_china()
    {
        p.push("position", "invalid", "坐标不在中国境内，请检查经纬度");
    }
    if attachments_bad(&n.attachments) {
        p.push("attachments", "too_many", "附件最多 9 个");
    }
    p.into_result()?;
    Ok((kind.expect("checked"), caller))
}

fn attachments_bad(a: &[String]) -> bool {
    a.len() > 9
}
