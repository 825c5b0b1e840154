//! The rules of a bundle's subject: the fields it is read from are asked and required, and
//! an enterprise being established is registered before any other member starts (they are
//! filed in its name, with its new code).

use std::collections::BTreeSet;

use super::BundleDefinition;
use crate::error::Problems;
use crate::subject::SubjectSpec;

impl BundleDefinition {
    pub(super) fn check_subject(&self, p: &mut Problems) {
        for key in self.subject.fields() {
            match self.fields.iter().find(|f| f.key == key) {
                None => p.push(
                    "subject",
                    "unknown",
                    format!("办理对象取自字段 {key}，但合并表单没有该字段"),
                ),
                Some(f) if !f.required => p.push(
                    "subject",
                    "optional",
                    format!("办理对象取自字段“{}”，该字段应为必填", f.label),
                ),
                Some(_) => {}
            }
        }
        if let SubjectSpec::NewEnterprise { assigned_by, .. } = &self.subject {
            match self.members.iter().find(|m| &m.item_code == assigned_by) {
                None => p.push(
                    "subject.assigned_by",
                    "unknown",
                    format!("赋予统一社会信用代码的事项 {assigned_by} 不在本一件事中"),
                ),
                Some(m) if m.optional => p.push(
                    "subject.assigned_by",
                    "optional",
                    "赋予统一社会信用代码的设立登记不能是可选事项",
                ),
                Some(_) => {
                    for (i, m) in self.members.iter().enumerate() {
                        if &m.item_code != assigned_by
                            && !self.depends_on(&m.item_code, assigned_by)
                        {
                            p.push(
                                format!("members[{i}].needs"),
                                "before_registration",
                                format!(
                                    "事项 {} 以新设企业名义办理，应在设立登记（{assigned_by}）办结后开始",
                                    m.item_code
                                ),
                            );
                        }
                    }
                }
            }
        }
    }

    /// Whether `code` waits, directly or through others, for `on`.
    pub fn depends_on(&self, code: &str, on: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut todo = vec![code];
        while let Some(c) = todo.pop() {
            if !seen.insert(c) {
                continue;
            }
            if let Some(m) = self.members.iter().find(|m| m.item_code == c) {
                for n in &m.needs {
                    if n == on {
                        return true;
                    }
                    todo.push(n);
                }
            }
        }
        false
    }
}
