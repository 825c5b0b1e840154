//! 办不成事: reported by the person or a window clerk for them, answered by the owner
//! department only, closed only by the person (or reopened with why and a new deadline),
//! counted per department.

use app::AppError;
use app::unresolved;
use domain::account::Role;
use domain::unresolved::{Step, TicketState};
use time::Duration;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_answered_by_its_department_and_closed_by_the_person() {
    store::testing::on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let person = citizen(&app, "001").await;
        let stranger = citizen(&app, "002").await;
        let clerk = staff(&app, "win", &[Role::Clerk], "511600", None).await;
        let owner = staff(
            &app,
            "scjg",
            &[Role::Reviewer],
            "511600",
            Some("511600-SCJG"),
        )
        .await;
        let other = staff(&app, "qu", &[Role::Reviewer], "511602", Some("511602-SCJG")).await;

        let e = unresolved::report(&app, &person, "", " ", "511600-SCJG", "")
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Validation(ref v) if v[0].field == "what"),
            "{e:?}"
        );
        let e = unresolved::report(&app, &clerk, "nobody", "没办成", "511600-SCJG", "")
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Validation(ref v) if v[0].field == "for_login"),
            "{e:?}"
        );
        let e = unresolved::report(&app, &owner, "", "没办成", "511600-SCJG", "")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let id = unresolved::report(
            &app,
            &person,
            "",
            "食品经营许可证延续在窗口被告知系统故障，两次没办成",
            "511600-SCJG",
            "",
        )
        .await
        .unwrap();

        // Only the owner department answers; only the person closes.
        for who in [&stranger, &other, &clerk] {
            let e = unresolved::act(&app, who, &id, Step::Answer("已处理".into()))
                .await
                .unwrap_err();
            assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
        }
        let e = unresolved::act(&app, &person, &id, Step::Answer("自己答".into()))
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        unresolved::act(
            &app,
            &owner,
            &id,
            Step::Answer("已安排专人上门办理并办结".into()),
        )
        .await
        .unwrap();
        let e = unresolved::act(&app, &owner, &id, Step::Confirm)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        unresolved::act(&app, &person, &id, Step::Reopen("证还没拿到".into()))
            .await
            .unwrap();
        let mine = unresolved::list(&app, &person).await.unwrap();
        assert_eq!((mine[0].state, mine[0].reopened), (TicketState::Open, 1));

        // Past its new deadline unanswered: overdue in the department's count.
        clock.advance(Duration::days(10));
        let counts = unresolved::counts(&app, &owner).await.unwrap();
        assert_eq!(
            (counts[0].opened, counts[0].closed, counts[0].overdue),
            (1, 0, 1)
        );
        unresolved::act(&app, &owner, &id, Step::Answer("证已邮寄".into()))
            .await
            .unwrap();
        unresolved::act(&app, &person, &id, Step::Confirm)
            .await
            .unwrap();
        let counts = unresolved::counts(&app, &owner).await.unwrap();
        assert_eq!(
            (counts[0].opened, counts[0].closed, counts[0].overdue),
            (1, 1, 0)
        );
        // The department's staff see the person's name masked.
        let theirs = unresolved::list(&app, &owner).await.unwrap();
        assert_eq!(theirs[0].person_name, "张*");
        assert!(unresolved::list(&app, &other).await.unwrap().is_empty());
    })
    .await;
}
