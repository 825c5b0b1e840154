//! The OpenAPI document, put together from the operations each API module declares with
//! `#[utoipa::path]` and the schemas of the types they read and answer. Served at
//! `/api/openapi.json`.

use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{RefOr, Response, ResponseBuilder, content::Content};

use crate::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "一窗通办 OneWindow API",
        version = "1.0.0",
        description = "政务服务事项目录和办件的 JSON 接口，路径前缀 /api。

- 列表返回 `{\"items\": [...], \"total\": N}`；错误返回 `{\"code\", \"message\", \"field\"}`（见 Error）。/api 下不存在的路径返回 404 JSON。
- 目录读接口和办件进度查询无需登录；其他办件接口需登录（Cookie `ow_session`）。写接口（POST/PUT）需要：Cookie `ow_session`（登录会话）和 `ow_csrf`，以及请求头 `X-CSRF-Token`，其值等于 `ow_csrf` Cookie 的值。`ow_csrf` 是 HttpOnly Cookie，API 客户端从响应的 Set-Cookie 头取得：任意页面（如 GET /login）会下发它；用它登录（POST /login，表单字段 csrf、login、password）后，响应的 Set-Cookie 给出 `ow_session` 和轮换后的新 `ow_csrf`，之后须使用新值。
- 办件中的日期为 `YYYY-MM-DD`；时刻为 `YYYY-MM-DD HH:MM:SS.f +HH:MM:SS`（UTC，见 DateTime，不是 RFC 3339）；时间线的 at 为 Unix 毫秒。
- 错误状态码（均为 JSON）：401 unauthenticated、403 forbidden、404 not_found、409 conflict / invalid_state、422 validation_failed、429 too_many_attempts（登录、注册和修改密码按客户端地址限流）、500 internal。",
        license(name = "Apache-2.0"),
    ),
    tags(
        (name = "catalog", description = "公开的事项目录"),
        (name = "admin", description = "事项管理员维护（需登录和 CSRF 令牌）"),
        (name = "cases", description = "办件：申请、查看、办理、上传材料（需登录；写操作需 CSRF 令牌），以及公开的进度查询"),
        (name = "agents", description = "帮办代办授权和我的消息（需登录；写操作需 CSRF 令牌）"),
        (name = "licenses", description = "电子证照：证照夹、用证记录、注销和公开核验"),
        (name = "bundles", description = "一件事：定义、一次申请和办理进度"),
        (name = "statistics", description = "统计和好差评数据（工作人员）"),
        (name = "supervision", description = "电子监察：黄红牌预警的查询和确认、督办和督办件办结（监察人员看本区划，部门看本部门）"),
        (name = "hall", description = "政务服务大厅：预约、取号、叫号、大屏、运行统计和政务地图"),
        (name = "hotline", description = "12345 热线：工单、派单、办理、回访、知识库、网上咨询和接诉即办考核"),
        (name = "market", description = "中介超市：中介服务项目的发布、报价、选取（随机抽取可复核）、合同、交付和评价，机构入驻和信用名单"),
        (name = "account", description = "本人账号：修改密码（需登录和 CSRF 令牌）"),
        (name = "meta", description = "接口文档"),
        (name = "ops", description = "运维探针（不在 /api 下）"),
    ),
    components(schemas(ErrorBody)),
)]
struct Base;

#[derive(OpenApi)]
#[openapi(paths(super::openapi_json))]
struct Meta;

/// The whole document as JSON.
pub fn document() -> String {
    let mut doc = Base::openapi();
    for part in [
        super::catalog::paths(),
        super::cases::paths(),
        super::agents::paths(),
        super::licenses::paths(),
        super::bundles::paths(),
        super::supervision::paths(),
        super::account::paths(),
        super::setup::paths(),
        super::hall::paths(),
        super::hotline::paths(),
        super::market::paths(),
        crate::ops_paths(),
        Meta::openapi(),
    ] {
        doc.merge(part);
    }
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, cookie) in [("sessionCookie", "ow_session"), ("csrfCookie", "ow_csrf")] {
        let key = ApiKey::Cookie(ApiKeyValue::new(cookie));
        components.add_security_scheme(name, SecurityScheme::ApiKey(key));
    }
    let header = ApiKey::Header(ApiKeyValue::new("X-CSRF-Token"));
    components.add_security_scheme("csrfHeader", SecurityScheme::ApiKey(header));
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with("/api/") {
            continue;
        }
        for (write, op) in operations(item) {
            // Every write under /api takes the session and the CSRF token (the double
            // submit: cookie and header), said here once rather than on each operation.
            if write {
                op.security.get_or_insert_with(|| {
                    let scopes = Vec::<String>::new;
                    vec![
                        SecurityRequirement::new("sessionCookie", scopes())
                            .add("csrfCookie", scopes())
                            .add("csrfHeader", scopes()),
                    ]
                });
            }
            // Any operation under /api may fail inside: a 500 with the request id.
            op.responses
                .responses
                .entry("500".into())
                .or_insert_with(internal);
        }
    }
    doc.to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Each operation of a path, with whether it writes (the methods that need the CSRF token).
fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (bool, &mut utoipa::openapi::path::Operation)> {
    [
        (false, &mut item.get),
        (true, &mut item.put),
        (true, &mut item.post),
        (true, &mut item.delete),
        (true, &mut item.patch),
    ]
    .into_iter()
    .filter_map(|(write, op)| op.as_mut().map(|op| (write, op)))
}

fn internal() -> RefOr<Response> {
    error("500 internal：服务器内部错误，message 只含请求编号")
}

/// A response with the JSON error body.
fn error(description: &str) -> RefOr<Response> {
    let body = Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
        "Error",
    ))));
    ResponseBuilder::new()
        .description(description)
        .content("application/json", body)
        .build()
        .into()
}

/// The error answers an operation lists in `responses(..)` of its `#[utoipa::path]`, one
/// type per status, so each handler says which it may give.
macro_rules! error_responses {
    ($($(#[$doc:meta])* $name:ident = $status:literal, $description:literal;)+) => {$(
        $(#[$doc])*
        pub(super) struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<String, RefOr<Response>> {
                std::collections::BTreeMap::from([($status.to_string(), error($description))])
            }
        }
    )+};
}

error_responses! {
    /// 401: no valid session.
    Unauthenticated = "401", "401 unauthenticated：未登录（缺少或无效的 ow_session）";
    /// 403: a write without the CSRF token, or a person whose role or scope does not allow it.
    Forbidden = "403", "403 forbidden：X-CSRF-Token 缺失或与 ow_csrf 不符，或身份、角色、管辖范围不允许";
    /// 404: not there, or not visible to this person (so ids cannot be probed).
    NotFound = "404", "404 not_found：不存在或无权查看";
    /// 409: a unique value taken, a concurrent change, or a state that does not allow it.
    Conflict = "409", "409 conflict（唯一性冲突，或刚被他人修改）或 invalid_state（当前状态不允许）";
    /// 422: a parameter, the body or a rule is not satisfied; `field` names the first problem.
    Invalid = "422", "422 validation_failed：参数、请求体或规则校验不通过，field 指出字段";
    /// 429: too many failed attempts from this client (login throttling).
    TooManyAttempts = "429", "429 too_many_attempts：本客户端失败次数过多，message 说明何时可再试";
}

/// What every write may answer: 401, 403 (no CSRF token, or not allowed) and 422.
pub(super) struct WriteErrors;

impl utoipa::IntoResponses for WriteErrors {
    fn responses() -> std::collections::BTreeMap<String, RefOr<Response>> {
        let mut all = Unauthenticated::responses();
        all.extend(Forbidden::responses());
        all.extend(Invalid::responses());
        all
    }
}

/// A multipart endpoint given another body: axum answers 400 in plain text before the
/// handler runs.
pub(super) struct NotMultipart;

impl utoipa::IntoResponses for NotMultipart {
    fn responses() -> std::collections::BTreeMap<String, RefOr<Response>> {
        let text = Content::new(Some(RefOr::T(utoipa::openapi::schema::Schema::Object(
            utoipa::openapi::schema::Object::with_type(utoipa::openapi::schema::Type::String),
        ))));
        let response = ResponseBuilder::new()
            .description("400：请求体不是 multipart/form-data（纯文本说明）")
            .content("text/plain", text)
            .build();
        std::collections::BTreeMap::from([("400".to_string(), response.into())])
    }
}
