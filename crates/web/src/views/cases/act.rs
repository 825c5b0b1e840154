//! One multipart form posts every action (uploads travel with it); it becomes the command it
//! asks for, and errors re-render the page.

use std::collections::BTreeMap;

use app::cases::{self, CaseView};
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::case::{Command, Delivery, Provision};

use super::render;
use crate::ctx::Ctx;
use crate::{AppState, WebError};

use super::*;
use crate::views::forms::{Problems, parse_kept, typed};

/// The fields of the action form, as posted.
#[derive(Default)]
pub(crate) struct ActForm {
    pub csrf: String,
    pub action: String,
    pub text: BTreeMap<String, String>,
    pub lists: BTreeMap<String, Vec<String>>,
    pub files: BTreeMap<String, (String, Vec<u8>)>,
}

pub(crate) async fn read_form(mut mp: Multipart) -> Result<ActForm, WebError> {
    let mut f = ActForm::default();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| app::AppError::field("file", "unreadable", format!("上传失败：{e}")))?
    {
        let name = field.name().unwrap_or("").to_string();
        if let Some(file_name) = field.file_name().map(str::to_string) {
            let bytes = field
                .bytes()
                .await
                .map_err(|e| app::AppError::field(&name, "unreadable", format!("上传失败：{e}")))?;
            if !bytes.is_empty() {
                f.files.insert(name, (file_name, bytes.to_vec()));
            }
            continue;
        }
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "csrf" => f.csrf = value,
            "action" => f.action = value,
            "tolerate" | "supp_mat" | "optional" | "fee" => {
                f.lists.entry(name).or_default().push(value)
            }
            _ => {
                f.text.insert(name, value);
            }
        }
    }
    Ok(f)
}

/// The materials the form provides: uploads, stored now as the actor's (or carried from a
/// failed post), and originals the clerk checked at the window. Every file is tried, and
/// every problem returned with its material, so that one bad file does not hide another.
async fn materials(
    s: &AppState,
    actor: &app::auth::Actor,
    v: &CaseView,
    f: &ActForm,
) -> (BTreeMap<String, Provision>, Vec<domain::FieldError>) {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, m) in v.item.materials.iter().enumerate() {
        if let Some((name, bytes)) = f.files.get(&format!("file_{i}")) {
            match app::uploads::store(&s.app, actor, bytes, name).await {
                Ok(p) => {
                    out.insert(m.name.clone(), p);
                }
                Err(app::AppError::Validation(errs)) => {
                    problems.extend(errs.into_iter().map(|e| {
                        domain::FieldError::new(
                            format!("materials.{}", m.name),
                            e.code,
                            format!("“{}”：{}", m.name, e.message),
                        )
                    }));
                }
                Err(other) => problems.push(domain::FieldError::new(
                    format!("materials.{}", m.name),
                    "upload_failed",
                    format!("“{}”：{}", m.name, crate::error::describe(&other).0),
                )),
            }
        } else if let Some(p) = f.text.get(&format!("kept_{i}")).and_then(|k| parse_kept(k)) {
            out.insert(m.name.clone(), p);
        } else if f.text.get(&format!("check_{i}")).is_some_and(|v| v == "1") {
            out.insert(
                m.name.clone(),
                Provision::CheckedOriginal { by: String::new() },
            );
        }
    }
    (out, problems)
}

/// Actions that carry the form's files.
fn carries_files(action: &str) -> bool {
    matches!(
        action,
        "save" | "edit" | "submit" | "supply_pending" | "supply"
    )
}

/// Turns the posted form into the command it asks for, with the materials already stored.
pub(super) fn command(
    v: &CaseView,
    f: &ActForm,
    provided: &BTreeMap<String, Provision>,
) -> Result<Command, app::AppError> {
    let t = |k: &str| f.text.get(k).cloned().unwrap_or_default();
    let list = |k: &str| f.lists.get(k).cloned().unwrap_or_default();
    let materials =
        || -> Result<BTreeMap<String, Provision>, app::AppError> { Ok(provided.clone()) };
    let form = || -> BTreeMap<String, String> {
        v.item
            .form
            .iter()
            .filter_map(|fd| {
                f.text
                    .get(&format!("f_{}", fd.key))
                    .map(|val| (fd.key.clone(), val.clone()))
            })
            .collect()
    };
    let days = |k: &str| {
        t(k).trim()
            .parse::<u32>()
            .map_err(|_| app::AppError::field(k, "invalid", "天数应为正整数"))
    };
    Ok(match f.action.as_str() {
        "save" | "edit" => Command::Edit {
            form: form(),
            materials: materials()?,
        },
        "submit" => Command::Submit,
        "sign_commitment" => Command::SignCommitment {
            signer: t("signer"),
        },
        "supply_pending" => Command::SupplyPending {
            materials: materials()?,
        },
        "supply" => Command::Supply {
            form: form(),
            materials: materials()?,
        },
        "request_supplement" => Command::RequestSupplement {
            materials: list("supp_mat"),
            fields: vec![],
            note: t("note"),
        },
        "accept" => Command::Accept {
            tolerate: list("tolerate"),
            commitment: t("commitment") == "1",
        },
        "reject_at_intake" => Command::RejectAtIntake {
            reason: t("reason"),
        },
        "confirm_refusal" => Command::ConfirmRefusal,
        "overturn_refusal" => Command::OverturnRefusal { note: t("reason") },
        "claim" => Command::Claim,
        "complete_step" => Command::CompleteStep {
            opinion: t("reason"),
        },
        "approve" => Command::Approve {
            reason: t("reason"),
            legal_basis: t("legal_basis"),
        },
        "deny" => Command::Deny {
            reason: t("reason"),
            legal_basis: t("legal_basis"),
        },
        "suspend" => Command::Suspend {
            reason: t("reason"),
            expected_days: days("days")?,
        },
        "resume" => Command::Resume,
        "extend" => Command::Extend {
            days: days("days")?,
            reason: t("reason"),
        },
        "issue" => Command::Issue {
            delivery: match t("delivery").as_str() {
                // 就近取件: the result goes to the point the person chose.
                _ if v.case.relay.is_some() => Delivery::Window {
                    window: v
                        .case
                        .relay
                        .as_ref()
                        .map(|r| r.pickup.name.clone())
                        .unwrap_or_default(),
                },
                "post" => Delivery::Post {
                    carrier: t("carrier"),
                    tracking: t("tracking"),
                },
                "electronic" => Delivery::Electronic,
                _ => Delivery::Window {
                    window: if t("window").trim().is_empty() {
                        "统一出件窗口".into()
                    } else {
                        format!("{}号窗口", t("window").trim())
                    },
                },
            },
        },
        "complete" => Command::Complete,
        "send_originals" => Command::SendOriginals,
        "choose_pickup" => Command::ChoosePickup {
            point: domain::case::relay::PointRef {
                code: t("pickup"),
                name: String::new(),
                region: String::new(),
            },
        },
        "receive_originals" => Command::ReceiveOriginals,
        "withdraw" => Command::Withdraw {
            reason: t("reason"),
        },
        "verify_pass" => Command::Verify {
            passed: true,
            note: t("note"),
        },
        "verify_fail" => Command::Verify {
            passed: false,
            note: t("note"),
        },
        other => {
            return Err(app::AppError::field(
                "action",
                "unknown",
                format!("未知操作“{other}”"),
            ));
        }
    })
}

pub(super) async fn act(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let f = read_form(mp).await?;
    ctx.check_csrf(&f.csrf)?;
    // 去缴费: to the payment platform's own page.
    if f.action == "pay" {
        let url = app::payment::pay(&s.app, &ctx.actor, &id).await?;
        return Ok(Redirect::to(&url).into_response());
    }
    let v = cases::view(&s.app, &ctx.actor, &id).await?;
    let (provided, upload_problems) = if carries_files(&f.action) {
        materials(&s, &ctx.actor, &v, &f).await
    } else {
        Default::default()
    };
    let result = if upload_problems.is_empty() {
        run(&s, &ctx, &id, &v, &f, &provided).await
    } else {
        Err(app::AppError::Validation(upload_problems))
    };
    match result {
        // A deleted draft is gone from 我的办件: back there.
        Ok(()) if f.action == "withdraw" && v.case.state == domain::case::CaseState::Draft => {
            Ok(Redirect::to("/cases?flash=deleted").into_response())
        }
        Ok(()) => Ok(Redirect::to(&format!(
            "/cases/{id}?flash={}",
            if f.action == "save" { "saved" } else { "done" }
        ))
        .into_response()),
        // A mistake re-renders the page with what was typed and uploaded, every problem
        // listed and marked at its field.
        Err(
            e @ (app::AppError::Validation(_)
            | app::AppError::State(_)
            | app::AppError::Conflict { .. }),
        ) => {
            let status = crate::error::status_of(&e);
            let v = cases::view(&s.app, &ctx.actor, &id).await?;
            let posted = Posted {
                problems: Problems::of(&e, |field| anchor(&v, field)),
                form: typed(&f.text),
                kept: provided,
            };
            let mut r = render(&case_page(&ctx, v, posted, String::new()))?;
            *r.status_mut() = status;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs the posted action; submitting with anything typed or attached saves the draft first
/// (one click for the applicant).
async fn run(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    v: &CaseView,
    f: &ActForm,
    provided: &BTreeMap<String, Provision>,
) -> Result<(), app::AppError> {
    let t = |k: &str| f.text.get(k).map(|v| v.as_str()).unwrap_or_default();
    // 邮寄 with the platform's courier: the courier gives the waybill, not the clerk.
    if f.action == "issue" && t("delivery") == "post" && v.courier.is_some() {
        let recipient = domain::post::Recipient::checked(
            t("recipient_name"),
            t("recipient_phone"),
            t("recipient_address"),
        )?;
        return app::post::ship(&s.app, &ctx.actor, id, recipient)
            .await
            .map(|_| ());
    }
    if f.action == "assess_fee" {
        return app::payment::assess(&s.app, &ctx.actor, id, fee_choice(v, f)?)
            .await
            .map(|_| ());
    }
    let cmd = command(v, f, provided)?;
    if f.action == "submit" && (!provided.is_empty() || f.text.keys().any(|k| k.starts_with("f_")))
    {
        let edit = command(
            v,
            &ActForm {
                action: "save".into(),
                ..clone_form(f)
            },
            provided,
        )?;
        cases::act(&s.app, &ctx.actor, id, edit).await?;
    }
    cases::act(&s.app, &ctx.actor, id, cmd).await.map(|_| ())
}

/// The fee rules ticked on the form (by their index in the item) and the quantity of each.
fn fee_choice(v: &CaseView, f: &ActForm) -> Result<Vec<(String, u32)>, app::AppError> {
    let mut out = Vec::new();
    for i in f.lists.get("fee").into_iter().flatten() {
        let fee = i
            .parse::<usize>()
            .ok()
            .and_then(|i| v.item.fees.get(i))
            .ok_or_else(|| app::AppError::field("fees", "unknown", "所选收费项目不存在"))?;
        let qty = f
            .text
            .get(&format!("fee_qty_{i}"))
            .map(|q| q.trim())
            .filter(|q| !q.is_empty())
            .unwrap_or("1");
        let qty = qty.parse::<u32>().map_err(|_| {
            app::AppError::field(
                "fees",
                "quantity",
                format!("“{}”的数量应为 1 到 99", fee.name),
            )
        })?;
        out.push((fee.name.clone(), qty));
    }
    Ok(out)
}

pub(super) fn clone_form(f: &ActForm) -> ActForm {
    ActForm {
        csrf: f.csrf.clone(),
        action: f.action.clone(),
        text: f.text.clone(),
        lists: f.lists.clone(),
        files: f.files.clone(),
    }
}
