//! Demo hall: service points on the 政务地图, the halls' service lines and the windows that
//! serve them, a booking for the demo citizen, and two weeks of past tickets (with bookings
//! kept, 绿色通道 and no-shows) so the hall dashboard and its statistics are not empty.
//! Coordinates and phone numbers are invented for the demo.

use std::collections::BTreeMap;

use domain::hall::booking::{Appointment, BookingState};
use domain::hall::queue::{self, Priority, Source, Ticket, TicketState};
use domain::hall::{Line, Window};
use domain::service_point::ServicePoint;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::{App, AppError, Result};

const DEMO_HALL: &str = include_str!("../demo/hall.json");

#[derive(Deserialize)]
struct HallDemo {
    service_points: Vec<ServicePoint>,
    halls: Vec<Overlay>,
}

/// What the demo adds to a hall of the catalog file.
#[derive(Deserialize)]
struct Overlay {
    code: String,
    service_point: String,
    lines: Vec<Line>,
    /// Window number → the lines it serves, in priority order.
    windows: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    add_windows: Vec<Window>,
}

/// A small deterministic generator (a linear congruential one, Knuth's constants): the demo's
/// history is the same on every machine, and a random-number crate is not needed for it.
pub(crate) struct Dice(pub(crate) u64);

impl Dice {
    pub(crate) fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// Places the demo's service points and hall set-up, then, once, the history.
pub(crate) async fn seed(app: &App) -> Result<usize> {
    let data: HallDemo = serde_json::from_str(DEMO_HALL)
        .map_err(|e| AppError::Internal(format!("demo hall file is malformed: {e}")))?;
    let mut tx = app.store.begin().await?;
    for p in &data.service_points {
        p.validate()
            .map_err(|e| AppError::Internal(format!("demo service point {}: {e:?}", p.code)))?;
        store::service_points::upsert(&mut tx, p).await?;
    }
    let mut halls = Vec::new();
    for o in &data.halls {
        let Some(mut h) = store::hall::get_hall(&mut tx, &o.code).await? else {
            continue;
        };
        h.service_point = o.service_point.clone();
        h.lines = o.lines.clone();
        for w in &mut h.windows {
            w.lines = o.windows.get(&w.number).cloned().unwrap_or_default();
        }
        for w in &o.add_windows {
            if h.window(&w.number).is_none() {
                h.windows.push(w.clone());
            }
        }
        h.validate()
            .map_err(|e| AppError::Internal(format!("demo hall {}: {e:?}", h.code)))?;
        store::hall::upsert_hall(&mut tx, &h).await?;
        halls.push(h);
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    crate::cluster::tell(app, crate::cluster::Change::Org).await;

    let today = super::hall::today(app);
    let mut c = app.store.conn().await?;
    let first = (today - Duration::days(30)).to_string();
    let mut seeded = false;
    for h in &halls {
        seeded |= !store::hall::tickets_between(&mut c, &h.code, &first, &today.to_string())
            .await?
            .is_empty();
    }
    let clerk = store::accounts::find_by_login(&mut c, "clerk")
        .await?
        .map(|a| a.id);
    let citizen =
        store::accounts::find_by_login(&mut c, &super::demo::demo_citizen_id_number()).await?;
    drop(c);
    if seeded {
        return Ok(0);
    }
    let mut dice = Dice(20261203);
    let mut made = 0;
    let days: Vec<time::Date> = {
        let cal = app
            .calendar
            .read()
            .map_err(|_| AppError::Internal("calendar".into()))?;
        (1..=20)
            .map(|d| today - Duration::days(d))
            .filter(|d| cal.is_working_day(*d))
            .take(10)
            .collect()
    };
    for h in &halls {
        for day in &days {
            let mut tx = app.store.begin().await?;
            let n = 20 + dice.next(25) + 4 * h.windows.len().min(8) as u64;
            let opening = domain::hall::booking::at(*day, time::macros::time!(9:00));
            for i in 0..n {
                let line = &h.lines[dice.next(h.lines.len() as u64) as usize];
                let serving: Vec<&Window> =
                    h.windows.iter().filter(|w| w.serves(&line.code)).collect();
                let Some(window) = serving.get(dice.next(serving.len() as u64) as usize) else {
                    continue;
                };
                // Arrivals through the day, fewer at lunch.
                let minute = (i * 420 / n) as i64 + dice.next(10) as i64;
                let minute = if (180..270).contains(&minute) && dice.next(3) > 0 {
                    minute + 90
                } else {
                    minute
                };
                let issued = opening + Duration::minutes(minute.min(470));
                let roll = dice.next(100);
                let priority = match roll {
                    0..=7 => Priority::Green,
                    8..=22 => Priority::Booked,
                    _ => Priority::WalkIn,
                };
                let wait = match priority {
                    Priority::Green => 1 + dice.next(5),
                    Priority::Booked => 2 + dice.next(8),
                    Priority::WalkIn => 3 + dice.next(24),
                } as i64;
                let service = 4 + dice.next(12) as i64;
                let no_show = dice.next(100) < 4;
                let called: OffsetDateTime = issued + Duration::minutes(wait);
                let seq = store::hall::next_number(&mut tx, &h.code, &day.to_string(), &line.code)
                    .await?;
                let id = uuid::Uuid::now_v7().to_string();
                let appointment =
                    (priority == Priority::Booked).then(|| uuid::Uuid::now_v7().to_string());
                let t = Ticket {
                    id: id.clone(),
                    hall: h.code.clone(),
                    day: day.to_string(),
                    line: line.code.clone(),
                    number: queue::ticket_number(&line.code, seq),
                    priority,
                    green_reason: if priority == Priority::Green {
                        "老年人".into()
                    } else {
                        String::new()
                    },
                    source: Source::Kiosk,
                    state: if no_show {
                        TicketState::NoShow
                    } else {
                        TicketState::Finished
                    },
                    window: Some(window.number.clone()),
                    calls: if no_show { 3 } else { 1 },
                    issued_at: issued,
                    called_at: Some(called),
                    finished_at: Some(
                        called + Duration::minutes(if no_show { 2 } else { service }),
                    ),
                    account: None,
                    holder: queue::mask_name(
                        ["张三丰", "李秀英", "王建国", "刘芳", "陈志强", "杨丽"]
                            [dice.next(6) as usize],
                    ),
                    appointment: appointment.clone(),
                    staff: clerk.clone(),
                    note: String::new(),
                    cases: vec![],
                };
                store::hall::insert_ticket(&mut tx, &t, "").await?;
                if let Some(a) = appointment {
                    let band = h.rules.bands.iter().rev().find(|b| {
                        b.start_time().is_some_and(|s| {
                            domain::hall::booking::at(*day, s) <= issued + Duration::minutes(30)
                        })
                    });
                    let booked = Appointment {
                        id: a,
                        code: format!("DEMO{:04}", made % 10000),
                        hall: h.code.clone(),
                        line: line.code.clone(),
                        day: day.to_string(),
                        band: band
                            .map(|b| b.start.clone())
                            .unwrap_or_else(|| "09:00".into()),
                        account: None,
                        name: t.holder.clone(),
                        id_masked: "5116**********0000".into(),
                        phone: "139****0000".into(),
                        item: String::new(),
                        case_id: String::new(),
                        state: BookingState::CheckedIn,
                        ticket: Some(id),
                        created_at: issued - Duration::days(2),
                    };
                    let key = super::hall::person_key(&format!("demo-{made}"));
                    store::hall::insert(&mut tx, &booked, &key).await?;
                }
                made += 1;
            }
            tx.commit().await.map_err(store::StoreError::from)?;
        }
    }
    // The demo citizen has booked the district hall's 不动产 line for the next working day.
    if let (Some(me), Some(h)) = (citizen, halls.iter().find(|h| h.code == "511602-ZWZX")) {
        let day = {
            let cal = app
                .calendar
                .read()
                .map_err(|_| AppError::Internal("calendar".into()))?;
            cal.add_working_days(today, 1)
        };
        let band = &h.rules.bands[1];
        let mut tx = app.store.begin().await?;
        if store::hall::take_place(
            &mut tx,
            &h.code,
            "B",
            &day.to_string(),
            &band.start,
            band.capacity,
        )
        .await?
        {
            let a = Appointment {
                id: uuid::Uuid::now_v7().to_string(),
                code: "DEMOBOOK".into(),
                hall: h.code.clone(),
                line: "B".into(),
                day: day.to_string(),
                band: band.start.clone(),
                account: Some(me.id.clone()),
                name: me.display_name.clone(),
                id_masked: domain::ids::mask_middle(&me.login, 4, 4),
                phone: me.phone.clone(),
                item: String::new(),
                case_id: String::new(),
                state: BookingState::Booked,
                ticket: None,
                created_at: app.now(),
            };
            store::hall::insert(&mut tx, &a, &super::hall::person_key(&me.login)).await?;
        }
        tx.commit().await.map_err(store::StoreError::from)?;
    }
    Ok(made)
}

/// The demo's kiosks, one a demo hall, with secrets anyone can read in this file: only a demo
/// site (`serve --demo`, no `[[kiosks]]` configured) uses them.
pub fn kiosks() -> Vec<crate::hall::kiosk::KioskConfig> {
    ["511600-ZWZX", "511602-ZWZX", "511621-ZWZX"]
        .into_iter()
        .map(|hall| crate::hall::kiosk::KioskConfig {
            id: format!("{hall}-K01"),
            hall: hall.into(),
            secret: format!("demo-kiosk-secret-{hall}"),
            algorithm: domain::outbox::SignatureAlgorithm::HmacSm3,
        })
        .collect()
}
