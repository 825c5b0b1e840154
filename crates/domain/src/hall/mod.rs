//! The service hall (政务服务大厅): a hall belongs to a service point and has service lines
//! (业务队列, e.g. 不动产, 社保, 综合), windows that serve lines in priority order, queue tickets
//! (取号, `queue`), calling (叫号) and appointments (预约, `booking`). Rules only; the store
//! keeps the tickets and counters, the app runs the use cases.

pub mod booking;
pub mod queue;
pub mod reader;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problems};
use crate::ids::RegionCode;

/// A rule of the hall was broken by a request: what and, where a field is to blame, which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HallError {
    /// The input names something wrong (a past slot, an unknown line).
    Invalid(FieldError),
    /// The request does not fit the state (finishing a ticket twice, calling with no one waiting).
    State(String),
}

impl HallError {
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> HallError {
        HallError::Invalid(FieldError::new(field, code, message))
    }
}

impl std::fmt::Display for HallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HallError::Invalid(e) => e.fmt(f),
            HallError::State(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    /// 综合窗口: accepts any item of the hall (无差别受理), serves the lines it lists.
    Comprehensive,
    /// 专业窗口: one department's listed items.
    Specialized,
    /// 帮办代办 desk.
    Assisted,
    /// 出件窗口: results are handed out here (统一窗口出件).
    Results,
    /// 绿色通道: the elderly, disabled, pregnant and veterans first, from any line.
    GreenChannel,
}

impl WindowKind {
    pub const ALL: &'static [WindowKind] = &[
        WindowKind::Comprehensive,
        WindowKind::Specialized,
        WindowKind::Assisted,
        WindowKind::Results,
        WindowKind::GreenChannel,
    ];

    pub fn label(self) -> &'static str {
        match self {
            WindowKind::Comprehensive => "综合窗口",
            WindowKind::Specialized => "专业窗口",
            WindowKind::Assisted => "帮办代办",
            WindowKind::Results => "出件窗口",
            WindowKind::GreenChannel => "绿色通道",
        }
    }
}

/// A service line (业务队列): tickets are numbered per line and day with its letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Line {
    /// One capital letter, the ticket prefix (A, B, …).
    pub code: String,
    pub name: String,
    /// Items this line is for (a booking names one); empty: any item of the hall.
    #[serde(default)]
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window {
    pub number: String,
    pub name: String,
    pub kind: WindowKind,
    /// Set for a specialized window.
    #[serde(default)]
    pub department: Option<String>,
    /// The lines this window calls from, highest priority first; none listed: every line
    /// for a comprehensive or 绿色通道 window, no line for the others.
    #[serde(default)]
    pub lines: Vec<String>,
}

impl Window {
    /// Whether the window calls tickets of `line` (see `lines`).
    pub fn serves(&self, line: &str) -> bool {
        if self.lines.is_empty() {
            matches!(
                self.kind,
                WindowKind::Comprehensive | WindowKind::GreenChannel
            )
        } else {
            self.lines.iter().any(|l| l == line)
        }
    }
}

/// How a hall runs its queues and bookings; every number is configuration, the defaults are
/// what the seeds describe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct HallRules {
    /// A booked person who checks in within the slot goes ahead of walk-ins.
    pub booked_first: bool,
    /// After this many calls without the person coming, the window may mark a no-show (过号).
    pub calls_before_no_show: u32,
    /// The average wait the hall is measured against (e.g. 15 minutes).
    pub wait_target_minutes: u32,
    /// Booking time bands of a working day, each with its capacity per line.
    pub bands: Vec<Band>,
    /// How many days ahead a slot may be booked.
    pub book_days_ahead: u32,
    /// A booking may be cancelled or changed until this many minutes before its band starts.
    pub change_cutoff_minutes: u32,
    /// Check-in opens this many minutes before the band.
    pub check_in_early_minutes: u32,
    /// This many no-shows within `no_show_window_days` suspend online booking …
    pub no_show_limit: u32,
    pub no_show_window_days: u32,
    /// … for this many days.
    pub suspension_days: u32,
}

impl Default for HallRules {
    fn default() -> Self {
        let band = |start: &str, end: &str| Band {
            start: start.into(),
            end: end.into(),
            capacity: 6,
        };
        HallRules {
            booked_first: true,
            calls_before_no_show: 3,
            wait_target_minutes: 15,
            bands: vec![
                band("09:00", "10:00"),
                band("10:00", "11:00"),
                band("11:00", "12:00"),
                band("13:30", "14:30"),
                band("14:30", "15:30"),
                band("15:30", "17:00"),
            ],
            book_days_ahead: 7,
            change_cutoff_minutes: 60,
            check_in_early_minutes: 30,
            no_show_limit: 3,
            no_show_window_days: 30,
            suspension_days: 30,
        }
    }
}

impl HallRules {
    /// The band starting at `start` (`HH:MM`), if the hall has one.
    pub fn band(&self, start: &str) -> Option<&Band> {
        self.bands.iter().find(|b| b.start == start.trim())
    }
}

/// A booking time band (时段) of a day, `HH:MM` China time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Band {
    pub start: String,
    pub end: String,
    pub capacity: u32,
}

impl Band {
    pub fn start_time(&self) -> Option<time::Time> {
        parse_hhmm(&self.start)
    }
    pub fn end_time(&self) -> Option<time::Time> {
        parse_hhmm(&self.end)
    }
    /// `09:00-10:00`, as pages and booking codes show it.
    pub fn label(&self) -> String {
        format!("{}-{}", self.start, self.end)
    }
}

pub fn parse_hhmm(s: &str) -> Option<time::Time> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hall {
    pub code: String,
    pub name: String,
    pub region: String,
    pub address: String,
    pub hours: String,
    /// The service point (服务场所) the hall belongs to, by code; empty for none yet.
    #[serde(default)]
    pub service_point: String,
    #[serde(default)]
    pub lines: Vec<Line>,
    #[serde(default)]
    pub windows: Vec<Window>,
    #[serde(default)]
    pub rules: HallRules,
}

impl Hall {
    pub fn line(&self, code: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.code == code)
    }

    pub fn window(&self, number: &str) -> Option<&Window> {
        self.windows.iter().find(|w| w.number == number)
    }

    /// The line a booking or ticket for `item` goes to: the first that lists the item, else
    /// the first that lists none (综合).
    pub fn line_for_item(&self, item: &str) -> Option<&Line> {
        self.lines
            .iter()
            .find(|l| l.items.iter().any(|i| i == item))
            .or_else(|| self.lines.iter().find(|l| l.items.is_empty()))
    }

    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        p.text("code", &self.code, "大厅编码", 50);
        p.text("name", &self.name, "大厅名称", 100);
        p.text("address", &self.address, "地址", 200);
        p.text("hours", &self.hours, "办公时间", 200);
        if let Err(e) = RegionCode::parse(&self.region) {
            p.push("region", "invalid", format!("所属区划代码无效：{e}"));
        }
        let mut codes = std::collections::HashSet::new();
        for (i, l) in self.lines.iter().enumerate() {
            let one_letter = l.code.len() == 1 && l.code.bytes().all(|b| b.is_ascii_uppercase());
            if !one_letter {
                p.push(
                    format!("lines[{i}].code"),
                    "invalid",
                    format!("队列代码应为一个大写字母（号码前缀），实际为“{}”", l.code),
                );
            }
            if !codes.insert(l.code.as_str()) {
                p.push(
                    format!("lines[{i}].code"),
                    "duplicate",
                    format!("队列代码 {} 重复", l.code),
                );
            }
            p.text(&format!("lines[{i}].name"), &l.name, "队列名称", 30);
        }
        let mut numbers = std::collections::HashSet::new();
        for (i, w) in self.windows.iter().enumerate() {
            p.text(&format!("windows[{i}].number"), &w.number, "窗口号", 10);
            p.text(&format!("windows[{i}].name"), &w.name, "窗口名称", 50);
            if !numbers.insert(w.number.as_str()) {
                p.push(
                    format!("windows[{i}].number"),
                    "duplicate",
                    format!("窗口号 {} 重复", w.number),
                );
            }
            if (w.kind == WindowKind::Specialized) != w.department.is_some() {
                p.push(
                    format!("windows[{i}].department"),
                    "inconsistent",
                    "专业窗口必须指定部门，其他窗口不指定部门",
                );
            }
            for (j, l) in w.lines.iter().enumerate() {
                if self.line(l).is_none() {
                    p.push(
                        format!("windows[{i}].lines[{j}]"),
                        "unknown",
                        format!("窗口 {} 服务的队列 {l} 不存在", w.number),
                    );
                }
            }
        }
        let mut last_end = None;
        for (i, b) in self.rules.bands.iter().enumerate() {
            match (b.start_time(), b.end_time()) {
                (Some(s), Some(e)) if s < e && last_end.is_none_or(|l| l <= s) => {
                    last_end = Some(e)
                }
                _ => p.push(
                    format!("rules.bands[{i}]"),
                    "invalid",
                    format!(
                        "预约时段“{}”应为 HH:MM-HH:MM，开始早于结束，且按时间先后排列、互不重叠",
                        b.label()
                    ),
                ),
            }
        }
        p.into_result()
    }
}

#[cfg(test)]
mod tests;
