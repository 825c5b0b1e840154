//! Whose wallet a case touches: licenses are issued to the case's subject (行政相对人), and
//! 免提交 reads a material from the subject's wallet unless it is the applicant's own paper.
//! An enterprise being established gets its 统一社会信用代码 here, when its registration is
//! approved.

use domain::case::Case;
use domain::catalog::Material;
use domain::ids::RegionCode;
use domain::subject::Subject;
use store::Connection;
use store::licenses as sl;
use store::subjects::HolderLink;

use crate::{App, AppError, Result};

/// Who a case's license goes to.
#[derive(Debug, Clone)]
pub struct CaseHolder {
    /// ID number or unified social credit code.
    pub id: String,
    pub name: String,
    pub natural_person: bool,
    /// Set when the holder is not the applicant: the applicant's account may see the license.
    pub link: Option<HolderLink>,
}

/// The holder of a case's result. For an enterprise being established, draws its new code
/// (a serial per registering region; a retried approval may leave a gap, never a repeat).
pub async fn case_holder(app: &App, conn: &mut Connection, case: &Case) -> Result<CaseHolder> {
    let link = |id: &str| {
        Some(HolderLink {
            holder_id: id.to_string(),
            account_id: case.applicant_id.to_string(),
            relation: case.subject.relation().to_string(),
            created_at: app.now_ms(),
        })
    };
    match &case.subject {
        Subject::Applicant => {
            let a = app.account(conn, &case.applicant_id).await?;
            Ok(CaseHolder {
                id: a.login.clone(),
                name: a.display_name.clone(),
                natural_person: a.kind != domain::account::AccountKind::Enterprise,
                link: None,
            })
        }
        Subject::Enterprise { name, credit_code } if credit_code.is_empty() => {
            let region = region6(&case.region)?;
            let serial =
                store::subjects::reserve_identifier(&app.store, "uscc", region.as_str()).await?;
            let code = domain::subject::new_enterprise_credit_code(&region, serial as u64)
                .ok_or_else(|| AppError::Internal(format!("{region} 的统一社会信用代码已用尽")))?;
            Ok(CaseHolder {
                link: link(&code),
                id: code,
                name: name.clone(),
                natural_person: false,
            })
        }
        s => {
            let id = s.holder_id().unwrap_or_default().to_string();
            // Only a holder the platform created for this application and that holds nothing
            // yet (a newborn's reserved number) is linked to the applicant: naming someone
            // else's ID number as the subject must never open that person's wallet.
            let created_here = match s {
                Subject::Person { reserved, .. } => *reserved,
                _ => true,
            };
            let fresh = created_here && sl::of_holder(conn, &id).await?.is_empty();
            Ok(CaseHolder {
                link: if fresh { link(&id) } else { None },
                name: s.name().unwrap_or_default().to_string(),
                natural_person: s.is_natural_person(),
                id,
            })
        }
    }
}

/// The county-level (6-digit) region an identifier is drawn under.
pub fn region6(region: &str) -> Result<RegionCode> {
    region
        .get(..6)
        .and_then(|r| RegionCode::parse(r).ok())
        .ok_or_else(|| AppError::Internal(format!("区划 {region} 不能用于赋码")))
}

/// The subject's identifier when the applicant may read the subject's wallet and shared
/// data: their own, or a subject linked to them (a newborn, the enterprise they founded).
/// Naming someone else as the subject gives none of that person's licences or data.
pub async fn readable_subject(
    conn: &mut Connection,
    subject: &Subject,
    applicant_id: &str,
    applicant_login: &str,
) -> Result<Option<String>> {
    match subject {
        Subject::Applicant => Ok(Some(applicant_login.to_string())),
        s => match s.holder_id() {
            Some(id) if store::subjects::is_linked(conn, id, applicant_id).await? => {
                Ok(Some(id.to_string()))
            }
            _ => Ok(None),
        },
    }
}

/// Whose wallet holds a material of the case: the applicant's for their own papers, else the
/// subject's when readable (see [`readable_subject`]); None when there is none to read.
pub fn material_holder<'a>(
    m: &Material,
    subject_wallet: Option<&'a str>,
    applicant_login: &'a str,
) -> Option<&'a str> {
    if m.of_applicant {
        Some(applicant_login)
    } else {
        subject_wallet
    }
}
