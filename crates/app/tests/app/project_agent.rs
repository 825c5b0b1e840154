//! A project's 代办员 acts for the owner under a 帮办代办 grant: named by the owner (and seen
//! among the grants it gave), files a stage in the owner's name with its own uploads, hears the
//! project's reminders, lists its projects with their clocks; once the owner revokes the
//! grant it watches only.

use app::AppError;
use app::auth::actor_for_login;
use app::demo_projects::KITCHEN;
use app::projects;
use domain::project::Stage;
use domain::project::joint::JointKind;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_files_for_the_owner_while_the_grant_is_in_force() {
    store::testing::on_both(|s| async move {
        let (app, _clock) = app(s).await;
        app::demo::load(&app).await.unwrap();
        let owner = actor_for_login(&app, &app::demo::demo_credit_code())
            .await
            .unwrap();
        let clerk = actor_for_login(&app, "clerk").await.unwrap();
        let kitchen = projects::project(&app, &owner, KITCHEN).await.unwrap();
        let application =
            app::demo_projects::filled(&app, &clerk, &kitchen.path, Stage::Initiation)
                .await
                .unwrap();

        // Not named yet: the clerk may not file.
        let e = projects::start_stage(
            &app,
            &clerk,
            KITCHEN,
            Stage::Initiation,
            application.clone(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");

        // Named: a 帮办代办 grant the owner sees among those it gave; the agent hears of it.
        projects::assign_agent(&app, &owner, KITCHEN, "clerk")
            .await
            .unwrap();
        let given = app::agents::list(&app, &owner).await.unwrap().given;
        assert!(
            given.iter().any(|g| g.party_name == "赵综窗" && g.active),
            "{given:?}"
        );
        let told = app::agents::notifications(&app, &clerk).await.unwrap();
        assert!(told.iter().any(|n| n.text.contains("代办员")), "{told:?}");

        // The agent's list: its project first, marked, with where it stands.
        let list = projects::projects(&app, &clerk).await.unwrap();
        assert_eq!(list[0].code, KITCHEN);
        assert!(list[0].agent, "{:?}", list[0]);
        assert!(list[0].standing.contains("待申报"), "{:?}", list[0]);
        assert!(list[0].clock.is_none());
        assert!(list.iter().skip(1).all(|p| !p.agent));

        // The agent files the first stage in the owner's name, with its own uploads.
        let v = projects::start_stage(&app, &clerk, KITCHEN, Stage::Initiation, application)
            .await
            .unwrap();
        let stage = v.stages[0].bundle.as_ref().expect("filed");
        assert!(!stage.children.is_empty());
        let mine = app::bundles::mine(&app, &owner).await.unwrap();
        assert!(mine.iter().any(|b| b.id == stage.id), "filed for the owner");
        let told = app::agents::notifications(&app, &owner).await.unwrap();
        assert!(
            told.iter()
                .any(|n| n.text.contains("代办员赵综窗为您申报了")),
            "{told:?}"
        );
        let list = projects::projects(&app, &clerk).await.unwrap();
        assert!(list[0].standing.contains("办理中"), "{:?}", list[0]);
        assert!(list[0].clock.is_some(), "the clock runs");

        // A joint step's reminder reaches owner and agent alike.
        let lead = actor_for_login(&app, "zjjsc").await.unwrap();
        projects::open_joint(
            &app,
            &lead,
            KITCHEN,
            JointKind::DrawingReview,
            &["511600-XFJYZD".to_string()],
        )
        .await
        .unwrap();
        for who in [&owner, &clerk] {
            let told = app::agents::notifications(&app, who).await.unwrap();
            assert!(
                told.iter().any(|n| n.text.contains("联合审图已发起")),
                "{told:?}"
            );
        }

        // The owner revokes the grant where it gave it: the agent watches only.
        let g = app::agents::list(&app, &owner).await.unwrap().given;
        let g = g.iter().find(|g| g.active).unwrap();
        app::agents::revoke(&app, &owner, &g.id).await.unwrap();
        let seen = projects::project(&app, &clerk, KITCHEN).await.unwrap();
        assert!(!seen.mine, "a revoked grant leaves the agent watching");
        let e = projects::start_stage(&app, &clerk, KITCHEN, Stage::Permit, Default::default())
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    })
    .await;
}
