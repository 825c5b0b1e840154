//! The consistency rules of an item definition (GB/T 39046 elements as provincial catalogs
//! check them): codes, time limits, channels and visits, materials. All problems are returned
//! at once so a form can show them together.

use super::*;

impl ItemDefinition {
    /// Applies every rule; returns all problems at once so a form can show them together.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        code_field(&mut p, "code", &self.code, "实施编码");
        code_field(&mut p, "basic_code", &self.basic_code, "基本编码");
        if !self.parent_code.is_empty() {
            code_field(&mut p, "parent_code", &self.parent_code, "上级事项编码");
            if self.parent_code == self.code {
                p.push("parent_code", "inconsistent", "上级事项不能是事项本身");
            }
        } else if self.node != NodeKind::Main {
            p.push(
                "parent_code",
                "required",
                "子项和业务办理项必须填写上级事项编码",
            );
        }
        p.text("name", &self.name, "事项名称", 200);
        self.validate_pending(&mut p);
        if self.legal_basis.iter().all(|b| b.trim().is_empty())
            && !self.is_pending(Pending::LegalBasis)
        {
            p.push("legal_basis", "required", "设定依据至少填写一项");
        }
        for (i, b) in self.legal_basis.iter().enumerate() {
            p.optional_text(&format!("legal_basis[{i}]"), b, "设定依据", 1000);
        }
        code_field(&mut p, "department", &self.department, "实施机关");
        if !self.department_credit_code.trim().is_empty()
            && let Err(e) = CreditCode::parse(&self.department_credit_code)
        {
            p.push(
                "department_credit_code",
                "invalid",
                format!("实施机关统一社会信用代码无效：{e}"),
            );
        }
        if let Err(e) = RegionCode::parse(&self.region) {
            p.push("region", "invalid", format!("实施区划代码无效：{e}"));
        }
        if self.subjects.is_empty() {
            p.push("subjects", "required", "服务对象至少选择一项");
        }
        // Only a person has children or relatives to file for.
        if self.filed_for.iter().any(|f| *f != FiledFor::Oneself)
            && !self.subjects.contains(&SubjectType::NaturalPerson)
        {
            p.push(
                "filed_for",
                "invalid",
                "可为他人申请（未成年子女、已故亲属）的事项，服务对象须包含自然人",
            );
        }
        if self.conditions.iter().all(|c| c.trim().is_empty())
            && !self.is_pending(Pending::Conditions)
        {
            p.push("conditions", "required", "受理条件至少填写一项");
        }
        if self.flow.is_empty() && !self.is_pending(Pending::Flow) {
            p.push("flow", "required", "办理流程至少填写一个环节");
        }
        for (i, s) in self.flow.iter().enumerate() {
            p.text(&format!("flow[{i}].name"), &s.name, "环节名称", 100);
        }
        p.text("result_name", &self.result_name, "办理结果名称", 200);
        p.text("place", &self.place, "办理地点", 500);
        p.text("hours", &self.hours, "办理时间", 200);
        phone(&mut p, "consult_phone", &self.consult_phone, "咨询电话");
        phone(
            &mut p,
            "complaint_phone",
            &self.complaint_phone,
            "监督投诉电话",
        );
        if self.handling_forms.is_empty() {
            p.push("handling_forms", "required", "办理形式至少选择一项");
        }
        for (i, f) in self.fees.iter().enumerate() {
            p.text(&format!("fees[{i}].name"), &f.name, "收费项目", 200);
            p.text(&format!("fees[{i}].amount"), &f.amount, "收费标准", 200);
        }
        for (i, q) in self.faq.iter().enumerate() {
            p.text(&format!("faq[{i}].question"), &q.question, "常见问题", 500);
            p.text(&format!("faq[{i}].answer"), &q.answer, "解答", 2000);
        }
        self.validate_time_limits(&mut p);
        self.validate_channels(&mut p);
        self.validate_materials(&mut p);
        if let Err(e) = self.workflow.validate(&self.form) {
            p.0.extend(e);
        }
        if self.workflow.tolerance.is_some() && self.materials.iter().all(|m| m.key || !m.mandatory)
        {
            p.push(
                "workflow.tolerance",
                "inconsistent",
                "容缺受理只适用于非核心的必要材料，本事项没有这样的材料",
            );
        }
        p.into_result()
    }

    /// An element marked 待补充 holds no value: a value given means it is no longer pending.
    fn validate_pending(&self, p: &mut Problems) {
        let given = |e: Pending| match e {
            Pending::LegalBasis => !self.legal_basis.is_empty(),
            Pending::Conditions => !self.conditions.is_empty(),
            Pending::Flow => !self.flow.is_empty(),
            Pending::PromisedLimit => {
                !matches!(&self.promised_limit, PromisedLimit::Within(t) if t.days == 0)
            }
            Pending::Visits => self.visits != 0,
        };
        for (i, e) in self.pending.iter().enumerate() {
            if self.pending[..i].contains(e) {
                p.push(
                    "pending",
                    "duplicate",
                    format!("待补充要素“{}”重复", e.label()),
                );
            } else if given(*e) {
                p.push(
                    e.name(),
                    "inconsistent",
                    format!("{}已填写，不能同时标为待补充", e.label()),
                );
            }
        }
    }

    fn validate_time_limits(&self, p: &mut Problems) {
        if self.is_pending(Pending::PromisedLimit) {
            self.validate_legal_limit(p);
            return;
        }
        // STANDARDS.md: promised limit "即办" ⇔ 办件类型 即办件.
        let instant_limit = matches!(self.promised_limit, PromisedLimit::Instant);
        let instant_type = self.case_type == CaseType::Instant;
        if instant_limit && !instant_type {
            p.push(
                "case_type",
                "inconsistent",
                "承诺时限为“即办”的事项，办件类型必须是即办件",
            );
        } else if instant_type && !instant_limit {
            p.push(
                "promised_limit",
                "inconsistent",
                "即办件的承诺时限必须是“即办”",
            );
        }
        if let PromisedLimit::Within(t) = &self.promised_limit {
            if t.days == 0 {
                p.push(
                    "promised_limit",
                    "invalid",
                    "承诺时限必须大于 0 天；当场办结请选择“即办”",
                );
            }
            if let Some(legal) = &self.legal_limit
                && legal.unit == t.unit
                && t.days > legal.days
            {
                p.push(
                    "promised_limit",
                    "inconsistent",
                    format!(
                        "承诺时限（{} 天）不能长于法定时限（{} 天）",
                        t.days, legal.days
                    ),
                );
            }
        }
        self.validate_legal_limit(p);
    }

    fn validate_legal_limit(&self, p: &mut Problems) {
        if let Some(legal) = &self.legal_limit
            && legal.days == 0
        {
            p.push(
                "legal_limit",
                "invalid",
                "法定时限必须大于 0 天；法律未规定时限的请留空",
            );
        }
    }

    fn validate_channels(&self, p: &mut Problems) {
        let visits_known = !self.is_pending(Pending::Visits);
        if self.visits > 0 && self.visits_reason.trim().is_empty() {
            p.push(
                "visits_reason",
                "required",
                "到现场次数大于 0 时必须说明理由",
            );
        }
        if visits_known && self.visits == 0 && !self.has_online_channel() && !self.supports_post {
            p.push(
                "visits",
                "inconsistent",
                "零跑动事项必须提供网上办理渠道或支持快递",
            );
        }
        if self.is_free() && self.supports_online_payment {
            p.push(
                "supports_online_payment",
                "inconsistent",
                "不收费的事项不能支持网上支付",
            );
        }
        let fully_online = self.online_depth == OnlineDepth::FullyOnline;
        if fully_online && self.visits != 0 {
            p.push(
                "online_depth",
                "inconsistent",
                "全程网办（四级）的事项到现场次数必须为 0",
            );
        } else if visits_known && !fully_online && self.visits == 0 {
            p.push(
                "online_depth",
                "inconsistent",
                "到现场次数为 0 的事项网办深度应为四级（全程网办）",
            );
        }
        if self.has_online_channel()
            && matches!(
                self.online_depth,
                OnlineDepth::GuideOnline | OnlineDepth::FormsOnline
            )
        {
            p.push(
                "online_depth",
                "inconsistent",
                "提供网上办理渠道的事项网办深度至少为三级",
            );
        }
        let url = self.online_url.as_str();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            p.push(
                "online_url",
                "invalid",
                "网上办理地址必须以 http:// 或 https:// 开头",
            );
        }
    }

    fn validate_materials(&self, p: &mut Problems) {
        let mut seen = std::collections::HashSet::new();
        for (i, m) in self.materials.iter().enumerate() {
            let f = |name: &str| format!("materials[{i}].{name}");
            p.text(&f("name"), &m.name, "材料名称", 200);
            if !seen.insert(m.name.trim()) {
                p.push(
                    f("name"),
                    "duplicate",
                    format!("材料“{}”重复出现", m.name.trim()),
                );
            }
            if m.copies == 0 && m.form != MaterialForm::Electronic {
                p.push(f("copies"), "invalid", "纸质材料份数至少为 1");
            }
            if m.copies > 99 {
                p.push(f("copies"), "invalid", "材料份数不能超过 99");
            }
            if m.key && !m.mandatory {
                p.push(f("key"), "inconsistent", "核心材料必须是必要材料");
            }
            p.optional_text(
                &f("acceptance_standard"),
                &m.acceptance_standard,
                "受理标准",
                1000,
            );
            p.optional_text(
                &f("fill_instructions"),
                &m.fill_instructions,
                "填报须知",
                1000,
            );
        }
    }
}

fn code_field(p: &mut Problems, field: &str, value: &str, label: &str) {
    let v = value.trim();
    if v.is_empty() {
        p.push(field, "required", format!("{label}不能为空"));
    } else if v.chars().count() > MAX_CODE_CHARS {
        p.push(
            field,
            "too_long",
            format!("{label}不能超过 {MAX_CODE_CHARS} 个字符"),
        );
    } else if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        p.push(
            field,
            "invalid_char",
            format!("{label}只能包含字母、数字、“-”“_”“.”"),
        );
    }
}

fn phone(p: &mut Problems, field: &str, value: &str, label: &str) {
    let v = value.trim();
    if v.is_empty() {
        p.push(field, "required", format!("{label}不能为空"));
    } else if v.len() > 40
        || !v
            .chars()
            .all(|c| c.is_ascii_digit() || "-+() ，,、".contains(c))
    {
        p.push(
            field,
            "invalid",
            format!("{label}格式不正确，只能包含数字和“-”"),
        );
    }
}
