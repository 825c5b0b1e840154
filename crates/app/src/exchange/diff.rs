//! What publishing a draft changes, told in the catalog workbook's own column names: each
//! item column whose value differs, and each material added, removed or changed (materials
//! are matched by name). The admin page lists it before the 发布 button asks to confirm.

use domain::catalog::ItemDefinition;

use super::layout::{MaterialRow, item_columns, material_columns};

/// One difference between the published version and the draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The column (事项名称, 承诺时限 …), or 材料“name”：column for a material's.
    pub what: String,
    /// Empty when the value is new.
    pub before: String,
    /// Empty when the value was removed.
    pub after: String,
}

/// The changes from `old` (None: never published) to `new`.
pub fn changes(old: Option<&ItemDefinition>, new: &ItemDefinition) -> Vec<Change> {
    let blank = super::layout::blank_item();
    let old = old.unwrap_or(&blank);
    let mut out: Vec<Change> = item_columns()
        .into_iter()
        .filter_map(|c| {
            let (before, after) = ((c.get)(old), (c.get)(new));
            (before != after).then(|| Change {
                what: c.header.to_string(),
                before,
                after,
            })
        })
        .collect();
    let row = |m: &domain::catalog::Material| MaterialRow {
        item_code: new.code.clone(),
        material: Some(m.clone()),
    };
    for m in &new.materials {
        match old.materials.iter().find(|o| o.name == m.name) {
            None => out.push(Change {
                what: format!("新增材料“{}”", m.name),
                before: String::new(),
                after: describe(m),
            }),
            Some(o) => {
                for c in material_columns() {
                    let (before, after) = ((c.get)(&row(o)), (c.get)(&row(m)));
                    if before != after {
                        out.push(Change {
                            what: format!("材料“{}”：{}", m.name, c.header),
                            before,
                            after,
                        });
                    }
                }
            }
        }
    }
    for o in old
        .materials
        .iter()
        .filter(|o| !new.materials.iter().any(|m| m.name == o.name))
    {
        out.push(Change {
            what: format!("删除材料“{}”", o.name),
            before: describe(o),
            after: String::new(),
        });
    }
    out
}

fn describe(m: &domain::catalog::Material) -> String {
    format!(
        "{}，{} 份，{}",
        m.form.label(),
        m.copies,
        if m.mandatory { "必要" } else { "非必要" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_hours_line_an_added_and_a_removed_material_are_each_one_change() {
        let old = domain::fixtures::sample_item();
        let mut new = old.clone();
        new.hours = "周一至周五 8:30-17:30（测试）".into();
        let removed = new.materials.remove(0);
        let mut added = removed.clone();
        added.name = "新增的证明".into();
        new.materials.push(added);
        let c = changes(Some(&old), &new);
        let whats: Vec<&str> = c.iter().map(|c| c.what.as_str()).collect();
        assert!(whats.contains(&"办理时间"), "{whats:?}");
        assert!(whats.contains(&"新增材料“新增的证明”"), "{whats:?}");
        assert!(
            whats.contains(&format!("删除材料“{}”", removed.name).as_str()),
            "{whats:?}"
        );
        assert_eq!(c.len(), 3, "{whats:?}");
        assert!(changes(Some(&old), &old).is_empty());
    }

    #[test]
    fn a_first_publication_lists_what_the_item_sets() {
        let item = domain::fixtures::sample_item();
        let c = changes(None, &item);
        assert!(
            c.iter()
                .any(|c| c.what == "事项名称" && c.after == item.name)
        );
    }
}
