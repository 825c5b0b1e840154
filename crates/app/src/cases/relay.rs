//! 收件与办结分离 in the app: the point a window clerk receives a case at for another office
//! (by the point's own 收件受理 right or the item's 通办 scope), what that point's clerks may do
//! with it afterwards, and where the result may be collected (就近取件).

use domain::account::{Role, StaffScope};
use domain::case::relay::{self, PointRef, Relay};
use domain::catalog::ItemDefinition;
use domain::ids::RegionCode;
use domain::service_point::ServicePoint;

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// How far a staff member reaches into a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// The applicant, their agent, or staff of the case's own region and department.
    Full,
    /// A clerk of the point that received the case for another office (intake,
    /// [`relay::receiving_may`]), or of the point that hands the result out
    /// ([`relay::pickup_may`]), or both.
    AtPoint { receiving: bool, pickup: bool },
}

fn same_region(a: &str, b: &str) -> bool {
    matches!((RegionCode::parse(a), RegionCode::parse(b)), (Ok(x), Ok(y)) if x == y)
}

/// The service points of the staff member's own region: where they work.
pub(crate) async fn home_points(
    app: &App,
    conn: &mut store::Connection,
    scope: &StaffScope,
) -> Result<Vec<ServicePoint>> {
    let all = app.service_point_list(conn).await?;
    let mut home: Vec<ServicePoint> = all
        .iter()
        .filter(|p| same_region(&p.region, &scope.region))
        .cloned()
        .collect();
    home.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(home)
}

/// The codes of every point in the staff member's region and below: their clerks' queues
/// hold what those points received or hand out.
pub(crate) async fn points_within(
    app: &App,
    conn: &mut store::Connection,
    scope: &StaffScope,
) -> Result<Vec<String>> {
    Ok(app
        .service_point_list(conn)
        .await?
        .iter()
        .filter(|p| scope.covers_region(&p.region))
        .map(|p| p.code.clone())
        .collect())
}

fn point_ref(p: &ServicePoint) -> PointRef {
    PointRef {
        code: p.code.clone(),
        name: p.name.clone(),
        region: p.region.clone(),
    }
}

/// Where and why a clerk whose region does not cover the item receives it: the first of
/// their points that may (its own right, a delegation in force, or the item's 通办 scope).
pub(crate) async fn receive_at(
    app: &App,
    conn: &mut store::Connection,
    scope: &StaffScope,
    def: &ItemDefinition,
) -> Result<Relay> {
    let refuse = || {
        AppError::Forbidden(format!(
            "本场所无权受理“{}”：该事项不在本场所的收件受理清单上，也不在通办清单上",
            def.name
        ))
    };
    let item_region = RegionCode::parse(&def.region).map_err(|_| refuse())?;
    let today = domain::calendar::china_date(app.now());
    for p in home_points(app, conn, scope).await? {
        let Ok(region) = RegionCode::parse(&p.region) else {
            continue;
        };
        let powers = crate::rights::powers_at(conn, &p.code, &def.code, today).await?;
        if let Some(basis) = relay::basis(powers, &region, &item_region, def.scope) {
            let here = point_ref(&p);
            return Ok(Relay {
                received_at: here.clone(),
                basis,
                pickup: here,
                originals: vec![],
                originals_sent: None,
                originals_received: None,
            });
        }
    }
    Err(refuse())
}

/// A clerk's access through the points a relayed case passes: the one that received it, the
/// one the result is collected at. None when their region reaches neither.
pub(crate) fn at_point(actor: &Actor, c: &domain::case::Case) -> Option<Access> {
    let Actor::Staff { scope, .. } = actor else {
        return None;
    };
    let r = c.relay.as_ref().filter(|_| actor.has_role(Role::Clerk))?;
    let receiving = scope.covers_region(&r.received_at.region);
    let pickup = scope.covers_region(&r.pickup.region);
    (receiving || pickup).then_some(Access::AtPoint { receiving, pickup })
}

/// Refuses a command a point's clerk may not issue.
pub(crate) fn check_point_command(access: Access, kind: domain::case::CommandKind) -> Result<()> {
    let Access::AtPoint { receiving, pickup } = access else {
        return Ok(());
    };
    if (receiving && relay::receiving_may(kind)) || (pickup && relay::pickup_may(kind)) {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "{}不能{}：审查和决定由办结机关办理，结果由取件地点交付",
        if receiving {
            "收件地点"
        } else {
            "取件地点"
        },
        kind.label()
    )))
}

/// Where the result of a relayed case may be collected: the point that received it, the
/// concluding office's own centres (points of the item's region), and every point that may
/// receive the item itself (its own right or the 通办 list).
pub(crate) async fn pickup_options(
    app: &App,
    conn: &mut store::Connection,
    c: &domain::case::Case,
    def: &ItemDefinition,
) -> Result<Vec<PointRef>> {
    let Some(r) = &c.relay else {
        return Ok(vec![]);
    };
    let item_region = RegionCode::parse(&def.region).ok();
    let today = domain::calendar::china_date(app.now());
    let mut out = Vec::new();
    for p in app.service_point_list(conn).await?.iter() {
        let region = RegionCode::parse(&p.region).ok();
        let may = p.code == r.received_at.code
            || same_region(&p.region, &def.region)
            || {
                let accepts = crate::rights::accepting(conn, &p.code, today).await?;
                let powers = domain::rights::Powers {
                    accept: accepts.contains(&def.code),
                    ..domain::rights::Powers::NONE
                };
                matches!((&region, &item_region), (Some(pr), Some(ir)) if relay::basis(powers, pr, ir, def.scope).is_some())
            };
        if may {
            out.push(point_ref(p));
        }
    }
    Ok(out)
}

/// The point a person chose to collect at, as the case will record it, if it may hand the
/// result out.
pub(crate) async fn chosen_pickup(app: &App, case_id: &str, code: &str) -> Result<PointRef> {
    let mut conn = app.store.conn().await?;
    let c = store::cases::get_case(&mut conn, case_id)
        .await?
        .ok_or_else(|| AppError::NotFound("办件".into()))?;
    let def = super::item_version(app, &mut conn, &c).await?;
    pickup_options(app, &mut conn, &c, &def)
        .await?
        .into_iter()
        .find(|p| p.code == code.trim())
        .ok_or_else(|| {
            AppError::field(
                "pickup",
                "not_allowed",
                "该场所不能交付此事项的办理结果，请从列表中选择",
            )
        })
}
