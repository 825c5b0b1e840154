//! The columns of the material sheet: one row per material of an item, keyed by its code.

use super::*;

/// A material row: the item it belongs to and the material.
#[derive(Debug, Clone, Default)]
pub struct MaterialRow {
    pub item_code: String,
    pub material: Option<Material>,
}

pub(super) fn m(r: &MaterialRow) -> Material {
    r.material.clone().unwrap_or_else(blank_material)
}

pub fn blank_material() -> Material {
    Material {
        name: String::new(),
        issuer: String::new(),
        form: MaterialForm::Original,
        copies: 1,
        mandatory: true,
        key: false,
        source: String::new(),
        blank_form: String::new(),
        sample: String::new(),
        acceptance_standard: String::new(),
        fill_instructions: String::new(),
        paper_size: String::new(),
        license_type: String::new(),
        shared_data_source: String::new(),
        of_applicant: false,
    }
}

macro_rules! mat_text {
    ($header:literal, $req:expr, $field:ident) => {
        Column {
            header: $header,
            required: $req,
            input: Input::Line,
            get: |r| m(r).$field.clone(),
            set: |r, s| {
                r.material.get_or_insert_with(blank_material).$field = s.trim().to_string();
                Ok(())
            },
        }
    };
}
macro_rules! mat_bool {
    ($header:literal, $field:ident) => {
        Column {
            header: $header,
            required: true,
            input: Input::YesNo,
            get: |r| yn(m(r).$field),
            set: |r, s| {
                r.material.get_or_insert_with(blank_material).$field = yes_no(s)?;
                Ok(())
            },
        }
    };
}

pub fn material_columns() -> Vec<Column<MaterialRow>> {
    vec![
        Column {
            header: "实施编码",
            required: true,
            input: Input::Line,
            get: |r| r.item_code.clone(),
            set: |r, s| {
                r.item_code = s.trim().to_string();
                Ok(())
            },
        },
        mat_text!("材料名称", true, name),
        mat_text!("出具单位", false, issuer),
        Column {
            header: "材料形式",
            required: true,
            input: Input::Choice(|| MaterialForm::ALL.iter().map(|x| x.label()).collect()),
            get: |r| m(r).form.label().to_string(),
            set: |r, s| {
                r.material.get_or_insert_with(blank_material).form = coded(
                    s,
                    MaterialForm::parse,
                    "材料形式",
                    MaterialForm::ALL,
                    MaterialForm::label,
                )?;
                Ok(())
            },
        },
        Column {
            header: "份数",
            required: false,
            input: Input::Line,
            get: |r| m(r).copies.to_string(),
            set: |r, s| {
                r.material.get_or_insert_with(blank_material).copies = if s.trim().is_empty() {
                    1
                } else {
                    number(s, "份数")?
                };
                Ok(())
            },
        },
        mat_bool!("是否必要", mandatory),
        mat_bool!("是否核心材料", key),
        mat_text!("来源渠道", false, source),
        mat_text!("空白表格", false, blank_form),
        mat_text!("示例样表", false, sample),
        mat_text!("受理标准", false, acceptance_standard),
        mat_text!("填报须知", false, fill_instructions),
        mat_text!("纸质规格", false, paper_size),
        mat_text!("电子证照类型", false, license_type),
        mat_text!("共享数据来源", false, shared_data_source),
        // Optional, so that workbooks from before the column existed still import.
        Column {
            header: "申请人本人材料",
            required: false,
            input: Input::YesNo,
            get: |r| yn(m(r).of_applicant),
            set: |r, s| {
                r.material.get_or_insert_with(blank_material).of_applicant =
                    !s.trim().is_empty() && yes_no(s)?;
                Ok(())
            },
        },
    ]
}
