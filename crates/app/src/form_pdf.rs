//! 空白表格: an item's application form as a printable A4 PDF drawn from its form definition,
//! each field with room to write and its 填写说明, and the materials to bring, so a person can
//! fill it in by hand or prepare before coming to the window. One definition feeds the online
//! form and the paper one, so the two never disagree.

use domain::catalog::ItemDefinition;
use domain::workflow::{FieldKind, FormField};
use paper::{Block, Document};

use crate::{AppError, Result};

/// Room to write a line of text by hand.
const LINE: &str = "＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿";

/// What the blank form shows for a field: boxes for a number of fixed length, the options to
/// tick, a date to complete, or a line.
fn blank(f: &FormField) -> String {
    match f.kind {
        FieldKind::Select => f
            .options
            .iter()
            .map(|o| format!("□{o}"))
            .collect::<Vec<_>>()
            .join("  "),
        FieldKind::Date => "＿＿＿＿年＿＿月＿＿日".into(),
        FieldKind::IdNumber => "□".repeat(18),
        FieldKind::Phone => "□".repeat(11),
        FieldKind::Text | FieldKind::Number | FieldKind::Multiline => LINE.into(),
    }
}

/// The item's application form as a PDF; `department` is the deciding body's name.
pub fn blank_form_pdf(def: &ItemDefinition, department: &str) -> Result<Vec<u8>> {
    if def.form.is_empty() {
        return Err(AppError::NotFound("该事项的申请表".into()));
    }
    let rows = def
        .form
        .iter()
        .map(|f| {
            let label = if f.required {
                format!("{}（必填）", f.label)
            } else {
                f.label.clone()
            };
            (label, blank(f))
        })
        .collect();
    let mut blocks = vec![
        Block::Title(format!("{}申请表", def.name)),
        Block::Centered(format!("实施机关：{department}")),
        Block::Gap(12.0),
        Block::Fields(rows),
        Block::Gap(12.0),
    ];
    let help: Vec<&FormField> = def.form.iter().filter(|f| !f.help.is_empty()).collect();
    if !help.is_empty() {
        blocks.push(Block::Plain("填写说明：".into()));
        blocks.extend(
            help.iter()
                .map(|f| Block::Plain(format!("{}：{}", f.label, f.help))),
        );
        blocks.push(Block::Gap(8.0));
    }
    blocks.push(Block::Plain("请同时提交以下材料：".into()));
    blocks.extend(def.materials.iter().enumerate().map(|(i, m)| {
        let need = if m.mandatory { "必需" } else { "视情况" };
        Block::Plain(format!(
            "{}. {}（{}，{} 份，{need}）",
            i + 1,
            m.name,
            m.form.label(),
            m.copies.max(1)
        ))
    }));
    blocks.extend([
        Block::Gap(28.0),
        Block::Plain("本人承诺所填信息和所交材料真实、有效。".into()),
        Block::Gap(12.0),
        Block::Right("申请人（签字或盖章）：＿＿＿＿＿＿＿＿＿".into()),
        Block::Right("＿＿＿＿年＿＿月＿＿日".into()),
    ]);
    let doc = Document {
        title: format!("{}申请表", def.name),
        blocks,
    };
    paper::render(&doc).map_err(|e| AppError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_gets_room_to_write_and_an_item_without_a_form_has_no_paper_one() {
        let item = domain::fixtures::sample_item();
        assert!(!item.form.is_empty());
        let pdf = blank_form_pdf(&item, "广安市市场监督管理局").unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let select = FormField {
            kind: FieldKind::Select,
            options: vec!["男".into(), "女".into()],
            ..item.form[0].clone()
        };
        assert_eq!(blank(&select), "□男  □女");
        let none = ItemDefinition {
            form: vec![],
            ..item
        };
        assert!(matches!(
            blank_form_pdf(&none, "x"),
            Err(AppError::NotFound(_))
        ));
    }
}
