use app::AppError;
use app::auth::Actor;
use app::{cases, licenses};
use domain::account::Role;
use domain::case::{CaseState, Command, Provision};
use domain::fixtures::sample_item;
use domain::license::{HolderKind, LicenseField, LicenseType};
use store::testing::on_both;

use crate::support::*;

/// The sample item issues 食品经营许可证 on a commitment approval; a second item takes that
/// license as one of its materials.
pub(crate) async fn setup(app: &app::App) -> (String, String) {
    seed_org(app).await;
    let cap = staff(app, "cat", &[Role::CatalogAdmin], "511600", None)
        .await
        .catalog_admin()
        .unwrap();
    let mut permit = sample_item();
    permit.workflow.commitment = Some(20);
    app::catalog::create(app, &cap, permit.clone())
        .await
        .unwrap();
    app::catalog::publish(app, &cap, &permit.code)
        .await
        .unwrap();
    let mut user = sample_item();
    user.code = "11511600MB1234567X3000131012000".into();
    user.basic_code = "000131012000".into();
    user.parent_code = "000131012000".into();
    user.name = "食品经营许可变更".into();
    user.materials[0].name = "食品经营许可证".into();
    user.materials[0].license_type = "食品经营许可证".into();
    app::catalog::create(app, &cap, user.clone()).await.unwrap();
    app::catalog::publish(app, &cap, &user.code).await.unwrap();
    let t = LicenseType {
        code: "11511600MB1234567X002".into(),
        name: "食品经营许可证".into(),
        department: "511600-SCJG".into(),
        holder: HolderKind::Any,
        validity_years: 5,
        single_per_holder: false,
        fields: vec![
            LicenseField {
                key: "operator".into(),
                label: "经营者名称".into(),
                from: "holder_name".into(),
            },
            LicenseField {
                key: "case".into(),
                label: "办件编号".into(),
                from: "case_number".into(),
            },
        ],
        produced_by: vec![permit.code.clone()],
    };
    licenses::save_types(app, &[t]).await.unwrap();
    (permit.code, user.code)
}

async fn step(app: &app::App, actor: &Actor, case_id: &str, cmd: Command) -> domain::case::Case {
    cases::act(app, actor, case_id, cmd)
        .await
        .unwrap_or_else(|e| panic!("command failed: {e:?}"))
}

/// A case of `item` that `me` submits and a clerk approves at once on commitment (告知承诺).
pub(crate) async fn approved_on_commitment(
    app: &app::App,
    me: &Actor,
    item: &str,
) -> domain::case::Case {
    let c = cases::start(app, me, item).await.unwrap();
    file(app, me, &c.id).await;
    let clerk = staff(app, "clerk", &[Role::Clerk], "511600", None).await;
    let accept = Command::Accept {
        tolerate: vec![],
        commitment: true,
    };
    let approved = step(app, &clerk, &c.id, accept).await;
    assert_eq!(approved.state, CaseState::Approved);
    approved
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_license_type_applies_at_once_though_types_are_cached() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let (permit, user) = setup(&app).await;
        let me = citizen(&app, "123").await;
        approved_on_commitment(&app, &me, &permit).await;
        let next = cases::start(&app, &me, &user).await.unwrap();
        assert!(matches!(
            next.materials["食品经营许可证"],
            Provision::License { .. }
        ));
        // Renamed, the type no longer answers to the material's name: the next application
        // must not find it through what the first one cached.
        let mut conn = app.store.conn().await.unwrap();
        let mut t = store::licenses::types(&mut conn).await.unwrap().remove(0);
        drop(conn);
        t.name = "食品经营许可证（2027版）".into();
        licenses::save_types(&app, &[t]).await.unwrap();
        let after = cases::start(&app, &me, &user).await.unwrap();
        assert_eq!(
            after.materials.get("食品经营许可证"),
            Some(&Provision::Missing)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_issues_a_license_that_fills_the_next_application_and_a_failed_check_revokes_it()
 {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let (permit, user) = setup(&app).await;
        let me = citizen(&app, "123").await;
        let approved = approved_on_commitment(&app, &me, &permit).await;
        let c = &approved;

        let wallet = licenses::wallet(&app, &me).await.unwrap();
        assert_eq!(wallet.len(), 1, "the approval issued one license");
        let l = &wallet[0];
        assert_eq!(
            (l.type_name.as_str(), l.status),
            ("食品经营许可证", "valid")
        );
        assert!(
            l.fields
                .contains(&("办件编号".to_string(), approved.number.to_string()))
        );
        assert!(l.id.starts_with("1.2.156.3005.2.11511600MB1234567X002."));
        assert_eq!(l.valid_until.as_deref(), Some("2031-11-26"));
        let v = licenses::verify(&app, &l.verify_url).await.unwrap();
        assert!(v.signature_valid && v.status == "valid", "{v:?}");
        let mut conn = app.store.conn().await.unwrap();
        let events = store::cases::events(&mut conn, &c.id).await.unwrap();
        drop(conn);
        assert!(events.iter().any(|e| e.kind == "license_issued"));

        // The next application needs that license: attached, trust level A, use recorded.
        let next = cases::start(&app, &me, &user).await.unwrap();
        match &next.materials["食品经营许可证"] {
            Provision::License { license_id, .. } => assert_eq!(license_id, &l.id),
            other => panic!("not attached: {other:?}"),
        }
        let (_, uses) = licenses::get(&app, &me, &l.id).await.unwrap();
        assert_eq!(uses.len(), 1);
        assert_eq!(uses[0].case_id, next.id);
        assert!(uses[0].reason.contains("食品经营许可变更"));

        // A failed 告知承诺 verification revokes the decision and the license with it.
        let reviewer = market_reviewer(&app).await;
        step(
            &app,
            &reviewer,
            &c.id,
            Command::Verify {
                passed: false,
                note: "现场与承诺不符".into(),
            },
        )
        .await;
        let v = licenses::verify(&app, &l.token).await.unwrap();
        assert_eq!(v.status, "revoked");
        assert!(v.reason.unwrap().contains("现场与承诺不符"));
        // A revoked license no longer fills applications.
        let third = cases::start(&app, &me, &user).await.unwrap();
        assert_eq!(
            third.materials.get("食品经营许可证"),
            Some(&Provision::Missing)
        );

        // Systems outside heard of it all, in order, through the outbox: written with each
        // change, without drafts, names or ID numbers.
        let mut conn = app.store.conn().await.unwrap();
        let outbox = store::outbox::after(&mut conn, 0, 1000).await.unwrap();
        let of_case: Vec<_> = outbox
            .iter()
            .filter(|e| e.aggregate == format!("case:{}", c.id))
            .collect();
        let topics: Vec<&str> = of_case.iter().map(|e| e.topic.as_str()).collect();
        assert_eq!(topics.first(), Some(&"case.submitted"), "{topics:?}");
        for t in [
            "case.accepted",
            "case.decided",
            "license.issued",
            "case.verified",
        ] {
            assert!(topics.contains(&t), "{t} missing from {topics:?}");
        }
        assert!(
            !topics
                .iter()
                .any(|t| t.contains("edited") || t.contains("created"))
        );
        let decided: serde_json::Value = serde_json::from_str(
            &of_case
                .iter()
                .find(|e| e.topic == "case.decided")
                .unwrap()
                .payload,
        )
        .unwrap();
        assert_eq!(decided["approved"], true);
        assert_eq!(decided["number"], c.number.as_str());
        let issued: serde_json::Value = serde_json::from_str(
            &of_case
                .iter()
                .find(|e| e.topic == "license.issued")
                .unwrap()
                .payload,
        )
        .unwrap();
        assert_eq!(issued["license"], l.id.as_str());
        let revoked = outbox
            .iter()
            .find(|e| e.topic == "license.revoked")
            .expect("the revocation is announced");
        assert_eq!(revoked.aggregate, format!("license:{}", l.id));
        assert!(revoked.payload.contains("现场与承诺不符"));
        assert!(outbox.windows(2).all(|w| w[0].seq < w[1].seq));
        assert!(
            !outbox.iter().any(|e| e.payload.contains(&me_holder())),
            "no ID numbers"
        );
    })
    .await;
}

fn me_holder() -> String {
    app::demo::demo_id_number("19900101", "123")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_tokens_fail_old_keys_still_verify_after_rotation_and_strangers_see_nothing() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        setup(&app).await;
        let me = citizen(&app, "123").await;
        let holder = app::demo::demo_id_number("19900101", "123");
        let mut tx = app.store.begin().await.unwrap();
        let first = licenses::register_existing(
            &mut tx,
            &app,
            "11511600MB1234567X002",
            &holder,
            "张三",
            Default::default(),
            time::macros::date!(2020 - 01 - 01),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Issued 2020 for 5 years: expired by now, and the verifier says so.
        let v = licenses::verify(&app, &first.token).await.unwrap();
        assert_eq!((v.signature_valid, v.status), (true, "expired"));

        // A tampered payload keeps its old signature and fails.
        let mut t = license::Token::parse(&first.token).unwrap();
        t.core.holder = "李四".into();
        let v = licenses::verify(&app, &t.encode()).await.unwrap();
        assert!(!v.signature_valid && v.reason.unwrap().contains("签名与内容不符"));
        let v = licenses::verify(&app, &first.token[..first.token.len() / 2])
            .await
            .unwrap();
        assert_eq!(v.status, "invalid");

        // Rotation: new licenses use the new key; the old license still verifies.
        let admin = staff(&app, "adm", &[Role::SystemAdmin], "511600", None).await;
        assert!(matches!(
            licenses::rotate_key(&app, &me, "511600-SCJG").await,
            Err(AppError::Forbidden(_))
        ));
        let new_key = licenses::rotate_key(&app, &admin, "511600-SCJG")
            .await
            .unwrap();
        let mut tx = app.store.begin().await.unwrap();
        let second = licenses::register_existing(
            &mut tx,
            &app,
            "11511600MB1234567X002",
            &holder,
            "张三",
            Default::default(),
            time::macros::date!(2026 - 11 - 01),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            license::Token::parse(&second.token).unwrap().core.key,
            new_key
        );
        assert_ne!(
            license::Token::parse(&first.token).unwrap().core.key,
            new_key
        );
        assert!(
            licenses::verify(&app, &first.token)
                .await
                .unwrap()
                .signature_valid
        );
        assert_eq!(
            licenses::verify(&app, &second.token).await.unwrap().status,
            "valid"
        );
        // Offline: the public key alone verifies, without the database.
        let keys = licenses::public_keys(&app).await.unwrap();
        let k = keys.iter().find(|k| k["key_id"] == new_key).unwrap();
        let core = licenses::verify_offline(&second.token, None, k["public_key"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            core.holder_id, "5116**********1236",
            "the QR shows a masked ID number"
        );
        assert!(
            licenses::verify_offline(
                &first.token,
                Some(&new_key),
                k["public_key"].as_str().unwrap()
            )
            .is_err()
        );

        // Only the holder and staff over the issuing department can open it.
        let other = citizen(&app, "456").await;
        assert!(matches!(
            licenses::get(&app, &other, &first.id).await,
            Err(AppError::NotFound(_))
        ));
        let outsider = staff(
            &app,
            "out",
            &[Role::Reviewer],
            "511602",
            Some("511602-SCJG"),
        )
        .await;
        assert!(matches!(
            licenses::get(&app, &outsider, &first.id).await,
            Err(AppError::NotFound(_))
        ));
        let insider = staff(&app, "in", &[Role::Approver], "511600", Some("511600-SCJG")).await;
        assert!(licenses::get(&app, &insider, &first.id).await.is_ok());
        // Revoking needs a reason and the issuing department's approver.
        assert!(matches!(
            licenses::revoke(&app, &outsider, &second.id, "x").await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            licenses::revoke(&app, &insider, &second.id, " ").await,
            Err(AppError::Validation(_))
        ));
        licenses::revoke(&app, &insider, &second.id, "持证人申请注销")
            .await
            .unwrap();
        assert!(matches!(
            licenses::revoke(&app, &insider, &second.id, "again").await,
            Err(AppError::State(_))
        ));

        // An import for a holder whose identifier is not valid is refused with the field.
        let mut tx = app.store.begin().await.unwrap();
        let bad = licenses::register_existing(
            &mut tx,
            &app,
            "11511600MB1234567X002",
            "12345",
            "某人",
            Default::default(),
            time::macros::date!(2026 - 01 - 01),
        )
        .await;
        assert!(matches!(bad, Err(AppError::Validation(v)) if v[0].field == "holder_id"));
        let unknown = licenses::register_existing(
            &mut tx,
            &app,
            "NOSUCHTYPE",
            &holder,
            "某人",
            Default::default(),
            time::macros::date!(2026 - 01 - 01),
        )
        .await;
        assert!(matches!(unknown, Err(AppError::Validation(v)) if v[0].field == "type"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_import_names_every_bad_row_and_writes_nothing_until_all_are_right() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        setup(&app).await;
        let person = app::demo::demo_id_number("19900101", "123");
        let csv = |rows: &[&str]| {
            let mut text =
                "证照类型,持证主体名称,持证主体证件号码,签发日期,经营者名称\n".to_string();
            for r in rows {
                text.push_str(r);
                text.push('\n');
            }
            app::exchange::read_csv(text.as_bytes()).unwrap()
        };
        let good = format!("食品经营许可证,张三,{person},2024-05-06,张三小吃店");
        let bad = csv(&[
            &good,
            "驾驶证,张三,511602199001011236,2024-05-06,",
            &format!("食品经营许可证,张三,{person},2024/05/06,"),
            "食品经营许可证,某人,12345,2024-05-06,",
        ]);
        let r = app::license_import::import(&app, bad, false).await.unwrap();
        let cols: Vec<(usize, &str)> = r
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(
            cols,
            [(3, "证照类型"), (4, "签发日期"), (5, "持证主体证件号码")],
            "{:?}",
            r.errors
        );
        assert_eq!(r.imported, 0);
        let me = citizen(&app, "123").await;
        assert!(
            licenses::wallet(&app, &me).await.unwrap().is_empty(),
            "nothing was written"
        );

        let dry = app::license_import::import(&app, csv(&[&good]), true)
            .await
            .unwrap();
        assert_eq!((dry.imported, dry.errors.len()), (1, 0));
        assert!(
            licenses::wallet(&app, &me).await.unwrap().is_empty(),
            "a dry run writes nothing"
        );
        let done = app::license_import::import(&app, csv(&[&good]), false)
            .await
            .unwrap();
        assert_eq!(done.imported, 1);
        let again = app::license_import::import(&app, csv(&[&good]), false)
            .await
            .unwrap();
        assert_eq!((again.imported, again.existing), (0, 1));
        let wallet = licenses::wallet(&app, &me).await.unwrap();
        assert_eq!(wallet.len(), 1);
        assert!(
            wallet[0]
                .fields
                .contains(&("经营者名称".to_string(), "张三小吃店".to_string()))
        );

        let unknown_column = app::exchange::read_csv(
            format!("证照类型,持证主体名称,持证主体证件号码,签发日期,颜色\n{good}").as_bytes(),
        )
        .unwrap();
        let r = app::license_import::import(&app, unknown_column, false)
            .await
            .unwrap();
        assert_eq!(r.errors[0].column, "颜色");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_approval_replaces_the_license_a_holder_keeps_only_one_of() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let (permit, _) = setup(&app).await;
        let mut conn = app.store.conn().await.unwrap();
        let mut t = store::licenses::types(&mut conn).await.unwrap().remove(0);
        drop(conn);
        t.single_per_holder = true;
        licenses::save_types(&app, &[t]).await.unwrap();
        let me = citizen(&app, "123").await;
        let first = approved_on_commitment(&app, &me, &permit).await;
        // The second case is approved by the same clerk (a staff login is made once).
        let second = cases::start(&app, &me, &permit).await.unwrap();
        file(&app, &me, &second.id).await;
        let clerk = app::auth::login(&app, None, "clerk", "staff-password-1")
            .await
            .unwrap()
            .actor;
        let accept = Command::Accept {
            tolerate: vec![],
            commitment: true,
        };
        let second = step(&app, &clerk, &second.id, accept).await;

        let wallet = licenses::wallet(&app, &me).await.unwrap();
        let of = |c: &domain::case::Case| {
            wallet
                .iter()
                .find(|l| l.case_id.as_deref() == Some(c.id.as_str()))
                .unwrap_or_else(|| panic!("no license for {}", c.number))
        };
        let (old, new) = (of(&first), of(&second));
        assert_eq!((new.status, new.status_note.as_str()), ("valid", ""));
        assert_eq!(
            (old.status, old.status_note.as_str()),
            ("replaced", new.id.as_str()),
            "换发: the older license points to the one that replaced it"
        );
        // The serial is drawn before the approval's write: one after the other, no repeat.
        let serial = |n: &str| n[n.len() - 6..].parse::<u32>().unwrap();
        assert_eq!(serial(&new.number), serial(&old.number) + 1);
        assert_ne!(first.number, second.number);
    })
    .await;
}
