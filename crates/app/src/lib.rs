//! Use cases: one function per thing a person does, each one transaction, each checking
//! who may do it. The web layer and the CLI call these and nothing below them.

pub mod agents;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod bundles;
mod cache;
pub mod cases;
pub mod catalog;
pub mod catalog_review;
pub mod cluster;
pub mod content;
pub mod demo;
mod demo_assessment;
pub mod demo_cases;
pub mod demo_content;
pub mod demo_hall;
mod demo_hotline;
pub mod demo_market;
mod demo_off_platform;
pub mod demo_oversight;
pub mod demo_policies;
pub mod demo_projects;
pub mod demo_projects_run;
pub mod demo_rights;
mod demo_staff;
pub mod error;
mod events;
pub mod exchange;
pub mod files;
pub mod form_pdf;
pub mod hall;
pub mod hotline;
pub mod index;
pub mod license_import;
pub mod licenses;
pub mod market;
mod notice_pdf;
pub mod notify;
pub mod off_platform;
pub mod org;
pub mod outbox;
pub mod oversight;
pub mod payment;
pub mod platform;
pub mod policies;
pub mod post;
pub mod privacy;
pub mod projects;
pub mod ratings;
pub mod rights;
pub mod setup;
pub mod shared;
pub mod stats;
pub mod supervision;
pub mod tongban;
pub mod unresolved;
pub mod uploads;
pub mod visits;
pub mod warnings;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use domain::calendar::WorkCalendar;
use domain::catalog::ItemDefinition;
use domain::license::LicenseType;
pub use error::AppError;
use time::OffsetDateTime;

pub type Result<T> = std::result::Result<T, AppError>;

/// Who hears of committed cases (see `events`): the wiring lives here, at the root, so that
/// no capability imports the one reacting to it.
pub(crate) const CASE_SUBSCRIBERS: &[(&str, events::Reaction)] = &[
    ("bundles", |app, c| {
        Box::pin(bundles::on_case_committed(app, c))
    }),
    ("credit", |app, c| {
        Box::pin(oversight::credit::on_case_committed(app, c.case))
    }),
    ("tongban", |app, c| {
        Box::pin(tongban::on_case_committed(app, c.case))
    }),
];

/// Decoded item versions by (code, version).
type ItemCache = std::collections::HashMap<(String, i64), Arc<ItemDefinition>>;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// How long a login lasts.
    pub session_hours: i64,
    /// Hex master key sealing issuer keys; None: a key file in the data directory.
    pub license_master_key: Option<String>,
    /// The public address of the portal, printed into license QR codes.
    pub public_url: String,
    /// Upstream shared-data sources (数据共享) by name.
    pub shared_sources: Vec<shared::SourceConfig>,
    /// Answer shared-data lookups from the demo data (for `serve --demo` and tests).
    pub demo_shared_data: bool,
    /// Staff must bind an authenticator app and give its code at login (等保 三级). Off for
    /// the demo and tests, whose staff share published passwords anyway.
    pub staff_second_factor: bool,
    /// 12345 limits per kind (签收 hours, 办结 working days, extension, duplicate window).
    pub hotline_limits: domain::hotline::flow::Limits,
    /// Changes others care about are written to the outbox (`[events] record`); off only to
    /// measure what recording costs.
    pub record_events: bool,
    /// The channels beside the inbox this platform can send (`[notify]`): the preferences
    /// page offers only these.
    pub notify_channels: Vec<domain::notify::Channel>,
    /// Where uploads and rendered documents are kept (`[storage] files`).
    pub files: files::Backend,
    /// Local files in a directory all nodes share (`[storage] files_dir`) instead of the data
    /// directory.
    pub files_dir: Option<PathBuf>,
    /// The courier results are posted with (`[post]`); None: the window types the carrier
    /// and waybill of a parcel it sent itself.
    pub courier: Option<post::CourierConfig>,
    /// The public payment platform (`[payment]`); None: fees are collected at the window.
    pub payment: Option<payment::PaymentConfig>,
    /// The province's identity provider (`[oidc]`); None: local accounts only.
    pub oidc: Option<auth::oidc::OidcConfig>,
    /// 跨市通办 with other cities' platforms (`[tongban]`); None: no partners.
    pub tongban: Option<tongban::TongbanConfig>,
    /// The 7×24 self-service kiosks whose identity readers may log people in (`[[kiosks]]`).
    pub kiosks: Vec<hall::kiosk::KioskConfig>,
    /// The 政务地图's tile server (`[map]`); None: the points alone, nothing fetched elsewhere.
    pub map_tiles: Option<hall::map::TileServer>,
    /// Open311 client applications and their keys (`[[open311.clients]]`).
    pub open311_clients: Vec<hotline::clients::ClientConfig>,
}

impl Settings {
    /// Where local files live.
    pub fn files_root(&self) -> &std::path::Path {
        self.files_dir.as_deref().unwrap_or(&self.data_dir)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("./data"),
            session_hours: 8,
            license_master_key: None,
            public_url: "http://127.0.0.1:8080".into(),
            shared_sources: Vec::new(),
            demo_shared_data: false,
            staff_second_factor: false,
            hotline_limits: Default::default(),
            record_events: true,
            notify_channels: Vec::new(),
            files: files::Backend::Local,
            files_dir: None,
            courier: None,
            payment: None,
            oidc: None,
            tongban: None,
            kiosks: Vec::new(),
            map_tiles: None,
            open311_clients: Vec::new(),
        }
    }
}

/// The source of "now": real time in production, a fixed or stepped time in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// The system clock set to start at a chosen moment and run on from there (`serve --demo
/// --demo-time`): a demo, or a browser test of the hall, shows a working morning whatever the
/// hour it runs at. Never for a real installation.
pub struct ShiftedClock(time::Duration);

impl ShiftedClock {
    pub fn starting_at(t: OffsetDateTime) -> ShiftedClock {
        ShiftedClock(t - OffsetDateTime::now_utc())
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.0
    }
}

/// The system clock shifted by an offset that is moved by hand: the full demo writes its
/// history (stages filed, cases accepted and decided) on the days it would have happened,
/// weeks before the demo starts. Never for a real installation.
pub struct SteppedClock(std::sync::Mutex<time::Duration>);

impl SteppedClock {
    pub fn starting_at(t: OffsetDateTime) -> SteppedClock {
        SteppedClock(std::sync::Mutex::new(t - OffsetDateTime::now_utc()))
    }

    pub fn advance(&self, by: time::Duration) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }

    pub fn set(&self, t: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t - OffsetDateTime::now_utc();
    }
}

impl Clock for SteppedClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Everything a use case needs, shared by all requests. Cloning it is one reference count:
/// every request clones it several times (axum's `State`), and cloning the parts one by one
/// was two dozen atomic counts and a string copy each time (docs/PERFORMANCE.md).
#[derive(Clone)]
pub struct App(Arc<AppParts>);

impl std::ops::Deref for App {
    type Target = AppParts;
    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// The parts of an [`App`], reached through it.
#[derive(Clone)]
pub struct AppParts {
    pub store: Store,
    /// Uploaded materials and rendered documents.
    pub files: files::Files,
    pub index: Arc<CatalogIndex>,
    pub calendar: Arc<RwLock<WorkCalendar>>,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub shared: Arc<shared::SharedData>,
    /// Published item versions never change, so each is decoded once.
    items: Arc<std::sync::Mutex<ItemCache>>,
    /// 电子监察 thresholds by (item, region), read with every case command; emptied when
    /// a supervisor changes one (see `supervision::thresholds_for`).
    pub(crate) thresholds: Arc<std::sync::Mutex<supervision::ThresholdCache>>,
    /// Sessions by token hash, accounts by id and the region list: read by nearly every
    /// request, changed rarely (see `cache`).
    pub(crate) sessions: Arc<cache::TtlCache<String, auth::CachedSession>>,
    pub(crate) accounts: Arc<cache::TtlCache<String, Arc<store::accounts::AccountRow>>>,
    pub(crate) regions: Arc<cache::TtlCache<(), Arc<Vec<RegionRow>>>>,
    /// The regions where a department sits and those above them (`org::regions_in_use`).
    pub(crate) regions_in_use: Arc<cache::TtlCache<(), Arc<Vec<RegionRow>>>>,
    /// Departments by code and license types by item, name or code: read while issuing and
    /// attaching licenses (inside the write transaction), changed by loads and `save_types`.
    pub(crate) departments: Arc<cache::TtlCache<String, Arc<domain::org::Department>>>,
    /// Every department, and every bundle (一件事) definition: read by each search page.
    pub(crate) department_list: Arc<cache::TtlCache<(), Arc<Vec<domain::org::Department>>>>,
    pub(crate) bundle_list: Arc<cache::TtlCache<(), Arc<Vec<domain::bundle::BundleDefinition>>>>,
    /// Every service point: read by each clerk's queue and each intake for another office.
    pub(crate) service_points:
        Arc<cache::TtlCache<(), Arc<Vec<domain::service_point::ServicePoint>>>>,
    pub(crate) license_types: Arc<cache::TtlCache<TypeKey, Option<Arc<LicenseType>>>>,
    /// Live updates for the halls' display boards.
    pub hall_hub: Arc<hall::Hub>,
    /// The 12345 knowledge base's search index (in memory, rebuilt at start).
    pub knowledge: Arc<search::knowledge::KnowledgeIndex>,
    /// 通知公告, 政策解读 and news, for portal search (`content`).
    pub(crate) posts: Arc<content::PostIndex>,
    /// The identity provider's metadata and keys, once fetched.
    pub(crate) oidc: Arc<auth::oidc::Discovered>,
    /// This process among the nodes on one database (host, process, a random part): holds
    /// job leases and signs the changes it announces (`cluster`).
    pub node: Arc<str>,
    /// The latest mark heard from the database (`cluster::send_mark`).
    pub(crate) marks_heard: Arc<std::sync::atomic::AtomicU64>,
}

/// How a license type is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum TypeKey {
    /// The type an item issues on approval.
    Item(String),
    Name(String),
    Code(String),
}

/// A name for this process that no other node on the database has: the host, the process id
/// and a random part (two `App`s in one process are two nodes).
fn node_name() -> Arc<str> {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let random = uuid::Uuid::new_v4().simple().to_string();
    Arc::from(format!("{host}:{}:{}", std::process::id(), &random[..8]))
}

/// How long a cached session, account or region list is trusted before it is read again:
/// the longest a change made by another process (a logout on a second server) goes unseen.
/// This process's own changes evict at once.
const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

impl App {
    /// The same app (store, caches, indexes) seen through another clock: the demo's replays
    /// of months past.
    pub(crate) fn with_clock(&self, clock: Arc<dyn Clock>) -> App {
        App(Arc::new(AppParts {
            clock,
            ..AppParts::clone(&self.0)
        }))
    }

    /// Opens the search index under the data directory (in memory when `in_memory_index`),
    /// loads the calendar, and rebuilds the index if it is missing or stale.
    pub async fn open(
        store: Store,
        settings: Settings,
        clock: Arc<dyn Clock>,
        in_memory_index: bool,
    ) -> Result<App> {
        let index = if in_memory_index {
            CatalogIndex::in_memory()?
        } else {
            CatalogIndex::open(&settings.data_dir.join("search"))?
        };
        let shared = shared::SharedData::new(&settings.shared_sources, settings.demo_shared_data);
        let app = App::assemble(store, settings, clock, index, shared, 100_000)?;
        org::load_calendar(&app).await?;
        index::refresh_if_stale(&app, |_, _| {}).await?;
        hotline::ensure_tree(&app).await?;
        hotline::knowledge::rebuild_index(&app).await?;
        Ok(app)
    }

    /// The app for tools that read beside a running server (`audit verify`): an empty
    /// in-memory index, never filled, so neither the server's index lock nor a rebuild is
    /// needed. Search answers nothing through it.
    pub async fn open_without_index(
        store: Store,
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<App> {
        let shared = shared::SharedData::new(&settings.shared_sources, false);
        let index = CatalogIndex::in_memory()?;
        let app = App::assemble(store, settings, clock, index, shared, 1_000)?;
        org::load_calendar(&app).await?;
        Ok(app)
    }

    /// The parts, with empty caches sized for `accounts` sessions and accounts (a tenth of
    /// that for departments and license types).
    fn assemble(
        store: Store,
        settings: Settings,
        clock: Arc<dyn Clock>,
        index: CatalogIndex,
        shared: shared::SharedData,
        accounts: usize,
    ) -> Result<App> {
        let files = files::Files::open(&settings.files, settings.files_root(), store.durable())?;
        let small = (accounts / 10).max(1_000);
        Ok(App(Arc::new(AppParts {
            files,
            store,
            index: Arc::new(index),
            calendar: Arc::new(RwLock::new(WorkCalendar::china())),
            shared: Arc::new(shared),
            settings: Arc::new(settings),
            clock,
            items: Arc::default(),
            thresholds: Arc::default(),
            sessions: Arc::new(cache::TtlCache::new(CACHE_TTL, accounts)),
            accounts: Arc::new(cache::TtlCache::new(CACHE_TTL, accounts)),
            regions: Arc::new(cache::TtlCache::new(CACHE_TTL, 1)),
            regions_in_use: Arc::new(cache::TtlCache::new(CACHE_TTL, 1)),
            departments: Arc::new(cache::TtlCache::new(CACHE_TTL, small)),
            department_list: Arc::new(cache::TtlCache::new(CACHE_TTL, 1)),
            bundle_list: Arc::new(cache::TtlCache::new(CACHE_TTL, 1)),
            service_points: Arc::new(cache::TtlCache::new(CACHE_TTL, 1)),
            license_types: Arc::new(cache::TtlCache::new(CACHE_TTL, small)),
            hall_hub: Arc::default(),
            knowledge: Arc::new(search::knowledge::KnowledgeIndex::in_memory()?),
            posts: Arc::new(content::PostIndex::new()?),
            oidc: Arc::default(),
            node: node_name(),
            marks_heard: Arc::default(),
        })))
    }

    /// An item version as cases filed under it see it; published and superseded versions are
    /// cached (they are immutable), drafts are read each time.
    pub async fn item_version(
        &self,
        conn: &mut store::Connection,
        code: &str,
        version: i64,
    ) -> Result<Arc<ItemDefinition>> {
        let key = (code.to_string(), version);
        if let Some(d) = self.items.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(d);
        }
        let row = store::catalog::get_version(conn, code, version).await?;
        let def = Arc::new(row.definition);
        if row.status != domain::catalog::VersionStatus::Draft
            && let Ok(mut m) = self.items.lock()
        {
            // Bounded: a catalog has far fewer live versions than this.
            if m.len() >= 20_000 {
                m.clear();
            }
            m.insert(key, def.clone());
        }
        Ok(def)
    }

    /// An account by id (cached: accounts change only by a password change).
    pub async fn account(
        &self,
        conn: &mut store::Connection,
        id: &str,
    ) -> Result<Arc<store::accounts::AccountRow>> {
        let load = async { Ok(Arc::new(store::accounts::get_account(conn, id).await?)) };
        self.accounts.get_or_load(id.to_string(), load).await
    }

    /// Every region, sorted by code (cached: regions change only when an operator loads them).
    pub async fn regions(&self, conn: &mut store::Connection) -> Result<Arc<Vec<RegionRow>>> {
        let load = async {
            let mut all = store::org::list_regions(conn).await?;
            // By code in byte order, whatever the database's collation: looked up by binary
            // search (`org::regions_in_use`).
            all.sort_by(|a, b| a.code.cmp(&b.code));
            Ok(Arc::new(all))
        };
        self.regions.get_or_load((), load).await
    }

    /// Every department (cached like [`App::regions`]).
    pub async fn department_list(
        &self,
        conn: &mut store::Connection,
    ) -> Result<Arc<Vec<domain::org::Department>>> {
        let load = async { Ok(Arc::new(store::org::list_departments(conn).await?)) };
        self.department_list.get_or_load((), load).await
    }

    /// Every bundle definition (cached; a save here evicts at once, another node's within
    /// the cache's time or at its announcement).
    pub async fn bundle_list(
        &self,
        conn: &mut store::Connection,
    ) -> Result<Arc<Vec<domain::bundle::BundleDefinition>>> {
        let load = async { Ok(Arc::new(store::bundles::bundles(conn).await?)) };
        self.bundle_list.get_or_load((), load).await
    }

    /// Every service point, by region then code (cached like [`App::regions`]; an import
    /// announces `Change::Org`).
    pub async fn service_point_list(
        &self,
        conn: &mut store::Connection,
    ) -> Result<Arc<Vec<domain::service_point::ServicePoint>>> {
        let load = async { Ok(Arc::new(store::service_points::list(conn).await?)) };
        self.service_points.get_or_load((), load).await
    }

    /// A department by code (cached: departments change only when an operator loads them).
    pub async fn department(
        &self,
        conn: &mut store::Connection,
        code: &str,
    ) -> Result<Arc<domain::org::Department>> {
        let load = async { Ok(Arc::new(store::org::get_department(conn, code).await?)) };
        self.departments.get_or_load(code.to_string(), load).await
    }

    /// A department's name for display, from the cache; the code itself when there is no
    /// such department (an old record may name one since removed).
    pub async fn department_name(&self, conn: &mut store::Connection, code: &str) -> String {
        match self.department(conn, code).await {
            Ok(d) => d.name.clone(),
            Err(_) => code.to_string(),
        }
    }

    /// A license type, if there is one (cached, emptied by `licenses::save_types`).
    pub(crate) async fn license_type(
        &self,
        conn: &mut store::Connection,
        key: TypeKey,
    ) -> Result<Option<Arc<LicenseType>>> {
        let load = async {
            Ok(match &key {
                TypeKey::Item(code) => store::licenses::type_for_item(conn, code).await?,
                TypeKey::Name(name) => store::licenses::type_by_name(conn, name).await?,
                TypeKey::Code(code) => store::licenses::type_by_code(conn, code).await?,
            }
            .map(Arc::new))
        };
        self.license_types.get_or_load(key.clone(), load).await
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn now_ms(&self) -> i64 {
        store::millis(self.now())
    }
}

// Read models the web layer renders; re-exported so it depends on the app layer alone.
pub use search::{CatalogIndex, IndexedItem, SearchQuery};
pub use search::{Hit, SearchResults};
pub use store::Store;
pub use store::catalog::{ItemRow, VersionRow};
pub use store::org::RegionRow;
pub use store::ratings::RatingRow;
pub use store::supervision::{NoticeRow, WarningRow};
pub use store::{from_millis, millis};
