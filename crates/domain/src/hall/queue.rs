//! Queue tickets (取号) and calling (叫号): who a window calls next, what a window may do with
//! the ticket it called, and how long a newcomer will wait.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{HallError, HallRules, Window, WindowKind};

/// The ticket number shown and announced: the line's letter and a three-digit sequence of
/// the day (A001; A1000 after 999).
pub fn ticket_number(line: &str, seq: i64) -> String {
    format!("{line}{seq:03}")
}

/// Who goes first. 绿色通道 is for the elderly, disabled, pregnant and veterans; a booked
/// person checked in within the slot goes ahead of walk-ins where the hall's rule says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Green,
    Booked,
    WalkIn,
}

impl Priority {
    pub const ALL: &'static [Priority] = &[Priority::Green, Priority::Booked, Priority::WalkIn];

    pub fn name(self) -> &'static str {
        match self {
            Priority::Green => "green",
            Priority::Booked => "booked",
            Priority::WalkIn => "walk_in",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::Green => "绿色通道",
            Priority::Booked => "预约",
            Priority::WalkIn => "现场取号",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Self::ALL.iter().copied().find(|p| p.name() == s)
    }
}

/// Why a person may use the 绿色通道; recorded on the ticket.
pub const GREEN_REASONS: &[&str] = &["老年人", "残疾人", "孕妇", "退役军人", "其他特殊群体"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Waiting,
    Called,
    Finished,
    NoShow,
}

impl TicketState {
    pub const ALL: &'static [TicketState] = &[
        TicketState::Waiting,
        TicketState::Called,
        TicketState::Finished,
        TicketState::NoShow,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TicketState::Waiting => "waiting",
            TicketState::Called => "called",
            TicketState::Finished => "finished",
            TicketState::NoShow => "no_show",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketState::Waiting => "等候中",
            TicketState::Called => "已叫号",
            TicketState::Finished => "已办结",
            TicketState::NoShow => "过号",
        }
    }

    pub fn parse(s: &str) -> Option<TicketState> {
        Self::ALL.iter().copied().find(|t| t.name() == s)
    }
}

/// Where a ticket was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 自助取号机 (实名: ID card and phone).
    Kiosk,
    /// 导服台: staff at the reception desk.
    Reception,
    /// 远程取号 from the portal.
    Portal,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Kiosk => "kiosk",
            Source::Reception => "reception",
            Source::Portal => "portal",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Source::Kiosk => "自助取号",
            Source::Reception => "导服台",
            Source::Portal => "远程取号",
        }
    }
    pub fn parse(s: &str) -> Option<Source> {
        [Source::Kiosk, Source::Reception, Source::Portal]
            .into_iter()
            .find(|x| x.name() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: String,
    pub hall: String,
    /// The day (China time) the number belongs to, `YYYY-MM-DD`.
    pub day: String,
    pub line: String,
    pub number: String,
    pub priority: Priority,
    /// Why 绿色通道, from [`GREEN_REASONS`]; empty otherwise.
    pub green_reason: String,
    pub source: Source,
    pub state: TicketState,
    /// The window that called it; after a transfer to a window, the window it waits for.
    pub window: Option<String>,
    pub calls: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub called_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// The account that holds it (remote tickets, logged-in kiosk users), if any.
    pub account: Option<String>,
    /// The holder's name, masked (张*三), for the window's screen.
    pub holder: String,
    pub appointment: Option<String>,
    /// The clerk who called it.
    pub staff: Option<String>,
    /// Transfers, newest last: `B→A 3号窗口：原因`.
    pub note: String,
    /// Case numbers handled for this ticket at the window.
    pub cases: Vec<String>,
}

impl Ticket {
    /// The key a window sorts waiting tickets by, or `None` if it may not call this ticket.
    /// 绿色通道 first across lines, then the window's line order, then booked before walk-in
    /// (by the hall's rule), then who came first. A ticket transferred to a window waits for
    /// that window only, and goes first there.
    fn order(&self, window: &Window, rules: &HallRules) -> Option<(u8, u8, usize, u8, i128)> {
        if self.state != TicketState::Waiting {
            return None;
        }
        let reserved = match &self.window {
            Some(w) if *w != window.number => return None,
            Some(_) => 0,
            None => 1,
        };
        // A comprehensive or 绿色通道 window listing no line serves them all; any other
        // window serves only the lines it lists.
        let any_line = window.lines.is_empty()
            && matches!(
                window.kind,
                WindowKind::Comprehensive | WindowKind::GreenChannel
            );
        let line_rank = match window.lines.iter().position(|l| *l == self.line) {
            Some(r) => r,
            None if reserved == 0 || any_line => window.lines.len(),
            None if window.kind == WindowKind::GreenChannel && self.priority == Priority::Green => {
                window.lines.len()
            }
            None => return None,
        };
        let green = u8::from(self.priority != Priority::Green);
        let booked = u8::from(!(rules.booked_first && self.priority == Priority::Booked));
        Some((
            reserved,
            green,
            line_rank,
            booked,
            self.issued_at.unix_timestamp_nanos(),
        ))
    }

    fn called_here(&self, window: &str, what: &str) -> Result<(), HallError> {
        match self.state {
            TicketState::Called if self.window.as_deref() == Some(window) => Ok(()),
            TicketState::Called => Err(HallError::State(format!(
                "{} 号由 {} 号窗口叫号，本窗口不能{what}",
                self.number,
                self.window.as_deref().unwrap_or("")
            ))),
            TicketState::Finished => Err(HallError::State(format!(
                "{} 号已办结，不能{what}",
                self.number
            ))),
            TicketState::NoShow => Err(HallError::State(format!(
                "{} 号已过号，不能{what}",
                self.number
            ))),
            TicketState::Waiting => Err(HallError::State(format!(
                "{} 号尚未叫号，不能{what}",
                self.number
            ))),
        }
    }

    /// The window calls this ticket for the first time.
    pub fn call(&mut self, window: &str, staff: &str, now: OffsetDateTime) {
        self.state = TicketState::Called;
        self.window = Some(window.to_string());
        self.staff = Some(staff.to_string());
        self.calls = 1;
        self.called_at = Some(now);
    }

    /// 重呼: the same window calls again.
    pub fn recall(&mut self, window: &str) -> Result<(), HallError> {
        self.called_here(window, "重呼")?;
        self.calls += 1;
        Ok(())
    }

    /// 过号: the person did not come after the hall's number of calls.
    pub fn no_show(
        &mut self,
        window: &str,
        rules: &HallRules,
        now: OffsetDateTime,
    ) -> Result<(), HallError> {
        self.called_here(window, "过号")?;
        if self.calls < rules.calls_before_no_show {
            return Err(HallError::State(format!(
                "{} 号已呼叫 {} 次，呼满 {} 次仍未到才能过号",
                self.number, self.calls, rules.calls_before_no_show
            )));
        }
        self.state = TicketState::NoShow;
        self.finished_at = Some(now);
        Ok(())
    }

    /// 办结: the person was served.
    pub fn finish(&mut self, window: &str, now: OffsetDateTime) -> Result<(), HallError> {
        self.called_here(window, "办结")?;
        self.state = TicketState::Finished;
        self.finished_at = Some(now);
        Ok(())
    }

    /// 转移: back to waiting on another line, or for one window, with the reason; the
    /// ticket keeps its number and its place by the time it was issued.
    pub fn transfer(
        &mut self,
        window: &str,
        to_line: &str,
        to_window: Option<&str>,
        reason: &str,
    ) -> Result<(), HallError> {
        self.called_here(window, "转移")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(HallError::invalid("reason", "required", "请填写转移原因"));
        }
        if to_window == Some(window) {
            return Err(HallError::invalid(
                "to_window",
                "invalid",
                "不能转移到本窗口",
            ));
        }
        let target = match to_window {
            Some(w) => format!("{w} 号窗口"),
            None => format!("{to_line} 队列"),
        };
        if !self.note.is_empty() {
            self.note.push('；');
        }
        self.note
            .push_str(&format!("{window} 号窗口转 {target}：{reason}"));
        self.line = to_line.to_string();
        self.state = TicketState::Waiting;
        self.window = to_window.map(str::to_string);
        self.staff = None;
        self.calls = 0;
        self.called_at = None;
        Ok(())
    }

    /// Seconds from taking the number to the first call.
    pub fn wait_seconds(&self) -> Option<i64> {
        self.called_at
            .map(|c| (c - self.issued_at).whole_seconds().max(0))
    }

    /// Seconds from the call to the end of service.
    pub fn service_seconds(&self) -> Option<i64> {
        match (self.called_at, self.finished_at, self.state) {
            (Some(c), Some(f), TicketState::Finished) => Some((f - c).whole_seconds().max(0)),
            _ => None,
        }
    }
}

/// The ticket `window` calls next among `waiting`, by [`Ticket::order`]; `None` if no one
/// waits for it.
pub fn pick_next(window: &Window, rules: &HallRules, waiting: &[Ticket]) -> Option<usize> {
    waiting
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.order(window, rules).map(|k| (k, i)))
        .min()
        .map(|(_, i)| i)
}

/// Whether `window` may call `ticket` at all (its lines, a transfer to another window).
pub fn may_call(window: &Window, rules: &HallRules, ticket: &Ticket) -> bool {
    ticket.order(window, rules).is_some()
}

/// Minutes a newcomer should expect to wait: the people ahead, served in turn by the windows
/// open for the line at the line's recent average service time (five minutes until there is
/// history), rounded up.
pub fn estimate_wait_minutes(ahead: usize, recent_service_seconds: &[i64], windows: usize) -> u32 {
    let average = if recent_service_seconds.is_empty() {
        300.0
    } else {
        recent_service_seconds.iter().sum::<i64>() as f64 / recent_service_seconds.len() as f64
    };
    let seconds = ahead as f64 * average / windows.max(1) as f64;
    (seconds / 60.0).ceil() as u32
}

/// What the board shows and speaks: 请 A012 号到 3 号窗口.
pub fn announcement(number: &str, window: &str) -> String {
    format!("请 {number} 号到 {window} 号窗口")
}

/// Age from which a person takes the 绿色通道 as 老年人 without anyone checking.
pub const ELDERLY_AGE: i32 = 60;

/// Whether a 绿色通道 ticket may be issued: 老年人 is read from the ID number anywhere;
/// every other reason is confirmed by staff at the reception desk.
pub fn check_green(
    reason: &str,
    source: Source,
    birth: time::Date,
    today: time::Date,
) -> Result<(), HallError> {
    if !GREEN_REASONS.contains(&reason) {
        return Err(HallError::invalid(
            "green_reason",
            "unknown",
            format!("绿色通道原因应为 {} 之一", GREEN_REASONS.join("、")),
        ));
    }
    let age = today.year()
        - birth.year()
        - i32::from((today.month() as u8, today.day()) < (birth.month() as u8, birth.day()));
    match (reason, source) {
        ("老年人", _) if age >= ELDERLY_AGE => Ok(()),
        ("老年人", _) => Err(HallError::invalid(
            "green_reason",
            "not_eligible",
            format!("按身份证号码计算年龄为 {age} 岁，未满 {ELDERLY_AGE} 岁"),
        )),
        (_, Source::Reception) => Ok(()),
        _ => Err(HallError::invalid(
            "green_reason",
            "needs_staff",
            "该绿色通道原因需到导服台由工作人员核实后取号",
        )),
    }
}

/// A name as the window's screen and the board show it: 张*三, 李*.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// How many waiting tickets of the same line go before `ticket`: 绿色通道, then booked
/// (where the hall puts them first), then by issue time. An estimate: windows serving
/// several lines may take others in between.
pub fn ahead_of(ticket: &Ticket, waiting: &[Ticket], rules: &HallRules) -> usize {
    let rank = |t: &Ticket| match t.priority {
        Priority::Green => 0,
        Priority::Booked if rules.booked_first => 1,
        _ => 2,
    };
    let key = |t: &Ticket| (rank(t), t.issued_at);
    waiting
        .iter()
        .filter(|t| {
            t.id != ticket.id
                && t.state == TicketState::Waiting
                && t.line == ticket.line
                && key(t) < key(ticket)
        })
        .count()
}
