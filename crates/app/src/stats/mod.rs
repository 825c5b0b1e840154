//! Statistics for the supervision dashboard and the public monthly report: facts gathered
//! per case, rating and ticket for a period and scope, summarized by the formulas in
//! `domain::stats`, with a breakdown one level down (departments of a region, items of a
//! department, cases of an item).

use std::collections::BTreeMap;

use domain::account::Role;
use domain::calendar::{CHINA_OFFSET, WorkCalendar, china_date};
use domain::catalog::ItemDefinition;
use domain::rating::{RatingChannel, Satisfaction};
use domain::stats::{CaseFacts, RatingFacts, Summary, TicketFacts, summarize};

use crate::auth::Actor;
use crate::{App, AppError, Result};

mod daily;
pub use daily::{ensure_built, rebuild};

/// The longest period one query may cover.
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Query {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub item: Option<String>,
    /// Break down by `window` (who accepted), `staff` (who decided) or `subject` (办理对象:
    /// natural or legal person, by whom the case decides about) instead of by place.
    #[serde(default)]
    pub group: Option<String>,
}

/// One row of the breakdown: a department, an item or a case.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    pub key: String,
    pub label: String,
    pub summary: Summary,
}

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub from: String,
    pub to: String,
    /// What the report covers, e.g. 广安市 / 广安市市场监督管理局.
    pub scope: String,
    pub summary: Summary,
    /// "department", "item", "case", "window" or "staff".
    pub level: &'static str,
    pub groups: Vec<Group>,
    /// 承诺时限压缩比 of the items the period's cases were filed under.
    pub compression_ratio: Option<f64>,
}

fn day(field: &str, v: &str) -> Result<time::Date> {
    time::Date::parse(
        v.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| AppError::field(field, "invalid", format!("“{v}”不是 YYYY-MM-DD 格式的日期")))
}

/// Midnight of a Beijing day, in ms (the bounds of a period's queries).
pub(crate) fn ms(d: time::Date) -> i64 {
    store::millis(
        d.with_time(time::Time::MIDNIGHT)
            .assume_offset(CHINA_OFFSET),
    )
}

/// Who may see what: supervisors and administrators their region; other staff their
/// department. Returns the department the query is limited to, if any.
fn scope_of(actor: &Actor, q: &Query) -> Result<(String, Option<String>)> {
    let Actor::Staff { scope, roles, .. } = actor else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("统计只对工作人员开放".into()),
        });
    };
    let wide = roles.contains(&Role::Supervisor) || roles.contains(&Role::SystemAdmin);
    let department = match (&scope.department, wide) {
        (Some(own), false) => {
            if q.department.as_ref().is_some_and(|d| d != own) {
                return Err(AppError::Forbidden("只能查看本部门的统计".into()));
            }
            Some(own.clone())
        }
        _ => q.department.clone().filter(|d| !d.is_empty()),
    };
    Ok((scope.region.clone(), department))
}

/// The report for a period and scope, with its breakdown one level down.
pub async fn report(app: &App, actor: &Actor, q: &Query) -> Result<Report> {
    let (region, department) = scope_of(actor, q)?;
    build(app, &region, department, q, true).await
}

/// The same report counted from every case of the period instead of the per-day sums: what
/// the sums must give (the tests compare the two).
pub async fn report_from_cases(app: &App, actor: &Actor, q: &Query) -> Result<Report> {
    let (region, department) = scope_of(actor, q)?;
    build(app, &region, department, q, false).await
}

async fn build(
    app: &App,
    region: &str,
    department: Option<String>,
    q: &Query,
    from_sums: bool,
) -> Result<Report> {
    let (from, to) = (day("from", &q.from)?, day("to", &q.to)?);
    if to <= from {
        return Err(AppError::field("to", "invalid", "结束日期应晚于开始日期"));
    }
    if (to - from).whole_days() > MAX_DAYS {
        return Err(AppError::field(
            "to",
            "too_long",
            "统计区间最长一年，请分段查询",
        ));
    }
    let mut conn = app.store.conn().await?;
    let scope_name = match &department {
        Some(d) => {
            let dept = store::org::get_department(&mut conn, d)
                .await
                .map_err(|_| {
                    AppError::field("department", "unknown", format!("部门 {d} 不存在"))
                })?;
            // A department is chosen by code, so its region must be checked here: staff of a
            // county do not read a city department's figures.
            if !region_covers(region, &dept.region) {
                return Err(AppError::Forbidden(
                    "只能查看本区划（及下级）部门的统计".into(),
                ));
            }
            dept.name
        }
        None => store::org::get_region(&mut conn, region)
            .await
            .map(|r| r.name)
            .unwrap_or_else(|_| "全部地区".to_string()),
    };
    let item_filter = q.item.clone().filter(|i| !i.is_empty());
    // The breakdown: departments of the region, items of a department, cases of an item; or
    // the people at the window (who accepted) or deciding (who decided).
    let level = match (q.group.as_deref(), &department, &item_filter) {
        (Some("window"), _, _) => "window",
        (Some("staff"), _, _) => "staff",
        (Some("subject"), _, _) => "subject",
        (Some(g), _, _) if !g.is_empty() => {
            return Err(AppError::field(
                "group",
                "invalid",
                "group 只能是 window、staff 或 subject",
            ));
        }
        (_, None, _) => "department",
        (_, Some(_), None) => "item",
        (_, Some(_), Some(_)) => "case",
    };
    if from_sums && matches!(level, "department" | "item") {
        let place = daily::Place {
            region,
            department: department.as_deref(),
            item: item_filter.as_deref(),
        };
        return daily::report(app, &mut conn, place, q, (from, to), scope_name, level).await;
    }
    let cases =
        store::cases::received_between(&mut conn, ms(from), ms(to), department.as_deref()).await?;
    let cal = app
        .calendar
        .read()
        .map(|c| c.clone())
        .unwrap_or_else(|_| WorkCalendar::china());
    let mut items: BTreeMap<(String, i64), Option<std::sync::Arc<ItemDefinition>>> =
        BTreeMap::new();
    let mut rows = Vec::new();
    for c in cases {
        if department.is_none() && !region_covers(region, &c.region) {
            continue;
        }
        if item_filter.as_ref().is_some_and(|i| *i != c.item_code) {
            continue;
        }
        let key = (c.item_code.to_string(), c.item_version);
        if !items.contains_key(&key) {
            let def = app
                .item_version(&mut conn, &c.item_code, c.item_version)
                .await
                .ok();
            items.insert(key.clone(), def);
        }
        let f = domain::stats::facts_of(&c, items[&key].as_deref(), &cal, app.now());
        rows.push((c, f));
    }
    let (rating_rows, ticket_rows) = rating_rows(
        &mut conn,
        region,
        department.as_deref(),
        item_filter.as_deref(),
        (from, to),
    )
    .await?;
    let mut by_case: BTreeMap<String, (String, String)> = BTreeMap::new();
    if matches!(level, "window" | "staff") {
        for (case_id, kind, actor) in
            store::cases::acceptors_and_deciders(&mut conn, ms(from), ms(to), department.as_deref())
                .await?
        {
            let e = by_case.entry(case_id).or_default();
            if kind == "accepted" {
                e.0 = actor;
            } else {
                e.1 = actor;
            }
        }
    }
    let numbers: BTreeMap<String, String> = rows
        .iter()
        .map(|(c, _)| (c.number.to_string(), c.id.to_string()))
        .collect();
    // 办理对象: whom each case decides about (a founder's 设立登记 is the enterprise's).
    let mut subject_of: BTreeMap<String, &'static str> = BTreeMap::new();
    if level == "subject" {
        for (c, _) in &rows {
            let applicant = app_account_kind(app, &mut conn, c.applicant_id.as_str()).await?;
            let key = if c.subject.is_enterprise(applicant) {
                "legal"
            } else {
                "natural_person"
            };
            subject_of.insert(c.number.to_string(), key);
        }
    }
    let key_of = |dept: &str, item: &str, number: &str| -> String {
        match level {
            "department" => dept.to_string(),
            "item" => item.to_string(),
            "window" | "staff" => numbers
                .get(number)
                .and_then(|id| by_case.get(id))
                .map(|(acc, dec)| {
                    if level == "window" {
                        acc.clone()
                    } else {
                        dec.clone()
                    }
                })
                .unwrap_or_default(),
            "subject" => subject_of.get(number).copied().unwrap_or("").to_string(),
            _ => number.to_string(),
        }
    };
    let mut keys: Vec<String> = rows
        .iter()
        .map(|(c, _)| key_of(&c.department, &c.item_code, &c.number))
        .collect();
    keys.sort();
    keys.dedup();
    let mut groups = Vec::new();
    for k in keys {
        let cf: Vec<CaseFacts> = rows
            .iter()
            .filter(|(c, _)| key_of(&c.department, &c.item_code, &c.number) == k)
            .map(|(_, f)| f.clone())
            .collect();
        let rf: Vec<RatingFacts> = rating_rows
            .iter()
            .filter(|(d, i, n, _)| key_of(d, i, n) == k)
            .map(|r| r.3.clone())
            .collect();
        let tf: Vec<TicketFacts> = ticket_rows
            .iter()
            .filter(|(d, i, n, _)| key_of(d, i, n) == k)
            .map(|t| t.3.clone())
            .collect();
        let label = label(app, &mut conn, level, &k).await?;
        groups.push(Group {
            key: k,
            label,
            summary: summarize(&cf, &rf, &tf),
        });
    }
    let all_cases: Vec<CaseFacts> = rows.into_iter().map(|(_, f)| f).collect();
    let all_ratings: Vec<RatingFacts> = rating_rows.into_iter().map(|r| r.3).collect();
    let all_tickets: Vec<TicketFacts> = ticket_rows.into_iter().map(|t| t.3).collect();
    // Each item once (its latest version seen), promised against legal working days.
    let mut limits: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for def in items.values().flatten() {
        if let Some(legal) = &def.legal_limit {
            limits.insert(
                def.code.clone(),
                (domain::bundle::item_days(def), legal.days),
            );
        }
    }
    let limits: Vec<(u32, u32)> = limits.into_values().collect();
    Ok(Report {
        from: q.from.clone(),
        to: q.to.clone(),
        scope: scope_name,
        summary: summarize(&all_cases, &all_ratings, &all_tickets),
        level,
        groups,
        compression_ratio: domain::stats::compression_ratio(&limits),
    })
}

/// How a breakdown row is named: a person, a department or an item by name.
async fn label(app: &App, conn: &mut store::Connection, level: &str, k: &str) -> Result<String> {
    let k = k.to_string();
    Ok(match level {
        "subject" if k == "legal" => "法人（企业等）".to_string(),
        "subject" => "自然人".to_string(),
        "window" | "staff" if k.is_empty() => "（尚未受理或决定）".to_string(),
        "window" | "staff" if k == "system" => "系统（秒批）".to_string(),
        "window" | "staff" => store::accounts::get_account(&mut *conn, &k)
            .await
            .map(|a| a.display_name)
            .unwrap_or_else(|_| k.clone()),
        // Cached: a report names every department of the region.
        "department" => app.department_name(&mut *conn, &k).await,
        "item" => store::catalog::find_item(&mut *conn, &k)
            .await?
            .map(|i| i.name)
            .unwrap_or_else(|| k.clone()),
        _ => k.clone(),
    })
}

/// A rating or 整改单 with where it belongs: department, item and case number.
type Placed<T> = (String, String, String, T);

/// The period's ratings and the tickets of its bad reviews, in scope. (Read row by row:
/// ratings are not kept as daily sums yet.)
async fn rating_rows(
    conn: &mut store::Connection,
    region: &str,
    department: Option<&str>,
    item: Option<&str>,
    (from, to): (time::Date, time::Date),
) -> Result<(Vec<Placed<RatingFacts>>, Vec<Placed<TicketFacts>>)> {
    let ratings = store::ratings::ratings_between(&mut *conn, department, ms(from), ms(to)).await?;
    let tickets: BTreeMap<String, store::ratings::TicketRow> =
        store::ratings::tickets_of_ratings_between(&mut *conn, department, ms(from), ms(to))
            .await?
            .into_iter()
            .map(|t| (t.rating_id.clone(), t))
            .collect();
    let mut rating_rows = Vec::new();
    let mut ticket_rows = Vec::new();
    for r in ratings {
        if item.is_some_and(|i| i != r.item_code) {
            continue;
        }
        if department.is_none() && !region_covers(region, &r.region) {
            continue;
        }
        if let Some(t) = tickets.get(&r.id) {
            let closed_day = t.closed_at.map(|at| {
                let d = china_date(store::from_millis(at));
                format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
            });
            ticket_rows.push((
                r.department.clone(),
                r.item_code.clone(),
                r.case_number.clone(),
                TicketFacts {
                    finished_on_time: closed_day.is_some_and(|d| d <= t.due_date),
                },
            ));
        }
        let f = RatingFacts {
            level: Satisfaction::from_code(r.level as u8),
            channel: RatingChannel::parse(&r.channel),
            excluded: r.excluded == 1,
        };
        rating_rows.push((
            r.department.clone(),
            r.item_code.clone(),
            r.case_number.clone(),
            f,
        ));
    }
    Ok((rating_rows, ticket_rows))
}

/// The public monthly report (no login, no personal data): a month of the whole platform's
/// region, like the provinces' 好差评 releases.
pub async fn monthly(app: &App, month: &str) -> Result<Report> {
    let first = day("month", &format!("{}-01", month.trim())).map_err(|_| {
        AppError::field(
            "month",
            "invalid",
            format!("“{month}”不是 YYYY-MM 格式的月份"),
        )
    })?;
    let next = if first.month() == time::Month::December {
        time::Date::from_calendar_date(first.year() + 1, time::Month::January, 1)
    } else {
        time::Date::from_calendar_date(first.year(), first.month().next(), 1)
    }
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let iso = |d: time::Date| format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    let mut conn = app.store.conn().await?;
    // The platform's own region: the city when a province above it is loaded too.
    let region = store::org::list_regions(&mut conn)
        .await?
        .into_iter()
        .filter(|r| !r.code.ends_with("0000"))
        .min_by_key(|r| (r.code.len(), r.code.clone()))
        .map(|r| r.code)
        .unwrap_or_default();
    drop(conn);
    build(
        app,
        &region,
        None,
        &Query {
            from: iso(first),
            to: iso(next),
            ..Default::default()
        },
        true,
    )
    .await
}

/// Whether `inner` lies in `outer` (the region hierarchy of GB/T 2260); an empty outer code
/// covers everything.
fn region_covers(outer: &str, inner: &str) -> bool {
    use domain::ids::RegionCode;
    outer.is_empty()
        || matches!((RegionCode::parse(outer), RegionCode::parse(inner)), (Ok(o), Ok(i)) if i.is_within(&o))
}

/// The report's breakdown as an .xlsx workbook (one sheet, one row per group, a total row).
pub fn to_xlsx(r: &Report) -> Result<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    ws.set_name("统计").map_err(err)?;
    let headers = [
        "名称",
        "收件（已提交）",
        "已受理",
        "办结",
        "按时",
        "超期",
        "按时办结率",
        "网办率",
        "全程网办率",
        "即办件率",
        "平均办理工作日",
        "免提交材料",
        "评价数",
        "满意率",
        "差评",
        "整改单",
        "按时整改率",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).map_err(err)?;
    }
    // Numbers stay numbers (rates as fractions shown as percentages), so the sheet sums and
    // charts; a rate with nothing to divide is left empty.
    let pct_format = rust_xlsxwriter::Format::new().set_num_format("0.0%");
    let days_format = rust_xlsxwriter::Format::new().set_num_format("0.0");
    enum Cell {
        Count(usize),
        Rate(Option<f64>),
        Days(Option<f64>),
    }
    let total = Group {
        key: String::new(),
        label: format!("合计（{}）", r.scope),
        summary: r.summary.clone(),
    };
    for (i, g) in r.groups.iter().chain(std::iter::once(&total)).enumerate() {
        let row = i as u32 + 1;
        let s = &g.summary;
        ws.write_string(row, 0, &g.label).map_err(err)?;
        let cells = [
            Cell::Count(s.received),
            Cell::Count(s.accepted),
            Cell::Count(s.completed),
            Cell::Count(s.on_time),
            Cell::Count(s.overdue),
            Cell::Rate(s.on_time_rate),
            Cell::Rate(s.online_rate),
            Cell::Rate(s.full_online_rate),
            Cell::Rate(s.instant_rate),
            Cell::Days(s.avg_handling_days),
            Cell::Count(s.materials_avoided as usize),
            Cell::Count(s.ratings),
            Cell::Rate(s.satisfaction_rate),
            Cell::Count(s.bad_reviews),
            Cell::Count(s.tickets),
            Cell::Rate(s.tickets_on_time_rate),
        ];
        for (c, cell) in cells.iter().enumerate() {
            let col = c as u16 + 1;
            match cell {
                Cell::Count(n) => ws.write_number(row, col, *n as f64).map(|_| ()),
                Cell::Rate(Some(v)) => ws
                    .write_number_with_format(row, col, *v, &pct_format)
                    .map(|_| ()),
                Cell::Days(Some(v)) => ws
                    .write_number_with_format(row, col, *v, &days_format)
                    .map(|_| ()),
                Cell::Rate(None) | Cell::Days(None) => Ok(()),
            }
            .map_err(err)?;
        }
    }
    wb.save_to_buffer().map_err(err)
}

/// Whether the account that filed is an enterprise's (cached accounts).
async fn app_account_kind(app: &App, conn: &mut store::Connection, id: &str) -> Result<bool> {
    let a = app.account(conn, id).await?;
    Ok(a.kind == domain::account::AccountKind::Enterprise)
}
