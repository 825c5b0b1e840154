//! The demo's staff accounts: who works where, with which roles (the demo's departments and
//! regions; names are invented).

use domain::account::Role;

pub(crate) struct StaffSpec {
    pub(crate) login: &'static str,
    pub(crate) name: &'static str,
    pub(crate) roles: &'static [Role],
    pub(crate) region: &'static str,
    pub(crate) department: Option<&'static str>,
}

pub(crate) const STAFF: &[StaffSpec] = &[
    StaffSpec {
        login: "admin",
        name: "系统管理员",
        roles: &[Role::SystemAdmin, Role::CatalogAdmin],
        region: "511600",
        department: None,
    },
    StaffSpec {
        login: "catalog",
        name: "王事项",
        roles: &[Role::CatalogAdmin],
        region: "511600",
        department: None,
    },
    StaffSpec {
        login: "catalog-gaq",
        name: "李事项",
        roles: &[Role::CatalogAdmin],
        region: "511602",
        department: None,
    },
    StaffSpec {
        login: "clerk",
        name: "赵综窗",
        roles: &[Role::Clerk],
        region: "511600",
        department: None,
    },
    StaffSpec {
        login: "reviewer",
        name: "钱承办",
        roles: &[Role::Reviewer],
        region: "511600",
        department: Some("511600-SCJG"),
    },
    // 承办 and 审核 are different people (separation of duties).
    StaffSpec {
        login: "reviewer2",
        name: "李审核",
        roles: &[Role::Reviewer],
        region: "511600",
        department: Some("511600-SCJG"),
    },
    StaffSpec {
        login: "approver",
        name: "孙批准",
        roles: &[Role::Approver],
        region: "511600",
        department: Some("511600-SCJG"),
    },
    StaffSpec {
        login: "supervisor",
        name: "周监察",
        roles: &[Role::Supervisor],
        region: "511600",
        department: None,
    },
    // Back offices of the 开办餐饮店 members outside market regulation: one person reviews
    // and approves, as small offices do (their items allow one person consecutive steps).
    StaffSpec {
        login: "cgzf",
        name: "吴城管",
        roles: &[Role::Reviewer, Role::Approver],
        region: "511600",
        department: Some("511600-CGZFJ"),
    },
    StaffSpec {
        login: "xfjy",
        name: "郑消防",
        roles: &[Role::Reviewer, Role::Approver],
        region: "511600",
        department: Some("511600-XFJYZD"),
    },
    StaffSpec {
        login: "hotline",
        name: "陈话务",
        roles: &[Role::HotlineOperator],
        region: "511600",
        department: None,
    },
    StaffSpec {
        login: "dispatcher",
        name: "林派单",
        roles: &[Role::HotlineDispatcher],
        region: "511600",
        department: None,
    },
    // 住建局's reviewer: leads the projects' 联合审图 and 联合验收.
    StaffSpec {
        login: "zjjsc",
        name: "邓审查",
        roles: &[Role::Reviewer, Role::Approver],
        region: "511600",
        department: Some("511600-ZJJ"),
    },
    // Handlers of the departments the demo's complaints go to.
    StaffSpec {
        login: "zjj",
        name: "何住建",
        roles: &[Role::HotlineHandler],
        region: "511600",
        department: Some("511600-ZJJ"),
    },
    StaffSpec {
        login: "cgzf12345",
        name: "罗城管",
        roles: &[Role::HotlineHandler],
        region: "511600",
        department: Some("511600-CGZFJ"),
    },
    StaffSpec {
        login: "yczm",
        name: "冯烟草",
        roles: &[Role::Reviewer, Role::Approver],
        region: "511600",
        department: Some("511600-YCZMJ"),
    },
    // 收件与办结分离: a village station's and another county's window clerk, and 广安区民政局,
    // which concludes what they receive.
    StaffSpec {
        login: "wufu",
        name: "何便民",
        roles: &[Role::Clerk],
        region: "511602001001",
        department: None,
    },
    StaffSpec {
        login: "yuechi",
        name: "蒋综窗",
        roles: &[Role::Clerk],
        region: "511621",
        department: None,
    },
    StaffSpec {
        login: "mzj",
        name: "韩民政",
        roles: &[Role::Reviewer],
        region: "511602",
        department: Some("511602-MZJ"),
    },
    StaffSpec {
        login: "mzj2",
        name: "杨审核",
        roles: &[Role::Reviewer],
        region: "511602",
        department: Some("511602-MZJ"),
    },
    // 市人社局: concludes 社会保障卡申领, a 跨市通办 item other cities' windows forward.
    StaffSpec {
        login: "rsj",
        name: "罗人社",
        roles: &[Role::Reviewer],
        region: "511600",
        department: Some("511600-RSJ"),
    },
    StaffSpec {
        login: "rsj2",
        name: "唐审核",
        roles: &[Role::Reviewer],
        region: "511600",
        department: Some("511600-RSJ"),
    },
    StaffSpec {
        login: "rsj-pz",
        name: "何批准",
        roles: &[Role::Approver],
        region: "511600",
        department: Some("511600-RSJ"),
    },
    StaffSpec {
        login: "mzj-pz",
        name: "朱批准",
        roles: &[Role::Approver],
        region: "511602",
        department: Some("511602-MZJ"),
    },
];
