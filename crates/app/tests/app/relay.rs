//! 收件与办结分离: a village station accepts an item it may accept but not conclude; the item's
//! department reviews and decides; the paper original travels with a tracked hand-over; the
//! result goes back to the station, whose clerk hands it over. 全市通办: a window of another
//! county of the city receives an item on the 跨县通办 list, and nothing else.

use std::collections::BTreeMap;

use app::AppError;
use app::auth::Actor;
use domain::account::Role;
use domain::case::relay::RelayBasis;
use domain::case::{CaseState, Command, Delivery, Provision};
use domain::catalog::ServiceScope;
use domain::ids::RegionCode;
use domain::org::Region;
use domain::rights::Powers;
use domain::service_point::{PointKind, ServicePoint};

use crate::support::*;

const WUFU: &str = "511602001001-BMFW";
const YUECHI: &str = "511621-ZWZX";
const CENTRE: &str = "511602-ZWZX";

async fn places(app: &app::App) {
    let mut tx = app.store.begin().await.unwrap();
    for (code, name) in [
        ("511602001", "北辰街道"),
        ("511602001001", "五福社区"),
        ("511602002", "广福街道"),
        ("511621", "岳池县"),
    ] {
        let region = Region {
            code: code.into(),
            name: name.into(),
        };
        store::org::upsert_region(&mut tx, &region, &RegionCode::parse(code).unwrap())
            .await
            .unwrap();
    }
    for (code, name, kind, region) in [
        (
            WUFU,
            "五福社区便民服务站",
            PointKind::Village,
            "511602001001",
        ),
        (YUECHI, "岳池县政务服务中心", PointKind::Center, "511621"),
        (CENTRE, "广安区政务服务中心", PointKind::Center, "511602"),
    ] {
        let p = ServicePoint {
            code: code.into(),
            name: name.into(),
            kind,
            region: region.into(),
            address: name.into(),
            hours: "工作日 9:00-17:00".into(),
            phone: "0826-2".into(),
            location: None,
        };
        store::service_points::upsert(&mut tx, &p).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn county_item(code: &str, scope: ServiceScope) -> domain::catalog::ItemDefinition {
    let mut item = domain::fixtures::sample_item();
    item.code = code.into();
    item.region = "511602".into();
    item.department = "511602-SCJG".into();
    item.scope = scope;
    item
}

async fn publish_all(app: &app::App, items: &[&domain::catalog::ItemDefinition]) {
    let cap = staff(app, "cat", &[Role::CatalogAdmin], "511600", None)
        .await
        .catalog_admin()
        .unwrap();
    for item in items {
        app::catalog::create(app, &cap, (*item).clone())
            .await
            .unwrap();
        app::catalog::publish(app, &cap, &item.code).await.unwrap();
    }
}

fn choose(code: &str) -> Command {
    Command::ChoosePickup {
        point: domain::case::relay::PointRef {
            code: code.into(),
            name: String::new(),
            region: String::new(),
        },
    }
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, AppError>) -> String {
    match r {
        Err(AppError::Forbidden(m)) => m,
        other => panic!("{other:?}"),
    }
}

async fn run(app: &app::App, who: &Actor, id: &str, cmd: Command) -> domain::case::Case {
    let name = cmd.name();
    match app::cases::act(app, who, id, cmd).await {
        Ok(c) => c,
        Err(e) => panic!("{name}: {e:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_station_receives_the_county_concludes_and_the_person_collects_at_the_village() {
    store::testing::on_both(|s| async move {
        let (app, _clock) = app(s).await;
        seed_org(&app).await;
        places(&app).await;
        let dibao = county_item("11511602MB1234567X3000131011001", ServiceScope::Local);
        let other = county_item("11511602MB1234567X3000131011002", ServiceScope::Local);
        publish_all(&app, &[&dibao, &other]).await;
        let admin = staff(
            &app,
            "cnty",
            &[Role::CatalogAdmin],
            "511602",
            Some("511602-SCJG"),
        )
        .await;
        let accept = Powers {
            accept: true,
            ..Powers::NONE
        };
        app::rights::set_right(&app, &admin, WUFU, &dibao.code, accept, "区实施清单")
            .await
            .unwrap();
        let village = staff(&app, "vclerk", &[Role::Clerk], "511602001001", None).await;
        let me = citizen(&app, "611").await;
        let Actor::Applicant { login, .. } = &me else {
            unreachable!()
        };

        // Only what the station may accept.
        let m = forbidden(app::cases::start_at_window(&app, &village, &other.code, login).await);
        assert!(m.contains("无权受理"), "{m}");
        let items = app::cases::window_items(&app, &village).await.unwrap();
        assert!(items.iter().any(|(c, _)| *c == dibao.code), "{items:?}");
        assert!(!items.iter().any(|(c, _)| *c == other.code), "{items:?}");

        let c = app::cases::start_at_window(&app, &village, &dibao.code, login)
            .await
            .unwrap();
        let r = c.relay.clone().expect("received for the county");
        assert_eq!(r.received_at.code, WUFU);
        assert_eq!(r.pickup.code, WUFU);
        assert_eq!(r.basis, RelayBasis::PointRight);
        assert_eq!(
            c.department.as_str(),
            "511602-SCJG",
            "concluded by the item's department"
        );

        // The station fills and accepts it, the application form's original checked.
        let v = app::cases::view(&app, &village, &c.id).await.unwrap();
        let mut materials = BTreeMap::new();
        for m in &v.item.materials {
            materials.insert(
                m.name.clone(),
                Provision::CheckedOriginal {
                    by: "vclerk".into(),
                },
            );
        }
        let form = BTreeMap::from([("shop_name".to_string(), "五福小卖部".to_string())]);
        run(&app, &village, &c.id, Command::Edit { form, materials }).await;
        run(&app, &village, &c.id, Command::Submit).await;
        let accept = Command::Accept {
            tolerate: vec![],
            commitment: false,
        };
        let c2 = run(&app, &village, &c.id, accept).await;
        assert_eq!(c2.state, CaseState::Accepted);
        let accepted_at = c2.accepted_at;

        // 就近取件: the person may collect at the county centre instead, not at a point that
        // cannot hand the item out.
        let e = app::cases::act(&app, &me, &c.id, choose(YUECHI))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Validation(v) if v[0].field == "pickup"),
            "{e:?}"
        );
        let moved = run(&app, &me, &c.id, choose(CENTRE)).await;
        assert_eq!(moved.relay.unwrap().pickup.name, "广安区政务服务中心");
        let e = app::cases::act(&app, &me, &c.id, choose(CENTRE))
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        run(&app, &village, &c.id, choose(WUFU)).await;

        // It does not review or decide.
        let m = forbidden(app::cases::act(&app, &village, &c.id, Command::Claim).await);
        assert!(m.contains("办结机关"), "{m}");
        let v = app::cases::view(&app, &village, &c.id).await.unwrap();
        assert!(v.allowed.contains(&"send_originals"), "{:?}", v.allowed);
        assert!(!v.allowed.contains(&"claim"), "{:?}", v.allowed);

        // The department finds it in its queue, electronic materials and all; the original
        // comes after, signed for.
        let reviewer = staff(&app, "r1", &[Role::Reviewer], "511602", Some("511602-SCJG")).await;
        let (q, _) = app::cases::queue(&app, &reviewer, Role::Reviewer, 20, 0)
            .await
            .unwrap();
        assert!(q.iter().any(|(x, _)| x.id == c.id));
        let e = app::cases::act(&app, &reviewer, &c.id, Command::ReceiveOriginals)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        run(&app, &village, &c.id, Command::SendOriginals).await;
        let c3 = run(&app, &reviewer, &c.id, Command::ReceiveOriginals).await;
        let r = c3.relay.unwrap();
        assert_eq!(r.originals.len(), v.item.materials.len());
        assert!(r.originals_received.is_some());

        // Review and decision by the department, on the clock started at the station.
        let reviewer2 = staff(&app, "r2", &[Role::Reviewer], "511602", Some("511602-SCJG")).await;
        let approver = staff(&app, "a1", &[Role::Approver], "511602", Some("511602-SCJG")).await;
        for (who, cmd) in [
            (&reviewer, Command::Claim),
            (
                &reviewer,
                Command::CompleteStep {
                    opinion: "材料齐全".into(),
                },
            ),
            (&reviewer2, Command::Claim),
            (
                &reviewer2,
                Command::CompleteStep {
                    opinion: "符合条件".into(),
                },
            ),
            (&approver, Command::Claim),
            (
                &approver,
                Command::Approve {
                    reason: "符合条件".into(),
                    legal_basis: String::new(),
                },
            ),
        ] {
            run(&app, who, &c.id, cmd).await;
        }

        // The result comes back to the station: in its clerk's queue, handed over there.
        let (q, _) = app::cases::queue(&app, &village, Role::Clerk, 20, 0)
            .await
            .unwrap();
        let waiting = q
            .iter()
            .find(|(x, _)| x.id == c.id)
            .expect("in the station's queue");
        assert_eq!(waiting.0.state, CaseState::Approved);
        let issue = Command::Issue {
            delivery: Delivery::Window {
                window: "五福社区便民服务站".into(),
            },
        };
        run(&app, &village, &c.id, issue).await;
        let done = run(&app, &village, &c.id, Command::Complete).await;
        assert_eq!(done.state, CaseState::Completed);
        assert_eq!(
            done.accepted_at, accepted_at,
            "one clock across the hand-over"
        );

        // Counted for the station in its roles.
        let p = app::rights::point_rights(&app, &Actor::Anonymous, WUFU)
            .await
            .unwrap();
        assert_eq!(
            (
                p.figures.received,
                p.figures.received_open,
                p.figures.pickup,
                p.figures.picked_up
            ),
            (1, 0, 1, 1)
        );

        // A clerk of another township neither sees nor acts on it.
        let stranger = staff(&app, "sclerk", &[Role::Clerk], "511602002", None).await;
        let e = app::cases::view(&app, &stranger, &c.id).await.unwrap_err();
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_window_of_the_city_receives_items_on_the_cross_county_list() {
    store::testing::on_both(|s| async move {
        let (app, _clock) = app(s).await;
        seed_org(&app).await;
        places(&app).await;
        let listed = county_item("11511602MB1234567X3000131011003", ServiceScope::CrossCounty);
        let local = county_item("11511602MB1234567X3000131011004", ServiceScope::Local);
        publish_all(&app, &[&listed, &local]).await;
        let yuechi = staff(&app, "yclerk", &[Role::Clerk], "511621", None).await;
        let me = citizen(&app, "612").await;
        let Actor::Applicant { login, .. } = &me else {
            unreachable!()
        };
        let c = app::cases::start_at_window(&app, &yuechi, &listed.code, login)
            .await
            .unwrap();
        let r = c.relay.expect("received for 广安区");
        assert_eq!(
            (r.received_at.code.as_str(), r.basis),
            (YUECHI, RelayBasis::CityWide)
        );
        let m = forbidden(app::cases::start_at_window(&app, &yuechi, &local.code, login).await);
        assert!(m.contains("通办清单"), "{m}");
        // The person will collect at the village station: its clerk hands the result over
        // there, and does no intake.
        run(&app, &me, &c.id, choose(WUFU)).await;
        let village = staff(&app, "vclerk", &[Role::Clerk], "511602001001", None).await;
        let m = forbidden(app::cases::act(&app, &village, &c.id, Command::Submit).await);
        assert!(m.starts_with("取件地点不能"), "{m}");
        let v = app::cases::view(&app, &village, &c.id).await.unwrap();
        assert!(!v.allowed.contains(&"submit"), "{:?}", v.allowed);
        assert!(v.allowed.contains(&"choose_pickup"), "{:?}", v.allowed);
        // Online filing is not a window's receipt: nothing to relay.
        let e = app::cases::start(&app, &me, &listed.code).await;
        assert!(e.is_ok_and(|c| c.relay.is_none()));
    })
    .await;
}
