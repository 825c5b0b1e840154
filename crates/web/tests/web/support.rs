use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A browser-like client: keeps cookies, sends forms, reads bodies as text.
pub struct Client {
    /// The first node's router (the only one unless the site runs on several nodes).
    pub router: Router,
    /// Every node's router, taken in turn by each request as a load balancer would.
    pub nodes: Arc<Nodes>,
    pub cookies: HashMap<String, String>,
    pub app: app::App,
    _db: Option<Arc<store::testing::TestDb>>,
    /// The peer address the server sees (as `ConnectInfo`); None like a bare `oneshot`.
    pub addr: Option<std::net::SocketAddr>,
}

/// The nodes a site runs on: one, or `ONEWINDOW_TEST_NODES` on PostgreSQL.
#[derive(Default)]
pub struct Nodes {
    routers: Vec<Router>,
    apps: Vec<app::App>,
    next: std::sync::atomic::AtomicUsize,
}

impl Nodes {
    /// Waits until every node has acted on every change committed so far, as the next request
    /// a person sends finds them (PostgreSQL's notifications take a fraction of a millisecond
    /// here; a test's next request is quicker still).
    async fn settle(&self) {
        let Some(first) = self.apps.first() else {
            return;
        };
        let mark = app::cluster::send_mark(first).await.unwrap();
        for _ in 0..2_000 {
            if self.apps.iter().all(|a| app::cluster::heard_mark(a, mark)) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        panic!("a node did not hear the others' changes within two seconds");
    }

    fn pick(&self) -> Option<Router> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        (!self.routers.is_empty()).then(|| self.routers[n % self.routers.len()].clone())
    }
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A site on a fresh SQLite database with the demo data loaded.
pub async fn site() -> Client {
    site_with(|_| {}).await
}

/// [`site`] with its settings changed by `change` first.
pub async fn site_with(change: impl FnOnce(&mut app::Settings)) -> Client {
    let count = store::testing::pool_nodes();
    let db = if count > 1 {
        store::testing::postgres()
            .await
            .expect("PostgreSQL for several nodes")
    } else {
        store::testing::sqlite().await
    };
    let mut settings = app::Settings {
        data_dir: std::env::temp_dir(),
        session_hours: 8,
        license_master_key: Some("00112233445566778899aabbccddeeff".into()),
        public_url: "http://127.0.0.1:8080".into(),
        shared_sources: Vec::new(),
        demo_shared_data: true,
        staff_second_factor: false,
        ..Default::default()
    };
    change(&mut settings);
    let app = app::App::open(
        db.store.clone(),
        settings.clone(),
        Arc::new(app::SystemClock),
        true,
    )
    .await
    .unwrap();
    app::demo::load(&app).await.unwrap();
    let router = web::router(web::AppState::new(app.clone(), false));
    let mut nodes = Nodes::default();
    if count > 1 {
        // Further nodes start on the loaded database; each hears the others' changes.
        nodes.routers.push(router.clone());
        nodes.apps.push(app.clone());
        app::cluster::listen(&app).await.unwrap();
        for _ in 1..count {
            let store = db.another_node().await;
            let other = app::App::open(store, settings.clone(), Arc::new(app::SystemClock), true)
                .await
                .unwrap();
            app::cluster::listen(&other).await.unwrap();
            nodes.apps.push(other.clone());
            nodes
                .routers
                .push(web::router(web::AppState::new(other, false)));
        }
    }
    let db = if count > 1 {
        // PostgreSQL: the connections end with the last client of the site (its schema stays
        // until the test database is dropped, see scripts/test.sh).
        Some(Arc::new(db))
    } else {
        // The temp database is left for the OS to clean; each test has its own.
        std::mem::forget(db);
        None
    };
    Client {
        _db: db,
        router,
        nodes: Arc::new(nodes),
        cookies: HashMap::new(),
        app,
        addr: None,
    }
}

impl Client {
    /// A second visitor of the same site, with its own (empty) cookie jar.
    pub fn another(&self) -> Client {
        Client {
            router: self.router.clone(),
            nodes: self.nodes.clone(),
            _db: self._db.clone(),
            cookies: Default::default(),
            app: self.app.clone(),
            addr: None,
        }
    }

    /// A second visitor of the same site connecting from `ip`.
    pub fn another_at(&self, ip: &str) -> Client {
        Client {
            addr: Some(std::net::SocketAddr::new(ip.parse().unwrap(), 40000)),
            ..self.another()
        }
    }

    pub async fn send(&mut self, mut req: Request<Body>) -> Page {
        if let Some(addr) = self.addr {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
        }
        let router = self.nodes.pick().unwrap_or_else(|| self.router.clone());
        let res = router.oneshot(req).await.unwrap();
        self.nodes.settle().await;
        let status = res.status();
        let headers = res.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap();
            let (kv, _) = s.split_once(';').unwrap_or((s, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if val.is_empty() || s.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        // An event stream never ends: its first event is the body a test reads.
        let streaming = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let bytes = if streaming {
            let mut body = res.into_body();
            match http_body_util::BodyExt::frame(&mut body).await {
                Some(Ok(f)) => f.into_data().unwrap_or_default(),
                _ => Default::default(),
            }
        } else {
            res.into_body().collect().await.unwrap().to_bytes()
        };
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    pub async fn post_form(&mut self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(pairs).unwrap();
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    pub async fn post_json(
        &mut self,
        path: &str,
        json: &serde_json::Value,
        csrf: Option<&str>,
    ) -> Page {
        let mut req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = csrf {
            req = req.header("x-csrf-token", c);
        }
        self.send(req.body(Body::from(json.to_string())).unwrap())
            .await
    }

    /// JSON with any method (PUT as well as POST), the CSRF token in its header when given.
    pub async fn send_json(
        &mut self,
        method: axum::http::Method,
        path: &str,
        json: &serde_json::Value,
        csrf: Option<&str>,
    ) -> Page {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = csrf {
            req = req.header("x-csrf-token", c);
        }
        self.send(req.body(Body::from(json.to_string())).unwrap())
            .await
    }

    pub fn csrf(&self) -> String {
        self.cookies.get("ow_csrf").cloned().unwrap_or_default()
    }

    /// Logs in through the login form.
    pub async fn login(&mut self, login: &str, password: &str) -> Page {
        self.get("/login").await;
        let csrf = self.csrf();
        self.post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("login", login),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }
}

/// The URL form of a path segment.
pub fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .unwrap()
        .trim_start_matches('=')
        .to_string()
}

impl Client {
    /// Posts a multipart form with text fields and files `(field, file name, bytes)`.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Page {
        self.multipart(path, fields, files, None).await
    }

    /// A multipart upload to the API, with the CSRF token in its header.
    pub async fn post_multipart_with_csrf_header(
        &mut self,
        path: &str,
        csrf: &str,
        files: &[(&str, &str, &[u8])],
    ) -> Page {
        self.multipart(path, &[], files, Some(csrf)).await
    }

    /// A multipart API call with text fields and files, the CSRF token in its header.
    pub async fn post_multipart_api(
        &mut self,
        path: &str,
        csrf: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Page {
        self.multipart(path, fields, files, Some(csrf)).await
    }

    async fn multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
        csrf: Option<&str>,
    ) -> Page {
        let boundary = "----onewindow-test-boundary";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (k, name, bytes) in files {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        let mut req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            );
        if let Some(c) = csrf {
            req = req.header("x-csrf-token", c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }
}

/// A demo item by its exact name.
pub fn demo_item(name: &str) -> domain::catalog::ItemDefinition {
    app::demo::demo_data()
        .unwrap()
        .items
        .into_iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("no demo item {name}"))
}

impl Client {
    /// Logs in as the demo citizen (张三).
    pub async fn login_citizen(&mut self) -> Page {
        self.login(
            &app::demo::demo_id_number("19900101", "123"),
            app::demo::DEMO_PASSWORD,
        )
        .await
    }
}

/// Fills a case's form through the API (the `edit` command) with valid sample values.
pub async fn edit_with_sample_form(
    c: &mut Client,
    id: &str,
    item: &domain::catalog::ItemDefinition,
) {
    let today = domain::calendar::china_date(time::OffsetDateTime::now_utc());
    let form = app::demo_cases::sample_form(item, today);
    let csrf = c.csrf();
    let edit = c
        .post_json(
            &format!("/api/v1/cases/{id}/commands"),
            &serde_json::json!({"command": "edit", "form": form, "materials": {}}),
            Some(&csrf),
        )
        .await;
    assert_eq!(edit.status, axum::http::StatusCode::OK, "{}", edit.body);
}

/// The demo's food business licence item (食品经营许可), which most page tests work on.
pub fn food_item() -> domain::catalog::ItemDefinition {
    demo_item("食品（含保健食品）经营许可核发")
}
