//! Capabilities: what an authenticated actor may do, as values that only this module makes
//! (their fields are private). A use case that needs a right takes its capability as an
//! argument, so it cannot even be called without it.

use domain::account::{Role, StaffScope};

use super::Actor;
use crate::{AppError, Result};

/// May maintain the catalog of `scope` (事项管理员, or a system administrator). Only this module
/// makes one: from an authenticated actor ([`Actor::catalog_admin`]) or for the operator at
/// the command line.
#[derive(Debug, Clone)]
pub struct CatalogAdmin {
    actor_id: String,
    login: String,
    scope: StaffScope,
    /// The operator at the command line without a region named: every region.
    unrestricted: bool,
}

impl CatalogAdmin {
    /// The operator at the command line (`onewindow import catalog`): whoever can run the
    /// binary against the database already holds every right, so the capability is for
    /// `region` and everything below it, recorded as `login` in the version history.
    pub fn command_line(login: &str, region: &str) -> CatalogAdmin {
        CatalogAdmin {
            actor_id: String::new(),
            login: login.to_string(),
            scope: StaffScope {
                region: region.to_string(),
                department: None,
            },
            unrestricted: false,
        }
    }

    /// The operator at the command line acting for the whole installation (a catalog that
    /// spans the regions of the shipped national list).
    pub fn command_line_unrestricted(login: &str) -> CatalogAdmin {
        CatalogAdmin {
            unrestricted: true,
            ..CatalogAdmin::command_line(login, "")
        }
    }

    /// Whether an item of `region` (and `department`) is this administrator's to maintain.
    pub fn covers(&self, region: &str, department: Option<&str>) -> bool {
        self.unrestricted || self.scope.covers(region, department)
    }

    /// The operator at the command line with no region named.
    pub fn is_unrestricted(&self) -> bool {
        self.unrestricted
    }

    pub fn actor_id(&self) -> &str {
        &self.actor_id
    }

    /// Recorded as the author of the catalog versions it writes.
    pub fn login(&self) -> &str {
        &self.login
    }

    pub fn scope(&self) -> &StaffScope {
        &self.scope
    }
}

/// May manage accounts and organisation data of `scope`; made only by
/// [`Actor::system_admin`].
#[derive(Debug, Clone)]
pub struct SystemAdmin {
    actor_id: String,
    scope: StaffScope,
    /// The operator at the command line (set-up of a new installation): whoever can run the
    /// binary against the database already holds every right.
    unrestricted: bool,
}

impl SystemAdmin {
    /// The operator at the command line (`onewindow import regions|departments|staff`).
    pub fn command_line() -> SystemAdmin {
        SystemAdmin {
            actor_id: String::new(),
            scope: StaffScope {
                region: String::new(),
                department: None,
            },
            unrestricted: true,
        }
    }

    pub fn actor_id(&self) -> &str {
        &self.actor_id
    }

    /// The operator at the command line, who holds every right.
    pub(crate) fn is_command_line(&self) -> bool {
        self.unrestricted
    }

    /// Whether organisation data of `region` is this administrator's to set up.
    pub fn covers_region(&self, region: &str) -> bool {
        self.unrestricted || self.scope.covers_region(region)
    }

    pub fn scope(&self) -> &StaffScope {
        &self.scope
    }
}

/// May work on cases (综窗受理, 承办, 审核, 批准) of `scope`: a clerk of the region, or a
/// reviewer or approver of its department. Made only by [`Actor::case_worker`].
#[derive(Debug, Clone)]
pub struct CaseWorker {
    actor_id: String,
    roles: Vec<Role>,
    scope: StaffScope,
}

impl CaseWorker {
    pub fn actor_id(&self) -> &str {
        &self.actor_id
    }

    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn scope(&self) -> &StaffScope {
        &self.scope
    }
}

/// May register applicants who come to a comprehensive window (综窗) in person, and accept a
/// credit code whose check character fails after checking the licence. Made only by
/// [`Actor::window_clerk`].
#[derive(Debug, Clone)]
pub struct WindowClerk {
    actor_id: String,
    scope: StaffScope,
}

impl WindowClerk {
    pub fn actor_id(&self) -> &str {
        &self.actor_id
    }

    pub fn scope(&self) -> &StaffScope {
        &self.scope
    }
}

impl Actor {
    pub fn window_clerk(&self) -> Result<WindowClerk> {
        match self {
            Actor::Staff {
                id, roles, scope, ..
            } if roles.contains(&Role::Clerk) => Ok(WindowClerk {
                actor_id: id.clone(),
                scope: scope.clone(),
            }),
            Actor::Anonymous => Err(AppError::Unauthenticated),
            _ => Err(AppError::Forbidden(
                "只有综窗受理人员可以在窗口为申请人注册".into(),
            )),
        }
    }

    pub fn catalog_admin(&self) -> Result<CatalogAdmin> {
        match self {
            Actor::Staff {
                id,
                login,
                roles,
                scope,
                ..
            } if roles.contains(&Role::CatalogAdmin) || roles.contains(&Role::SystemAdmin) => {
                Ok(CatalogAdmin {
                    actor_id: id.clone(),
                    login: login.clone(),
                    scope: scope.clone(),
                    unrestricted: false,
                })
            }
            Actor::Anonymous => Err(AppError::Unauthenticated),
            _ => Err(AppError::Forbidden("只有事项管理员可以维护事项目录".into())),
        }
    }

    /// The capability to work on cases, for staff holding a case role; `refusal` says what
    /// anyone else is told.
    pub fn case_worker(&self, refusal: &str) -> Result<CaseWorker> {
        match self {
            Actor::Staff {
                id, roles, scope, ..
            } if roles
                .iter()
                .any(|r| matches!(r, Role::Clerk | Role::Reviewer | Role::Approver)) =>
            {
                Ok(CaseWorker {
                    actor_id: id.clone(),
                    roles: roles.clone(),
                    scope: scope.clone(),
                })
            }
            Actor::Anonymous => Err(AppError::Unauthenticated),
            _ => Err(AppError::Forbidden(refusal.into())),
        }
    }

    pub fn system_admin(&self) -> Result<SystemAdmin> {
        match self {
            Actor::Staff {
                id, roles, scope, ..
            } if roles.contains(&Role::SystemAdmin) => Ok(SystemAdmin {
                actor_id: id.clone(),
                scope: scope.clone(),
                unrestricted: false,
            }),
            Actor::Anonymous => Err(AppError::Unauthenticated),
            _ => Err(AppError::Forbidden("只有系统管理员可以管理账号".into())),
        }
    }
}
