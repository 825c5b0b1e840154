//! `onewindow push verify --since DATE`: asks the upper-level platform (数据汇聚) what it holds
//! of the cases created since DATE and lists what it is missing: a case it never heard of, a
//! step, the particulars or the result. Exits 1 when something is missing, so a nightly job can
//! alert; `onewindow events status` says whether the push sink is still catching up.

use app::auth::SystemAdmin;
use bench::explain;
use clap::Subcommand;

use crate::config::Config;
use crate::open_read_only;

#[derive(Subcommand)]
pub enum PushCommand {
    /// List what the upper platform is missing of the cases created since a date.
    Verify {
        /// First day (China time), `YYYY-MM-DD`.
        #[arg(long)]
        since: String,
        /// Which `[[events.push]]` platform (needed when more than one is configured).
        #[arg(long)]
        sink: Option<String>,
        /// Print the shortfalls as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cfg: &Config, command: PushCommand) -> anyhow::Result<()> {
    let PushCommand::Verify { since, sink, json } = command;
    let day = time::Date::parse(
        &since,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| anyhow::anyhow!("--since 应为日期 YYYY-MM-DD，收到“{since}”"))?;
    let target = cfg
        .events
        .push_sink(sink.as_deref())
        .map_err(|e| anyhow::anyhow!(e))?;
    let since_ms = (day
        .midnight()
        .assume_offset(domain::calendar::CHINA_OFFSET)
        .unix_timestamp())
        * 1000;
    let app = open_read_only(cfg).await?;
    let local = app::outbox::push_expected(&app, &SystemAdmin::command_line(), since_ms)
        .await
        .map_err(explain)?;
    let remote = relay::push::holdings(target, &since)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let gaps = domain::push::missing(&local, &remote);
    if json {
        println!("{}", serde_json::to_string_pretty(&gaps)?);
    } else {
        println!(
            "{} 起本平台办件 {} 件，上级平台“{}”有记录 {} 件。",
            since,
            local.len(),
            target.name,
            remote.len()
        );
        if gaps.is_empty() {
            println!("上级平台不缺任何记录。");
        } else {
            println!("上级平台缺 {} 件的记录：", gaps.len());
            for g in &gaps {
                println!("  {}：{}", g.case_number, g.describe());
            }
        }
    }
    if gaps.is_empty() {
        Ok(())
    } else {
        std::process::exit(1)
    }
}
