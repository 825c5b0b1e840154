//! 高效办成一件事: bundle definitions, one application for a whole bundle, member cases that
//! start as soon as what they need is approved (with its licenses attached), and one
//! progress view for the applicant and the lead department.

mod advance;
mod apply;
mod find;
mod view;

use std::collections::BTreeMap;

use domain::bundle::{BundleDefinition, Savings, identities};
use domain::catalog::ItemDefinition;
use store::bundles::{self as sb};

use crate::auth::Actor;
use crate::{App, AppError, Result};

pub use advance::*;
pub use apply::*;
pub use find::matching;
pub use view::*;

/// A bundle by code with its members' published definitions and the license types their
/// results produce.
pub(super) async fn published(
    app: &App,
    code: &str,
) -> Result<(
    BundleDefinition,
    BTreeMap<String, ItemDefinition>,
    BTreeMap<String, String>,
)> {
    let mut conn = app.store.conn().await?;
    let def = sb::get_bundle(&mut conn, code)
        .await?
        .ok_or_else(|| AppError::NotFound("该一件事".into()))?;
    drop(conn);
    let items = member_items(app, &def).await?;
    let produced = produced_types(app, &items).await?;
    Ok((def, items, produced))
}

/// The current published definitions of the bundle's members, by code.
pub(super) async fn member_items(
    app: &App,
    def: &BundleDefinition,
) -> Result<BTreeMap<String, ItemDefinition>> {
    let mut conn = app.store.conn().await?;
    let mut out = BTreeMap::new();
    for m in &def.members {
        if let Some(v) = store::catalog::find_item(&mut conn, &m.item_code)
            .await?
            .and_then(|i| i.current_version)
        {
            // Published versions do not change: the cached copy.
            let d = app.item_version(&mut conn, &m.item_code, v).await?;
            out.insert(m.item_code.clone(), d.as_ref().clone());
        }
    }
    Ok(out)
}

/// Saves bundle definitions after checking each against its members' published items.
pub async fn save(app: &App, defs: &[BundleDefinition]) -> Result<()> {
    for (n, d) in defs.iter().enumerate() {
        let items = member_items(app, d).await?;
        d.validate(&items).map_err(|errs| {
            AppError::Validation(
                errs.into_iter()
                    .map(|mut e| {
                        e.field = format!("bundles[{n}].{}", e.field);
                        e
                    })
                    .collect(),
            )
        })?;
    }
    let mut tx = app.store.begin().await?;
    for d in defs {
        sb::upsert_bundle(&mut tx, d, app.now_ms()).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    crate::cluster::tell(app, crate::cluster::Change::Bundles).await;
    Ok(())
}

/// One merged material: asked once for every member that needs it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergedMaterial {
    pub identity: String,
    pub name: String,
    /// Names of the member items that need it.
    pub needed_by: Vec<String>,
    pub mandatory: bool,
    /// Set when a member's result (its license) provides it: nothing to upload.
    pub from_member: Option<String>,
}

/// What the guide page of a bundle shows.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Guide {
    pub def: BundleDefinition,
    /// (item, department name, optional, names of what it needs).
    pub members: Vec<(ItemDefinition, String, bool, Vec<String>)>,
    pub materials: Vec<MergedMaterial>,
    pub savings: Savings,
    /// Item names along the critical path.
    pub critical_path: Vec<String>,
}

pub async fn list(app: &App) -> Result<Vec<(BundleDefinition, Savings)>> {
    let mut conn = app.store.conn().await?;
    let defs = app.bundle_list(&mut conn).await?;
    drop(conn);
    let mut out = Vec::new();
    for d in defs.iter().cloned() {
        let items = member_items(app, &d).await?;
        let s = d.savings(&items);
        out.push((d, s));
    }
    Ok(out)
}

pub async fn guide(app: &App, code: &str) -> Result<Guide> {
    let (def, items, produced) = published(app, code).await?;
    let mut conn = app.store.conn().await?;
    let mut members = Vec::new();
    for m in &def.members {
        let Some(item) = items.get(&m.item_code) else {
            continue;
        };
        let dept = store::org::get_department(&mut conn, &item.department)
            .await?
            .name;
        let needs = m
            .needs
            .iter()
            .filter_map(|n| items.get(n).map(|i| i.name.clone()))
            .collect();
        members.push((item.clone(), dept, m.optional, needs));
    }
    let materials = merged_materials(&def, &items, &produced);
    let (_, path) = def.critical_path(&items);
    Ok(Guide {
        savings: def.savings(&items),
        critical_path: path
            .iter()
            .filter_map(|c| items.get(c).map(|i| i.name.clone()))
            .collect(),
        def,
        members,
        materials,
    })
}

/// License type names each member issues on approval, by item code.
pub(super) async fn produced_types(
    app: &App,
    items: &BTreeMap<String, ItemDefinition>,
) -> Result<BTreeMap<String, String>> {
    let mut conn = app.store.conn().await?;
    let mut out = BTreeMap::new();
    for code in items.keys() {
        if let Some(t) = store::licenses::type_for_item(&mut conn, code).await? {
            out.insert(code.clone(), t.name);
        }
    }
    Ok(out)
}

pub(super) fn merged_materials(
    def: &BundleDefinition,
    items: &BTreeMap<String, ItemDefinition>,
    produced: &BTreeMap<String, String>,
) -> Vec<MergedMaterial> {
    let mut out: Vec<MergedMaterial> = Vec::new();
    for m in &def.members {
        let Some(item) = items.get(&m.item_code) else {
            continue;
        };
        for (mat, identity) in item.materials.iter().zip(identities(item)) {
            // A license that a member this one needs will issue.
            let from_member = m
                .needs
                .iter()
                .find(|n| produced.get(*n).is_some_and(|t| *t == mat.license_type))
                .and_then(|n| items.get(n).map(|i| i.name.clone()));
            match out.iter_mut().find(|x| x.identity == identity) {
                Some(x) => {
                    if !x.needed_by.contains(&item.name) {
                        x.needed_by.push(item.name.clone());
                    }
                    x.mandatory |= mat.mandatory;
                    if x.from_member.is_some() && from_member.is_none() {
                        x.from_member = None;
                    }
                }
                None => out.push(MergedMaterial {
                    identity,
                    name: mat.name.clone(),
                    needed_by: vec![item.name.clone()],
                    mandatory: mat.mandatory,
                    from_member,
                }),
            }
        }
    }
    out
}

/// A catalog administrator defines or changes a bundle of their region. Changing one also
/// needs authority over the region it has now: naming one's own region in the new definition
/// does not hand over another region's bundle.
pub async fn define(app: &App, actor: &Actor, def: BundleDefinition) -> Result<()> {
    let cap = actor.catalog_admin()?;
    if !cap.scope().covers_region(&def.region) {
        return Err(AppError::Forbidden("只能定义本区划的一件事".into()));
    }
    let mut conn = app.store.conn().await?;
    let existing = sb::get_bundle(&mut conn, &def.code).await?;
    drop(conn);
    if existing.is_some_and(|old| !cap.scope().covers_region(&old.region)) {
        return Err(AppError::Forbidden("只能修改本区划的一件事".into()));
    }
    save(app, &[def]).await
}
