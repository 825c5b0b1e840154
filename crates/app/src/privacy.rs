//! A person's view of who read their personal data and why (个人信息查阅记录): every staff read
//! of a case, a license or a 一证通办 look-up about them is logged, and shown to them here.

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// One read of the person's data.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Read {
    pub at: i64,
    /// The staff member who read, by name.
    pub who: String,
    /// Their department, or their region when they are not in one.
    pub unit: String,
    pub what: String,
}

/// The latest reads of the signed-in applicant's data, newest first.
pub async fn reads_of_me(app: &App, actor: &Actor) -> Result<Vec<Read>> {
    let Actor::Applicant { login, .. } = actor else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("查阅记录属于个人和企业用户".into()),
        });
    };
    let mut c = app.store.conn().await?;
    let rows = store::cases::reads_of(&mut c, login, 200).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (at, staff, _, what) in rows {
        let (who, unit) = match app.account(&mut c, &staff).await {
            Ok(a) => {
                let unit = match &a.department {
                    Some(d) => app.department_name(&mut c, d).await,
                    None => match &a.region {
                        Some(r) => store::org::get_region(&mut c, r)
                            .await
                            .map(|r| r.name)
                            .unwrap_or_else(|_| r.clone()),
                        None => String::new(),
                    },
                };
                (a.display_name.clone(), unit)
            }
            Err(_) => ("工作人员".to_string(), String::new()),
        };
        out.push(Read {
            at,
            who,
            unit,
            what,
        });
    }
    Ok(out)
}
