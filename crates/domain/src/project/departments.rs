//! Statistics per department of the member cases of projects' stages: how many, how many
//! closed, mean working days from acceptance to closing against the legal time limit, and the
//! share closed by their due date.

use serde::Serialize;
use time::Date;

use crate::calendar::WorkCalendar;

/// One member case of a project's stage, as its department handled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub department: String,
    /// The day the time limit starts from (the acceptance); None before it.
    pub accepted: Option<Date>,
    pub closed: Option<Date>,
    /// The legal due date; None for a case without one (not accepted, or 即办).
    pub due: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentFigures {
    pub department: String,
    pub cases: usize,
    /// Accepted and closed.
    pub closed: usize,
    /// Mean working days from acceptance to closing of the closed ones.
    pub mean_used: f64,
    /// Mean working days from acceptance to the due date of the closed ones with one.
    pub mean_promised: f64,
    /// Share of the closed ones with a due date closed by it, 0–1 (1 when none has one).
    pub within_share: f64,
}

/// Per department, in code order.
pub fn department_figures(cases: &[CaseFacts], cal: &WorkCalendar) -> Vec<DepartmentFigures> {
    let mut departments: Vec<&str> = cases.iter().map(|c| c.department.as_str()).collect();
    departments.sort_unstable();
    departments.dedup();
    let days = |a: Date, b: Date| {
        let mut n = 0u32;
        let mut d = a;
        while d < b {
            d = d.next_day().unwrap_or(b);
            if cal.is_working_day(d) {
                n += 1;
            }
        }
        n
    };
    departments
        .into_iter()
        .map(|department| {
            let of: Vec<&CaseFacts> = cases
                .iter()
                .filter(|c| c.department == department)
                .collect();
            let closed: Vec<(Date, Date, Option<Date>)> = of
                .iter()
                .filter_map(|c| Some((c.accepted?, c.closed?, c.due)))
                .collect();
            let used: Vec<u32> = closed.iter().map(|(a, c, _)| days(*a, *c)).collect();
            let dated: Vec<(Date, Date, Date)> = closed
                .iter()
                .filter_map(|(a, c, d)| Some((*a, *c, (*d)?)))
                .collect();
            let promised: Vec<u32> = dated.iter().map(|(a, _, d)| days(*a, *d)).collect();
            let within = dated.iter().filter(|(_, c, d)| c <= d).count();
            let mean = |v: &[u32]| {
                if v.is_empty() {
                    0.0
                } else {
                    v.iter().map(|x| f64::from(*x)).sum::<f64>() / v.len() as f64
                }
            };
            DepartmentFigures {
                department: department.to_string(),
                cases: of.len(),
                closed: closed.len(),
                mean_used: mean(&used),
                mean_promised: mean(&promised),
                within_share: if dated.is_empty() {
                    1.0
                } else {
                    within as f64 / dated.len() as f64
                },
            }
        })
        .collect()
}
