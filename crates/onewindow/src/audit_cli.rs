//! `onewindow audit`: verify the chains (beside a live server) and take signed checkpoints.

use anyhow::{Context, bail};
use bench::explain;
use indicatif::ProgressBar;

use crate::config::Config;
use crate::{AuditCommand, open_read_only};

pub async fn run(cfg: &Config, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Checkpoint { out } => {
            let app = open_read_only(cfg).await?;
            let path = app::audit::write_checkpoint(&app, out.as_deref())
                .await
                .map_err(explain)?;
            println!(
                "检查点已写入 {}。请把它复制到服务器以外保存。",
                path.display()
            );
            Ok(())
        }
        AuditCommand::Verify { json, checkpoint } => {
            let app = open_read_only(cfg).await?;
            let checkpoint = match checkpoint {
                Some(p) => {
                    let text = std::fs::read_to_string(&p)
                        .with_context(|| format!("无法读取检查点 {}", p.display()))?;
                    let cp: app::audit::Checkpoint = serde_json::from_str(&text)
                        .with_context(|| format!("{} 不是检查点文件", p.display()))?;
                    cp.check_signature(&app).await.map_err(explain)?;
                    Some(cp)
                }
                None => None,
            };
            let pb = ProgressBar::new_spinner();
            pb.set_message("校验操作留痕哈希链");
            let report =
                app::audit::verify(&app, checkpoint.as_ref(), |n| pb.set_position(n as u64))
                    .await
                    .map_err(explain)?;
            pb.finish_and_clear();
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "已校验 {} 个办件的 {} 条操作记录，{} 条管理操作记录。",
                    report.cases, report.events, report.admin_events
                );
                if let Some(n) = report.checkpoint_cases {
                    println!("并与检查点（{n} 个办件）比对。");
                }
                for b in &report.broken {
                    println!("  办件 {} 第 {} 条记录：{}", b.case_id, b.seq, b.reason);
                }
            }
            if !report.broken.is_empty() {
                bail!("{} 个办件的操作留痕被篡改。", report.broken.len());
            }
            println!("全部完好。");
            Ok(())
        }
    }
}
