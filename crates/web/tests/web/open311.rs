//! Open311 GeoReport v2 with a client application's `api_key`: a registered civic app files a
//! request for the person using it (their name and phone for the callback) without any
//! session, reads back what it filed, and nothing else; an unknown key is refused in
//! Open311's error shape; the ticket reaches the 12345 centre as an API ticket in the
//! person's name.

use crate::support::*;

const KEY: &str = "suishoupai-0123456789abcdef";
const OTHER_KEY: &str = "another-app-0123456789abcdef";

#[tokio::test]
async fn a_client_files_with_its_key_and_reads_back_only_its_own() {
    let mut site = site_with(|s| {
        s.open311_clients = vec![
            app::hotline::clients::ClientConfig {
                name: "随手拍".into(),
                api_key: KEY.into(),
            },
            app::hotline::clients::ClientConfig {
                name: "另一个应用".into(),
                api_key: OTHER_KEY.into(),
            },
        ]
    })
    .await;
    let services = site.get("/api/open311/v2/services.json").await.json();
    let service = services[0]["service_code"].as_str().unwrap().to_string();
    let form = |key: &'static str| {
        vec![
            ("api_key", key.to_string()),
            ("service_code", service.clone()),
            ("jurisdiction_id", "511602".to_string()),
            ("address_string", "广安区建设路 21 号".to_string()),
            ("description", "路灯不亮已经一周".to_string()),
            ("phone", "13800138000".to_string()),
            ("first_name", "五".to_string()),
            ("last_name", "王".to_string()),
        ]
    };

    // No session, no CSRF token: the key alone.
    let mut anon = site.another();
    let bad = form("not-a-registered-key-000000");
    let refused = anon
        .post_form(
            "/api/open311/v2/requests.json",
            &bad.iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.json()[0]["description"], "没有权限：api_key 无效");

    let good = form(KEY);
    let filed = anon
        .post_form(
            "/api/open311/v2/requests.json",
            &good
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    let number = filed.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();

    // Read back with the key; another client, a person and no key see nothing.
    let mine = anon
        .get(&format!(
            "/api/open311/v2/requests/{number}.json?api_key={KEY}"
        ))
        .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.json()[0]["status"], "open");
    assert_eq!(mine.json()[0]["service_code"], service.as_str());
    let listed = anon
        .get(&format!("/api/open311/v2/requests.json?api_key={KEY}"))
        .await
        .json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["service_request_id"] == number.as_str())
    );
    let other = anon
        .get(&format!(
            "/api/open311/v2/requests/{number}.json?api_key={OTHER_KEY}"
        ))
        .await;
    assert_eq!(other.status, 404);
    let listed_other = anon
        .get(&format!(
            "/api/open311/v2/requests.json?api_key={OTHER_KEY}"
        ))
        .await
        .json();
    assert!(listed_other.as_array().unwrap().is_empty());
    let mut citizen = site.another();
    citizen.login_citizen().await;
    let person = citizen
        .get(&format!("/api/open311/v2/requests/{number}.json"))
        .await;
    assert_eq!(person.status, 404);

    // At the centre: an API ticket in the person's name, owned by the client.
    let mut c = site.app.store.conn().await.unwrap();
    let t = store::hotline::get(&mut c, &number)
        .await
        .unwrap()
        .unwrap()
        .ticket;
    assert_eq!(t.channel, domain::hotline::Channel::Api);
    assert_eq!(t.caller.name, "王五");
    assert_eq!(t.caller.phone, "13800138000");
    assert_eq!(t.account.as_deref(), Some("open311:随手拍"));
}
