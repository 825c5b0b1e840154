//! The spreadsheet column layout of the catalog, shared by import and export so the two
//! can never drift apart. Documented in docs/CATALOG_LAYOUT.md.
//!
//! Cells holding lists put one entry per line. Entries with parts separate them with `|`
//! (办理流程 `名称|说明`, 收费 `名称|金额|依据`, 常见问题 `问题|解答`). Coded values accept the
//! national code, the Chinese label or the English name; export writes the label.

use domain::catalog::*;

pub const ITEM_SHEET: &str = "事项";
pub const MATERIAL_SHEET: &str = "材料";

mod cells;
mod materials;
use cells::*;
pub use materials::{MaterialRow, blank_material, material_columns};

/// How a form asks for a column's value.
#[derive(Clone, Copy)]
pub enum Input {
    Line,
    /// One entry per line.
    Lines,
    /// One of the labels.
    Choice(fn() -> Vec<&'static str>),
    /// Any of the labels, one per line in the cell.
    MultiChoice(fn() -> Vec<&'static str>),
    YesNo,
}

/// One column: its header, whether a file must have it, and how to read and write it.
pub struct Column<T> {
    pub header: &'static str,
    pub required: bool,
    pub input: Input,
    pub get: fn(&T) -> String,
    pub set: fn(&mut T, &str) -> Result<(), String>,
}

macro_rules! text_col {
    ($header:literal, $req:expr, $field:ident) => {
        Column {
            header: $header,
            required: $req,
            input: Input::Line,
            get: |d| d.$field.clone(),
            set: |d, s| {
                d.$field = s.trim().to_string();
                Ok(())
            },
        }
    };
}
macro_rules! list_col {
    ($header:literal, $req:expr, $field:ident) => {
        Column {
            header: $header,
            required: $req,
            input: Input::Lines,
            get: |d| join(&d.$field),
            set: |d, s| {
                d.$field = lines(s);
                Ok(())
            },
        }
    };
}
/// A list a real source may leave empty: then the element is 待补充.
macro_rules! pending_list_col {
    ($header:literal, $field:ident, $pending:ident) => {
        Column {
            header: $header,
            required: true,
            input: Input::Lines,
            get: |d| join(&d.$field),
            set: |d, s| {
                d.$field = lines(s);
                d.set_pending(Pending::$pending, d.$field.is_empty());
                Ok(())
            },
        }
    };
}
macro_rules! bool_col {
    ($header:literal, $field:ident) => {
        Column {
            header: $header,
            required: false,
            input: Input::YesNo,
            get: |d| yn(d.$field),
            set: |d, s| {
                d.$field = yes_no(s)?;
                Ok(())
            },
        }
    };
}
macro_rules! enum_col {
    ($header:literal, $field:ident, $ty:ident, $what:literal) => {
        Column {
            header: $header,
            required: true,
            input: Input::Choice(|| $ty::ALL.iter().map(|x| x.label()).collect()),
            get: |d| d.$field.label().to_string(),
            set: |d, s| {
                d.$field = coded(s, $ty::parse, $what, $ty::ALL, $ty::label)?;
                Ok(())
            },
        }
    };
}
macro_rules! enum_list_col {
    ($header:literal, $field:ident, $ty:ident, $what:literal) => {
        Column {
            header: $header,
            required: true,
            input: Input::MultiChoice(|| $ty::ALL.iter().map(|x| x.label()).collect()),
            get: |d| {
                d.$field
                    .iter()
                    .map(|x| x.label())
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            set: |d, s| {
                d.$field = coded_list(s, $ty::parse, $what, $ty::ALL, $ty::label)?;
                Ok(())
            },
        }
    };
}

pub fn item_columns() -> Vec<Column<ItemDefinition>> {
    vec![
        text_col!("实施编码", true, code),
        text_col!("基本编码", true, basic_code),
        text_col!("事项名称", true, name),
        enum_col!("事项层级", node, NodeKind, "事项层级"),
        text_col!("上级事项编码", false, parent_code),
        enum_col!("事项类型", kind, ItemKind, "事项类型"),
        pending_list_col!("设定依据", legal_basis, LegalBasis),
        enum_col!("行使层级", level, ExerciseLevel, "行使层级"),
        text_col!("实施机关编码", true, department),
        text_col!("实施机关统一社会信用代码", false, department_credit_code),
        list_col!("联办机构", false, co_departments),
        text_col!("实施区划", true, region),
        enum_list_col!("服务对象", subjects, SubjectType, "服务对象"),
        Column {
            header: "可为谁申请",
            required: false,
            input: Input::MultiChoice(|| FiledFor::ALL.iter().map(|x| x.label()).collect()),
            get: |d| {
                d.filed_for
                    .iter()
                    .map(|x| x.label())
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            set: |d, s| {
                d.filed_for = coded_list(
                    s,
                    FiledFor::parse,
                    "可为谁申请",
                    FiledFor::ALL,
                    FiledFor::label,
                )?;
                Ok(())
            },
        },
        pending_list_col!("受理条件", conditions, Conditions),
        Column {
            header: "办理流程",
            required: true,
            input: Input::Lines,
            get: |d| {
                d.flow
                    .iter()
                    .map(|f| format!("{}|{}", f.name, f.description))
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            set: |d, s| {
                d.flow = lines(s)
                    .iter()
                    .map(|l| parts(l, 2))
                    .map(|p| FlowStep {
                        name: p[0].clone(),
                        description: p[1].clone(),
                    })
                    .collect();
                d.set_pending(Pending::Flow, d.flow.is_empty());
                Ok(())
            },
        },
        Column {
            header: "法定时限",
            required: false,
            input: Input::Line,
            get: |d| {
                d.legal_limit
                    .as_ref()
                    .map(|t| t.days.to_string())
                    .unwrap_or_default()
            },
            set: |d, s| {
                d.legal_limit = if s.trim().is_empty() {
                    None
                } else {
                    Some(TimeLimit {
                        days: number(s, "法定时限")?,
                        unit: DayUnit::Working,
                        note: String::new(),
                    })
                };
                Ok(())
            },
        },
        Column {
            header: "法定时限单位",
            required: false,
            input: Input::Choice(|| DayUnit::ALL.iter().map(|x| x.label()).collect()),
            get: |d| {
                d.legal_limit
                    .as_ref()
                    .map(|t| t.unit.label().to_string())
                    .unwrap_or_default()
            },
            set: |d, s| {
                if let Some(t) = d.legal_limit.as_mut() {
                    t.unit = unit(s)?;
                }
                Ok(())
            },
        },
        Column {
            header: "法定时限说明",
            required: false,
            input: Input::Line,
            get: |d| {
                d.legal_limit
                    .as_ref()
                    .map(|t| t.note.clone())
                    .unwrap_or_default()
            },
            set: |d, s| {
                if let Some(t) = d.legal_limit.as_mut() {
                    t.note = s.trim().to_string();
                }
                Ok(())
            },
        },
        Column {
            header: "承诺时限",
            required: true,
            input: Input::Line,
            get: |d| match &d.promised_limit {
                _ if d.is_pending(Pending::PromisedLimit) => String::new(),
                PromisedLimit::Instant => "即办".into(),
                PromisedLimit::Within(t) => t.days.to_string(),
            },
            set: |d, s| {
                // Not given: 待补充, never an invented number.
                d.set_pending(Pending::PromisedLimit, s.trim().is_empty());
                d.promised_limit = if s.trim().is_empty() {
                    PromisedLimit::Within(TimeLimit {
                        days: 0,
                        unit: DayUnit::Working,
                        note: String::new(),
                    })
                } else if s.trim() == "即办" {
                    PromisedLimit::Instant
                } else {
                    PromisedLimit::Within(TimeLimit {
                        days: number(s, "承诺时限（或“即办”）")?,
                        unit: DayUnit::Working,
                        note: String::new(),
                    })
                };
                Ok(())
            },
        },
        Column {
            header: "承诺时限单位",
            required: false,
            input: Input::Choice(|| DayUnit::ALL.iter().map(|x| x.label()).collect()),
            get: |d| match &d.promised_limit {
                PromisedLimit::Within(t) => t.unit.label().to_string(),
                PromisedLimit::Instant => String::new(),
            },
            set: |d, s| {
                if let PromisedLimit::Within(t) = &mut d.promised_limit {
                    t.unit = unit(s)?;
                }
                Ok(())
            },
        },
        Column {
            header: "承诺时限说明",
            required: false,
            input: Input::Line,
            get: |d| match &d.promised_limit {
                PromisedLimit::Within(t) => t.note.clone(),
                PromisedLimit::Instant => String::new(),
            },
            set: |d, s| {
                if let PromisedLimit::Within(t) = &mut d.promised_limit {
                    t.note = s.trim().to_string();
                }
                Ok(())
            },
        },
        enum_col!("办件类型", case_type, CaseType, "办件类型"),
        text_col!("办理结果", true, result_name),
        text_col!("结果样本", false, result_sample),
        Column {
            header: "收费",
            required: false,
            input: Input::Lines,
            get: |d| {
                d.fees
                    .iter()
                    .map(|f| format!("{}|{}|{}", f.name, f.amount, f.basis))
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            set: |d, s| {
                d.fees = lines(s)
                    .iter()
                    .filter(|l| !matches!(l.as_str(), "不收费" | "免费"))
                    .map(|l| parts(l, 3))
                    .map(|p| Fee {
                        name: p[0].clone(),
                        amount: p[1].clone(),
                        basis: p[2].clone(),
                    })
                    .collect();
                Ok(())
            },
        },
        enum_col!("通办范围", scope, ServiceScope, "通办范围"),
        enum_list_col!("办理形式", handling_forms, HandlingForm, "办理形式"),
        list_col!("特别程序", false, special_procedures),
        bool_col!("支持预约", supports_appointment),
        bool_col!("支持网上支付", supports_online_payment),
        bool_col!("支持快递", supports_post),
        bool_col!("支持自助终端", supports_kiosk),
        text_col!("网上办理地址", false, online_url),
        Column {
            header: "到现场次数",
            required: true,
            input: Input::Line,
            get: |d| {
                if d.is_pending(Pending::Visits) {
                    String::new()
                } else {
                    d.visits.to_string()
                }
            },
            set: |d, s| {
                d.set_pending(Pending::Visits, s.trim().is_empty());
                d.visits = if s.trim().is_empty() {
                    0
                } else {
                    number(s, "到现场次数")?
                };
                Ok(())
            },
        },
        text_col!("到现场理由", false, visits_reason),
        enum_col!("网办深度", online_depth, OnlineDepth, "网办深度"),
        text_col!("办理地点", true, place),
        text_col!("办理时间", true, hours),
        text_col!("咨询电话", true, consult_phone),
        text_col!("投诉电话", true, complaint_phone),
        Column {
            header: "常见问题",
            required: false,
            input: Input::Lines,
            get: |d| {
                d.faq
                    .iter()
                    .map(|f| format!("{}|{}", f.question, f.answer))
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            set: |d, s| {
                d.faq = lines(s)
                    .iter()
                    .map(|l| parts(l, 2))
                    .map(|p| Faq {
                        question: p[0].clone(),
                        answer: p[1].clone(),
                    })
                    .collect();
                Ok(())
            },
        },
        list_col!("别名", false, aliases),
        list_col!("关键词", false, keywords),
        Column {
            header: "办理配置(JSON)",
            required: false,
            input: Input::Lines,
            get: |d| {
                if d.workflow == Default::default() {
                    String::new()
                } else {
                    serde_json::to_string(&d.workflow).unwrap_or_default()
                }
            },
            set: |d, s| {
                d.workflow = if s.trim().is_empty() {
                    Default::default()
                } else {
                    serde_json::from_str(s).map_err(|e| format!("不是有效的办理配置 JSON：{e}"))?
                };
                Ok(())
            },
        },
        Column {
            header: "申请表单(JSON)",
            required: false,
            input: Input::Lines,
            get: |d| {
                if d.form.is_empty() {
                    String::new()
                } else {
                    serde_json::to_string(&d.form).unwrap_or_default()
                }
            },
            set: |d, s| {
                d.form = if s.trim().is_empty() {
                    vec![]
                } else {
                    serde_json::from_str(s).map_err(|e| format!("不是有效的申请表单 JSON：{e}"))?
                };
                Ok(())
            },
        },
    ]
}

/// An empty definition for rows to fill in.
pub fn blank_item() -> ItemDefinition {
    ItemDefinition {
        code: String::new(),
        basic_code: String::new(),
        name: String::new(),
        node: NodeKind::Handling,
        parent_code: String::new(),
        kind: ItemKind::AdministrativeLicense,
        legal_basis: vec![],
        level: ExerciseLevel::City,
        department: String::new(),
        department_credit_code: String::new(),
        co_departments: vec![],
        region: String::new(),
        subjects: vec![],
        filed_for: vec![],
        pending: vec![],
        conditions: vec![],
        flow: vec![],
        legal_limit: None,
        promised_limit: PromisedLimit::Instant,
        case_type: CaseType::Instant,
        result_name: String::new(),
        result_sample: String::new(),
        fees: vec![],
        scope: ServiceScope::Local,
        handling_forms: vec![],
        special_procedures: vec![],
        supports_appointment: false,
        supports_online_payment: false,
        supports_post: false,
        supports_kiosk: false,
        online_url: String::new(),
        visits: 0,
        visits_reason: String::new(),
        online_depth: OnlineDepth::FullyOnline,
        place: String::new(),
        hours: String::new(),
        consult_phone: String::new(),
        complaint_phone: String::new(),
        faq: vec![],
        aliases: vec![],
        keywords: vec![],
        materials: vec![],
        workflow: Default::default(),
        form: vec![],
    }
}

/// The spreadsheet header a domain field path belongs to, for error reports.
pub fn header_of_field(field: &str) -> &'static str {
    let root = field.split(['[', '.']).next().unwrap_or(field);
    match root {
        "code" => "实施编码",
        "basic_code" => "基本编码",
        "name" => "事项名称",
        "node" => "事项层级",
        "parent_code" => "上级事项编码",
        "kind" => "事项类型",
        "legal_basis" => "设定依据",
        "level" => "行使层级",
        "department" => "实施机关编码",
        "department_credit_code" => "实施机关统一社会信用代码",
        "co_departments" => "联办机构",
        "region" => "实施区划",
        "subjects" => "服务对象",
        "filed_for" => "可为谁申请",
        "conditions" => "受理条件",
        "flow" => "办理流程",
        "legal_limit" => "法定时限",
        "promised_limit" => "承诺时限",
        "case_type" => "办件类型",
        "result_name" => "办理结果",
        "fees" => "收费",
        "handling_forms" => "办理形式",
        "supports_online_payment" => "支持网上支付",
        "online_url" => "网上办理地址",
        "visits" => "到现场次数",
        "visits_reason" => "到现场理由",
        "online_depth" => "网办深度",
        "place" => "办理地点",
        "hours" => "办理时间",
        "consult_phone" => "咨询电话",
        "complaint_phone" => "投诉电话",
        "faq" => "常见问题",
        "materials" => "材料",
        "workflow" => "办理配置(JSON)",
        "form" => "申请表单(JSON)",
        _ => "",
    }
}
