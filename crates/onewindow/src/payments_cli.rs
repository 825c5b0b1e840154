//! `onewindow payments reconcile --date DATE`: the day's 统一公共支付 orders against the payment
//! platform's statement (对账). Exits 1 when they differ, so a nightly job can alert.

use bench::explain;
use clap::Subcommand;

use crate::config::Config;
use crate::open_read_only;

#[derive(Subcommand)]
pub enum PaymentsCommand {
    /// Compare one day's payments with the platform's statement.
    Reconcile {
        /// The day (China time), `YYYY-MM-DD`.
        #[arg(long)]
        date: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cfg: &Config, command: PaymentsCommand) -> anyhow::Result<()> {
    let PaymentsCommand::Reconcile { date, json } = command;
    let day = time::Date::parse(
        &date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| anyhow::anyhow!("--date 应为日期 YYYY-MM-DD，收到“{date}”"))?;
    let app = open_read_only(cfg).await?;
    let r = app::payment::reconcile(&app, day).await.map_err(explain)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!(
            "{}：本平台到账订单 {} 笔（合计 {}），平台对账单 {} 笔。",
            r.date,
            r.ours,
            domain::payment::yuan(r.total_fen),
            r.theirs
        );
        if r.mismatches.is_empty() {
            println!("账目一致。");
        } else {
            println!("有 {} 处不一致：", r.mismatches.len());
            for m in &r.mismatches {
                println!("  {}", m.describe());
            }
        }
    }
    if r.mismatches.is_empty() {
        Ok(())
    } else {
        std::process::exit(1)
    }
}
