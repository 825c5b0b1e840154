//! 接诉即办 figures: the three rates and the score per department, county and month; hotspots
//! by classification, place and hour; the most frequent words of the period; the running
//! tickets' warnings; the public monthly figures.

use std::collections::HashMap;

use domain::hotline::measures::{Rates, Tally, Weights, rates};
use serde::Serialize;
use store::hotline::{GroupBy, Period};

use super::{TicketView, masked, staff};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// One row of a table: a group's name, its counts and rates.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub key: String,
    pub name: String,
    pub tally: Tally,
    pub rates: Rates,
}

/// The 接诉即办 page's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub from_month: String,
    pub to_month: String,
    pub total: Row,
    pub by_department: Vec<Row>,
    pub by_county: Vec<Row>,
    pub by_month: Vec<Row>,
    pub by_class: Vec<Row>,
    /// Tickets per hour of the day (0–23).
    pub by_hour: Vec<(u32, u64)>,
    pub top_words: Vec<(String, usize)>,
    pub weights: Weights,
}

pub(crate) fn check_month(field: &str, m: &str) -> Result<()> {
    let ok = m.len() == 7
        && m.is_ascii()
        && m.as_bytes()[4] == b'-'
        && m[..4].parse::<u32>().is_ok()
        && m[5..].parse::<u32>().is_ok_and(|x| (1..=12).contains(&x));
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            field,
            "invalid",
            format!("月份应写成 2026-11 的形式，实际为“{m}”"),
        ))
    }
}

/// The current month in China time.
pub fn this_month(app: &App) -> String {
    let d = domain::calendar::china_date(app.now());
    format!("{:04}-{:02}", d.year(), d.month() as u8)
}

/// The month 30 days ago: the default start, so early in a month the page still shows a
/// month of tickets.
pub fn month_ago(app: &App) -> String {
    let d = domain::calendar::china_date(app.now()) - time::Duration::days(30);
    format!("{:04}-{:02}", d.year(), d.month() as u8)
}

/// Words that say nothing about what the matter is.
const STOP: &[&str] = &[
    "我们", "你们", "他们", "没有", "什么", "这个", "那个", "一个", "希望", "问题", "反映", "市民",
    "来电", "要求", "情况", "处理", "已经", "现在", "可以", "还是", "就是", "不是", "因为", "所以",
    "怎么",
];

/// The figures for months `from..=to` in the actor's reach: the centre and supervisors see
/// their region, a department's handlers only their department.
pub async fn overview(app: &App, actor: &Actor, from: &str, to: &str) -> Result<Overview> {
    let s = staff(actor)?;
    check_month("from", from)?;
    check_month("to", to)?;
    if from > to {
        return Err(AppError::field(
            "to",
            "before_start",
            "结束月份不能早于开始月份",
        ));
    }
    let department = if s.is_centre()
        || s.roles.iter().any(|r| {
            matches!(
                r,
                domain::account::Role::Supervisor | domain::account::Role::SystemAdmin
            )
        }) {
        None
    } else {
        s.scope.department.clone()
    };
    let p = Period {
        from_month: from.to_string(),
        to_month: to.to_string(),
        region_prefix: super::queues::region_prefix(&s),
        department,
    };
    let w = Weights::default();
    let now = app.now();
    let mut c = app.store.conn().await?;
    let departments: HashMap<String, String> = store::org::list_departments(&mut c)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let regions: HashMap<String, String> = app
        .regions(&mut c)
        .await?
        .iter()
        .map(|r| (r.code.clone(), r.name.clone()))
        .collect();
    let tree = store::hotline::classes(&mut c).await?;
    let row = |key: String, name: String, t: Tally| Row {
        rates: rates(&t, &w),
        key,
        name,
        tally: t,
    };
    let mut total = Tally::default();
    let by_month: Vec<Row> = store::hotline::tallies(&mut c, &p, GroupBy::Month, now)
        .await?
        .into_iter()
        .map(|(k, t)| {
            total.merge(&t);
            row(k.clone(), k, t)
        })
        .collect();
    let mut by_department: Vec<Row> = store::hotline::tallies(&mut c, &p, GroupBy::Department, now)
        .await?
        .into_iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, t)| {
            let name = departments.get(&k).cloned().unwrap_or_else(|| k.clone());
            row(k, name, t)
        })
        .collect();
    by_department.sort_by(|a, b| {
        b.rates
            .score
            .unwrap_or(-1.0)
            .total_cmp(&a.rates.score.unwrap_or(-1.0))
    });
    let by_county = store::hotline::tallies(&mut c, &p, GroupBy::County, now)
        .await?
        .into_iter()
        .map(|(k, t)| {
            let name = regions.get(&k).cloned().unwrap_or_else(|| k.clone());
            row(k, name, t)
        })
        .collect();
    let mut by_class: Vec<Row> = store::hotline::tallies(&mut c, &p, GroupBy::Class, now)
        .await?
        .into_iter()
        .map(|(k, t)| {
            let name = domain::hotline::classes::path(&tree, &k);
            row(k, name, t)
        })
        .collect();
    by_class.sort_by_key(|r| std::cmp::Reverse(r.tally.received));
    let mut by_hour: Vec<(u32, u64)> = (0..24).map(|h| (h, 0)).collect();
    for (k, t) in store::hotline::tallies(&mut c, &p, GroupBy::Hour, now).await? {
        if let Ok(h) = k.parse::<usize>()
            && h < 24
        {
            by_hour[h].1 = t.received;
        }
    }
    let texts = store::hotline::texts(&mut c, &p, 2000).await?;
    drop(c);
    let top_words = tokio::task::spawn_blocking(move || {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for t in &texts {
            let words = search::segment(t);
            for w in &words {
                // Search-mode segmentation also yields the parts of a word (工作人员 → 作人):
                // only whole words count.
                if words
                    .iter()
                    .any(|o| o.len() > w.len() && o.contains(w.as_str()))
                {
                    continue;
                }
                let w = w.clone();
                if w.chars().count() >= 2
                    && !STOP.contains(&w.as_str())
                    && !w.chars().all(|c| c.is_ascii_digit())
                {
                    *counts.entry(w).or_default() += 1;
                }
            }
        }
        let mut v: Vec<(String, usize)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(30);
        v
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Overview {
        from_month: from.to_string(),
        to_month: to.to_string(),
        total: row("total".into(), "合计".into(), total),
        by_department,
        by_county,
        by_month,
        by_class,
        by_hour,
        top_words,
        weights: w,
    })
}

/// Running tickets with a yellow or red warning, in the actor's reach.
pub async fn warnings(app: &App, actor: &Actor) -> Result<Vec<TicketView>> {
    let s = staff(actor)?;
    let mut c = app.store.conn().await?;
    let running = store::hotline::running(&mut c, &super::queues::region_prefix(&s)).await?;
    drop(c);
    let now = app.now();
    let today = domain::calendar::china_date(now);
    let cal = crate::cases::calendar(app);
    let mut out = Vec::new();
    for t in running {
        if !s.may_read(&t) || domain::hotline::measures::level(&t, now, today, &cal).is_none() {
            continue;
        }
        let full = s.sees_callers(&t);
        out.push(super::decorate(app, masked(t, full), vec![], None).await?);
    }
    out.sort_by(|a, b| b.level.cmp(&a.level));
    Ok(out)
}

/// The public monthly figures of a region (no ticket, no person): received, the rates.
pub async fn public_months(app: &App, region: &str, months: u32) -> Result<Vec<Row>> {
    let to = this_month(app);
    let d = domain::calendar::china_date(app.now());
    let back = d.year() * 12 + d.month() as i32 - 1 - months.saturating_sub(1) as i32;
    let from = format!("{:04}-{:02}", back / 12, back % 12 + 1);
    let prefix = if region.len() == 6 {
        region
            .trim_end_matches("00")
            .trim_end_matches("00")
            .to_string()
    } else {
        region.to_string()
    };
    let p = Period {
        from_month: from,
        to_month: to,
        region_prefix: prefix,
        department: None,
    };
    let w = Weights::default();
    let now = app.now();
    let mut c = app.store.conn().await?;
    Ok(store::hotline::tallies(&mut c, &p, GroupBy::Month, now)
        .await?
        .into_iter()
        .map(|(k, t)| Row {
            rates: rates(&t, &w),
            name: k.clone(),
            key: k,
            tally: t,
        })
        .collect())
}

fn rows_sheet(
    wb: &mut rust_xlsxwriter::Workbook,
    name: &str,
    rows: &[Row],
) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    let headers = [
        "名称",
        "受理",
        "直接办结",
        "派单",
        "按时签收",
        "回访",
        "解决",
        "满意",
        "响应率",
        "解决率",
        "满意率",
        "综合得分",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    let pct = rust_xlsxwriter::Format::new().set_num_format("0.0%");
    for (i, r) in rows.iter().enumerate() {
        let y = i as u32 + 1;
        ws.write_string(y, 0, &r.name)?;
        let t = &r.tally;
        for (c, n) in [
            t.received,
            t.answered_directly,
            t.dispatched,
            t.responded_in_time,
            t.called_back,
            t.resolved,
            t.satisfied,
        ]
        .into_iter()
        .enumerate()
        {
            ws.write_number(y, c as u16 + 1, n as f64)?;
        }
        for (c, v) in [r.rates.response, r.rates.resolution, r.rates.satisfaction]
            .into_iter()
            .enumerate()
        {
            if let Some(v) = v {
                ws.write_number_with_format(y, c as u16 + 8, v / 100.0, &pct)?;
            }
        }
        if let Some(sc) = r.rates.score {
            ws.write_number(y, 11, (sc * 10.0).round() / 10.0)?;
        }
    }
    Ok(())
}

/// The figures' tables as an Excel workbook: one sheet per grouping, rates as percentages.
pub fn to_xlsx(o: &Overview) -> Result<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    (|| {
        rows_sheet(&mut wb, "按单位", &o.by_department)?;
        rows_sheet(&mut wb, "按区县", &o.by_county)?;
        rows_sheet(&mut wb, "按月份", &o.by_month)?;
        rows_sheet(&mut wb, "按分类", &o.by_class)?;
        wb.save_to_buffer()
    })()
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// One published decision (办件结果公示): no personal data beyond a masked name.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedResult {
    pub number: String,
    pub item_name: String,
    pub decision: String,
    pub day: String,
    /// The refusal reason in plain words (empty when approved).
    pub reason: String,
    pub holder: String,
}

/// The latest decided cases of an item, for the public results page.
pub async fn results(app: &App, item: &str) -> Result<Vec<PublishedResult>> {
    let mut c = app.store.conn().await?;
    let rows = store::hotline::decided_cases(&mut c, item, 50).await?;
    let mut out = Vec::new();
    for data in rows {
        let Ok(case) = serde_json::from_str::<domain::case::Case>(&data) else {
            continue;
        };
        let Some(d) = &case.decision else { continue };
        let name = app
            .account(&mut c, case.applicant_id.as_str())
            .await
            .map(|a| domain::hall::queue::mask_name(&a.display_name))
            .unwrap_or_default();
        out.push(PublishedResult {
            // The sequence masked: a published number must not serve as half of the
            // progress lookup's key (wrong guesses there lock a number).
            number: domain::ids::mask_middle(
                case.number.as_ref(),
                case.number.as_ref().len().saturating_sub(5),
                2,
            ),
            item_name: case.item_name.clone(),
            decision: if d.approved {
                "准予许可"
            } else {
                "不予许可"
            }
            .into(),
            day: domain::calendar::china_date(d.at).to_string(),
            reason: if d.approved {
                String::new()
            } else {
                d.reason.clone()
            },
            holder: name,
        });
    }
    Ok(out)
}
