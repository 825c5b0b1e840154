//! Appointments (预约): slots with what is left, booking by a logged-in person or enterprise or
//! in one's own name, cancelling up to the cut-off, check-in at the kiosk (a ticket with the
//! booked priority), and the sweep that counts no-shows and sends the day-before reminders.

use domain::calendar::parse_iso_date;
use domain::hall::booking::{self, Appointment, BookingState};
use domain::hall::queue::{Source, Ticket, TicketState};
use serde::Serialize;

use super::tickets::{self, TicketView};
use super::{Person, hall, person_key, today};
use crate::auth::Actor;
use crate::{App, AppError, Result};

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookRequest {
    /// The service line's letter; empty to take the line of `item`.
    #[serde(default)]
    pub line: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// The band's start, `HH:MM`.
    pub band: String,
    /// In one's own name without logging in (real-name: name, ID number, phone).
    #[serde(default)]
    pub person: Option<Person>,
    /// The item the person comes for (事项编码), optional.
    #[serde(default)]
    pub item: String,
    /// A draft case of the person's own the clerk opens at once, optional.
    #[serde(default)]
    pub case_id: String,
}

/// One band of a day with its places.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotView {
    pub start: String,
    pub label: String,
    pub capacity: u32,
    pub left: u32,
    /// Still bookable now (not begun, not full).
    pub open: bool,
}

/// The bands of `day` for `line` with the places left.
pub async fn slots(app: &App, hall_code: &str, line: &str, day: &str) -> Result<Vec<SlotView>> {
    let h = hall(app, hall_code).await?;
    if h.line(line).is_none() {
        return Err(AppError::field(
            "line",
            "unknown",
            format!("大厅没有 {line} 队列"),
        ));
    }
    let d = parse_day(day)?;
    let mut c = app.store.conn().await?;
    let booked = store::hall::booked_on(&mut c, &h.code, line, &d.to_string()).await?;
    let now = app.now();
    let cal = app
        .calendar
        .read()
        .map_err(|_| AppError::Internal("calendar".into()))?;
    Ok(booking::bands_of(&h.rules, &cal, d)
        .iter()
        .map(|b| {
            let taken = booked
                .iter()
                .find(|(band, _)| *band == b.start)
                .map(|(_, n)| *n as u32)
                .unwrap_or(0);
            let left = b.capacity.saturating_sub(taken);
            SlotView {
                start: b.start.clone(),
                label: b.label(),
                capacity: b.capacity,
                left,
                open: left > 0 && booking::check_slot(&h.rules, &cal, now, d, &b.start).is_ok(),
            }
        })
        .collect())
}

/// The days that may be booked now.
pub async fn days(app: &App, hall_code: &str) -> Result<Vec<time::Date>> {
    let h = hall(app, hall_code).await?;
    let cal = app
        .calendar
        .read()
        .map_err(|_| AppError::Internal("calendar".into()))?;
    Ok(booking::bookable_days(&h.rules, &cal, app.now()))
}

fn parse_day(day: &str) -> Result<time::Date> {
    parse_iso_date(day)
        .map_err(|_| AppError::field("day", "invalid", format!("日期“{day}”应为 YYYY-MM-DD")))
}

/// Books a slot: a logged-in person or enterprise in their own name, anyone else with name,
/// ID number and phone. One booking per person, line and day; none while suspended for
/// no-shows.
pub async fn book(
    app: &App,
    actor: &Actor,
    hall_code: &str,
    req: &BookRequest,
) -> Result<Appointment> {
    let h = hall(app, hall_code).await?;
    let now = app.now();
    let (name, identity, id_masked, phone, account) = match actor {
        Actor::Applicant {
            id, login, name, ..
        } => {
            let mut c = app.store.conn().await?;
            let row = app.account(&mut c, id).await?;
            (
                name.clone(),
                login.clone(),
                domain::ids::mask_middle(login, 4, 4),
                row.phone.clone(),
                Some(id.clone()),
            )
        }
        Actor::Anonymous => {
            let p = Person::required(
                req.person.as_ref(),
                "请填写姓名、身份证号码和手机号码，或登录后预约",
                today(app),
            )?;
            (
                p.name,
                p.id.as_str().to_string(),
                p.id.masked(),
                p.phone,
                None,
            )
        }
        Actor::Staff { .. } => {
            return Err(AppError::Forbidden(
                "工作人员不能以自己的账号为群众预约，请由群众本人预约".into(),
            ));
        }
    };
    let item = req.item.trim();
    let line = match (req.line.trim(), item) {
        ("", "") => return Err(AppError::field("line", "required", "请选择业务队列或事项")),
        ("", item) => h.line_for_item(item).ok_or_else(|| {
            AppError::field("item", "unknown", format!("{} 不办理事项 {item}", h.name))
        })?,
        (l, _) => h
            .line(l)
            .ok_or_else(|| AppError::field("line", "unknown", format!("大厅没有 {l} 队列")))?,
    }
    .clone();
    if !req.case_id.trim().is_empty() {
        let mut c = app.store.conn().await?;
        let case = store::cases::get_case(&mut c, req.case_id.trim()).await?;
        let own = case
            .as_ref()
            .is_some_and(|k| Some(k.applicant_id.as_str()) == account.as_deref());
        if !own {
            return Err(AppError::field("case_id", "unknown", "只能关联本人的办件"));
        }
    }
    let day = parse_day(&req.day)?;
    let band = {
        let cal = app
            .calendar
            .read()
            .map_err(|_| AppError::Internal("calendar".into()))?;
        booking::check_slot(&h.rules, &cal, now, day, &req.band)?.clone()
    };
    let key = person_key(&identity);
    let mut tx = app.store.begin().await?;
    let no_shows = store::hall::no_shows_of(&mut tx, &key).await?;
    if let Some(until) = booking::suspended_until(&h.rules, &no_shows, now) {
        return Err(AppError::field(
            "person",
            "suspended",
            format!(
                "{} 天内爽约 {} 次，网上预约暂停至 {}；可到大厅现场取号",
                h.rules.no_show_window_days,
                h.rules.no_show_limit,
                domain::calendar::china_date(until)
            ),
        ));
    }
    let d = day.to_string();
    if store::hall::has_booking(&mut tx, &h.code, &line.code, &d, &key).await? {
        return Err(AppError::Conflict {
            field: "day".into(),
            message: format!("您已预约 {d} 的{}，每人每天每个队列限约一次", line.name),
        });
    }
    if !store::hall::take_place(&mut tx, &h.code, &line.code, &d, &band.start, band.capacity)
        .await?
    {
        return Err(AppError::field(
            "band",
            "full",
            format!("{d} {} 已约满，请选择其他时段", band.label()),
        ));
    }
    let a = Appointment {
        id: uuid::Uuid::now_v7().to_string(),
        code: booking_code()?,
        hall: h.code.clone(),
        line: line.code.clone(),
        day: d.clone(),
        band: band.start.clone(),
        account: account.clone(),
        name,
        id_masked,
        phone,
        item: item.to_string(),
        case_id: req.case_id.trim().to_string(),
        state: BookingState::Booked,
        ticket: None,
        created_at: now,
    };
    store::hall::insert(&mut tx, &a, &key).await?;
    if let Some(acc) = &account {
        let text = format!(
            "预约成功：{} {} {} {}，预约码 {}。请于时段开始前 {} 分钟内到大厅签到取号。",
            h.name,
            line.name,
            d,
            band.label(),
            a.code,
            h.rules.check_in_early_minutes
        );
        crate::agents::notify(&mut tx, app, acc, "appointment", text, None).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(a)
}

/// Eight characters people read aloud without confusion (no 0/O, 1/I).
fn booking_code() -> Result<String> {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(b.iter()
        .map(|x| ALPHABET[(*x as usize) % ALPHABET.len()] as char)
        .collect())
}

/// A booking for its holder: their account, or the code with the ID number it was made with.
async fn owned(app: &App, actor: &Actor, code: &str, id_number: &str) -> Result<Appointment> {
    let mut c = app.store.conn().await?;
    let not_found = || AppError::NotFound(format!("预约 {code}"));
    let a = store::hall::by_code(&mut c, code.trim().to_ascii_uppercase().as_str())
        .await?
        .ok_or_else(not_found)?;
    let by_account =
        matches!(actor, Actor::Applicant { id, .. } if a.account.as_deref() == Some(id));
    let by_identity = !id_number.trim().is_empty()
        && store::hall::person_key_of(&mut c, &a.id).await?.as_deref()
            == Some(person_key(id_number).as_str());
    if by_account || by_identity {
        Ok(a)
    } else {
        Err(not_found())
    }
}

/// Cancels a booking up to the hall's cut-off; the place goes back to the slot.
pub async fn cancel(app: &App, actor: &Actor, code: &str, id_number: &str) -> Result<Appointment> {
    let a = owned(app, actor, code, id_number).await?;
    let h = hall(app, &a.hall).await?;
    let band = h
        .rules
        .band(&a.band)
        .ok_or_else(|| AppError::State("预约时段已被大厅调整，请联系大厅".into()))?;
    if a.state != BookingState::Booked {
        return Err(AppError::State(format!(
            "预约{}，不能取消",
            a.state.label()
        )));
    }
    booking::check_change(&h.rules, app.now(), parse_day(&a.day)?, band)?;
    let mut tx = app.store.begin().await?;
    if !store::hall::set_state(
        &mut tx,
        &a.id,
        BookingState::Booked,
        BookingState::Cancelled,
        None,
        app.now(),
    )
    .await?
    {
        return Err(AppError::State("预约状态已变化，请刷新".into()));
    }
    store::hall::release_place(&mut tx, &a.hall, &a.line, &a.day, &a.band).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Appointment {
        state: BookingState::Cancelled,
        ..a
    })
}

/// 改约: moves a booking to another day or band of its line, up to the cut-off of the band
/// it holds; the old place is given back and the new one taken in one transaction.
pub async fn change(
    app: &App,
    actor: &Actor,
    code: &str,
    id_number: &str,
    day: &str,
    band: &str,
) -> Result<Appointment> {
    let a = owned(app, actor, code, id_number).await?;
    let h = hall(app, &a.hall).await?;
    if a.state != BookingState::Booked {
        return Err(AppError::State(format!(
            "预约{}，不能改约",
            a.state.label()
        )));
    }
    let old = h
        .rules
        .band(&a.band)
        .ok_or_else(|| AppError::State("预约时段已被大厅调整，请联系大厅".into()))?;
    let now = app.now();
    booking::check_change(&h.rules, now, parse_day(&a.day)?, old)?;
    let new_day = parse_day(day)?;
    let new_band = {
        let cal = app
            .calendar
            .read()
            .map_err(|_| AppError::Internal("calendar".into()))?;
        booking::check_slot(&h.rules, &cal, now, new_day, band)?.clone()
    };
    let d = new_day.to_string();
    if d == a.day && new_band.start == a.band {
        return Err(AppError::field("band", "unchanged", "新时段与原预约相同"));
    }
    let mut tx = app.store.begin().await?;
    if d != a.day {
        let key = store::hall::person_key_of(&mut tx, &a.id)
            .await?
            .unwrap_or_default();
        if store::hall::has_booking(&mut tx, &a.hall, &a.line, &d, &key).await? {
            return Err(AppError::Conflict {
                field: "day".into(),
                message: format!("您已预约 {d} 的该队列，每人每天每个队列限约一次"),
            });
        }
    }
    store::hall::release_place(&mut tx, &a.hall, &a.line, &a.day, &a.band).await?;
    if !store::hall::take_place(
        &mut tx,
        &a.hall,
        &a.line,
        &d,
        &new_band.start,
        new_band.capacity,
    )
    .await?
    {
        return Err(AppError::field(
            "band",
            "full",
            format!("{d} {} 已约满，请选择其他时段", new_band.label()),
        ));
    }
    if !store::hall::move_to(&mut tx, &a.id, &d, &new_band.start, now).await? {
        return Err(AppError::State("预约状态已变化，请刷新".into()));
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Appointment {
        day: d,
        band: new_band.start,
        ..a
    })
}

/// Check-in at the kiosk with the booking code and the ID number (or as the logged-in
/// holder): a ticket of the booked line, ahead of walk-ins within the band. A kiosk names its
/// hall (`at_hall`): a booking of another hall is refused there, nothing issued.
pub async fn check_in(
    app: &App,
    actor: &Actor,
    code: &str,
    id_number: &str,
    at_hall: Option<&str>,
) -> Result<TicketView> {
    let a = owned(app, actor, code, id_number).await?;
    let h = hall(app, &a.hall).await?;
    if let Some(here) = at_hall
        && here != h.code
    {
        return Err(AppError::State(format!(
            "该预约是{}的预约，请到该大厅签到",
            h.name
        )));
    }
    if a.state != BookingState::Booked {
        return Err(AppError::State(format!(
            "预约{}，不能签到",
            a.state.label()
        )));
    }
    let day = today(app);
    if a.day != day.to_string() {
        return Err(AppError::State(format!("预约日期为 {}，不是今天", a.day)));
    }
    let band = h
        .rules
        .band(&a.band)
        .ok_or_else(|| AppError::State("预约时段已被大厅调整，请到导服台".into()))?;
    let priority = booking::check_in(&h.rules, app.now(), day, band)?;
    let t = Ticket {
        id: uuid::Uuid::now_v7().to_string(),
        hall: h.code.clone(),
        day: day.to_string(),
        line: a.line.clone(),
        number: String::new(),
        priority,
        green_reason: String::new(),
        source: Source::Kiosk,
        state: TicketState::Waiting,
        window: None,
        calls: 0,
        issued_at: app.now(),
        called_at: None,
        finished_at: None,
        account: a.account.clone(),
        holder: domain::hall::queue::mask_name(&a.name),
        appointment: Some(a.id.clone()),
        staff: None,
        note: String::new(),
        cases: vec![],
    };
    let key = {
        let mut c = app.store.conn().await?;
        store::hall::person_key_of(&mut c, &a.id).await?
    };
    let t = tickets::issue(app, &h, t, key.unwrap_or_default()).await?;
    tickets::view(app, &h, t).await
}

/// The logged-in person's bookings, latest day first.
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<Appointment>> {
    let Actor::Applicant { id, .. } = actor else {
        return Err(AppError::Unauthenticated);
    };
    let mut c = app.store.conn().await?;
    Ok(store::hall::of_account(&mut c, id).await?)
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Swept {
    pub no_shows: usize,
    pub reminders: usize,
}

/// Marks bookings whose band ended without a check-in as no-shows (they count towards the
/// suspension), and reminds holders of tomorrow's bookings in the app, once.
pub async fn sweep(app: &App) -> Result<Swept> {
    let now = app.now();
    let today = today(app);
    let mut done = Swept::default();
    let mut c = app.store.conn().await?;
    let week_ago = (today - time::Duration::days(7)).to_string();
    let booked =
        store::hall::in_state_until(&mut c, BookingState::Booked, &week_ago, &today.to_string())
            .await?;
    let tomorrow = (today + time::Duration::days(1)).to_string();
    let due =
        store::hall::in_state_until(&mut c, BookingState::Booked, &tomorrow, &tomorrow).await?;
    drop(c);
    for a in booked {
        let h = hall(app, &a.hall).await?;
        let Some(band) = h.rules.band(&a.band) else {
            continue;
        };
        if booking::missed(now, parse_day(&a.day)?, band) {
            let mut tx = app.store.begin().await?;
            if store::hall::set_state(
                &mut tx,
                &a.id,
                BookingState::Booked,
                BookingState::NoShow,
                None,
                now,
            )
            .await?
            {
                done.no_shows += 1;
            }
            tx.commit().await.map_err(store::StoreError::from)?;
        }
    }
    for a in due {
        let Some(acc) = &a.account else { continue };
        let h = hall(app, &a.hall).await?;
        let mut tx = app.store.begin().await?;
        if store::hall::mark_reminded(&mut tx, &a.id).await? {
            let line = h.line(&a.line).map(|l| l.name.as_str()).unwrap_or("");
            let text = format!(
                "明天（{}）{} 您预约了{}{}，预约码 {}。如不能前来请提前取消，爽约将影响网上预约。",
                a.day, a.band, h.name, line, a.code
            );
            crate::agents::notify(&mut tx, app, acc, "appointment_reminder", text, None).await?;
            done.reminders += 1;
        }
        tx.commit().await.map_err(store::StoreError::from)?;
    }
    Ok(done)
}
