//! The server's periodic work: the search index follows the catalog every few seconds; the
//! rest runs every 30 seconds and on longer rounds.

use std::time::Duration;

use app::App;

/// Periodic work: expire sessions, pick up catalog changes made by other nodes, (hourly) keep
/// SQLite's planner statistics current and remove orphaned uploads, and (daily) rebuild the
/// search index with current demand.
pub fn spawn(app: App) {
    // Catalog imports and dictionary changes made by another process (the command line, a
    // second node) reach this node's search within seconds: one small query per tick.
    let watcher = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3));
        loop {
            tick.tick().await;
            if let Err(e) = app::index::refresh_if_stale(&watcher, |_, _| {}).await {
                tracing::warn!("search index refresh failed: {e:?}");
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        for round in 1u64.. {
            tick.tick().await;
            if round % 120 == 0
                && let Err(e) = app.store.optimize().await
            {
                tracing::warn!("planner statistics refresh failed: {e:?}");
            }
            match app::cases::sweep_tolerance(&app).await {
                Ok(n) if n > 0 => tracing::info!(cases = n, "overdue 容缺 materials handled"),
                Ok(_) => {}
                Err(e) => tracing::warn!("tolerance sweep failed: {e:?}"),
            }
            match app::supervision::scan(&app).await {
                Ok(r) if r.raised > 0 || r.cleared > 0 => {
                    tracing::info!(raised = r.raised, cleared = r.cleared, "电子监察 scan")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("电子监察 scan failed: {e:?}"),
            }
            match app::ratings::default_unrated(&app).await {
                Ok(n) if n > 0 => tracing::info!(cases = n, "unrated cases defaulted to 基本满意"),
                Ok(_) => {}
                Err(e) => tracing::warn!("default rating pass failed: {e:?}"),
            }
            // Every ten minutes: bookings whose band ended without a check-in count as
            // no-shows, tomorrow's bookings are reminded (once each), and licenses running
            // out (30 and 7 days before, once each).
            if round % 20 == 1 {
                match app::hall::booking::sweep(&app).await {
                    Ok(s) if s.no_shows > 0 || s.reminders > 0 => tracing::info!(
                        no_shows = s.no_shows,
                        reminders = s.reminders,
                        "hall bookings swept"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!("hall booking sweep failed: {e:?}"),
                }
                match app::notify::remind_expiring(&app).await {
                    Ok(n) if n > 0 => tracing::info!(licenses = n, "证照到期提醒 sent"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!("license expiry reminders failed: {e:?}"),
                }
            }
            if let Err(e) = app::bundles::advance_all(&app).await {
                tracing::warn!("bundle retry pass failed: {e:?}");
            }
            if let Err(e) = app::auth::purge_sessions(&app).await {
                tracing::warn!("session purge failed: {e:?}");
            }
            // Daily: the search index is rebuilt so that its demand figures (cases in the last
            // year, which rank items people apply for) follow the cases, not only the catalog.
            if round % 2880 == 20 {
                match app::index::rebuild(&app, |_, _| {}).await {
                    Ok(n) => tracing::info!(items = n, "search index rebuilt with current demand"),
                    Err(e) => tracing::warn!("daily search index rebuild failed: {e:?}"),
                }
            }
            // Daily: a signed checkpoint of every audit chain's head, for copying off the server.
            if round % 2880 == 10 {
                match app::audit::write_checkpoint(&app, None).await {
                    Ok(p) => tracing::info!(path = %p.display(), "audit checkpoint written"),
                    Err(e) => tracing::warn!("audit checkpoint failed: {e:?}"),
                }
            }
            // Hourly: uploads nothing refers to, past their grace period.
            if round % 120 == 1 {
                match app::uploads::sweep_orphans(&app).await {
                    Ok(n) if n > 0 => tracing::info!(files = n, "orphaned uploads removed"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!("upload sweep failed: {e:?}"),
                }
            }
        }
    });
}
