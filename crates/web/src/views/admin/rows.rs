//! The application form (申请表单) and the FAQs (常见问题) edited as rows, like the materials:
//! one field or question a row, blank rows to add, a cleared row deleted. The workbook keeps
//! them as JSON and "问题|回答" lines; on the page nobody types either.

use domain::FieldError;
use domain::catalog::{Faq, ItemDefinition};
use domain::workflow::{FieldKind, FormField};

/// The item columns the rows stand for, left out of the one-field-per-column part.
pub const AS_ROWS: [&str; 2] = ["申请表单(JSON)", "常见问题"];

/// Blank rows offered for adding.
const BLANK_ROWS: usize = 3;

/// One form field as a row of the editor.
pub struct FormRow {
    pub key: String,
    pub label: String,
    /// (kind label, chosen).
    pub kinds: Vec<(&'static str, bool)>,
    pub required: bool,
    /// Options, one a line (an option may itself hold "、").
    pub options: String,
    pub help: String,
}

pub fn form_rows(def: &ItemDefinition) -> Vec<FormRow> {
    let row = |f: &FormField| FormRow {
        key: f.key.clone(),
        label: f.label.clone(),
        kinds: FieldKind::ALL
            .iter()
            .map(|k| (k.label(), *k == f.kind))
            .collect(),
        required: f.required,
        options: f.options.join("\n"),
        help: f.help.clone(),
    };
    let blank = FormField {
        key: String::new(),
        label: String::new(),
        kind: FieldKind::Text,
        required: true,
        options: vec![],
        help: String::new(),
    };
    def.form
        .iter()
        .chain(std::iter::repeat_n(&blank, BLANK_ROWS))
        .map(row)
        .collect()
}

pub fn faq_rows(def: &ItemDefinition) -> Vec<Faq> {
    let blank = Faq {
        question: String::new(),
        answer: String::new(),
    };
    def.faq
        .iter()
        .cloned()
        .chain(std::iter::repeat_n(blank, BLANK_ROWS))
        .collect()
}

/// The values posted under `name`, in order (one per row).
fn column<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .collect()
}

/// Reads the rows back into `def` when the page posted them (a client posting the workbook's
/// columns instead keeps what those set). Every incomplete row is reported, none dropped.
pub fn read_rows(
    pairs: &[(String, String)],
    def: &mut ItemDefinition,
    errors: &mut Vec<FieldError>,
) {
    let keys = column(pairs, "fk");
    if !keys.is_empty() {
        let (labels, kinds, required, options, help) = (
            column(pairs, "fl"),
            column(pairs, "ft"),
            column(pairs, "fr"),
            column(pairs, "fo"),
            column(pairs, "fh"),
        );
        let at = |v: &[&'_ str], i: usize| v.get(i).copied().unwrap_or("").to_string();
        def.form.clear();
        for (i, key) in keys.iter().enumerate() {
            let label = at(&labels, i);
            if key.is_empty() && label.is_empty() {
                continue;
            }
            let field = format!("form[{i}]");
            if key.is_empty() || label.is_empty() {
                errors.push(FieldError::new(
                    field.clone(),
                    "incomplete",
                    format!(
                        "申请表单第 {} 行：请同时填写字段标识和名称（清空两者即删除该行）",
                        i + 1
                    ),
                ));
            }
            let kind = FieldKind::from_label(&at(&kinds, i)).unwrap_or_else(|| {
                errors.push(FieldError::new(
                    field.clone(),
                    "kind",
                    format!("申请表单第 {} 行：类型“{}”无效", i + 1, at(&kinds, i)),
                ));
                FieldKind::Text
            });
            def.form.push(FormField {
                key: key.to_string(),
                label,
                kind,
                required: at(&required, i) == "是",
                options: at(&options, i)
                    .lines()
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_string)
                    .collect(),
                help: at(&help, i),
            });
        }
    }
    let questions = column(pairs, "qq");
    if !questions.is_empty() {
        let answers = column(pairs, "qa");
        def.faq.clear();
        for (i, q) in questions.iter().enumerate() {
            let a = answers.get(i).copied().unwrap_or("");
            if q.is_empty() && a.is_empty() {
                continue;
            }
            if q.is_empty() || a.is_empty() {
                errors.push(FieldError::new(
                    format!("faq[{i}]"),
                    "incomplete",
                    format!("常见问题第 {} 行：请同时填写问题和回答", i + 1),
                ));
            }
            def.faq.push(Faq {
                question: q.to_string(),
                answer: a.to_string(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rows_become_fields_blank_rows_vanish_and_half_rows_are_named() {
        let mut def = app::exchange::layout::blank_item();
        let mut errors = vec![];
        let posted = pairs(&[
            ("fk", "sex"),
            ("fl", "性别"),
            ("ft", "下拉选择"),
            ("fr", "是"),
            ("fo", "男\r\n女"),
            ("fh", ""),
            ("fk", ""),
            ("fl", ""),
            ("ft", "单行文字"),
            ("fr", "是"),
            ("fo", ""),
            ("fh", ""),
            ("fk", ""),
            ("fl", "地址"),
            ("ft", "单行文字"),
            ("fr", "否"),
            ("fo", ""),
            ("fh", "到门牌号"),
            ("qq", "要带原件吗？"),
            ("qa", "要"),
            ("qq", ""),
            ("qa", ""),
        ]);
        read_rows(&posted, &mut def, &mut errors);
        assert_eq!(
            def.form.len(),
            2,
            "the blank row is dropped, the half row kept"
        );
        assert_eq!(def.form[0].kind, FieldKind::Select);
        assert_eq!(def.form[0].options, ["男", "女"]);
        assert!(def.form[0].required && !def.form[1].required);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].message.starts_with("申请表单第 3 行"),
            "{}",
            errors[0].message
        );
        assert_eq!(def.faq.len(), 1);
    }

    #[test]
    fn without_rows_the_workbook_columns_stay() {
        let mut def = app::exchange::layout::blank_item();
        def.form = vec![FormField {
            key: "address".into(),
            label: "地址".into(),
            kind: FieldKind::Text,
            required: true,
            options: vec![],
            help: String::new(),
        }];
        let before = def.form.clone();
        read_rows(&pairs(&[("c0", "x")]), &mut def, &mut vec![]);
        assert_eq!(def.form, before);
    }
}
