//! 跨市通办 between platforms, each side on its own: a partner's signed forward becomes one
//! submitted case here, received at the partner's window, with the original it checked and the
//! file it scanned; a bad signature, an unknown partner, an item off the list and a person
//! whose name does not match change nothing; the same reference twice is one case; the
//! partner's hand-over completes an issued case. The receiving side keeps only newer progress
//! reports. (Both sides over real HTTP between two servers: tests/browser/tongban.test.mjs.)

use app::AppError;
use app::tongban::{Partner, TongbanConfig};
use domain::account::Role;
use domain::case::relay::RelayBasis;
use domain::case::{CaseState, Command, Delivery, Provision};
use domain::catalog::{CaseType, PromisedLimit, ServiceScope};
use domain::fixtures::sample_item;
use domain::outbox::SignatureAlgorithm;
use store::testing::on_both;

use crate::support::*;

const SECRET: &str = "tongban-secret-0123456789";
const PARTNER: &str = "511300";

fn config() -> TongbanConfig {
    TongbanConfig {
        code: "511600".into(),
        name: "广安市一体化政务服务平台".into(),
        partners: vec![Partner {
            code: PARTNER.into(),
            name: "南充市一体化政务服务平台".into(),
            // Nobody listens: progress pushes fail and are retried later, as when it is down.
            link: app::platform::Link {
                url: "http://127.0.0.1:9/api/tongban".into(),
                secret: SECRET.into(),
                algorithm: SignatureAlgorithm::HmacSm3,
                timeout_ms: 500,
            },
        }],
    }
}

fn sign(app: &app::App, secret: &str, body: &serde_json::Value) -> (String, String, Vec<u8>) {
    let body = body.to_string().into_bytes();
    let ts = app.now().unix_timestamp();
    let sig = domain::signed::sign(SignatureAlgorithm::HmacSm3, secret.as_bytes(), ts, &body);
    (ts.to_string(), sig, body)
}

async fn forward(
    app: &app::App,
    sender: &str,
    secret: &str,
    body: &serde_json::Value,
) -> Result<domain::tongban::Receipt, AppError> {
    let (ts, sig, body) = sign(app, secret, body);
    app::tongban::receive_forward(app, Some(sender), Some(&ts), Some(&sig), &body).await
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

/// The 跨市通办 item: instant (the window decides it), with a paper and a scanned material.
fn card_item() -> domain::catalog::ItemDefinition {
    let mut item = sample_item();
    item.case_type = CaseType::Instant;
    item.promised_limit = PromisedLimit::Instant;
    item.scope = ServiceScope::CrossCity;
    let mut scan = item.materials[0].clone();
    scan.name = "经营场所照片".into();
    scan.form = domain::catalog::MaterialForm::Electronic;
    scan.mandatory = false;
    scan.key = false;
    item.materials.push(scan);
    item
}

fn message(item: &str, reference: &str, name: &str) -> serde_json::Value {
    use base64::Engine;
    let item_def = card_item();
    let materials: Vec<String> = item_def.materials.iter().map(|m| m.name.clone()).collect();
    let form: serde_json::Map<String, serde_json::Value> = item_def
        .form
        .iter()
        .map(|f| (f.key.clone(), serde_json::Value::from("老王面馆")))
        .collect();
    serde_json::json!({
        "protocol": "onewindow-tongban/1",
        "reference": reference,
        "item_code": item,
        "applicant": {"id_number": "51130219900101123X", "name": name, "phone": "13800001111"},
        "point": {"code": "511302-ZX", "name": "顺庆区政务服务中心", "region": "511302"},
        "clerk": "李综窗",
        "received_at": "2026-12-01T09:00:00+08:00",
        "form": form,
        "originals": [materials[0]],
        "files": materials[1..].iter().map(|m| serde_json::json!({
            "material": m, "file_name": "扫描件.pdf", "media_type": "application/pdf",
            "content": base64::engine::general_purpose::STANDARD.encode(PDF),
        })).collect::<Vec<_>>(),
    })
}

/// The app with a partner, the org, a clerk and two published items: a 跨市通办 one
/// (instant, so the window decides it) and a local one.
async fn setup(s: store::Store) -> (Nodes, app::auth::Actor, String, String) {
    let (app, _) = app_with(s, &std::env::temp_dir(), |st| st.tongban = Some(config())).await;
    seed_org(&app).await;
    let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
    let card = publish(&app, &card_item()).await;
    let mut local = sample_item();
    local.code = "11511600MB1234567X3000131011001".into();
    local.name = "本地事项".into();
    let cap = staff(&app, "cat2", &[Role::CatalogAdmin], "511600", None)
        .await
        .catalog_admin()
        .unwrap();
    app::catalog::create(&app, &cap, local.clone())
        .await
        .unwrap();
    app::catalog::publish(&app, &cap, &local.code)
        .await
        .unwrap();
    let local = local.code;
    (app, clerk, card, local)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_forward_becomes_one_case_received_at_the_partners_window() {
    on_both(|s| async move {
        let (app, clerk, card, local) = setup(s).await;
        let body = message(&card, "fwd-1", "王五");

        // Refused, each for its reason, and nothing filed.
        let bad = forward(&app, PARTNER, "another-secret-0123456789", &body).await;
        assert!(matches!(&bad, Err(AppError::Forbidden(m)) if m.contains("签名不符")), "{bad:?}");
        let stranger = forward(&app, "510100", SECRET, &body).await;
        assert!(matches!(&stranger, Err(AppError::Forbidden(m)) if m.contains("未知的合作平台")), "{stranger:?}");
        let off_list = forward(&app, PARTNER, SECRET, &message(&local, "fwd-2", "王五")).await;
        assert!(
            matches!(&off_list, Err(AppError::Validation(v)) if v[0].field == "item_code"),
            "{off_list:?}"
        );
        let mut broken = body.clone();
        broken["originals"] = serde_json::json!(["户口簿"]);
        let unknown_material = forward(&app, PARTNER, SECRET, &broken).await;
        assert!(
            matches!(&unknown_material, Err(AppError::Validation(v)) if v[0].field == "originals[0]"),
            "{unknown_material:?}"
        );
        let none = app::cases::queue(&app, &clerk, Role::Clerk, 100, 0)
            .await
            .unwrap();
        assert_eq!(none.0.len(), 0, "a refused forward filed a case");

        // Taken: one submitted case, received at the partner's window.
        let r = forward(&app, PARTNER, SECRET, &body).await.unwrap();
        assert!(!r.repeated);
        let again = forward(&app, PARTNER, SECRET, &body).await.unwrap();
        assert!(again.repeated);
        assert_eq!(again.case_number, r.case_number, "the same reference is one case");
        let (rows, _) = app::cases::queue(&app, &clerk, Role::Clerk, 100, 0)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        let id = rows
            .iter()
            .find(|row| row.0.number.as_str() == r.case_number)
            .map(|row| row.0.id.to_string())
            .unwrap();
        let v = app::cases::view(&app, &clerk, &id).await.unwrap();
        let c = &v.case;
        assert_eq!(c.state, CaseState::Submitted);
        let relay = c.relay.as_ref().unwrap();
        assert_eq!(relay.basis, RelayBasis::Partner);
        assert_eq!(relay.received_at.name, "南充市一体化政务服务平台·顺庆区政务服务中心");
        assert_eq!(relay.pickup, relay.received_at);
        assert!(relay.originals_sent.is_some(), "the partner posts the original it checked");
        let first = sample_item().materials[0].name.clone();
        assert!(matches!(
            &c.materials[&first],
            Provision::CheckedOriginal { by } if by == "南充市一体化政务服务平台·李综窗"
        ));
        assert!(c.materials.values().any(|p| matches!(p, Provision::Uploaded { .. })));

        // The window decides and issues; the pickup cannot move from the partner's window.
        for cmd in [
            Command::Accept {
                tolerate: vec![],
                commitment: false,
            },
            Command::Approve {
                reason: "符合条件".into(),
                legal_basis: "依法".into(),
            },
        ] {
            app::cases::act(&app, &clerk, &id, cmd).await.unwrap();
        }
        // The person is known here now: a forward naming them otherwise is refused.
        let mismatch = forward(&app, PARTNER, SECRET, &message(&card, "fwd-3", "王六")).await;
        assert!(
            matches!(&mismatch, Err(AppError::Validation(v)) if v[0].field == "applicant.name"),
            "{mismatch:?}"
        );

        // Before the result went out, the partner's hand-over cannot complete the case.
        let (ts, sig, hb) = sign(
            &app,
            SECRET,
            &serde_json::json!({"protocol": "onewindow-tongban/1", "reference": "fwd-1",
                "by": "李综窗", "at": "2026-12-02T09:00:00+08:00"}),
        );
        let early = app::tongban::receive_handover(&app, Some(PARTNER), Some(&ts), Some(&sig), &hb).await;
        assert!(early.is_err(), "{early:?}");
        app::cases::act(
            &app,
            &clerk,
            &id,
            Command::Issue {
                delivery: Delivery::Window {
                    window: "南充市一体化政务服务平台·顺庆区政务服务中心".into(),
                },
            },
        )
        .await
        .unwrap();
        let done = app::tongban::receive_handover(&app, Some(PARTNER), Some(&ts), Some(&sig), &hb)
            .await
            .unwrap();
        assert_eq!(done, "completed");
        let c = app::cases::view(&app, &clerk, &id).await.unwrap().case;
        assert_eq!(c.state, CaseState::Completed);
        // 考核 counts it for the concluding department (the figure `cross_city`).
        let mut conn = app.store.conn().await.unwrap();
        let counted = store::assessment::cross_city_by_department(&mut conn, 0, i64::MAX)
            .await
            .unwrap();
        assert_eq!(counted, vec![(c.department.to_string(), 1)]);

        // Two copies of another forward at once (a partner retrying while the first is still
        // being taken): one case, and both answers name it.
        let twin = message(&card, "fwd-twin", "王五");
        let (x, y) = tokio::join!(
            forward(&app, PARTNER, SECRET, &twin),
            forward(&app, PARTNER, SECRET, &twin)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x.case_number, y.case_number);
        assert!(!x.case_number.is_empty());
        assert_ne!(x.repeated, y.repeated, "one took it, the other found it");
        let (rows, _) = app::cases::queue(&app, &clerk, Role::Clerk, 100, 0)
            .await
            .unwrap();
        let twins = rows
            .iter()
            .filter(|row| row.0.number.as_str() == x.case_number)
            .count();
        assert_eq!(twins, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiving_window_keeps_only_newer_progress() {
    on_both(|s| async move {
        let (app, clerk, _, _) = setup(s).await;
        let row = store::tongban::OutRow {
            id: "fwd-9".into(),
            partner: PARTNER.into(),
            item_code: "X".into(),
            item_name: "社会保障卡申领".into(),
            applicant_name: "王五".into(),
            applicant_id_number: "51130219900101123X".into(),
            applicant_phone: "13800001111".into(),
            point_code: "511600-ZWZX".into(),
            point_name: "广安市政务服务中心".into(),
            region: "511600".into(),
            clerk_id: "clerk".into(),
            clerk_name: "赵综窗".into(),
            sent_at: app.now_ms(),
            case_number: "5113002026120100001".into(),
            progress: "[]".into(),
            ..Default::default()
        };
        {
            let mut tx = app.store.begin().await.unwrap();
            store::tongban::insert_out(&mut tx, &row).await.unwrap();
            tx.commit().await.unwrap();
        }
        let report = |version: i64, state: &str, label: &str, ready: bool| {
            serde_json::json!({
                "protocol": "onewindow-tongban/1", "reference": "fwd-9",
                "case_number": "5113002026120100001", "version": version, "state": state,
                "label": label, "at": "2026-12-02T09:00:00+08:00", "ready_for_pickup": ready,
            })
        };
        let send = |body: serde_json::Value| {
            let app = &app;
            async move {
                let (ts, sig, b) = sign(app, SECRET, &body);
                app::tongban::receive_progress(app, Some(PARTNER), Some(&ts), Some(&sig), &b).await
            }
        };
        assert!(send(report(3, "accepted", "已受理", false)).await.unwrap());
        assert!(send(report(6, "issuing", "出件中", true)).await.unwrap());
        // A retry of an older report arriving late changes nothing.
        assert!(!send(report(3, "accepted", "已受理", false)).await.unwrap());
        let o = app::tongban::view(&app, &clerk, "fwd-9").await.unwrap();
        assert_eq!(o.progress.len(), 2);
        assert!(o.ready);
        assert_eq!(o.status, "结果已送达本窗口，待申请人领取");
        // Only its partner reports on a forward.
        let (ts, sig, b) = sign(
            &app,
            "another-secret-0123456789",
            &report(7, "completed", "已办结", true),
        );
        assert!(matches!(
            app::tongban::receive_progress(&app, Some(PARTNER), Some(&ts), Some(&sig), &b).await,
            Err(AppError::Forbidden(_))
        ));
        // A clerk of another region does not see it.
        let county = staff(&app, "clerk2", &[Role::Clerk], "511602", None).await;
        assert!(matches!(
            app::tongban::view(&app, &county, "fwd-9").await,
            Err(AppError::NotFound(_))
        ));
    })
    .await;
}
