//! Demo 体外循环: the demo's own cases were entered by the seeding in one go, so the scan is
//! told they were examined; then one 最低生活保障 case is received at the 五福社区 station and
//! reviewed and approved by 广安区民政局 within seconds, as a case entered after the fact
//! would be, and the scan raises it with its evidence.

use domain::case::{Command, Provision};

use crate::auth::actor_for_login;
use crate::{App, Result};

pub async fn seed(app: &App) -> Result<()> {
    {
        let mut c = app.store.conn().await?;
        if store::db::meta_value(&mut c, crate::off_platform::SCANNED_TO).await? != 0 {
            return Ok(());
        }
        store::db::set_meta(&mut c, crate::off_platform::SCANNED_TO, app.now_ms()).await?;
    }
    let login = crate::demo::demo_citizen_id_number();
    let station = actor_for_login(app, "wufu").await?;
    let c = crate::cases::start_at_window(app, &station, crate::demo_rights::DIBAO, &login).await?;
    let v = crate::cases::view(app, &station, &c.id).await?;
    let materials = v
        .item
        .materials
        .iter()
        .map(|m| {
            let checked = Provision::CheckedOriginal { by: "wufu".into() };
            (m.name.clone(), checked)
        })
        .collect();
    let form = crate::demo_cases::sample_form(&v.item, domain::calendar::china_date(app.now()));
    let act = |who: &'static str, cmd: Command| {
        let id = c.id.to_string();
        async move {
            let a = actor_for_login(app, who).await?;
            crate::cases::act(app, &a, &id, cmd).await
        }
    };
    act("wufu", Command::Edit { form, materials }).await?;
    act("wufu", Command::Submit).await?;
    act(
        "wufu",
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
    )
    .await?;
    for (who, opinion) in [("mzj", "同意"), ("mzj2", "同意")] {
        act(who, Command::Claim).await?;
        act(
            who,
            Command::CompleteStep {
                opinion: opinion.into(),
            },
        )
        .await?;
    }
    act("mzj-pz", Command::Claim).await?;
    act(
        "mzj-pz",
        Command::Approve {
            reason: "符合最低生活保障条件".into(),
            legal_basis: String::new(),
        },
    )
    .await?;
    crate::off_platform::scan(app).await?;
    Ok(())
}
