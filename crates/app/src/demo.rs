//! Demo data: a city with its counties and townships, departments, halls, a realistic catalog
//! drawn from shared/CATALOG_FACTS.md, search synonyms, and an account for every role.
//! Loading is idempotent: what exists is left alone.

use domain::account::{AccountKind, ApplicantKind};
use domain::catalog::{ItemDefinition, Synonym};
use domain::ids::{RegionCode, credit_check_char, id_check_char};
use domain::org::{Department, Hall, Region};
use serde::Deserialize;
use store::accounts::AccountRow;

use crate::auth::hash_password;
use crate::demo_staff::STAFF;
use crate::{App, AppError, Result};

const DEMO_JSON: &str = include_str!("../demo/catalog.json");
/// Handling rules and application forms for some demo items, by item name: kept apart from
/// the catalog facts because they are illustrations of the platform's modes, not data from
/// any real catalog.
const DEMO_WORKFLOWS: &str = include_str!("../demo/workflows.json");
/// Application forms of the other demo items that can be applied for online, by item name,
/// derived from what each item's result and law need (every item offering 在线申请 has one).
const DEMO_FORMS: &str = include_str!("../demo/forms.json");
/// Bundles (一件事) over demo items, members and form feeds named by item name.
const DEMO_BUNDLES: &str = include_str!("../demo/bundles.json");

#[derive(Deserialize)]
struct DemoBundles {
    bundles: Vec<DemoBundle>,
}

#[derive(Deserialize)]
struct DemoBundle {
    code: String,
    name: String,
    description: String,
    lead_department: String,
    region: String,
    promised_days: u32,
    members: Vec<DemoMember>,
    #[serde(default)]
    fields: Vec<DemoField>,
    /// The subject spec, with `assigned_by` naming an item.
    #[serde(default)]
    subject: domain::subject::SubjectSpec,
}

#[derive(Deserialize)]
struct DemoMember {
    item: String,
    #[serde(default)]
    needs: Vec<String>,
    #[serde(default)]
    optional: bool,
}

#[derive(Deserialize)]
struct DemoField {
    key: String,
    label: String,
    #[serde(default)]
    kind: domain::workflow::FieldKind,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    help: String,
    feeds: Vec<(String, String)>,
}

/// The demo bundles with item names turned into the codes of the demo items.
pub fn demo_bundles(items: &[ItemDefinition]) -> Result<Vec<domain::bundle::BundleDefinition>> {
    let data: DemoBundles = serde_json::from_str(DEMO_BUNDLES)
        .map_err(|e| AppError::Internal(format!("demo bundles are malformed: {e}")))?;
    let code = |bundle: &str, name: &str| -> Result<String> {
        items
            .iter()
            .find(|i| i.name == name && i.node != domain::catalog::NodeKind::Main)
            .map(|i| i.code.clone())
            .ok_or_else(|| {
                AppError::Internal(format!("demo bundle {bundle} names unknown item {name}"))
            })
    };
    data.bundles
        .into_iter()
        .map(|b| {
            let members = b
                .members
                .iter()
                .map(|m| {
                    Ok(domain::bundle::Member {
                        item_code: code(&b.name, &m.item)?,
                        optional: m.optional,
                        needs: m
                            .needs
                            .iter()
                            .map(|n| code(&b.name, n))
                            .collect::<Result<_>>()?,
                    })
                })
                .collect::<Result<_>>()?;
            let fields = b
                .fields
                .into_iter()
                .map(|f| {
                    Ok(domain::bundle::MergedField {
                        feeds: f
                            .feeds
                            .iter()
                            .map(|(i, k)| Ok((code(&b.name, i)?, k.clone())))
                            .collect::<Result<_>>()?,
                        key: f.key,
                        label: f.label,
                        kind: f.kind,
                        required: f.required,
                        options: f.options,
                        help: f.help,
                    })
                })
                .collect::<Result<_>>()?;
            let subject = match b.subject {
                domain::subject::SubjectSpec::NewEnterprise {
                    name_field,
                    assigned_by,
                } => domain::subject::SubjectSpec::NewEnterprise {
                    name_field,
                    assigned_by: code(&b.name, &assigned_by)?,
                },
                other => other,
            };
            Ok(domain::bundle::BundleDefinition {
                subject,
                code: b.code,
                name: b.name,
                description: b.description,
                lead_department: b.lead_department,
                region: b.region,
                members,
                fields,
                promised_days: b.promised_days,
            })
        })
        .collect()
}

/// License types (with example type codes) and the licenses the demo applicants already hold.
const DEMO_LICENSES: &str = include_str!("../demo/licenses.json");

#[derive(Deserialize)]
struct DemoLicenses {
    types: Vec<domain::license::LicenseType>,
    held: Vec<HeldLicense>,
}

/// A paper-era license a demo applicant holds, registered as if imported.
#[derive(Deserialize)]
struct HeldLicense {
    /// `citizen` or `enterprise`.
    holder: String,
    #[serde(rename = "type")]
    type_name: String,
    issued: time::Date,
}

/// The demo license types with `produced_by` item names turned into the codes of every item
/// of that name.
pub fn demo_license_types(items: &[ItemDefinition]) -> Result<Vec<domain::license::LicenseType>> {
    let data: DemoLicenses = serde_json::from_str(DEMO_LICENSES)
        .map_err(|e| AppError::Internal(format!("demo licenses are malformed: {e}")))?;
    data.types
        .into_iter()
        .map(|mut t| {
            let mut codes = Vec::new();
            for name in &t.produced_by {
                let found: Vec<String> = items
                    .iter()
                    .filter(|i| &i.name == name)
                    .map(|i| i.code.clone())
                    .collect();
                if found.is_empty() {
                    return Err(AppError::Internal(format!(
                        "demo license {} names unknown item {name}",
                        t.name
                    )));
                }
                codes.extend(found);
            }
            t.produced_by = codes;
            Ok(t)
        })
        .collect()
}

/// Registers the licenses the demo applicants hold, once.
async fn seed_held_licenses(app: &App) -> Result<()> {
    let data: DemoLicenses = serde_json::from_str(DEMO_LICENSES)
        .map_err(|e| AppError::Internal(format!("demo licenses are malformed: {e}")))?;
    let mut tx = app.store.begin().await?;
    for h in &data.held {
        let (login, name) = match h.holder.as_str() {
            "citizen" => (demo_citizen_id_number(), DEMO_CITIZEN_NAME),
            _ => (demo_credit_code(), "广安市演示餐饮有限公司"),
        };
        let t = store::licenses::type_by_name(&mut tx, &h.type_name)
            .await?
            .ok_or_else(|| AppError::Internal(format!("demo license type {}", h.type_name)))?;
        let held = store::licenses::of_holder(&mut tx, &login).await?;
        if held.iter().any(|l| l.type_code == t.code) {
            continue;
        }
        crate::licenses::register_existing(
            &mut tx,
            app,
            &t.code,
            &login,
            name,
            Default::default(),
            h.issued,
        )
        .await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

#[derive(Deserialize)]
struct Overlay {
    #[serde(default)]
    workflow: Option<domain::workflow::Workflow>,
    #[serde(default)]
    form: Option<Vec<domain::workflow::FormField>>,
}

/// The password of every demo account. Demo data only: `onewindow admin create` never
/// has a default password.
pub const DEMO_PASSWORD: &str = "OneWindow-demo-2026";

#[derive(Debug, Clone, Deserialize)]
pub struct DemoData {
    pub regions: Vec<Region>,
    pub departments: Vec<Department>,
    pub halls: Vec<Hall>,
    pub items: Vec<ItemDefinition>,
    pub synonyms: Vec<Synonym>,
}

pub fn demo_data() -> Result<DemoData> {
    let mut data: DemoData = serde_json::from_str(DEMO_JSON)
        .map_err(|e| AppError::Internal(format!("demo data is malformed: {e}")))?;
    let overlays: std::collections::BTreeMap<String, Overlay> =
        serde_json::from_str(DEMO_WORKFLOWS)
            .map_err(|e| AppError::Internal(format!("demo workflows are malformed: {e}")))?;
    let forms: std::collections::BTreeMap<String, Vec<domain::workflow::FormField>> =
        serde_json::from_str(DEMO_FORMS)
            .map_err(|e| AppError::Internal(format!("demo forms are malformed: {e}")))?;
    for (name, form) in forms {
        // Two regions may publish an item of the same name: each gets the form.
        let mut found = false;
        for item in data.items.iter_mut().filter(|i| i.name == name) {
            item.form = form.clone();
            found = true;
        }
        if !found {
            return Err(AppError::Internal(format!(
                "demo form for unknown item {name}"
            )));
        }
    }
    for (name, o) in overlays {
        let item = data
            .items
            .iter_mut()
            .find(|i| i.name == name)
            .ok_or_else(|| AppError::Internal(format!("demo workflow for unknown item {name}")))?;
        if let Some(w) = o.workflow {
            item.workflow = w;
        }
        if let Some(f) = o.form {
            item.form = f;
        }
    }
    add_main_items(&mut data.items);
    Ok(data)
}

/// The demo's handling items name their 主项 (上级事项编码) without the catalog listing it, as
/// the source lists did: each missing 主项 is added, named as its item without the handling
/// qualifier (护士执业注册（新办） → 护士执业注册), so the catalog is whole and exports and
/// imports back as a real one does.
fn add_main_items(items: &mut Vec<ItemDefinition>) {
    let mut known: std::collections::HashSet<String> =
        items.iter().map(|i| i.code.clone()).collect();
    let mut mains = Vec::new();
    for i in items.iter() {
        if i.parent_code.is_empty() || !known.insert(i.parent_code.clone()) {
            continue;
        }
        let name = match i.name.rfind('（') {
            Some(at) if i.name.ends_with('）') && at > 0 => i.name[..at].to_string(),
            _ => i.name.clone(),
        };
        mains.push(ItemDefinition {
            code: i.parent_code.clone(),
            name,
            node: domain::catalog::NodeKind::Main,
            parent_code: String::new(),
            aliases: vec![],
            keywords: vec![],
            filed_for: vec![],
            pending: vec![],
            form: vec![],
            workflow: Default::default(),
            ..i.clone()
        });
    }
    items.extend(mains);
}

/// A demo login to print at start.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub login: String,
    pub role: String,
    pub scope: String,
}

#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    pub items_created: usize,
    pub items_existing: usize,
    pub cases_created: usize,
    pub tickets_created: usize,
    pub hotline_tickets: usize,
    pub market_jobs: usize,
    pub projects: usize,
    pub accounts: Vec<DemoAccount>,
}

/// A valid demo ID number: a fixed address, birth date and sequence with its check digit.
/// The demo citizen (申请人（自然人）): their name and ID number, the one login of the demo's
/// person.
pub const DEMO_CITIZEN_NAME: &str = "张三";

pub fn demo_citizen_id_number() -> String {
    demo_id_number("19900101", "123")
}

pub fn demo_id_number(birth: &str, seq: &str) -> String {
    let first = format!("511602{birth}{seq}");
    format!("{first}{}", id_check_char(&first))
}

pub fn demo_credit_code() -> String {
    let first = "92511602MA6DEM001";
    format!("{first}{}", credit_check_char(first))
}

/// Plausible page views for the demo's most used services, so the home page's 热门事项 shows
/// what a real city's would (ID cards, passports, housing fund...) rather than code order.
const DEMO_VIEWS: &[(&str, i64)] = &[
    ("居民身份证换领（到期、损坏、信息变更）", 5200),
    ("普通护照签发", 4800),
    ("住房公积金提取（购买自住住房）", 4100),
    ("个体工商户设立登记", 3900),
    ("公司设立登记", 3600),
    ("社会保障卡申领", 3300),
    ("户口登记（出生登记）", 2900),
    ("食品（含保健食品）经营许可核发", 2700),
    ("机动车驾驶证期满换证", 2500),
    ("不动产转移登记（存量房买卖）", 2300),
];

/// Loads the demo data; safe to run on every start.
/// The demo of `serve --demo`: [`load`], then the demo's projects taken through their
/// stages by the departments (slow in a debug build, so the tests' demo leaves it out).
pub async fn load_full(app: &App) -> Result<DemoReport> {
    let report = load(app).await?;
    crate::demo_projects_run::run(app).await?;
    Ok(report)
}

pub async fn load(app: &App) -> Result<DemoReport> {
    let data = demo_data()?;
    let mut report = DemoReport::default();
    // Every item must pass the same rules as an administrator's edit.
    for item in &data.items {
        item.validate().map_err(|e| {
            AppError::Internal(format!("demo item {} is invalid: {:?}", item.code, e))
        })?;
    }
    let mut tx = app.store.begin().await?;
    let mut regions = data.regions.clone();
    regions.sort_by_key(|r| (r.code.len(), r.code.clone()));
    for r in &regions {
        let code = RegionCode::parse(&r.code)
            .map_err(|e| AppError::Internal(format!("demo region {}: {e}", r.code)))?;
        store::org::upsert_region(&mut tx, r, &code).await?;
    }
    for d in &data.departments {
        d.validate()
            .map_err(|e| AppError::Internal(format!("demo department {}: {e:?}", d.code)))?;
        store::org::upsert_department(&mut tx, d).await?;
    }
    for h in &data.halls {
        h.validate()
            .map_err(|e| AppError::Internal(format!("demo hall {}: {e:?}", h.code)))?;
        store::hall::upsert_hall(&mut tx, h).await?;
    }
    for s in &data.synonyms {
        store::org::upsert_synonym(&mut tx, s).await?;
    }
    let now = app.now_ms();
    let mut seeded = std::collections::HashSet::new();
    for item in &data.items {
        if store::catalog::find_item(&mut tx, &item.code)
            .await?
            .is_some()
        {
            report.items_existing += 1;
            continue;
        }
        store::catalog::create_item(&mut tx, item, "demo", now).await?;
        store::catalog::publish(&mut tx, &item.code, now).await?;
        if let Some((_, views)) = DEMO_VIEWS.iter().find(|(name, _)| *name == item.name)
            && seeded.insert(item.name.as_str())
        {
            store::catalog::add_views(&mut tx, &item.code, *views).await?;
        }
        report.items_created += 1;
    }
    let account = |login: String,
                   kind: AccountKind,
                   name: &str,
                   region: Option<&str>,
                   department: Option<&str>,
                   roles: String,
                   rep: Option<&str>| AccountRow {
        id: uuid::Uuid::now_v7().to_string(),
        login,
        kind,
        display_name: name.into(),
        phone: "13800000000".into(),
        legal_representative: rep.map(Into::into),
        password_hash: String::new(),
        region: region.map(Into::into),
        department: department.map(Into::into),
        roles,
        created_at: now,
        disabled: 0,
    };
    let mut wanted: Vec<(AccountRow, DemoAccount)> = Vec::new();
    for s in STAFF {
        let labels: Vec<&str> = s.roles.iter().map(|r| r.label()).collect();
        let names: Vec<&str> = s.roles.iter().map(|r| r.as_str()).collect();
        let scope = format!(
            "{}{}",
            s.region,
            s.department.map(|d| format!(" / {d}")).unwrap_or_default()
        );
        let row = account(
            s.login.into(),
            AccountKind::Staff,
            s.name,
            Some(s.region),
            s.department,
            names.join(","),
            None,
        );
        wanted.push((
            row,
            DemoAccount {
                login: s.login.into(),
                role: labels.join("、"),
                scope,
            },
        ));
    }
    for (login, name, kind, rep) in [
        (
            demo_citizen_id_number(),
            DEMO_CITIZEN_NAME,
            ApplicantKind::NaturalPerson,
            None,
        ),
        (
            demo_credit_code(),
            "广安市演示餐饮有限公司",
            ApplicantKind::Enterprise,
            Some("李四"),
        ),
    ] {
        let row = account(
            login.clone(),
            kind.into(),
            name,
            None,
            None,
            String::new(),
            rep,
        );
        wanted.push((
            row,
            DemoAccount {
                login,
                role: format!("申请人（{}）", kind.label()),
                scope: name.into(),
            },
        ));
    }
    // One hash for all demo accounts, computed only if one is missing: argon2 is slow on purpose.
    let mut hash: Option<String> = None;
    for (mut row, shown) in wanted {
        report.accounts.push(shown);
        if store::accounts::find_by_login(&mut tx, &row.login)
            .await?
            .is_some()
        {
            continue;
        }
        row.password_hash = match &hash {
            Some(h) => h.clone(),
            None => hash.insert(hash_password(DEMO_PASSWORD).await?).clone(),
        };
        store::accounts::insert_account(&mut tx, &row).await?;
        if row.login == demo_citizen_id_number() {
            // The demo's person counts as checked in person, so the demo kiosk's simulated
            // card does not end the password every visitor logs in with.
            store::hall::record_identity_check(&mut tx, &row.id, "demo", app.now_ms()).await?;
        }
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    crate::cluster::tell(app, crate::cluster::Change::Org).await;
    crate::licenses::save_types(app, &demo_license_types(&data.items)?).await?;
    seed_held_licenses(app).await?;
    crate::bundles::save(app, &demo_bundles(&data.items)?).await?;
    crate::index::refresh_if_stale(app, |_, _| {}).await?;
    report.cases_created = crate::demo_cases::seed(app, &data).await?;
    report.tickets_created = crate::demo_hall::seed(app).await?;
    report.hotline_tickets = crate::demo_hotline::seed(app).await?;
    report.market_jobs = crate::demo_market::seed(app, &mut report.accounts, hash.clone()).await?;
    report.projects = crate::demo_projects::seed(app).await?;
    crate::demo_policies::seed(app).await?;
    crate::demo_content::seed(app).await?;
    crate::demo_rights::seed(app).await?;
    crate::demo_oversight::seed(app, &mut report.accounts, hash).await?;
    crate::demo_off_platform::seed(app).await?;
    crate::demo_assessment::seed(app).await?;
    Ok(report)
}
