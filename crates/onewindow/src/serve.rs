//! `onewindow serve`: the web server, its periodic jobs, the outbox's deliverers, and an
//! orderly stop (drain, then give the job lease up).

use std::future::IntoFuture;
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::config::Config;
use crate::{explain, housekeeping, open, print_demo};

pub(crate) async fn serve(
    mut cfg: Config,
    demo: bool,
    listen: Option<String>,
) -> anyhow::Result<()> {
    if let Some(l) = listen {
        cfg.server.listen = l;
    }
    cfg.demo = demo;
    // Issuer keys, audit keys and second-factor secrets are sealed under the master key; kept
    // in the data directory it would travel with every copy of the data. The demo may make
    // one there; a real installation must name one.
    if !demo && cfg.licenses.master_key.is_empty() {
        bail!(
            "请设置主密钥：licenses.master_key（32 位十六进制），或用 ONEWINDOW__LICENSES__MASTER_KEY_FILE 指向数据目录以外的密钥文件。演示请用 serve --demo。"
        );
    }
    let app = open(&cfg).await?;
    if demo {
        print_demo(&app::demo::load_full(&app).await.map_err(explain)?);
    }
    app::auth::purge_sessions(&app).await.map_err(explain)?;
    app.store
        .optimize()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind(&cfg.server.listen)
        .await
        .with_context(|| format!("无法监听 {}", cfg.server.listen))?;
    let addr = listener.local_addr()?;
    println!("一窗通办已启动：http://{addr}/");
    // Other nodes' changes are heard before the first request is served.
    app::cluster::listen(&app).await.map_err(explain)?;
    housekeeping::spawn(app.clone(), cfg.jobs.clone());
    // Each sink has one deliverer across all nodes (a lease in the database).
    let node = app.node.to_string();
    let sinks = cfg.events.sink_names();
    if !sinks.is_empty() {
        println!("事件投递：{}", sinks.join("、"));
    }
    relay::spawn(app.store.clone(), &cfg.events, &node);
    if relay::notify::spawn(app.store.clone(), &cfg.notify).is_some() {
        let c: Vec<&str> = cfg.notify.channels().iter().map(|c| c.label()).collect();
        println!("消息提醒：{}", c.join("、"));
    }
    let mut state = web::AppState::new(app.clone(), cfg.server.secure_cookies);
    let draining = state.draining.clone();
    state.metrics_token = Some(cfg.server.metrics_token.clone()).filter(|t| !t.is_empty());
    let router = web::router(state);
    // The peer address reaches handlers as `ConnectInfo`: logins are throttled per client.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let drain = std::time::Duration::from_secs(cfg.server.drain_seconds);
    let drained = Arc::new(tokio::sync::Notify::new());
    let told = drained.clone();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        stop_requested().await;
        // A rolling restart: the balancer sees `/readyz` fail and sends no more; what is in
        // flight meanwhile still finishes (axum waits for open requests).
        draining.store(true, std::sync::atomic::Ordering::Release);
        tracing::info!(seconds = drain.as_secs(), "draining before stopping");
        tokio::time::sleep(drain).await;
        told.notify_one();
    });
    // A hall board's event stream never ends by itself: after the drain, what is still open
    // gets STOP_GRACE, then the server stops anyway (the board reconnects to another node).
    tokio::select! {
        served = server.into_future() => served?,
        _ = async {
            drained.notified().await;
            tokio::time::sleep(STOP_GRACE).await;
        } => tracing::warn!("connections still open {STOP_GRACE:?} after draining: stopping anyway"),
    }
    housekeeping::release(&app).await;
    app.store.close().await;
    Ok(())
}

/// How long requests still open after the drain may run on.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Ctrl-C, or SIGTERM (what a service manager sends).
async fn stop_requested() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
