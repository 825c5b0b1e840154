//! 告知承诺 signed on screen: only the applicant, with their registered name, and not with a
//! broken promise on the credit record; a 秒批 rule resting on the signature approves at once
//! on filing, the signature standing in for the non-key materials not yet given, with the
//! verification due. (In a browser: tests/browser/journeys.test.mjs is untouched; the
//! enterprise's journey is in tests/browser/kiosk.test.mjs.)

use app::AppError;
use domain::case::{CaseState, Command};
use domain::fixtures::sample_item;
use domain::workflow::{AutoRule, Condition};
use store::testing::on_both;

use crate::support::*;

fn item() -> domain::catalog::ItemDefinition {
    let mut i = sample_item();
    i.workflow.tolerance = None;
    i.workflow.commitment = Some(20);
    i.workflow.auto_approval = Some(AutoRule {
        name: "告知承诺当场审批".into(),
        conditions: vec![Condition::CommitmentSigned],
    });
    // One material the commitment may stand in for.
    let mut plan = i.materials[0].clone();
    plan.name = "经营场所平面图".into();
    plan.key = false;
    i.materials.push(plan);
    i
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_applicant_signs_with_their_own_name_and_the_rule_approves_on_filing() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = publish(&app, &item()).await;
        let me = citizen(&app, "123").await;
        let other = citizen(&app, "456").await;
        let c = app::cases::start(&app, &me, &code).await.unwrap();
        let id = c.id.as_str();

        let sign = |name: &str| Command::SignCommitment {
            signer: name.into(),
        };
        // Someone else's case stays hidden; another name is not a signature.
        let stranger = app::cases::act(&app, &other, id, sign("张三")).await;
        assert!(
            matches!(stranger, Err(AppError::NotFound(_))),
            "{stranger:?}"
        );
        let wrong = app::cases::act(&app, &me, id, sign("李四")).await;
        assert!(
            matches!(&wrong, Err(AppError::Validation(v)) if v[0].field == "signer"),
            "{wrong:?}"
        );
        let signed = app::cases::act(&app, &me, id, sign("张三")).await.unwrap();
        assert_eq!(signed.commitment_signed.unwrap().signer, "张三");

        // Filing with the key materials only: the rule approves at once, on the commitment.
        let v = app::cases::view(&app, &me, id).await.unwrap();
        let mut materials = std::collections::BTreeMap::new();
        for m in v.item.materials.iter().filter(|m| m.key) {
            let pdf: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
            let p = app::uploads::store(&app, &me, pdf, "材料.pdf")
                .await
                .unwrap();
            materials.insert(m.name.clone(), p);
        }
        let form = v
            .item
            .form
            .iter()
            .map(|f| (f.key.clone(), "老王面馆".to_string()))
            .collect();
        app::cases::act(&app, &me, id, Command::Edit { form, materials })
            .await
            .unwrap();
        let done = app::cases::act(&app, &me, id, Command::Submit)
            .await
            .unwrap();
        assert_eq!(done.state, CaseState::Approved);
        let d = done.decision.unwrap();
        assert_eq!(d.by_rule.as_deref(), Some("告知承诺当场审批"));
        assert!(
            d.verification_due.is_some(),
            "a commitment approval is verified afterwards"
        );
        assert!(
            matches!(
                done.materials.get("经营场所平面图"),
                Some(domain::case::Provision::Committed)
            ),
            "{:?}",
            done.materials
        );
    })
    .await;
}
