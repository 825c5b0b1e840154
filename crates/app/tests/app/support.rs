use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use app::auth::{Actor, NewStaff};
use app::{App, Clock, Settings};
use domain::account::Role;
use domain::ids::RegionCode;
use domain::org::{Department, Region};
use store::Store;
use time::{Duration, OffsetDateTime, macros::datetime};

/// A clock tests move by hand.
pub struct TestClock(pub Mutex<OffsetDateTime>);
impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}
impl TestClock {
    pub fn set(&self, t: OffsetDateTime) {
        *self.0.lock().unwrap() = t;
    }

    pub fn advance(&self, d: Duration) {
        *self.0.lock().unwrap() += d;
    }
}

/// The nodes a test runs on: one, or [`store::testing::pool_nodes`] sharing a PostgreSQL.
/// Each use of it as an [`App`] takes the next node, after every node has acted on every
/// change committed so far (as a person's next request finds them: notifications take a
/// fraction of a millisecond, the next call in a test is quicker still).
pub struct Nodes {
    apps: Vec<App>,
    next: AtomicUsize,
    /// [`store::cluster::announced`] when the nodes last settled: unchanged, nothing to wait for.
    settled: AtomicU64,
}

impl Nodes {
    /// Waits for every node to hear a mark sent now (done before each use as an [`App`]; a
    /// test that reads what nodes pushed, such as a board's feed, calls it first). It blocks
    /// this worker thread because a deref cannot await: the suite runs on tokio's multi-threaded runtime, whose other
    /// workers hear the marks meanwhile.
    pub fn settle(&self) {
        let first = &self.apps[0];
        if self.apps.len() == 1 {
            return;
        }
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                let mark = app::cluster::send_mark(first).await.unwrap();
                for _ in 0..2_000 {
                    if self.apps.iter().all(|a| app::cluster::heard_mark(a, mark)) {
                        // Read after the mark was sent, so it counts the mark too.
                        self.settled
                            .store(store::cluster::announced(), Ordering::Release);
                        return;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
                panic!("a node did not hear the others' changes within two seconds");
            })
        })
    }
}

impl std::ops::Deref for Nodes {
    type Target = App;

    fn deref(&self) -> &App {
        if self.apps.len() == 1 {
            return &self.apps[0];
        }
        if store::cluster::announced() != self.settled.load(Ordering::Acquire) {
            self.settle();
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        &self.apps[n % self.apps.len()]
    }
}

pub async fn app(store: Store) -> (Nodes, Arc<TestClock>) {
    app_in(store, &std::env::temp_dir()).await
}

/// An app whose files live in `data_dir` (a test that sweeps files needs its own).
pub async fn app_in(store: Store, data_dir: &std::path::Path) -> (Nodes, Arc<TestClock>) {
    app_with(store, data_dir, |_| {}).await
}

/// One node alone, whatever the pool (tests that set up nodes themselves).
pub async fn one_app(store: Store) -> (App, Arc<TestClock>) {
    let (settings, clock) = settings(&std::env::temp_dir(), |_| {});
    let app = App::open(store, settings, clock.clone(), true)
        .await
        .unwrap();
    (app, clock)
}

fn settings(
    data_dir: &std::path::Path,
    change: impl FnOnce(&mut Settings),
) -> (Settings, Arc<TestClock>) {
    let clock = Arc::new(TestClock(Mutex::new(datetime!(2026-11-27 09:00 +8))));
    let mut settings = Settings {
        data_dir: data_dir.to_path_buf(),
        session_hours: 8,
        license_master_key: Some("00112233445566778899aabbccddeeff".into()),
        public_url: "http://127.0.0.1:8080".into(),
        shared_sources: Vec::new(),
        demo_shared_data: false,
        staff_second_factor: false,
        ..Default::default()
    };
    change(&mut settings);
    (settings, clock)
}

/// An app with its settings changed by `change` first, on the pool's nodes (which share the
/// clock, the data directory and, on PostgreSQL, the database).
pub async fn app_with(
    store: Store,
    data_dir: &std::path::Path,
    change: impl FnOnce(&mut Settings),
) -> (Nodes, Arc<TestClock>) {
    let (settings, clock) = settings(data_dir, change);
    let count = if store.pg_url().is_some() {
        store::testing::pool_nodes()
    } else {
        1
    };
    let mut apps = Vec::with_capacity(count);
    for i in 0..count {
        let store = if i == 0 {
            store.clone()
        } else {
            store::testing::reopen(&store).await.unwrap()
        };
        let app = App::open(store, settings.clone(), clock.clone(), true)
            .await
            .unwrap();
        if count > 1 {
            app::cluster::listen(&app).await.unwrap();
        }
        apps.push(app);
    }
    let nodes = Nodes {
        apps,
        next: AtomicUsize::new(0),
        settled: AtomicU64::new(u64::MAX),
    };
    (nodes, clock)
}

/// A city, a county and two departments.
pub async fn seed_org(app: &App) {
    let mut tx = app.store.begin().await.unwrap();
    for (code, name) in [
        ("510000", "四川省"),
        ("511600", "广安市"),
        ("511602", "广安区"),
    ] {
        store::org::upsert_region(
            &mut tx,
            &Region {
                code: code.into(),
                name: name.into(),
            },
            &RegionCode::parse(code).unwrap(),
        )
        .await
        .unwrap();
    }
    for (code, name, region) in [
        ("511600-SCJG", "广安市市场监督管理局", "511600"),
        ("511602-SCJG", "广安区市场监督管理局", "511602"),
    ] {
        let d = Department {
            code: code.into(),
            name: name.into(),
            short_name: "市场监管局".into(),
            region: region.into(),
            credit_code: "11511600MB1234567X".into(),
            phone: "0826-1".into(),
            address: "".into(),
            parent: String::new(),
        };
        store::org::upsert_department(&mut tx, &d).await.unwrap();
    }
    tx.commit().await.unwrap();
}

pub async fn staff(
    app: &App,
    login: &str,
    roles: &[Role],
    region: &str,
    department: Option<&str>,
) -> Actor {
    app::auth::bootstrap_admin(
        app,
        &format!("boot-{login}"),
        "引导管理员",
        "bootstrap-password",
        region,
    )
    .await
    .ok();
    let boot = app::auth::login(app, None, &format!("boot-{login}"), "bootstrap-password")
        .await
        .unwrap();
    let cap = boot.actor.system_admin().unwrap();
    app::auth::create_staff(
        app,
        &cap,
        &NewStaff {
            login: login.into(),
            name: "测试人员".into(),
            phone: "13800000000".into(),
            password: "staff-password-1".into(),
            roles: roles.to_vec(),
            region: region.into(),
            department: department.map(Into::into),
        },
    )
    .await
    .unwrap();
    app::auth::login(app, None, login, "staff-password-1")
        .await
        .unwrap()
        .actor
}

/// Registers a demo citizen (张三) whose ID number ends with `seq` and its check digit.
pub async fn citizen(app: &App, seq: &str) -> Actor {
    let reg = domain::account::ApplicantRegistration::NaturalPerson {
        id_number: app::demo::demo_id_number("19900101", seq),
        name: "张三".into(),
        phone: "13800138000".into(),
        password: "a long passphrase".into(),
    };
    app::auth::register(app, None, reg).await.unwrap().actor
}

/// Publishes `item` as a catalog administrator of 511600 and returns its code.
pub async fn publish(app: &App, item: &domain::catalog::ItemDefinition) -> String {
    let cap = staff(app, "cat", &[Role::CatalogAdmin], "511600", None)
        .await
        .catalog_admin()
        .unwrap();
    app::catalog::create(app, &cap, item.clone()).await.unwrap();
    app::catalog::publish(app, &cap, &item.code).await.unwrap();
    item.code.clone()
}

/// A reviewer of 广安市市场监督管理局 (login `rev`).
pub async fn market_reviewer(app: &App) -> Actor {
    staff(app, "rev", &[Role::Reviewer], "511600", Some("511600-SCJG")).await
}

/// Uploads, as `me`, every mandatory material of the case not yet provided, then files it
/// (online filing needs them all).
pub async fn file(app: &App, me: &Actor, case_id: &str) -> domain::case::Case {
    let v = app::cases::view(app, me, case_id).await.unwrap();
    let mut materials = std::collections::BTreeMap::new();
    for m in v.item.materials.iter().filter(|m| m.mandatory) {
        if !v
            .case
            .materials
            .get(&m.name)
            .is_some_and(|p| p.is_provided())
        {
            let pdf: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
            let p = app::uploads::store(app, me, pdf, &format!("{}.pdf", m.name))
                .await
                .unwrap();
            materials.insert(m.name.clone(), p);
        }
    }
    let edit = domain::case::Command::Edit {
        form: Default::default(),
        materials,
    };
    app::cases::act(app, me, case_id, edit).await.unwrap();
    app::cases::act(app, me, case_id, domain::case::Command::Submit)
        .await
        .unwrap()
}

/// A case of the instant item `item` (the window decides on the spot) filed by `me` with
/// every material and the form filled, accepted and approved by `clerk`: waiting to be issued.
pub async fn approved_instant_case(app: &App, me: &Actor, clerk: &Actor, item: &str) -> String {
    use domain::case::Command;
    let c = app::cases::start(app, me, item).await.unwrap();
    let v = app::cases::view(app, me, &c.id).await.unwrap();
    let mut materials = std::collections::BTreeMap::new();
    for m in &v.item.materials {
        let pdf: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
        let p = app::uploads::store(app, me, pdf, "材料.pdf").await.unwrap();
        materials.insert(m.name.clone(), p);
    }
    let form = v
        .item
        .form
        .iter()
        .map(|f| (f.key.clone(), "老王面馆".to_string()))
        .collect();
    app::cases::act(app, me, &c.id, Command::Edit { form, materials })
        .await
        .unwrap();
    app::cases::act(app, me, &c.id, Command::Submit)
        .await
        .unwrap();
    for cmd in [
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
        Command::Approve {
            reason: "符合条件".into(),
            legal_basis: "依法".into(),
        },
    ] {
        app::cases::act(app, clerk, &c.id, cmd)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    }
    c.id.into_string()
}
