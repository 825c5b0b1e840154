//! Appointments (预约): slots by working day and time band with a capacity per line, a cut-off
//! for cancelling or changing, check-in that earns the booked priority, and suspension after
//! repeated no-shows.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime};

use super::queue::Priority;
use super::{Band, HallError, HallRules};
use crate::calendar::{CHINA_OFFSET, WorkCalendar, china_date};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BookingState {
    Booked,
    /// Checked in at the hall: a ticket was issued.
    CheckedIn,
    Cancelled,
    /// The slot ended without a check-in.
    NoShow,
}

impl BookingState {
    pub const ALL: &'static [BookingState] = &[
        BookingState::Booked,
        BookingState::CheckedIn,
        BookingState::Cancelled,
        BookingState::NoShow,
    ];
    pub fn name(self) -> &'static str {
        match self {
            BookingState::Booked => "booked",
            BookingState::CheckedIn => "checked_in",
            BookingState::Cancelled => "cancelled",
            BookingState::NoShow => "no_show",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            BookingState::Booked => "已预约",
            BookingState::CheckedIn => "已签到",
            BookingState::Cancelled => "已取消",
            BookingState::NoShow => "爽约",
        }
    }
    pub fn parse(s: &str) -> Option<BookingState> {
        Self::ALL.iter().copied().find(|b| b.name() == s)
    }
}

/// The instant a band of `day` starts or ends (China time).
pub fn at(day: Date, t: time::Time) -> OffsetDateTime {
    PrimitiveDateTime::new(day, t).assume_offset(CHINA_OFFSET)
}

/// The bands open on `day`: none on a rest day or holiday of the working-day calendar.
pub fn bands_of<'a>(rules: &'a HallRules, calendar: &WorkCalendar, day: Date) -> &'a [Band] {
    if calendar.is_working_day(day) {
        &rules.bands
    } else {
        &[]
    }
}

/// The working days from today on that may be booked now.
pub fn bookable_days(rules: &HallRules, calendar: &WorkCalendar, now: OffsetDateTime) -> Vec<Date> {
    let today = china_date(now);
    (0..=rules.book_days_ahead as i64)
        .map(|d| today + Duration::days(d))
        .filter(|d| calendar.is_working_day(*d))
        .collect()
}

/// The band of `day` starting at `start` if it may be booked at `now`: a working day within
/// the booking horizon, a band the hall has, not begun yet.
pub fn check_slot<'a>(
    rules: &'a HallRules,
    calendar: &WorkCalendar,
    now: OffsetDateTime,
    day: Date,
    start: &str,
) -> Result<&'a Band, HallError> {
    let band = rules.band(start).ok_or_else(|| {
        HallError::invalid(
            "band",
            "unknown",
            format!("大厅没有 {start} 开始的预约时段"),
        )
    })?;
    let today = china_date(now);
    if !calendar.is_working_day(day) {
        return Err(HallError::invalid(
            "day",
            "closed",
            format!("{day} 是休息日或法定节假日，大厅不办公"),
        ));
    }
    if day > today + Duration::days(rules.book_days_ahead as i64) {
        return Err(HallError::invalid(
            "day",
            "too_far",
            format!("最多可预约 {} 天内的时段", rules.book_days_ahead),
        ));
    }
    let begins = band.start_time().map(|t| at(day, t));
    if begins.is_none_or(|b| b <= now) {
        return Err(HallError::invalid(
            "band",
            "past",
            format!(
                "{day} {} 时段已开始或已过去，请选择之后的时段",
                band.label()
            ),
        ));
    }
    Ok(band)
}

/// Whether a booking of `day` and `band` may still be cancelled or changed at `now`.
pub fn check_change(
    rules: &HallRules,
    now: OffsetDateTime,
    day: Date,
    band: &Band,
) -> Result<(), HallError> {
    let Some(start) = band.start_time() else {
        return Err(HallError::State("预约时段无效".into()));
    };
    let cutoff = at(day, start) - Duration::minutes(rules.change_cutoff_minutes as i64);
    if now >= cutoff {
        return Err(HallError::State(format!(
            "预约时段开始前 {} 分钟起不能再取消或改约",
            rules.change_cutoff_minutes
        )));
    }
    Ok(())
}

/// The priority a booked person's ticket gets on checking in at `now`: booked within the band
/// (from `check_in_early_minutes` before it), a walk-in once it has ended; too early is refused.
pub fn check_in(
    rules: &HallRules,
    now: OffsetDateTime,
    day: Date,
    band: &Band,
) -> Result<Priority, HallError> {
    let (Some(s), Some(e)) = (band.start_time(), band.end_time()) else {
        return Err(HallError::State("预约时段无效".into()));
    };
    let opens = at(day, s) - Duration::minutes(rules.check_in_early_minutes as i64);
    if now < opens {
        return Err(HallError::State(format!(
            "预约 {day} {}：签到从时段开始前 {} 分钟起开放",
            band.label(),
            rules.check_in_early_minutes
        )));
    }
    Ok(if now <= at(day, e) {
        Priority::Booked
    } else {
        Priority::WalkIn
    })
}

/// Whether a band has ended without a check-in by `now` (a no-show to count).
pub fn missed(now: OffsetDateTime, day: Date, band: &Band) -> bool {
    band.end_time().is_some_and(|e| now > at(day, e))
}

/// Until when online booking is suspended for a person whose no-shows happened at
/// `no_shows`: `no_show_limit` of them within `no_show_window_days` suspend it for
/// `suspension_days` from the last; `None` if booking is open.
pub fn suspended_until(
    rules: &HallRules,
    no_shows: &[OffsetDateTime],
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    if rules.no_show_limit == 0 {
        return None;
    }
    let mut times: Vec<OffsetDateTime> = no_shows.iter().copied().filter(|t| *t <= now).collect();
    times.sort();
    let window = Duration::days(rules.no_show_window_days as i64);
    let limit = rules.no_show_limit as usize;
    // The latest run of `limit` no-shows within the window starts the suspension.
    times
        .windows(limit)
        .filter(|w| w[limit - 1] - w[0] <= window)
        .map(|w| w[limit - 1] + Duration::days(rules.suspension_days as i64))
        .max()
        .filter(|until| *until > now)
}

/// A booking as the person and the hall see it (the ID number masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appointment {
    pub id: String,
    /// The booking code (预约码) the person shows or types at the kiosk.
    pub code: String,
    pub hall: String,
    pub line: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// The band's start, `HH:MM`.
    pub band: String,
    pub account: Option<String>,
    pub name: String,
    pub id_masked: String,
    pub phone: String,
    /// The item the person comes for, if named.
    pub item: String,
    /// A draft case the clerk opens at once, if named.
    pub case_id: String,
    pub state: BookingState,
    /// The ticket issued at check-in.
    pub ticket: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
