//! What a catalog file refers to: departments and their regions, the importer's scope, and
//! the 上级事项 of every 子项 and 业务办理项 (in the file or already in the catalog, of the
//! right level, never a loop). Checked on every row, even those with other problems, so one
//! pass reports everything.

use std::collections::HashMap;

use domain::catalog::{ItemDefinition, NodeKind};
use store::Connection;

use super::RowError;
use super::layout::ITEM_SHEET;
use super::parse::Rows;
use crate::Result;
use crate::auth::CatalogAdmin;

pub(super) async fn check(
    conn: &mut Connection,
    cap: &CatalogAdmin,
    rows: &Rows,
) -> Result<Vec<RowError>> {
    let departments: HashMap<String, String> = store::org::list_departments(conn)
        .await?
        .into_iter()
        .map(|d| (d.code, d.region))
        .collect();
    let mut errors = Vec::new();
    for (row, d) in rows {
        let mut err = |column: &str, value: &str, message: String| {
            errors.push(RowError {
                sheet: ITEM_SHEET.into(),
                row: *row,
                column: column.into(),
                value: value.to_string(),
                message,
            })
        };
        match departments.get(&d.department) {
            None if d.department.is_empty() => {}
            None => err(
                "实施机关编码",
                &d.department,
                "部门不存在：请先导入部门（onewindow import departments）".into(),
            ),
            Some(r) if *r != d.region => err(
                "实施区划",
                &d.region,
                format!("实施区划应与实施机关所在区划（{r}）一致"),
            ),
            _ => {}
        }
        for c in d
            .co_departments
            .iter()
            .filter(|c| !departments.contains_key(*c))
        {
            err("联办机构", c, "联办部门不存在".into());
        }
        if !cap.covers(&d.region, Some(&d.department)) {
            err("实施区划", &d.region, "不在本人管辖范围内".into());
        }
    }
    errors.extend(parents(conn, rows).await?);
    Ok(errors)
}

/// Every 上级事项编码 names a 主项 (or, for a 业务办理项, a 子项) in the file or the catalog,
/// and no chain of them loops.
async fn parents(conn: &mut Connection, rows: &Rows) -> Result<Vec<RowError>> {
    let in_file: HashMap<&str, &ItemDefinition> =
        rows.iter().map(|(_, d)| (d.code.as_str(), d)).collect();
    let mut stored: HashMap<String, Option<NodeKind>> = HashMap::new();
    let mut errors = Vec::new();
    for (row, d) in rows {
        if d.parent_code.is_empty() || d.parent_code == d.code {
            continue; // required-ness and self-reference are the item rules' to report
        }
        let err = |message: String| RowError {
            sheet: ITEM_SHEET.into(),
            row: *row,
            column: "上级事项编码".into(),
            value: d.parent_code.clone(),
            message,
        };
        let parent_node = match in_file.get(d.parent_code.as_str()) {
            Some(p) => Some(p.node),
            None => {
                if !stored.contains_key(&d.parent_code) {
                    let node = stored_node(conn, &d.parent_code).await?;
                    stored.insert(d.parent_code.clone(), node);
                }
                stored[&d.parent_code]
            }
        };
        match (d.node, parent_node) {
            (_, None) => errors.push(err(
                "上级事项不存在：文件中和事项库中都没有这个实施编码".into()
            )),
            (NodeKind::Sub, Some(p)) if p != NodeKind::Main => {
                errors.push(err(format!("子项的上级应为主项，这个编码是{}", p.label())))
            }
            (NodeKind::Handling, Some(NodeKind::Handling)) => errors.push(err(
                "业务办理项的上级应为主项或子项，这个编码是业务办理项".into(),
            )),
            (NodeKind::Main, Some(_)) => {} // a 主项's parent is the item rules' to report
            _ => {}
        }
        // Follow the chain inside the file: a loop never reaches a root.
        let mut seen = vec![d.code.as_str()];
        let mut cur = d.parent_code.as_str();
        while let Some(p) = in_file.get(cur) {
            if seen.contains(&cur) {
                errors.push(err(format!(
                    "上级事项编码形成循环：{} → {cur}",
                    seen.join(" → ")
                )));
                break;
            }
            seen.push(cur);
            if p.parent_code.is_empty() || seen.len() > 4 {
                break;
            }
            cur = p.parent_code.as_str();
        }
    }
    Ok(errors)
}

/// The level of an item already in the catalog, from its latest version.
async fn stored_node(conn: &mut Connection, code: &str) -> Result<Option<NodeKind>> {
    let Some(row) = store::catalog::find_item(conn, code).await? else {
        return Ok(None);
    };
    let Some(v) = row.draft_version.or(row.current_version) else {
        return Ok(None);
    };
    Ok(Some(
        store::catalog::get_version(conn, code, v)
            .await?
            .definition
            .node,
    ))
}
