//! 高效办成一件事: a bundle packages items of several departments around one life or business
//! event. This module holds the definition and its rules: the dependency graph must be
//! acyclic, every required field of every member's form must be asked once in the merged
//! form with a compatible type, the bundle's real time limit is the critical path of promised
//! times, and what it saves against filing the items one by one.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::catalog::{DayUnit, ItemDefinition, PromisedLimit};
use crate::error::{FieldError, Problems};
use crate::workflow::FieldKind;

/// One member item of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// 业务办理项编码 of the member item.
    pub item_code: String,
    /// The applicant may leave it out (e.g. 烟草专卖零售许可 for a restaurant).
    #[serde(default)]
    pub optional: bool,
    /// Item codes whose results this member needs: it starts when they are done, with their
    /// licenses attached.
    #[serde(default)]
    pub needs: Vec<String>,
}

/// A field of the merged form, asked once, feeding the member forms listed in `feeds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergedField {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub help: String,
    /// (item code, field key in that item's form).
    #[serde(default)]
    pub feeds: Vec<(String, String)>,
}

impl MergedField {
    /// The field as an ordinary form field, to be checked like one.
    pub fn as_form_field(&self) -> crate::workflow::FormField {
        crate::workflow::FormField {
            key: self.key.clone(),
            label: self.label.clone(),
            kind: self.kind,
            required: self.required,
            options: self.options.clone(),
            help: self.help.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleDefinition {
    pub code: String,
    pub name: String,
    /// What the bundle covers, for its guide page.
    #[serde(default)]
    pub description: String,
    /// 牵头部门.
    pub lead_department: String,
    pub region: String,
    pub members: Vec<Member>,
    #[serde(default)]
    pub fields: Vec<MergedField>,
    /// The bundle's promised time in working days; at least the critical path.
    pub promised_days: u32,
    /// Whom the members' decisions are about (行政相对人), read from the merged form.
    #[serde(default)]
    pub subject: crate::subject::SubjectSpec,
}

/// Promised working days of an item: 0 for 即办; natural days count as they are.
pub fn item_days(item: &ItemDefinition) -> u32 {
    match &item.promised_limit {
        PromisedLimit::Instant => 0,
        PromisedLimit::Within(t) => match t.unit {
            DayUnit::Working | DayUnit::Natural => t.days,
        },
    }
}

/// Material identity for deduplication: the license type when one satisfies it (the same
/// 营业执照 whatever each item calls it), else the material's name.
pub fn material_identity(m: &crate::catalog::Material) -> String {
    if m.license_type.is_empty() {
        m.name.trim().to_string()
    } else {
        format!("证照:{}", m.license_type)
    }
}

/// Whether a decided case's result (its item's 结果名称) provides a merged material of a later
/// application: the material is named like the result, or names it as its license type.
pub fn result_provides(result: &str, identity: &str, name: &str) -> bool {
    let r = result.trim();
    !r.is_empty() && (name.trim() == r || identity.strip_prefix("证照:") == Some(r))
}

/// The identity of each material of an item, in order. Two materials of one item stay
/// distinct even when the same license type could satisfy both (身份证明 and 任职文件及身份证明
/// are different papers): the later one is identified by its name.
pub fn identities(item: &ItemDefinition) -> Vec<String> {
    let mut seen = BTreeSet::new();
    item.materials
        .iter()
        .map(|m| {
            let id = material_identity(m);
            if seen.insert(id.clone()) {
                id
            } else {
                m.name.trim().to_string()
            }
        })
        .collect()
}

/// What a bundle saves against filing its items one by one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Savings {
    pub items: usize,
    pub fields_separately: usize,
    pub fields_bundled: usize,
    pub materials_separately: usize,
    pub materials_bundled: usize,
    pub visits_separately: u32,
    pub visits_bundled: u32,
    pub days_separately: u32,
    /// The critical path: the longest chain of promised days through the graph.
    pub days_bundled: u32,
}

impl BundleDefinition {
    /// Whether a field feeds only optional members (so it is asked only when one is chosen).
    pub fn only_for_optional(&self, f: &MergedField) -> bool {
        !f.feeds.is_empty()
            && !self.subject.fields().contains(&f.key.as_str())
            && f.feeds
                .iter()
                .all(|(code, _)| self.member(code).is_some_and(|m| m.optional))
    }

    /// The merged form as it applies to one application: a field that feeds only optional
    /// members the applicant left out is not required.
    pub fn form_for(&self, chosen: &[String]) -> Vec<crate::workflow::FormField> {
        self.fields
            .iter()
            .map(|f| {
                let mut field = f.as_form_field();
                if self.only_for_optional(f)
                    && !f.feeds.iter().any(|(code, _)| chosen.contains(code))
                {
                    field.required = false;
                }
                field
            })
            .collect()
    }

    fn member(&self, code: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.item_code == code)
    }

    /// Checks the definition against its member items (given by code); every problem is
    /// named with its field.
    pub fn validate(
        &self,
        items: &BTreeMap<String, ItemDefinition>,
    ) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        if self.name.trim().is_empty() {
            p.push("name", "required", "请填写一件事名称");
        }
        if self.members.len() < 2 {
            p.push("members", "too_few", "一件事至少包含两个事项");
        }
        let mut seen = BTreeSet::new();
        for (i, m) in self.members.iter().enumerate() {
            if !seen.insert(&m.item_code) {
                p.push(
                    format!("members[{i}].item_code"),
                    "duplicate",
                    format!("事项 {} 重复", m.item_code),
                );
            }
            if !items.contains_key(&m.item_code) {
                p.push(
                    format!("members[{i}].item_code"),
                    "unknown",
                    format!("事项 {} 不存在或未发布", m.item_code),
                );
            }
            for n in &m.needs {
                if self.member(n).is_none() {
                    p.push(
                        format!("members[{i}].needs"),
                        "unknown",
                        format!("依赖的事项 {n} 不在本一件事中"),
                    );
                }
            }
        }
        if let Some(cycle) = self.cycle() {
            let names: Vec<String> = cycle
                .iter()
                .map(|c| {
                    items
                        .get(c)
                        .map(|i| i.name.clone())
                        .unwrap_or_else(|| c.clone())
                })
                .collect();
            p.push(
                "members",
                "cycle",
                format!("事项之间循环依赖：{}", names.join(" → ")),
            );
        }
        self.check_fields(items, &mut p);
        self.check_subject(&mut p);
        if p.is_empty() {
            let path = self.critical_path(items);
            // Members keep their own promises, so the bundle cannot promise to be faster
            // than its longest chain of them.
            if self.promised_days < path.0 {
                p.push(
                    "promised_days",
                    "too_short",
                    format!(
                        "承诺时限 {} 个工作日短于各事项承诺时限的关键路径 {} 个工作日",
                        self.promised_days, path.0
                    ),
                );
            }
        }
        p.into_result()
    }

    /// Every required field of every member's form is fed by a merged field of the same type;
    /// no field feeds a member field that does not exist.
    fn check_fields(&self, items: &BTreeMap<String, ItemDefinition>, p: &mut Problems) {
        let mut fed: BTreeMap<(&str, &str), &MergedField> = BTreeMap::new();
        for (i, f) in self.fields.iter().enumerate() {
            for (code, key) in &f.feeds {
                let Some(item) = items.get(code) else {
                    p.push(
                        format!("fields[{i}].feeds"),
                        "unknown",
                        format!("字段 {} 指向的事项 {code} 不在本一件事中", f.label),
                    );
                    continue;
                };
                match item.form.iter().find(|x| &x.key == key) {
                    None => p.push(
                        format!("fields[{i}].feeds"),
                        "unknown",
                        format!("“{}”的申请表没有字段 {key}", item.name),
                    ),
                    Some(target) if target.kind != f.kind => p.push(
                        format!("fields[{i}].kind"),
                        "type_mismatch",
                        format!(
                            "字段“{}”为 {:?}，而“{}”的“{}”为 {:?}，类型不一致",
                            f.label, f.kind, item.name, target.label, target.kind
                        ),
                    ),
                    Some(_) => {
                        if let Some(other) = fed.insert((code.as_str(), key.as_str()), f) {
                            p.push(
                                format!("fields[{i}].feeds"),
                                "duplicate",
                                format!(
                                    "“{}”的字段 {key} 同时由“{}”和“{}”填写",
                                    item.name, other.label, f.label
                                ),
                            );
                        }
                    }
                }
            }
        }
        for (i, m) in self.members.iter().enumerate() {
            let Some(item) = items.get(&m.item_code) else {
                continue;
            };
            for f in item.form.iter().filter(|f| f.required) {
                if !fed.contains_key(&(m.item_code.as_str(), f.key.as_str())) {
                    p.push(
                        format!("members[{i}].fields"),
                        "unmapped",
                        format!("“{}”的必填字段“{}”没有在合并表单中询问", item.name, f.label),
                    );
                }
            }
        }
    }

    /// A dependency cycle, as the item codes along it, if there is one.
    pub fn cycle(&self) -> Option<Vec<String>> {
        // Depth-first search with colours; the path on the stack gives the cycle.
        fn visit<'a>(
            d: &'a BundleDefinition,
            code: &'a str,
            state: &mut BTreeMap<&'a str, u8>,
            stack: &mut Vec<&'a str>,
        ) -> Option<Vec<String>> {
            match state.get(code) {
                Some(2) => return None,
                Some(1) => {
                    let start = stack.iter().position(|c| *c == code).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        stack[start..].iter().map(|s| s.to_string()).collect();
                    cycle.push(code.to_string());
                    return Some(cycle);
                }
                _ => {}
            }
            state.insert(code, 1);
            stack.push(code);
            if let Some(m) = d.member(code) {
                for n in &m.needs {
                    if let Some(c) = visit(d, n, state, stack) {
                        return Some(c);
                    }
                }
            }
            stack.pop();
            state.insert(code, 2);
            None
        }
        let mut state = BTreeMap::new();
        for m in &self.members {
            if let Some(c) = visit(self, &m.item_code, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
        None
    }

    /// The longest chain of promised working days through the graph (the bundle's real time
    /// limit) and the item codes along it. Call on an acyclic definition.
    pub fn critical_path(&self, items: &BTreeMap<String, ItemDefinition>) -> (u32, Vec<String>) {
        fn finish<'a>(
            d: &'a BundleDefinition,
            items: &BTreeMap<String, ItemDefinition>,
            code: &'a str,
            memo: &mut BTreeMap<&'a str, (u32, Vec<String>)>,
            depth: usize,
        ) -> (u32, Vec<String>) {
            if let Some(v) = memo.get(code) {
                return v.clone();
            }
            let own = items.get(code).map(item_days).unwrap_or(0);
            // A cycle would recurse forever; depth beyond the member count means one.
            let before = if depth > d.members.len() {
                (0, Vec::new())
            } else {
                d.member(code)
                    .map(|m| m.needs.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .map(|n| finish(d, items, n, memo, depth + 1))
                    .max_by_key(|(days, _)| *days)
                    .unwrap_or_default()
            };
            let mut path = before.1;
            path.push(code.to_string());
            let v = (before.0 + own, path);
            memo.insert(code, v.clone());
            v
        }
        let mut memo = BTreeMap::new();
        self.members
            .iter()
            .map(|m| finish(self, items, &m.item_code, &mut memo, 0))
            .max_by_key(|(days, _)| *days)
            .unwrap_or_default()
    }

    /// Members in an order where every member comes after what it needs.
    pub fn start_order(&self) -> Vec<String> {
        let mut done: Vec<String> = Vec::new();
        while done.len() < self.members.len() {
            let before = done.len();
            for m in &self.members {
                if !done.contains(&m.item_code) && m.needs.iter().all(|n| done.contains(n)) {
                    done.push(m.item_code.clone());
                }
            }
            if done.len() == before {
                break; // a cycle: validation reports it
            }
        }
        done
    }

    /// What the bundle saves: fields asked once, materials deduplicated by identity, one
    /// visit at most as many as the most demanding member, days along the critical path.
    pub fn savings(&self, items: &BTreeMap<String, ItemDefinition>) -> Savings {
        let members: Vec<&ItemDefinition> = self
            .members
            .iter()
            .filter_map(|m| items.get(&m.item_code))
            .collect();
        let identities: BTreeSet<String> = members.iter().flat_map(|i| identities(i)).collect();
        Savings {
            items: members.len(),
            fields_separately: members.iter().map(|i| i.form.len()).sum(),
            fields_bundled: self.fields.len(),
            materials_separately: members.iter().map(|i| i.materials.len()).sum(),
            materials_bundled: identities.len(),
            visits_separately: members.iter().map(|i| i.visits).sum(),
            visits_bundled: members.iter().map(|i| i.visits).max().unwrap_or(0),
            days_separately: members.iter().map(|i| item_days(i)).sum(),
            days_bundled: self.critical_path(items).0,
        }
    }
}

mod relevance;
pub use relevance::RELEVANT;
mod subject_rules;
#[cfg(test)]
mod tests;
