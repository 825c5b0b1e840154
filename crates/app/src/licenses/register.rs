//! Loading the catalog of license types and registering existing (paper) licenses.

use std::collections::BTreeMap;

use domain::license::{HolderKind, LicenseType};
use store::Connection;
use store::licenses::{self as sl, LicenseRow};

use super::*;
use crate::{App, AppError, Result};

/// Loads license types (demo data or an administrator's file) after checking each one.
pub async fn save_types(app: &App, types: &[LicenseType]) -> Result<()> {
    let mut tx = app.store.begin().await?;
    for (i, t) in types.iter().enumerate() {
        t.validate().map_err(|errs| {
            AppError::Validation(
                errs.into_iter()
                    .map(|mut e| {
                        e.field = format!("types[{i}].{}", e.field);
                        e
                    })
                    .collect(),
            )
        })?;
        store::org::get_department(&mut tx, &t.department)
            .await
            .map_err(|_| {
                AppError::field(
                    &format!("types[{i}].department"),
                    "unknown",
                    format!("颁证部门 {} 不存在", t.department),
                )
            })?;
        sl::upsert_type(&mut tx, t).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    crate::cluster::tell(app, crate::cluster::Change::LicenseTypes).await;
    Ok(())
}

/// Registers an existing (paper-era) license of a holder without a case, as a bulk import
/// does. The holder must be a registered applicant or a valid identifier.
pub async fn register_existing(
    conn: &mut Connection,
    app: &App,
    type_code: &str,
    holder_id: &str,
    holder_name: &str,
    fields: BTreeMap<String, String>,
    issued: time::Date,
) -> Result<LicenseRow> {
    let t = sl::type_by_code(conn, type_code).await?.ok_or_else(|| {
        AppError::field("type", "unknown", format!("证照类型 {type_code} 不存在"))
    })?;
    let natural = domain::ids::IdNumber::parse(holder_id).is_ok();
    let organisation = domain::ids::CreditCode::parse_lenient(holder_id).is_ok();
    let fits = match t.holder {
        HolderKind::NaturalPerson => natural,
        HolderKind::Organization => organisation,
        HolderKind::Any => natural || organisation,
    };
    if !fits {
        return Err(AppError::field(
            "holder_id",
            "invalid",
            format!("“{holder_id}”不是该证照持证主体的有效证件号码"),
        ));
    }
    let dept = store::org::get_department(conn, &t.department).await?;
    // Fields the register knows itself need not be in the import.
    let mut fields = fields;
    for f in &t.fields {
        let known = match f.from.as_str() {
            "holder_name" => holder_name,
            "holder_id" => holder_id,
            "department" => dept.name.as_str(),
            _ => continue,
        };
        fields
            .entry(f.label.clone())
            .or_insert_with(|| known.to_string());
    }
    let holder = Holder {
        id: holder_id,
        name: holder_name,
        natural_person: natural,
    };
    sign_and_insert(conn, app, &t, &dept, &holder, fields, issued).await
}
