//! 亮证动态码: a code the holder shows that verifies for a few minutes, only for the holder to
//! make, and never for a license that has since been revoked.

use app::licenses;
use domain::case::Command;
use store::testing::on_both;

use crate::licenses::{approved_on_commitment, setup};
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamic_code_verifies_until_it_expires_and_only_the_holder_makes_one() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        let (permit, _) = setup(&app).await;
        let me = citizen(&app, "123").await;
        let approved = approved_on_commitment(&app, &me, &permit).await;
        let l = licenses::wallet(&app, &me).await.unwrap().remove(0);

        let p = licenses::present(&app, &me, &l.id).await.unwrap();
        assert!(p.url.contains("/v/OWP1."), "{}", p.url);
        assert_eq!(p.expires, app.now() + licenses::PRESENTATION_TTL);
        let v = licenses::verify(&app, &p.url).await.unwrap();
        assert_eq!((v.status, v.signature_valid), ("valid", true), "{v:?}");
        assert_eq!(v.core.unwrap().number, l.number);

        // A screenshot passed on after the time shows nothing of the license.
        clock.advance(licenses::PRESENTATION_TTL + time::Duration::seconds(1));
        let v = licenses::verify(&app, &p.url).await.unwrap();
        assert_eq!(v.status, "expired_code", "{v:?}");
        assert!(v.core.is_none());
        assert!(v.reason.unwrap().contains("刷新"));

        // Staff see the license but do not present it; a stranger cannot see it at all.
        let reviewer = market_reviewer(&app).await;
        assert!(matches!(
            licenses::present(&app, &reviewer, &l.id).await,
            Err(app::AppError::Forbidden(_))
        ));
        let stranger = citizen(&app, "124").await;
        assert!(matches!(
            licenses::present(&app, &stranger, &l.id).await,
            Err(app::AppError::NotFound(_))
        ));

        // A fresh code of a license revoked since shows it revoked.
        let fresh = licenses::present(&app, &me, &l.id).await.unwrap();
        let cmd = Command::Verify {
            passed: false,
            note: "现场与承诺不符".into(),
        };
        app::cases::act(&app, &reviewer, &approved.id, cmd)
            .await
            .unwrap();
        let v = licenses::verify(&app, &fresh.url).await.unwrap();
        assert_eq!(v.status, "revoked", "{v:?}");
    })
    .await;
}
