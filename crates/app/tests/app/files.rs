//! Files in object storage: uploads and rendered notices go to an S3-compatible bucket (moto
//! in server mode, its own process) when configured, and to the data directory otherwise; a
//! bucket that refuses fails the upload with a clear error and nothing recorded.

use app::AppError;
use app::auth::Actor;
use app::cases;
use app::files::{Backend, Files, S3Config};
use domain::account::Role;
use domain::case::{Command, Provision};
use domain::fixtures::sample_item;
use store::testing::{Peer, on_both, python_peer};
use time::{Duration, OffsetDateTime};

use crate::support::*;

/// moto's S3 server with the named buckets (needs `moto[server]`, see scripts/test.sh).
fn s3_server(buckets: &[&str]) -> Peer {
    let args: Vec<&std::ffi::OsStr> = buckets.iter().map(std::ffi::OsStr::new).collect();
    python_peer("s3_server.py", &args)
}

fn bucket(port: u16, name: &str) -> S3Config {
    S3Config {
        endpoint: format!("http://127.0.0.1:{port}"),
        bucket: name.into(),
        region: "us-east-1".into(),
        access_key_id: "onewindow".into(),
        secret_access_key: "onewindow-secret".into(),
        prefix: "county/511602".into(),
    }
}

fn hash_of(p: &Provision) -> String {
    let Provision::Uploaded { file, .. } = p else {
        panic!("{p:?}")
    };
    file.clone()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_and_notices_live_in_the_bucket_and_orphans_leave_it() {
    let s3 = s3_server(&["onewindow"]);
    let port = s3.port;
    on_both(|s| {
        // Each backend's run in a folder of its own in the one bucket.
        let config = S3Config {
            prefix: format!("county/511602/{}", uuid::Uuid::now_v7()),
            ..bucket(port, "onewindow")
        };
        async move {
            let dir = tempfile::tempdir().unwrap();
            let (app, clock) = app_with(s, dir.path(), |settings| {
                settings.files = Backend::S3(config.clone());
            })
            .await;
            assert!(
                app.files.label.contains("/onewindow/county/511602"),
                "{}",
                app.files.label
            );
            seed_org(&app).await;
            let code = publish(&app, &sample_item()).await;
            let me = citizen(&app, "123").await;
            let c = cases::start(&app, &me, &code).await.unwrap();
            let filed = file(&app, &me, &c.id).await;
            let used = filed
                .materials
                .values()
                .find_map(|p| match p {
                    Provision::Uploaded { file, .. } => Some(file.clone()),
                    _ => None,
                })
                .expect("a material uploaded");
            let orphan = hash_of(
                &app::uploads::store(
                    &app,
                    &me,
                    format!("%PDF-1.7\n% orphan {}\n", c.id).as_bytes(),
                    "b.pdf",
                )
                .await
                .unwrap(),
            );

            // The bytes are in the bucket, read by a client of its own, and none on disk.
            let other = Files::open(&Backend::S3(config.clone()), dir.path(), true).unwrap();
            let key = format!("files/{}/{used}", &used[..2]);
            assert_eq!(
                other.get(&key).await.unwrap().as_deref(),
                Some(&b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"[..])
            );
            assert!(
                files_under(dir.path())
                    .iter()
                    .all(|p| !p.starts_with(dir.path().join("files")))
            );
            let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
            let reviewer = market_reviewer(&app).await;
            let name = filed.materials.keys().next().unwrap().clone();
            let (bytes, media_type, _) = cases::material_file(&app, &reviewer, &c.id, &used)
                .await
                .unwrap();
            assert_eq!(
                (bytes.len(), media_type.as_str()),
                (29, "application/pdf"),
                "{name}"
            );

            // A notice is rendered once and handed out again from the bucket, byte for byte.
            cases::act(
                &app,
                &clerk,
                &c.id,
                Command::Accept {
                    tolerate: vec![],
                    commitment: false,
                },
            )
            .await
            .unwrap();
            let (n, first) = cases::notice_pdf(&app, &me, &c.id, "accept").await.unwrap();
            assert!(first.starts_with(b"%PDF"), "{}", n.title);
            let (_, again) = cases::notice_pdf(&app, &reviewer, &c.id, "accept")
                .await
                .unwrap();
            assert_eq!(first, again);
            let kept = other
                .older_than(
                    "documents/notices",
                    OffsetDateTime::now_utc() + Duration::minutes(1),
                    10,
                )
                .await
                .unwrap();
            assert_eq!(kept.len(), 1, "{kept:?}");
            assert!(
                kept[0].starts_with(&format!("documents/notices/{}/", c.id)),
                "{kept:?}"
            );
            assert_eq!(other.get(&kept[0]).await.unwrap(), Some(first));
            assert!(matches!(
                cases::notice_pdf(&app, &citizen(&app, "456").await, &c.id, "accept").await,
                Err(AppError::Forbidden(_) | AppError::NotFound(_))
            ));

            // Past the grace period by the bucket's own clock, the orphan goes, the material stays.
            let late = OffsetDateTime::now_utc() - app.now() + domain::upload::ORPHAN_GRACE;
            clock.advance(late + Duration::hours(1));
            assert_eq!(app::uploads::sweep_orphans(&app).await.unwrap(), 1);
            assert!(!app::uploads::exists(&app, &orphan).await.unwrap());
            assert!(app::uploads::exists(&app, &used).await.unwrap());
            assert_eq!(
                other
                    .get(&format!("files/{}/{orphan}", &orphan[..2]))
                    .await
                    .unwrap(),
                None
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_that_refuses_fails_the_upload_clearly_and_records_nothing() {
    let s3 = s3_server(&["onewindow"]);
    let port = s3.port;
    on_both(|s| async move {
        let dir = tempfile::tempdir().unwrap();
        let (app, _) = app_with(s, dir.path(), |settings| {
            settings.files = Backend::S3(bucket(port, "no-such-bucket"));
        })
        .await;
        seed_org(&app).await;
        let me = citizen(&app, "123").await;
        let e = app::uploads::store(&app, &me, b"%PDF-1.7\n% refused\n", "a.pdf").await;
        let Err(AppError::Unavailable { what, cause }) = e else {
            panic!("{e:?}")
        };
        assert_eq!(what, "文件存储");
        assert!(
            cause.contains("no-such-bucket") || cause.contains("NoSuchBucket"),
            "{cause}"
        );
        let Actor::Applicant { id, .. } = &me else {
            unreachable!()
        };
        let mut c = app.store.conn().await.unwrap();
        assert_eq!(
            store::uploads::usage_since(&mut c, id, 0).await.unwrap(),
            (0, 0)
        );
    })
    .await;
    drop(s3);
    // The server gone: the same clear error, after object_store's few retries.
    let dir = tempfile::tempdir().unwrap();
    let db = store::testing::sqlite().await;
    let (app, _) = app_with(db.store.clone(), dir.path(), |settings| {
        settings.files = Backend::S3(bucket(port, "onewindow"));
    })
    .await;
    seed_org(&app).await;
    let me = citizen(&app, "123").await;
    let e = app::uploads::store(&app, &me, b"%PDF-1.7\n% down\n", "a.pdf").await;
    assert!(matches!(e, Err(AppError::Unavailable { .. })), "{e:?}");
    assert_eq!(e.unwrap_err().to_string(), "文件存储暂时不可用，请稍后再试");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_files_stay_in_private_folders_of_the_data_directory() {
    on_both(|s| async move {
        let dir = tempfile::tempdir().unwrap();
        let (app, _) = app_in(s, dir.path()).await;
        seed_org(&app).await;
        let me = citizen(&app, "123").await;
        let h = hash_of(
            &app::uploads::store(&app, &me, b"%PDF-1.7\n% local\n", "a.pdf")
                .await
                .unwrap(),
        );
        assert!(dir.path().join("files").join(&h[..2]).join(&h).is_file());
        #[cfg(unix)]
        for folder in ["files", "documents"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(folder))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700, "{folder}");
        }
        assert_eq!(
            app::uploads::read(&app, &h).await.unwrap(),
            b"%PDF-1.7\n% local\n"
        );
        assert!(matches!(
            app::uploads::read(&app, "../../etc/passwd").await,
            Err(AppError::NotFound(_))
        ));
    })
    .await;
}
