//! Regions (行政区划) and departments (部门/实施主体); halls (政务服务大厅) are in `hall`.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problems};
use crate::ids::{CreditCode, RegionCode, RegionLevel};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub code: String,
    pub name: String,
}

impl Region {
    /// The code must parse; the parent must already exist, except for a province (root).
    pub fn validate(
        &self,
        parent_exists: impl Fn(&str) -> bool,
    ) -> Result<RegionCode, Vec<FieldError>> {
        let mut p = Problems::default();
        p.text("name", &self.name, "区划名称", 50);
        let code = match RegionCode::parse(&self.code) {
            Ok(c) => Some(c),
            Err(e) => {
                p.push("code", "invalid", format!("行政区划代码无效：{e}"));
                None
            }
        };
        if let Some(c) = &code
            && c.level() != RegionLevel::Province
            && let Some(parent) = c.parent()
            && !parent_exists(parent.as_str())
        {
            p.push(
                "code",
                "missing_parent",
                format!("上级区划 {parent} 尚未建立"),
            );
        }
        p.into_result()?;
        code.ok_or_else(Vec::new)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    /// Short stable code, e.g. `511600-SCJG`.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub short_name: String,
    pub region: String,
    pub credit_code: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    /// 上级部门 by code (a bureau's parent department); empty for none.
    #[serde(default)]
    pub parent: String,
}

impl Department {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        p.code("code", &self.code, "部门编码");
        p.text("name", &self.name, "部门名称", 100);
        p.optional_text("short_name", &self.short_name, "部门简称", 30);
        if let Err(e) = RegionCode::parse(&self.region) {
            p.push("region", "invalid", format!("所属区划代码无效：{e}"));
        }
        if let Err(e) = CreditCode::parse_lenient(&self.credit_code) {
            p.push(
                "credit_code",
                "invalid",
                format!("统一社会信用代码无效：{e}"),
            );
        }
        p.optional_text("address", &self.address, "地址", 200);
        if !self.parent.is_empty() && self.parent == self.code {
            p.push("parent", "inconsistent", "上级部门不能是部门本身");
        }
        p.into_result()
    }

    pub fn display_short(&self) -> &str {
        if self.short_name.is_empty() {
            &self.name
        } else {
            &self.short_name
        }
    }
}

pub use crate::hall::{Hall, Window, WindowKind};
