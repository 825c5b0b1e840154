//! 告知承诺 signed on screen: who may sign and when, and a 秒批 rule resting on the signature.

use super::*;

fn commitment_item(auto: bool) -> ItemDefinition {
    let mut i = item();
    i.workflow.tolerance = None;
    i.workflow.commitment = Some(20);
    if auto {
        i.workflow.auto_approval = Some(AutoRule {
            name: "告知承诺当场审批".into(),
            conditions: vec![Condition::CommitmentSigned],
        });
    }
    i
}

fn sign(name: &str) -> Command {
    Command::SignCommitment {
        signer: name.into(),
    }
}

fn auto() -> Command {
    Command::AutoDecide {
        policies: Default::default(),
    }
}

#[test]
fn only_the_applicant_signs_a_commitment_item_once_in_the_draft() {
    let mut w = World::new(item());
    assert!(
        matches!(w.run(sign("张三"), &applicant()), Err(CaseError::Rule(m)) if m.contains("未实行告知承诺制"))
    );
    let mut w = World::new(commitment_item(false));
    assert!(
        allowed(&w.case, &w.item, &applicant(), w.now, &w.cal)
            .contains(&CommandKind::SignCommitment)
    );
    assert!(matches!(
        w.run(sign("张三"), &staff("clerk", Role::Clerk)),
        Err(CaseError::NotAllowed(_))
    ));
    assert!(
        matches!(w.run(sign("  "), &applicant()), Err(CaseError::Validation(v)) if v[0].field == "signer")
    );
    // An agent files for the applicant but signs no one's commitment.
    w.case.agent_id = Some("agent-1".into());
    let agent = CaseActor::Applicant {
        id: "agent-1".into(),
    };
    assert!(
        matches!(w.run(sign("张三"), &agent), Err(CaseError::NotAllowed(m)) if m.contains("申请人本人"))
    );
    assert!(
        !allowed(&w.case, &w.item, &agent, w.now, &w.cal).contains(&CommandKind::SignCommitment)
    );
    w.ok(sign(" 张三 "), &applicant());
    assert_eq!(w.case.commitment_signed.as_ref().unwrap().signer, "张三");
    assert!(
        !allowed(&w.case, &w.item, &applicant(), w.now, &w.cal)
            .contains(&CommandKind::SignCommitment)
    );
    assert!(w.run(sign("张三"), &applicant()).is_err(), "signed twice");
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    assert!(w.run(sign("张三"), &applicant()).is_err(), "after filing");
}

#[test]
fn a_rule_on_the_signed_commitment_approves_at_once_and_the_commitment_covers_what_is_missing() {
    // Unsigned: the rule does not hold, and a person must look.
    let mut w = World::new(commitment_item(true));
    w.fill(false);
    w.ok(Command::Submit, &applicant());
    let e = w.run(auto(), &CaseActor::System).unwrap_err();
    assert!(e.to_string().contains("申请人已签署告知承诺书"), "{e}");

    let mut w = World::new(commitment_item(true));
    w.fill(false);
    w.ok(sign("张三"), &applicant());
    w.ok(Command::Submit, &applicant());
    let ev = w.run(auto(), &CaseActor::System).unwrap();
    assert!(
        matches!(&ev[0], Event::Accepted { committed, .. } if committed == &["经营场所平面图".to_string()]),
        "{ev:?}"
    );
    assert!(matches!(&ev[1], Event::Decided { decision }
        if decision.approved
            && decision.by_rule.as_deref() == Some("告知承诺当场审批")
            && decision.verification_due == Some(w.cal.add_working_days(china_date(w.now), 20))));
    assert_eq!(w.case.state, CaseState::Approved);
}

#[test]
fn a_rule_cannot_rest_on_a_commitment_the_item_does_not_take() {
    let mut i = item();
    i.workflow.auto_approval = Some(AutoRule {
        name: "无承诺".into(),
        conditions: vec![Condition::CommitmentSigned],
    });
    let e = i.workflow.validate(&i.form).unwrap_err();
    assert_eq!(e[0].code, "no_commitment");
    assert!(commitment_item(true).workflow.validate(&i.form).is_ok());
}

proptest! {
    /// Signing records the signature and nothing else: the form, the materials and the state
    /// stay as they were.
    #[test]
    fn signing_changes_nothing_but_the_signature(name in "[\\p{Han}]{1,10}") {
        let mut w = World::new(commitment_item(false));
        w.fill(false);
        let before = w.case.clone();
        w.ok(sign(&name), &applicant());
        let mut after = w.case.clone();
        prop_assert_eq!(after.commitment_signed.take().map(|s| s.signer), Some(name));
        prop_assert_eq!(after, before);
    }
}

/// The signature is the applicant's registered name, or an enterprise's legal representative's;
/// blanks and other names never pass, surrounding spaces do not matter.
#[test]
fn the_signature_is_the_registered_name_or_the_legal_representatives() {
    use crate::workflow::signs_as_applicant;
    assert!(signs_as_applicant("张三", "张三", None));
    assert!(signs_as_applicant(" 张三 ", "张三", None));
    assert!(signs_as_applicant(
        "李四",
        "广安示范餐饮有限公司",
        Some("李四")
    ));
    assert!(signs_as_applicant(
        "广安示范餐饮有限公司",
        "广安示范餐饮有限公司",
        Some("李四")
    ));
    assert!(!signs_as_applicant("王五", "张三", None));
    assert!(!signs_as_applicant("", "", None));
    assert!(!signs_as_applicant("  ", "张三", Some("")));
}

proptest::proptest! {
    #[test]
    fn a_signature_passes_only_as_one_of_the_registered_names(signer in "[张李王赵 ]{0,4}", name in "[张李王赵]{1,3}", rep in proptest::option::of("[张李王赵]{1,3}")) {
        let passes = crate::workflow::signs_as_applicant(&signer, &name, rep.as_deref());
        let s = signer.trim();
        proptest::prop_assert_eq!(passes, !s.is_empty() && (s == name || rep.as_deref() == Some(s)));
    }
}

/// The item's own 告知承诺书 material is the on-screen signature: provided, nothing to upload,
/// and nobody can claim it another way.
#[test]
fn the_signature_provides_the_commitment_letter() {
    let mut i = commitment_item(false);
    let mut letter = i.materials[0].clone();
    letter.name = "食品经营许可告知承诺书".into();
    letter.key = false;
    i.materials.push(letter);
    let mut w = World::new(i);
    assert!(!w.case.materials["食品经营许可告知承诺书"].is_provided());
    // Claiming it as signed in an edit is refused: only the signature provides it.
    let claim = Command::Edit {
        form: Default::default(),
        materials: std::collections::BTreeMap::from([(
            "食品经营许可告知承诺书".to_string(),
            Provision::SignedOnline {
                signer: "张三".into(),
            },
        )]),
    };
    assert!(w.run(claim, &applicant()).is_err());
    w.ok(sign("张三"), &applicant());
    assert_eq!(
        w.case.materials["食品经营许可告知承诺书"],
        Provision::SignedOnline {
            signer: "张三".into()
        }
    );
    assert!(crate::workflow::is_commitment_letter(
        "公共场所卫生许可告知承诺书"
    ));
    assert!(!crate::workflow::is_commitment_letter("食品经营许可申请书"));
}
