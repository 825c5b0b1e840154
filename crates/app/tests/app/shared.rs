use std::sync::Arc;
use std::time::Duration;

use app::shared::{ProviderError, SharedData, SourceConfig};
use app::{App, Settings};
use domain::account::{ApplicantRegistration, Role};
use domain::case::Provision;
use domain::fixtures::sample_item;
use store::testing::on_both;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

/// A stand-in upstream on loopback: `/ok` answers a record, `/slow` never answers in time,
/// `/garbage` answers something that is not the agreed JSON.
async fn upstream() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let body = if req.starts_with("GET /slow") {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    String::new()
                } else if req.starts_with("GET /garbage") {
                    "<html>502 Bad Gateway</html>".to_string()
                } else if req.contains("id=511602199001011236") {
                    r#"{"found": true, "summary": "户籍：广安市广安区"}"#.to_string()
                } else {
                    r#"{"found": false}"#.to_string()
                };
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

fn source(name: &str, url: String) -> SourceConfig {
    SourceConfig {
        source: name.into(),
        url,
        timeout_ms: 300,
        retries: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_provider_answers_records_and_reports_timeouts_and_garbage() {
    let base = upstream().await;
    let shared = SharedData::new(
        &[
            source("公安人口库", format!("{base}/ok")),
            source("婚姻登记信息库", format!("{base}/slow")),
            source("社会保险信息库", format!("{base}/garbage")),
        ],
        false,
    );
    let r = shared
        .lookup("公安人口库", "511602199001011236")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.summary, "户籍：广安市广安区");
    assert_eq!(
        shared.lookup("公安人口库", "someone-else").await.unwrap(),
        None
    );
    assert!(matches!(
        shared.lookup("婚姻登记信息库", "x").await,
        Err(ProviderError::Timeout(_))
    ));
    assert!(matches!(
        shared.lookup("社会保险信息库", "x").await,
        Err(ProviderError::Garbage(..))
    ));
    assert_eq!(
        shared.lookup("不认识的库", "x").await.unwrap(),
        None,
        "no provider, no answer"
    );
    let down = SharedData::new(
        &[source("公安人口库", "http://127.0.0.1:9/ok".into())],
        false,
    );
    assert!(matches!(
        down.lookup("公安人口库", "x").await,
        Err(ProviderError::Unavailable(..))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmed_materials_need_no_upload_and_a_failing_source_never_blocks_the_application() {
    let base = upstream().await;
    on_both(|s| {
        let base = base.clone();
        async move {
            let settings = Settings {
                data_dir: std::env::temp_dir(),
                license_master_key: Some("00112233445566778899aabbccddeeff".into()),
                shared_sources: vec![
                    source("公安人口库", format!("{base}/ok")),
                    source("婚姻登记信息库", format!("{base}/slow")),
                ],
                ..Settings::default()
            };
            let app = App::open(s, settings, Arc::new(app::SystemClock), true).await.unwrap();
            seed_org(&app).await;
            let cap = staff(&app, "cat", &[Role::CatalogAdmin], "511600", None)
                .await
                .catalog_admin()
                .unwrap();
            let mut item = sample_item();
            item.materials[0].shared_data_source = "公安人口库".into();
            let mut second = item.materials[0].clone();
            second.name = "婚姻状况证明".into();
            second.key = false;
            second.shared_data_source = "婚姻登记信息库".into();
            item.materials.push(second);
            app::catalog::create(&app, &cap, item.clone()).await.unwrap();
            app::catalog::publish(&app, &cap, &item.code).await.unwrap();
            let me = app::auth::register(&app, None,
                ApplicantRegistration::NaturalPerson {
                    id_number: app::demo::demo_id_number("19900101", "123"),
                    name: "张三".into(),
                    phone: "13800138000".into(),
                    password: "a long passphrase".into(),
                },
            )
            .await
            .unwrap()
            .actor;
            let c = app::cases::start(&app, &me, &item.code).await.unwrap();
            assert!(matches!(&c.materials[&item.materials[0].name], Provision::Shared { source, .. } if source == "公安人口库"));
            assert_eq!(c.materials["婚姻状况证明"], Provision::Missing, "the slow source degrades to asking");
            let mut conn = app.store.conn().await.unwrap();
            let created = &store::cases::events(&mut conn, &c.id).await.unwrap()[0];
            assert!(created.payload.contains("超时"), "{}", created.payload);
        }
    })
    .await;
}
