//! Uploads belong to their uploader: nothing is stored for a visitor, others cannot name a
//! file by its hash, the media type is the one judged from the content, quotas hold, and
//! files nothing refers to are removed after a grace period.

use std::collections::BTreeMap;

use app::AppError;
use app::auth::Actor;
use app::cases;
use domain::case::{Command, Provision};
use domain::fixtures::sample_item;
use store::testing::on_both;
use time::Duration;

use crate::support::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

fn unique_pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {tag} {}\n", uuid::Uuid::now_v7()).into_bytes()
}

fn hash_of(p: &Provision) -> String {
    let Provision::Uploaded { file, .. } = p else {
        panic!("{p:?}")
    };
    file.clone()
}

/// An edit naming `file` as the item's first material, as a client could send it.
fn naming(material: &str, file: &str, media_type: &str) -> Command {
    Command::Edit {
        form: BTreeMap::new(),
        materials: BTreeMap::from([(
            material.to_string(),
            Provision::Uploaded {
                file: file.into(),
                file_name: "x.html".into(),
                media_type: media_type.into(),
            },
        )]),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_upload_is_refused_and_nothing_is_written() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let bytes = unique_pdf("anonymous");
        let e = app::uploads::store(&app, &Actor::Anonymous, &bytes, "a.pdf").await;
        assert!(matches!(e, Err(AppError::Unauthenticated)), "{e:?}");
        let files = std::fs::read_dir(app.settings.data_dir.join("files"))
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
            .filter(|f| std::fs::read(f.path()).is_ok_and(|b| b == bytes))
            .count();
        assert_eq!(files, 0, "the visitor's bytes were stored");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_cannot_name_another_persons_upload_and_the_answer_does_not_tell_whether_it_exists()
{
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = publish(&app, &sample_item()).await;
        let victim = citizen(&app, "123").await;
        let attacker = citizen(&app, "234").await;
        let theirs = hash_of(
            &app::uploads::store(&app, &victim, &unique_pdf("victim"), "户口簿.pdf")
                .await
                .unwrap(),
        );
        let c = cases::start(&app, &attacker, &code).await.unwrap();
        let material = c.materials.keys().next().unwrap().clone();
        let foreign = cases::act(
            &app,
            &attacker,
            &c.id,
            naming(&material, &theirs, "application/pdf"),
        )
        .await;
        let missing = cases::act(
            &app,
            &attacker,
            &c.id,
            naming(&material, &"ab".repeat(32), "application/pdf"),
        )
        .await;
        let (Err(AppError::Validation(a)), Err(AppError::Validation(b))) = (&foreign, &missing)
        else {
            panic!("{foreign:?} / {missing:?}")
        };
        assert_eq!(a[0].code, "unknown_file");
        assert_eq!(
            (&a[0].message, &a[0].code),
            (&b[0].message, &b[0].code),
            "same answer for a foreign and a missing file"
        );
        assert!(
            cases::material_file(&app, &attacker, &c.id, &theirs)
                .await
                .is_err()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_media_type_is_the_one_judged_from_the_content_not_the_clients() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = publish(&app, &sample_item()).await;
        let me = citizen(&app, "123").await;
        let mine = hash_of(
            &app::uploads::store(&app, &me, &unique_pdf("mine"), "a.pdf")
                .await
                .unwrap(),
        );
        let c = cases::start(&app, &me, &code).await.unwrap();
        let material = c.materials.keys().next().unwrap().clone();
        let c = cases::act(&app, &me, &c.id, naming(&material, &mine, "text/html"))
            .await
            .unwrap();
        let Provision::Uploaded { media_type, .. } = &c.materials[&material] else {
            panic!()
        };
        assert_eq!(media_type, "application/pdf");
        let (_, served_as, _) = cases::material_file(&app, &me, &c.id, &mine).await.unwrap();
        assert_eq!(served_as, "application/pdf");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_can_be_attached_only_within_its_window() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let code = publish(&app, &sample_item()).await;
        let me = citizen(&app, "123").await;
        let old = hash_of(
            &app::uploads::store(&app, &me, &unique_pdf("old"), "a.pdf")
                .await
                .unwrap(),
        );
        clock.advance(domain::upload::ATTACH_WINDOW + Duration::minutes(1));
        let c = cases::start(&app, &me, &code).await.unwrap();
        let material = c.materials.keys().next().unwrap().clone();
        let late = cases::act(&app, &me, &c.id, naming(&material, &old, "application/pdf")).await;
        assert!(matches!(late, Err(AppError::Validation(v)) if v[0].code == "unknown_file"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_quota_stops_one_account_filling_the_disk() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let me = citizen(&app, "123").await;
        let quota = domain::upload::APPLICANT_QUOTA;
        for i in 0..quota.files {
            app::uploads::store(&app, &me, &unique_pdf(&format!("q{i}")), "a.pdf")
                .await
                .unwrap();
        }
        let over = app::uploads::store(&app, &me, &unique_pdf("over"), "a.pdf").await;
        assert!(
            matches!(&over, Err(AppError::Validation(v)) if v[0].code == "quota"),
            "{over:?}"
        );
        let other = citizen(&app, "234").await;
        app::uploads::store(&app, &other, &unique_pdf("other"), "a.pdf")
            .await
            .expect("another account is not limited");
        clock.advance(domain::upload::QUOTA_PERIOD + Duration::minutes(1));
        app::uploads::store(&app, &me, &unique_pdf("next day"), "a.pdf")
            .await
            .expect("a new period");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphaned_uploads_are_removed_after_the_grace_period_and_used_ones_stay() {
    on_both(|s| async move {
        let dir = tempfile::tempdir().unwrap();
        let (app, clock) = app_in(s, dir.path()).await;
        seed_org(&app).await;
        let code = publish(&app, &sample_item()).await;
        let me = citizen(&app, "123").await;
        let used = hash_of(
            &app::uploads::store(&app, &me, &unique_pdf("used"), "a.pdf")
                .await
                .unwrap(),
        );
        let orphan = hash_of(
            &app::uploads::store(&app, &me, &unique_pdf("orphan"), "b.pdf")
                .await
                .unwrap(),
        );
        let c = cases::start(&app, &me, &code).await.unwrap();
        let material = c.materials.keys().next().unwrap().clone();
        cases::act(
            &app,
            &me,
            &c.id,
            naming(&material, &used, "application/pdf"),
        )
        .await
        .unwrap();
        assert_eq!(
            app::uploads::sweep_orphans(&app).await.unwrap(),
            0,
            "nothing is removed within the grace period"
        );
        clock.advance(domain::upload::ORPHAN_GRACE + Duration::hours(1));
        // The files' own times, as if written when the clock says.
        for h in [&used, &orphan] {
            let path = dir.path().join("files").join(&h[..2]).join(h);
            let f = std::fs::File::options().append(true).open(path).unwrap();
            f.set_modified((app.now() - domain::upload::ORPHAN_GRACE - Duration::hours(1)).into())
                .unwrap();
        }
        assert_eq!(app::uploads::sweep_orphans(&app).await.unwrap(), 1);
        assert!(!app::uploads::exists(&app, &orphan).await.unwrap());
        assert!(app::uploads::exists(&app, &used).await.unwrap());
        assert_eq!(
            app::uploads::sweep_orphans(&app).await.unwrap(),
            0,
            "a file in use is passed by next time"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pdf_with_scripts_is_flagged_to_staff() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let me = citizen(&app, "123").await;
        let plain = hash_of(&app::uploads::store(&app, &me, PDF, "a.pdf").await.unwrap());
        let active = format!("%PDF-1.7\n% {}\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj", uuid::Uuid::now_v7());
        let active = hash_of(&app::uploads::store(&app, &me, active.as_bytes(), "b.pdf").await.unwrap());
        assert_eq!(app::uploads::warning(&app, &plain).await.unwrap(), None);
        let w = app::uploads::warning(&app, &active).await.unwrap().expect("flagged");
        assert!(w.contains("/JavaScript"), "{w}");
    })
    .await;
}
