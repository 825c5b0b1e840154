//! The rules of the authorization table: for each rule, who may pass (A) and who is refused
//! (-), one column per principal. Routes name the rule that governs them (`table.rs`).
//!
//! The records the rules speak of all belong to one citizen (张三, "own") and one department
//! of the city, 511600-GAJ (公安局): a submitted case, a license, a bundle application, a
//! rating ticket, a 督办 notice. Staff of the city without a department work across it; county
//! (511602) staff are outside the city's records; `dep` is a reviewer and approver of GAJ
//! and handles its 12345 tickets, `dep'` one of another city department (城管执法局). The
//! city's window clerk also takes 12345 calls and dispatches.

/// Who asks, in the order of the columns below.
pub const PRINCIPALS: [&str; 14] = [
    "anonymous visitor",
    "the record's owner (citizen)",
    "another citizen",
    "the enterprise",
    "window clerk of the city",
    "window clerk of a county",
    "department staff of the record's department",
    "department staff of another department",
    "supervisor of the city",
    "supervisor of a county",
    "system admin of the city",
    "system admin of a county",
    "catalog admin of the top region (city)",
    "catalog admin of a county",
];

/// Short column names, for failure messages.
pub const SHORT: [&str; 14] = [
    "anon", "own", "cit", "ent", "clk", "clk'", "dep", "dep'", "sup", "sup'", "adm", "adm'", "cat",
    "cat'",
];

/// (rule, cells, what it says). A cell is `A` (allowed) or `-` (refused: 401, 403, 404 or a
/// redirect to the login page); spaces and bars only align the columns.
#[rustfmt::skip]
pub const RULES: &[(&str, &str, &str)] = &[
    //                     anon own cit ent|clk clk'|dep dep'|sup sup'|adm adm'|cat cat'
    ("public",            " A   A   A   A | A   A  | A   A  | A   A  | A   A  | A   A ",
        "the portal, guides, catalog, progress lookup, verification, probes"),
    ("loopback_or_token", " -   -   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "/metrics: the machine itself or a scraper with the token; the table's clients are remote"),
    ("platform_signed",   " -   -   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "courier scans and payment notices: only the platform, by the signature over the body; no session opens them"),
    ("demo_only",         " -   -   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "the demo's simulated card reader: only on a demo site (serve --demo); the table's site is not one"),
    ("link_holder",       " -   -   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "a link texted to a 12345 caller (短信回访): whoever holds its token, no session; the table holds none (app tests cover the link)"),
    ("signed_in",         " -   A   A   A | A   A  | A   A  | A   A  | A   A  | A   A ",
        "any account: own password, messages, uploads"),
    ("applicant",         " -   A   A   A | -   -  | -   -  | -   -  | -   -  | -   - ",
        "people and enterprises: their own cases, licenses, grants, applications"),
    ("applicant_or_clerk"," -   A   A   A | A   A  | -   -  | -   -  | -   -  | -   - ",
        "the agents page: grants of one's own, or the window's grant form"),
    ("not_staff",         " A   A   A   A | -   -  | -   -  | -   -  | -   -  | -   - ",
        "booking a hall's slot: people and enterprises, logged in or in their own name; not staff"),
    ("appointment_holder"," -   A   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "the citizen's booking (cancel, check in): its holder (or whoever has its ID number)"),
    ("queue_ticket_view", " -   A   -   - | A   -  | A   A  | A   -  | A   -  | A   - ",
        "the citizen's ticket at the city hall: its holder, staff whose region covers the hall"),
    ("hall_staff",        " -   -   -   - | A   -  | A   A  | A   -  | A   -  | A   - ",
        "the city hall's dashboard: staff whose region covers the hall"),
    ("enterprise",        " -   -   -   A | -   -  | -   -  | -   -  | -   -  | -   - ",
        "中介超市 registration and bids: enterprise accounts only (the intermediary's own)"),
    ("market_buyer",      " -   -   -   A | A   A  | A   A  | A   A  | A   A  | A   A ",
        "posting a 中介超市 job in a county: enterprises, staff whose region covers it"),
    ("market_job_buyer",  " -   -   -   - | A   -  | -   -  | -   -  | -   -  | -   - ",
        "selecting, contracting, rating, withdrawing the city clerk's job: that buyer only"),
    ("market_reviewer",   " -   -   -   - | -   -  | -   -  | -   -  | A   -  | -   - ",
        "reviewing the enterprise's city-wide registration: system admins covering the city"),
    ("intermediary_viewer", " -   -   -   A | -   -  | -   -  | -   -  | A   -  | -   - ",
        "the enterprise's pending registration: the enterprise itself, system admins who may review it"),
    ("project_viewer",    " -   -   -   A | A   A  | A   A  | A   A  | A   A  | A   A ",
        "a 工程建设项目 in the county: its owner, staff whose region covers it"),
    ("project_reviewer",  " -   -   -   - | -   -  | A   A  | -   -  | -   -  | -   - ",
        "opening a 联合审图/联合验收 on a project: reviewers and approvers of a department covering it"),
    ("project_joint_member", " -   -   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "opinions on and the decision of the central kitchen's 联合审图: its departments (住建局 leads, 消防 takes part; none in the table; app tests cover them)"),
    ("policy_writer",     " -   -   -   - | -   -  | -   -  | -   -  | A   A  | A   A ",
        "the policy editor: catalog (and system) administrators; which policies is theirs is checked on saving"),
    ("policy_officer",    " -   -   -   - | -   -  | -   -  | -   -  | A   -  | A   - ",
        "a city department's policy (its draft, publishing, payments): administrators covering the city"),
    ("item_admin_county", " -   -   -   - | -   -  | -   -  | -   -  | A   A  | A   A ",
        "making a 申报 policy the 秒批 condition of its item in the county (广安区民政局): administrators whose catalog scope covers the item"),
    ("unresolved_owner",  " -   -   -   - | -   -  | A   -  | -   -  | -   -  | -   - ",
        "answering a 办不成事 report to 公安局: that department's staff"),
    ("unresolved_person", " -   A   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "confirming or reopening a 办不成事 report: the person who made it"),
    ("policy_grant_holder", " -   -   -   A | -   -  | -   -  | -   -  | -   -  | -   - ",
        "confirming the account of the enterprise's grant: the enterprise (or an account linked to it)"),
    ("inspection_planner", " -   -   -   - | -   -  | A   A  | -   -  | -   -  | -   - ",
        "writing a 双随机 plan: approvers of a department (which department is checked on saving)"),
    ("nobody_in_table",   " -   -   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "the demo plan's draw, results and penalty steps (市场监管局's approver and drawn inspectors), a firm's own credit record: none of the principals (app tests cover them)"),
    ("supervisor_any",    " -   -   -   - | -   -  | -   -  | A   A  | -   -  | -   - ",
        "the queue of 信用修复 applications: supervisors (each sees its region's)"),
    ("supervisor_city",   " -   -   -   - | -   -  | -   -  | A   -  | -   -  | -   - ",
        "deciding a repair of a record made by a city authority: supervisors covering the city"),
    ("market_winner",     " -   -   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "delivering and reading the report: the winner, the buyer; the table's job has neither winner nor report (app tests cover them)"),
    ("staff",             " -   -   -   - | A   A  | A   A  | A   A  | A   A  | A   A ",
        "any staff member: work page, supervision page, own-scope statistics"),
    ("clerk",             " -   -   -   - | A   A  | -   -  | -   -  | -   -  | -   - ",
        "comprehensive-window clerks of any region: tablet, window registration and grants"),
    ("clerk_in_region",   " -   -   -   - | A   -  | -   -  | -   -  | -   -  | -   - ",
        "window clerks whose region covers the city item: 一证通办"),
    ("clerk_receives",    " -   -   -   - | A   A  | -   -  | -   -  | -   -  | -   - ",
        "filing at the window: clerks whose region covers the item, or whose point may receive it (the item is 全国通办: any window)"),
    ("case_view",         " -   A   -   - | A   -  | A   -  | A   -  | A   -  | A   - ",
        "the citizen's case: its applicant, staff covering its region and department"),
    ("case_intake",       " -   -   -   - | A   -  | -   -  | -   -  | -   -  | -   - ",
        "intake decisions (不予受理) on the case: clerks of its region"),
    ("case_supplement",   " -   -   -   - | A   -  | A   -  | -   -  | -   -  | -   - ",
        "a supplement notice on the case: clerks of its region, reviewers of its department"),
    ("case_rate",         " -   A   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "rating the case: its applicant only"),
    ("license_view",      " -   A   -   - | A   -  | A   -  | A   -  | A   -  | A   - ",
        "the citizen's license: its holder, staff covering the issuing department"),
    ("license_holder",    " -   A   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "the license PDF: its holder only"),
    ("license_revoke",    " -   -   -   - | -   -  | A   -  | -   -  | A   -  | -   - ",
        "revocation: approvers of the issuing department, system admins covering it"),
    ("grant_principal",   " -   A   -   - | -   -  | -   -  | -   -  | -   -  | -   - ",
        "revoking the citizen's grant: the citizen (or the agent, not a principal here)"),
    ("bundle_case_view",  " -   A   -   - | A   -  | A   -  | A   -  | A   -  | A   - ",
        "the citizen's bundle application: its applicant, staff of the region, lead department"),
    ("stats_department",  " -   -   -   - | A   -  | A   -  | A   -  | A   -  | A   - ",
        "statistics of a city department: city staff, but not another department's staff"),
    ("ratings_export",    " -   -   -   - | -   -  | -   -  | A   A  | A   A  | -   - ",
        "rating records of one's region: supervisors and system admins"),
    ("off_platform_list", " -   -   -   - | -   -  | -   -  | A   A  | A   A  | -   - ",
        "体外循环 suspicions: supervisors and system admins, each seeing their region's"),
    ("assessment_view",   " -   -   -   - | -   -  | -   -  | A   A  | A   A  | -   - ",
        "考核 of the departments of one's region: supervisors and system admins"),
    ("warnings_list",     " -   -   -   - | -   -  | A   A  | A   A  | A   A  | -   - ",
        "电子监察 warnings through the API: supervisors and system admins (their region), department staff (their department)"),
    ("warning_view",      " -   -   -   - | -   -  | A   -  | A   -  | A   -  | -   - ",
        "one warning: supervisors and system admins whose region covers it, staff of its department"),
    ("supervise_city",    " -   -   -   - | -   -  | -   -  | A   -  | A   -  | -   - ",
        "督办 on a city warning: supervisors and system admins of the city"),
    ("notice_department", " -   -   -   - | -   -  | A   -  | -   -  | -   -  | -   - ",
        "resolving a 督办 notice: staff of the department it was sent to"),
    ("ticket_department", " -   -   -   - | -   -  | A   -  | -   -  | -   -  | -   - ",
        "handling a rating ticket: staff of the rated department"),
    ("platform_thresholds"," -  -   -   - | -   -  | -   -  | A   -  | A   -  | -   - ",
        "platform-wide warning thresholds: supervisors and admins of the top region"),
    ("catalog_admin",     " -   -   -   - | -   -  | -   -  | -   -  | A   A  | A   A ",
        "catalog administration of one's own scope: catalog and system admins"),
    ("catalog_city",      " -   -   -   - | -   -  | -   -  | -   -  | A   -  | A   - ",
        "a city item or bundle: catalog and system admins covering the city"),
    ("platform_catalog",  " -   -   -   - | -   -  | -   -  | -   -  | A   -  | A   - ",
        "search synonyms of the whole platform: catalog admins of the top region"),
    ("hotline_staff",     " -   -   -   - | A   -  | A   -  | A   A  | A   A  | -   - ",
        "12345 queues, figures, knowledge base: operators, dispatchers, handlers, supervisors, admins"),
    ("hotline_centre",    " -   -   -   - | A   -  | -   -  | -   -  | -   -  | -   - ",
        "the operator's desk, knowledge search, duplicates: the 12345 centre's operators"),
    ("hotline_file",      " -   A   A   A | A   -  | -   -  | -   -  | -   -  | -   - ",
        "filing a 12345 ticket: people and enterprises for themselves, operators for callers"),
    ("hotline_view",      " -   A   -   - | A   -  | A   -  | A   -  | A   -  | -   - ",
        "the citizen's ticket: its filer, the city's centre, the handling department, supervisors"),
    ("hotline_handler",   " -   -   -   - | -   -  | A   -  | -   -  | -   -  | -   - ",
        "a step on the ticket in handling (延期): the handling department's handlers only"),
    ("open311_list",      " -   A   A   A | A   -  | A   -  | A   A  | A   A  | -   - ",
        "Open311 requests: a person's own, or the tickets in a hotline staff member's reach"),
    ("questions",         " -   A   A   A | -   -  | A   A  | -   -  | -   -  | -   - ",
        "网上咨询: one's own questions, or a department's to answer"),
    ("question_answer",   " -   -   -   - | -   -  | A   -  | -   -  | -   -  | -   - ",
        "answering a question on the department's item: its reviewers, approvers and handlers"),
    ("system_admin",      " -   -   -   - | -   -  | -   -  | -   -  | A   A  | -   - ",
        "account and calendar pages: system admins"),
    ("system_admin_city", " -   -   -   - | -   -  | -   -  | -   -  | A   -  | -   - ",
        "city staff accounts: system admins covering the city"),
    ("platform_calendar", " -   -   -   - | -   -  | -   -  | -   -  | A   -  | -   - ",
        "the holiday calendar of the whole platform: system admins of the top region"),
    ("platform_events", " -   -   -   - | -   -  | -   -  | -   -  | A   -  | -   - ",
        "event delivery and dead letters of the whole installation: system admins of the top region"),
];

/// The cells of `rule` (true: allowed), or None for an unknown rule.
pub fn cells(rule: &str) -> Option<[bool; 14]> {
    let (_, cells, _) = RULES.iter().find(|(name, _, _)| *name == rule)?;
    let marks: Vec<bool> = cells
        .chars()
        .filter(|c| matches!(c, 'A' | '-'))
        .map(|c| c == 'A')
        .collect();
    marks.try_into().ok()
}

#[test]
fn every_rule_has_one_cell_per_principal() {
    for (name, cells, _) in RULES {
        let n = cells.chars().filter(|c| matches!(c, 'A' | '-')).count();
        assert_eq!(n, PRINCIPALS.len(), "rule {name} has {n} cells");
    }
}
