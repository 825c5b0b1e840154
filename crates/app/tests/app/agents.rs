//! 帮办代办: only an agent the principal granted may file in their name; the principal hears
//! of every filing and can revoke; the agent sees no more of the principal than the case needs.

use app::AppError;
use app::agents;
use app::cases;
use domain::account::Role;
use domain::fixtures::sample_item;
use store::testing::on_both;
use time::Duration;

use crate::support::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

fn login_of(a: &app::auth::Actor) -> String {
    let app::auth::Actor::Applicant { login, .. } = a else {
        panic!()
    };
    login.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_files_for_a_person_who_did_not_grant_it_whatever_letter_they_upload() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = publish(&app, &sample_item()).await;
        let victim = citizen(&app, "123").await;
        let attacker = citizen(&app, "234").await;
        let letter = app::uploads::store(&app, &attacker, PDF, "委托书.pdf")
            .await
            .unwrap();
        let e =
            cases::start_as_agent(&app, &attacker, &code, &login_of(&victim), Some(letter)).await;
        assert!(
            matches!(&e, Err(AppError::Validation(v)) if v[0].code == "no_grant"),
            "{e:?}"
        );
        let unknown = cases::start_as_agent(
            &app,
            &attacker,
            &code,
            &app::demo::demo_id_number("19800101", "555"),
            None,
        )
        .await;
        let (Err(AppError::Validation(a)), Err(AppError::Validation(b))) = (&e, &unknown) else {
            panic!("{unknown:?}")
        };
        assert_eq!(
            a[0].message, b[0].message,
            "a registered and an unknown number get the same answer"
        );
        let (mine, _) = cases::mine(&app, &victim, 10, 0).await.unwrap();
        assert!(mine.is_empty(), "no case was filed in the victim's name");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_granted_agent_files_the_principal_is_told_and_a_revoked_grant_stops_the_next_filing() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let code = publish(&app, &sample_item()).await;
        let principal = citizen(&app, "123").await;
        let agent = citizen(&app, "234").await;
        let g = agents::grant(&app, &principal, &login_of(&agent), 30)
            .await
            .unwrap();
        assert!(g.active);
        assert!(
            g.party_login.contains('*'),
            "the agent's number is masked: {}",
            g.party_login
        );
        let c = cases::start_as_agent(&app, &agent, &code, &login_of(&principal), None)
            .await
            .unwrap();
        let view = cases::view(&app, &agent, &c.id).await.unwrap();
        assert!(
            view.applicant.id.contains('*') && view.applicant.phone.contains('*'),
            "{:?}",
            view.applicant
        );
        let own = cases::view(&app, &principal, &c.id).await.unwrap();
        assert_eq!(
            own.applicant.id,
            login_of(&principal),
            "the principal sees their own number"
        );
        let told = agents::notifications(&app, &principal).await.unwrap();
        assert!(
            told.iter()
                .any(|n| n.case_id.as_deref() == Some(c.id.as_str()) && n.unread),
            "{told:?}"
        );
        assert!(
            agents::notifications(&app, &principal)
                .await
                .unwrap()
                .iter()
                .all(|n| !n.unread),
            "read once shown"
        );

        // Only the principal (or the agent) may revoke; to anyone else it does not exist.
        let stranger = citizen(&app, "345").await;
        assert!(matches!(
            agents::revoke(&app, &stranger, &g.id).await,
            Err(AppError::NotFound(_))
        ));
        agents::revoke(&app, &principal, &g.id).await.unwrap();
        assert!(
            matches!(
                cases::view(&app, &agent, &c.id).await,
                Err(AppError::NotFound(_))
            ),
            "a revoked grant ends the agent's access to what it filed"
        );
        assert!(cases::view(&app, &principal, &c.id).await.is_ok());
        let again = cases::start_as_agent(&app, &agent, &code, &login_of(&principal), None).await;
        assert!(
            matches!(&again, Err(AppError::Validation(v)) if v[0].code == "no_grant"),
            "{again:?}"
        );

        // An expired grant is no grant either.
        agents::grant(&app, &principal, &login_of(&agent), 7)
            .await
            .unwrap();
        cases::start_as_agent(&app, &agent, &code, &login_of(&principal), None)
            .await
            .unwrap();
        clock.advance(Duration::days(8));
        assert!(
            cases::start_as_agent(&app, &agent, &code, &login_of(&principal), None)
                .await
                .is_err()
        );
        let listed = agents::list(&app, &principal).await.unwrap();
        assert_eq!(
            listed
                .given
                .iter()
                .map(|g| g.status.as_str())
                .collect::<Vec<_>>(),
            ["已过期", "已撤销"]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_is_made_by_the_principal_or_recorded_by_a_clerk_with_the_letter() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let principal = citizen(&app, "123").await;
        let agent = citizen(&app, "234").await;
        assert!(matches!(
            agents::grant(&app, &principal, &login_of(&principal), 30).await,
            Err(AppError::Validation(_))
        ));
        assert!(matches!(
            agents::grant(&app, &principal, &login_of(&agent), 3650).await,
            Err(AppError::Validation(_))
        ));
        let reviewer = market_reviewer(&app).await;
        let letter = app::uploads::store(&app, &reviewer, PDF, "委托书.pdf")
            .await
            .unwrap();
        assert!(matches!(
            agents::grant_at_window(
                &app,
                &reviewer,
                &login_of(&principal),
                &login_of(&agent),
                letter,
                30
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        // The letter must be the clerk's own upload.
        let agents_letter =
            app::uploads::store(&app, &agent, b"%PDF-1.7\n% agent's own\n", "委托书.pdf")
                .await
                .unwrap();
        assert!(
            agents::grant_at_window(
                &app,
                &clerk,
                &login_of(&principal),
                &login_of(&agent),
                agents_letter,
                30
            )
            .await
            .is_err()
        );
        let letter = app::uploads::store(&app, &clerk, PDF, "委托书.pdf")
            .await
            .unwrap();
        let g = agents::grant_at_window(
            &app,
            &clerk,
            &login_of(&principal),
            &login_of(&agent),
            letter,
            90,
        )
        .await
        .unwrap();
        assert_eq!(g.granted_via, "窗口登记");
        let told = agents::notifications(&app, &principal).await.unwrap();
        assert!(
            told.iter()
                .any(|n| n.text.contains("窗口") && n.text.contains("撤销")),
            "{told:?}"
        );
        let received = agents::list(&app, &agent).await.unwrap().received;
        assert_eq!(received.len(), 1);
        assert!(received[0].active);
    })
    .await;
}
