//! Catalog use cases: the public guide and search, and the administrators' versioned editing.

use domain::catalog::{ItemDefinition, VersionStatus};
use domain::org::Department;
use search::{SearchQuery, SearchResults};
use store::catalog::{self as sc, ItemFilter, ItemRow, VersionRow};

use crate::auth::{Actor, CatalogAdmin};
use crate::{App, AppError, Result};

mod synonym;
pub(crate) use synonym::synonym_authority;
pub use synonym::{delete_synonym, save_synonym, synonyms};

/// Longest search text accepted; real queries are a few words.
pub const MAX_QUERY_CHARS: usize = 100;
pub const MAX_PAGE: i64 = 100;
pub const MAX_OFFSET: i64 = 10_000;

/// Search parameters as they arrive from a page or the API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    pub region: Option<String>,
    /// The searcher's region (a window's, or where a person lives): its items rank first,
    /// nothing is filtered out.
    #[serde(default)]
    pub near: Option<String>,
    pub department: Option<String>,
    pub audience: Option<String>,
    pub online_depth: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn empty_to_none(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn paging(limit: Option<i64>, offset: Option<i64>, default: i64) -> Result<(i64, i64)> {
    let limit = limit.unwrap_or(default);
    let offset = offset.unwrap_or(0);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::field(
            "limit",
            "out_of_range",
            format!("limit 应在 1 到 {MAX_PAGE} 之间"),
        ));
    }
    if !(0..=MAX_OFFSET).contains(&offset) {
        return Err(AppError::field(
            "offset",
            "out_of_range",
            format!("offset 应在 0 到 {MAX_OFFSET} 之间"),
        ));
    }
    Ok((limit, offset))
}

fn check_filters(p: &SearchParams) -> Result<()> {
    if let Some(a) = empty_to_none(&p.audience)
        && a != "natural_person"
        && a != "legal"
    {
        return Err(AppError::field(
            "audience",
            "invalid",
            "服务对象只能是 natural_person（个人）或 legal（法人）",
        ));
    }
    if let Some(d) = empty_to_none(&p.online_depth)
        && domain::catalog::OnlineDepth::ALL
            .iter()
            .all(|x| x.name() != d)
    {
        return Err(AppError::field("online_depth", "invalid", "未知的网办深度"));
    }
    Ok(())
}

pub async fn search(app: &App, p: &SearchParams) -> Result<SearchResults> {
    let q = p.q.trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::field(
            "q",
            "too_long",
            format!("搜索词不能超过 {MAX_QUERY_CHARS} 个字符"),
        ));
    }
    check_filters(p)?;
    let (limit, offset) = paging(p.limit, p.offset, 20)?;
    let regions = match empty_to_none(&p.region) {
        Some(r) => crate::org::serving_regions(&r)?,
        None => vec![],
    };
    let near = match empty_to_none(&p.near) {
        Some(r) => crate::org::serving_regions(&r)
            .map_err(|_| AppError::field("near", "invalid", format!("所在区划代码无效：{r}")))?,
        None => vec![],
    };
    let query = SearchQuery {
        text: q.to_string(),
        regions,
        near,
        department: empty_to_none(&p.department),
        audience: empty_to_none(&p.audience),
        online_depth: empty_to_none(&p.online_depth),
        limit: limit as usize,
        offset: offset as usize,
    };
    // Run where the request is, on the async worker: a search is well under a millisecond of
    // CPU on a county's catalog (2.4 ms at most over 100 000 items, `bench search`), less
    // than the two thread hand-offs a blocking task costs, and a worker searches one query
    // at a time, so a costly query cannot stretch others by sharing a core with them
    // (docs/PERFORMANCE.md, eighteenth session).
    app.index.search(&query).map_err(Into::into)
}

/// The public list of items with filters (browse by department or region).
pub async fn list_public(app: &App, p: &SearchParams) -> Result<(Vec<ItemRow>, i64)> {
    check_filters(p)?;
    let (limit, offset) = paging(p.limit, p.offset, 50)?;
    let filter = ItemFilter {
        regions: match empty_to_none(&p.region) {
            Some(r) => crate::org::serving_regions(&r)?,
            None => vec![],
        },
        department: empty_to_none(&p.department),
        audience: empty_to_none(&p.audience),
        online_depth: empty_to_none(&p.online_depth),
        published_only: true,
        ..Default::default()
    };
    let mut c = app.store.conn().await?;
    Ok(sc::list_items(&mut c, &filter, false, limit, offset).await?)
}

/// The most viewed public items, for the home page.
pub async fn popular(app: &App, n: i64) -> Result<Vec<ItemRow>> {
    let mut c = app.store.conn().await?;
    let filter = ItemFilter {
        published_only: true,
        ..Default::default()
    };
    Ok(sc::list_items(&mut c, &filter, true, n, 0).await?.0)
}

/// Departments with the number of public items each implements.
pub async fn departments_with_counts(app: &App) -> Result<Vec<(Department, i64)>> {
    let mut c = app.store.conn().await?;
    let counts = sc::published_counts_by_department(&mut c).await?;
    let depts = store::org::list_departments(&mut c).await?;
    Ok(depts
        .into_iter()
        .map(|d| {
            let n = counts
                .iter()
                .find(|(code, _)| *code == d.code)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            (d, n)
        })
        .collect())
}

/// A service guide (办事指南) as a page shows it.
#[derive(Debug, Clone)]
pub struct Guide {
    pub item: ItemRow,
    pub version: VersionRow,
    pub department: Option<Department>,
    pub region_name: String,
    /// Every version a person may read (drafts only for administrators).
    pub versions: Vec<(i64, VersionStatus, Option<i64>)>,
    pub is_preview: bool,
    /// The published 主项 this belongs to: (code, name).
    pub parent: Option<(String, String)>,
    /// Published items under this one: (code, name).
    pub children: Vec<(String, String)>,
}

impl Guide {
    pub fn def(&self) -> &ItemDefinition {
        &self.version.definition
    }
}

fn check_code(code: &str) -> Result<()> {
    if code.is_empty() || code.chars().count() > domain::catalog::MAX_CODE_CHARS {
        return Err(AppError::NotFound(format!(
            "事项 {}",
            code.chars().take(60).collect::<String>()
        )));
    }
    Ok(())
}

/// The guide of `code`: its current version, or `version` when given (old versions stay
/// readable; drafts only to catalog administrators of its region, as a preview).
pub async fn guide(app: &App, actor: &Actor, code: &str, version: Option<i64>) -> Result<Guide> {
    check_code(code)?;
    let mut c = app.store.conn().await?;
    let item = sc::find_item(&mut c, code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("事项 {code}")))?;
    let admin = actor
        .catalog_admin()
        .ok()
        .filter(|a| a.scope().covers(&item.region, Some(&item.department)));
    let wanted = version.or(item.current_version).or(if admin.is_some() {
        item.draft_version
    } else {
        None
    });
    let Some(v) = wanted else {
        return Err(AppError::NotFound(format!("事项 {code}")));
    };
    let row = sc::get_version(&mut c, code, v)
        .await
        .map_err(|_| AppError::NotFound(format!("事项 {code} 的第 {v} 版")))?;
    let is_preview = row.status == VersionStatus::Draft;
    if is_preview && admin.is_none() {
        return Err(AppError::NotFound(format!("事项 {code} 的第 {v} 版")));
    }
    let versions = sc::version_summaries(&mut c, code)
        .await?
        .into_iter()
        .filter(|(_, st, _)| *st != VersionStatus::Draft || admin.is_some())
        .collect();
    let department = store::org::get_department(&mut c, &row.definition.department)
        .await
        .ok();
    let region_name = store::org::get_region(&mut c, &row.definition.region)
        .await
        .map(|r| r.name)
        .unwrap_or_default();
    if !is_preview && version.is_none() {
        sc::count_views(&mut c, code).await?;
    }
    let parent = match row.definition.parent_code.as_str() {
        "" => None,
        p => sc::find_item(&mut c, p)
            .await?
            .filter(|r| r.status == "active" && r.current_version.is_some())
            // A 主项 of the same name as this item says nothing a reader needs.
            .filter(|r| r.name != row.definition.name)
            .map(|r| (r.code, r.name)),
    };
    let children = sc::children_of(&mut c, code).await?;
    Ok(Guide {
        item,
        version: row,
        department,
        region_name,
        versions,
        is_preview,
        parent,
        children,
    })
}

fn in_scope(cap: &CatalogAdmin, def: &ItemDefinition) -> Result<()> {
    if cap.scope().covers(&def.region, Some(&def.department)) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只能维护本人管辖区划（和部门）的事项".into(),
        ))
    }
}

async fn check_references(conn: &mut store::Connection, def: &ItemDefinition) -> Result<()> {
    let dept = store::org::get_department(&mut *conn, &def.department)
        .await
        .map_err(|_| {
            AppError::field(
                "department",
                "unknown",
                format!("实施机关 {} 不存在", def.department),
            )
        })?;
    if dept.region != def.region {
        return Err(AppError::field(
            "region",
            "inconsistent",
            format!("实施区划应与实施机关所在区划（{}）一致", dept.region),
        ));
    }
    for (i, d) in def.co_departments.iter().enumerate() {
        if store::org::get_department(&mut *conn, d).await.is_err() {
            return Err(AppError::field(
                &format!("co_departments[{i}]"),
                "unknown",
                format!("联办部门 {d} 不存在"),
            ));
        }
    }
    crate::policies::check_auto_rule(conn, def).await?;
    Ok(())
}

/// Creates a new item as a draft.
pub async fn create(app: &App, cap: &CatalogAdmin, def: ItemDefinition) -> Result<()> {
    let def = normalize(def);
    def.validate()?;
    in_scope(cap, &def)?;
    let mut tx = app.store.begin().await?;
    check_references(&mut tx, &def).await?;
    sc::create_item(&mut tx, &def, cap.login(), app.now_ms())
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict { .. } => {
                AppError::field("code", "taken", format!("实施编码 {} 已存在", def.code))
            }
            other => other.into(),
        })?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// Saves an edit as the item's draft; the public guide is unchanged until it is published.
pub async fn save_draft(
    app: &App,
    cap: &CatalogAdmin,
    code: &str,
    def: ItemDefinition,
) -> Result<i64> {
    let def = normalize(def);
    if def.code != code {
        return Err(AppError::field(
            "code",
            "immutable",
            "实施编码不能修改；如需新编码请新建事项",
        ));
    }
    def.validate()?;
    in_scope(cap, &def)?;
    let mut tx = app.store.begin().await?;
    let item = sc::find_item(&mut tx, code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("事项 {code}")))?;
    if !cap.scope().covers(&item.region, Some(&item.department)) {
        return Err(AppError::Forbidden(
            "只能维护本人管辖区划（和部门）的事项".into(),
        ));
    }
    if item.status == "retired" {
        return Err(AppError::State("已取消的事项不能再编辑".into()));
    }
    check_references(&mut tx, &def).await?;
    let v = sc::save_draft(&mut tx, code, &def, cap.login(), app.now_ms()).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(v)
}

async fn admin_item(
    conn: &mut store::Connection,
    cap: &CatalogAdmin,
    code: &str,
) -> Result<ItemRow> {
    check_code(code)?;
    let item = sc::find_item(conn, code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("事项 {code}")))?;
    if !cap.scope().covers(&item.region, Some(&item.department)) {
        return Err(AppError::Forbidden(
            "只能维护本人管辖区划（和部门）的事项".into(),
        ));
    }
    Ok(item)
}

/// Publishes the draft: it becomes the guide everyone sees, and the search index follows.
pub async fn publish(app: &App, cap: &CatalogAdmin, code: &str) -> Result<i64> {
    let mut tx = app.store.begin().await?;
    let item = admin_item(&mut tx, cap, code).await?;
    let Some(draft) = item.draft_version else {
        return Err(AppError::State("该事项没有待发布的草稿".into()));
    };
    // Rules may have tightened since the draft was saved: check again before it goes public.
    let version = sc::get_version(&mut tx, code, draft).await?;
    version.definition.validate()?;
    version.definition.check_complete()?;
    if crate::catalog_review::required(&mut tx, &item.region).await?
        && version.created_by == cap.login()
    {
        return Err(AppError::State(
            "本区划实行审核发布：草稿须由另一位事项管理员审核后发布，最后编辑人不能自行发布".into(),
        ));
    }
    let v = sc::publish(&mut tx, code, app.now_ms()).await?;
    let detail = serde_json::json!({ "version": v, "edited_by": version.created_by });
    crate::audit::admin(&mut tx, app, cap.actor_id(), "item_published", code, detail).await?;
    // The knowledge base's answers about the item may no longer hold.
    let why = format!(
        "事项 {code} 于 {} 发布了第 {v} 版",
        crate::hotline::knowledge::today(app)
    );
    store::hotline::knowledge::flag_articles_of_item(&mut tx, code, &why).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    crate::index::reindex_item(app, code).await?;
    Ok(v)
}

pub async fn retire(app: &App, cap: &CatalogAdmin, code: &str) -> Result<()> {
    let mut tx = app.store.begin().await?;
    admin_item(&mut tx, cap, code).await?;
    sc::retire(&mut tx, code, app.now_ms()).await?;
    let detail = serde_json::json!({});
    crate::audit::admin(&mut tx, app, cap.actor_id(), "item_retired", code, detail).await?;
    let why = format!(
        "事项 {code} 于 {} 停用",
        crate::hotline::knowledge::today(app)
    );
    store::hotline::knowledge::flag_articles_of_item(&mut tx, code, &why).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    crate::index::reindex_item(app, code).await
}

pub async fn discard_draft(app: &App, cap: &CatalogAdmin, code: &str) -> Result<()> {
    let mut tx = app.store.begin().await?;
    admin_item(&mut tx, cap, code).await?;
    sc::discard_draft(&mut tx, code, app.now_ms()).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// The definition an editor opens: the draft if one is open, else the current version.
pub async fn editable(
    app: &App,
    cap: &CatalogAdmin,
    code: &str,
) -> Result<(ItemRow, ItemDefinition)> {
    let mut c = app.store.conn().await?;
    let item = admin_item(&mut c, cap, code).await?;
    let v = item
        .draft_version
        .or(item.current_version)
        .ok_or_else(|| AppError::NotFound(format!("事项 {code}")))?;
    let def = sc::get_version(&mut c, code, v).await?.definition;
    Ok((item, def))
}

/// Every version of an item, newest first, drafts included.
pub async fn versions(app: &App, cap: &CatalogAdmin, code: &str) -> Result<Vec<VersionRow>> {
    let mut c = app.store.conn().await?;
    admin_item(&mut c, cap, code).await?;
    Ok(sc::list_versions(&mut c, code).await?)
}

/// Items in the administrator's scope, drafts included; with `with_gaps`, only those whose
/// latest version has legal elements to supply (待补充).
pub async fn admin_list(
    app: &App,
    cap: &CatalogAdmin,
    text: Option<String>,
    with_gaps: bool,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<(Vec<ItemRow>, i64)> {
    let (limit, offset) = paging(limit, offset, 50)?;
    let mut c = app.store.conn().await?;
    let filter = ItemFilter {
        regions: scope_regions(&mut c, cap).await?,
        department: cap.scope().department.clone(),
        text,
        with_gaps,
        ..Default::default()
    };
    Ok(sc::list_items(&mut c, &filter, false, limit, offset).await?)
}

/// Regions in an administrator's scope: the admin's region and everything below it.
async fn scope_regions(c: &mut store::Connection, cap: &CatalogAdmin) -> Result<Vec<String>> {
    Ok(store::org::list_regions(c)
        .await?
        .into_iter()
        .filter(|r| cap.scope().covers(&r.code, None))
        .map(|r| r.code)
        .collect())
}

/// Per department in the administrator's scope (name, count): items with legal elements to
/// supply (待补充), most first.
pub async fn gaps_by_department(app: &App, cap: &CatalogAdmin) -> Result<Vec<(String, i64)>> {
    let mut c = app.store.conn().await?;
    let regions = scope_regions(&mut c, cap).await?;
    let names: std::collections::HashMap<String, String> = store::org::list_departments(&mut c)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let mut out: Vec<(String, i64)> = sc::gaps_by_department(&mut c, &regions)
        .await?
        .into_iter()
        .filter(|(d, _)| cap.scope().department.as_ref().is_none_or(|own| own == d))
        .map(|(d, n)| (names.get(&d).cloned().unwrap_or(d), n))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// Trims text and drops empty list entries, so a form's blank rows do not become data.
pub fn normalize(mut d: ItemDefinition) -> ItemDefinition {
    fn list(v: Vec<String>) -> Vec<String> {
        v.into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
    d.code = d.code.trim().to_string();
    d.basic_code = d.basic_code.trim().to_string();
    d.parent_code = d.parent_code.trim().to_string();
    d.name = d.name.trim().to_string();
    d.department = d.department.trim().to_string();
    d.department_credit_code = d.department_credit_code.trim().to_ascii_uppercase();
    // 511602000000 is how platforms publish the county 511602.
    d.region = match domain::ids::RegionCode::parse(&d.region) {
        Ok(r) => r.as_str().to_string(),
        Err(_) => d.region.trim().to_string(),
    };
    d.legal_basis = list(d.legal_basis);
    d.conditions = list(d.conditions);
    d.special_procedures = list(d.special_procedures);
    d.aliases = list(d.aliases);
    d.keywords = list(d.keywords);
    d.co_departments = list(d.co_departments);
    d.flow
        .retain(|s| !(s.name.trim().is_empty() && s.description.trim().is_empty()));
    d.faq
        .retain(|q| !(q.question.trim().is_empty() && q.answer.trim().is_empty()));
    d.fees
        .retain(|f| !(f.name.trim().is_empty() && f.amount.trim().is_empty()));
    d.materials.retain(|m| !m.name.trim().is_empty());
    for m in &mut d.materials {
        m.name = m.name.trim().to_string();
    }
    d
}
