//! `onewindow events`: how event delivery stands (each sink's position, what it is behind,
//! its last failure), the dead letters, and replaying one. Runs beside a live server.

use app::auth::SystemAdmin;
use bench::explain;

use crate::config::Config;
use crate::{EventsCommand, open_read_only};

fn time_of(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| {
            let t = t.to_offset(domain::calendar::CHINA_OFFSET);
            format!(
                "{}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                t.month() as u8,
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_default()
}

pub async fn run(cfg: &Config, command: EventsCommand) -> anyhow::Result<()> {
    let app = open_read_only(cfg).await?;
    let cap = SystemAdmin::command_line();
    match command {
        EventsCommand::Status => {
            let o = app::outbox::overview(&app, &cap).await.map_err(explain)?;
            println!("发件箱最新事件：第 {} 号", o.head);
            let configured = cfg.events.sink_names();
            for name in &configured {
                match o.sinks.iter().find(|s| &s.cursor.sink == name) {
                    None => println!("  {name}：尚未开始投递"),
                    Some(s) => {
                        let c = &s.cursor;
                        println!(
                            "  {name}：已投递 {} 条，位置 {}，落后 {} 条{}",
                            c.delivered,
                            c.position,
                            s.behind,
                            match &c.last_error {
                                Some(e) => format!(
                                    "；第 {} 次失败：{e}（{} 重试）",
                                    c.attempts,
                                    time_of(c.retry_at)
                                ),
                                None => String::new(),
                            }
                        );
                    }
                }
            }
            if configured.is_empty() {
                println!("  未配置接收方（[[events.nats]]、[[events.webhooks]]）");
            }
            println!("死信 {} 条（onewindow events dead 查看）", o.dead.len());
            Ok(())
        }
        EventsCommand::Dead => {
            let o = app::outbox::overview(&app, &cap).await.map_err(explain)?;
            if o.dead.is_empty() {
                println!("没有死信。");
            }
            for d in &o.dead {
                println!(
                    "{} #{} {} {} 尝试 {} 次，{}：{}{}",
                    d.sink,
                    d.seq,
                    d.topic,
                    d.aggregate,
                    d.attempts,
                    time_of(d.dead_at),
                    d.last_error,
                    if d.replay == 1 {
                        "（等待重发）"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        EventsCommand::Replay { sink, seq } => {
            app::outbox::replay(&app, &cap, &sink, seq)
                .await
                .map_err(explain)?;
            println!("已请求重发 {sink} 的第 {seq} 号事件；运行中的服务会在下一轮投递。");
            Ok(())
        }
    }
}
