//! Example values for tests in this and other crates. Not used by the running platform.

use crate::catalog::*;

/// A complete, valid item to vary in tests.
pub fn sample_item() -> ItemDefinition {
    ItemDefinition {
        code: "11511600MB1234567X3000131011000".into(),
        basic_code: "000131011000".into(),
        name: "食品经营许可核发".into(),
        node: NodeKind::Handling,
        parent_code: "000131011000".into(),
        kind: ItemKind::AdministrativeLicense,
        legal_basis: vec!["《中华人民共和国食品安全法》第三十五条".into()],
        level: ExerciseLevel::City,
        department: "511600-SCJG".into(),
        department_credit_code: String::new(),
        co_departments: vec![],
        region: "511600".into(),
        subjects: vec![SubjectType::Enterprise],
        filed_for: vec![],
        pending: vec![],
        conditions: vec!["已取得营业执照".into()],
        flow: vec![FlowStep {
            name: "申请".into(),
            description: String::new(),
        }],
        legal_limit: Some(TimeLimit {
            days: 20,
            unit: DayUnit::Working,
            note: String::new(),
        }),
        promised_limit: PromisedLimit::Within(TimeLimit {
            days: 10,
            unit: DayUnit::Working,
            note: String::new(),
        }),
        case_type: CaseType::Promise,
        result_name: "食品经营许可证".into(),
        result_sample: String::new(),
        fees: vec![],
        scope: ServiceScope::Local,
        handling_forms: vec![HandlingForm::Window, HandlingForm::OnlinePc],
        special_procedures: vec!["现场核查".into()],
        supports_appointment: true,
        supports_online_payment: false,
        supports_post: true,
        supports_kiosk: false,
        online_url: String::new(),
        visits: 1,
        visits_reason: "现场核查经营场所".into(),
        online_depth: OnlineDepth::ApplyOnline,
        place: "广安市政务服务中心 B03".into(),
        hours: "工作日 9:00-17:00".into(),
        consult_phone: "0826-2345678".into(),
        complaint_phone: "12345".into(),
        faq: vec![],
        aliases: vec!["开饭店".into()],
        keywords: vec![],
        materials: vec![Material {
            name: "食品经营许可申请书".into(),
            issuer: String::new(),
            form: MaterialForm::Original,
            copies: 1,
            mandatory: true,
            key: true,
            source: "申请人自备".into(),
            blank_form: String::new(),
            sample: String::new(),
            acceptance_standard: String::new(),
            fill_instructions: String::new(),
            paper_size: "A4".into(),
            license_type: String::new(),
            shared_data_source: String::new(),
            of_applicant: false,
        }],
        workflow: Default::default(),
        // Optional, so that tests filing it need not fill it; an item offered online has a form.
        form: vec![crate::workflow::FormField {
            key: "shop_name".into(),
            label: "店铺名称".into(),
            kind: crate::workflow::FieldKind::Text,
            required: false,
            options: vec![],
            help: String::new(),
        }],
    }
}

/// The 主项 that [`sample_item`] belongs to (its 上级事项编码), for files that must carry
/// their parents.
pub fn sample_main_item() -> ItemDefinition {
    let child = sample_item();
    ItemDefinition {
        code: child.parent_code.clone(),
        name: "食品经营许可".into(),
        node: NodeKind::Main,
        parent_code: String::new(),
        ..child
    }
}
