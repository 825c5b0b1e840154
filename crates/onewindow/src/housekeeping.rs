//! The server's periodic work: the search index follows the catalog every few seconds; the
//! rest runs in rounds (every 30 seconds, some jobs on longer rounds) on one node at a time:
//! the node holding the `housekeeping` lease, renewed before each job, so that with several
//! nodes on one database each job runs once, and another node takes over when the holder dies.

use std::time::Duration;

use app::App;
use serde::{Deserialize, Serialize};

/// `[jobs]`: how often a round runs and how long a node keeps the right to run them after it
/// last renewed it (a dead node's jobs resume elsewhere after at most this).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Jobs {
    #[serde(default = "default_round")]
    pub round_seconds: u64,
    #[serde(default = "default_lease")]
    pub lease_seconds: u64,
}

fn default_round() -> u64 {
    30
}

fn default_lease() -> u64 {
    90
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs {
            round_seconds: default_round(),
            lease_seconds: default_lease(),
        }
    }
}

impl Jobs {
    pub fn check(&self) -> Result<(), String> {
        if self.round_seconds == 0 || self.lease_seconds <= self.round_seconds {
            return Err(format!(
                "[jobs] lease_seconds（{}）须大于 round_seconds（{}），且 round_seconds 不能为 0",
                self.lease_seconds, self.round_seconds
            ));
        }
        Ok(())
    }
}

/// The lease's name.
pub const JOB: &str = "housekeeping";

/// Takes or renews the lease; false when another node holds it (or the database is away).
async fn hold(app: &App, jobs: &Jobs) -> bool {
    let lease_ms = jobs.lease_seconds as i64 * 1000;
    match store::cluster::claim(&app.store, JOB, &app.node, app.now_ms(), lease_ms).await {
        Ok(held) => held,
        Err(e) => {
            tracing::warn!("job lease not renewed: {e}");
            false
        }
    }
}

/// Periodic work: on every node the search index follows the catalog (and is rebuilt daily
/// with current demand); on the lease holder, the jobs of `run_round`.
pub fn spawn(app: App, jobs: Jobs) {
    // Catalog imports and dictionary changes made by another process (the command line, a
    // second node) reach this node's search within seconds: one small query per tick. (Other
    // nodes on PostgreSQL are heard at once, `app::cluster`; this also covers commands.)
    let watcher = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3));
        for n in 1u64.. {
            tick.tick().await;
            if let Err(e) = app::index::refresh_if_stale(&watcher, |_, _| {}).await {
                tracing::warn!("search index refresh failed: {e:?}");
            }
            // Daily, on every node (each has its own index): rebuilt so that its demand
            // figures (cases in the last year, which rank items people apply for) follow the
            // cases, not only the catalog.
            if n % 28_800 == 200 {
                match app::index::rebuild(&watcher, |_, _| {}).await {
                    Ok(n) => tracing::info!(items = n, "search index rebuilt with current demand"),
                    Err(e) => tracing::warn!("daily search index rebuild failed: {e:?}"),
                }
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(jobs.round_seconds));
        let mut round = 0u64;
        loop {
            tick.tick().await;
            if !hold(&app, &jobs).await {
                continue;
            }
            round += 1;
            let started = app.now_ms();
            let whole = run_round(&app, &jobs, round).await;
            if let Err(e) =
                store::cluster::record_round(&app.store, JOB, &app.node, started, app.now_ms())
                    .await
            {
                tracing::warn!("job round not recorded: {e}");
            }
            if !whole {
                tracing::info!("job lease lost mid-round: another node goes on");
            }
        }
    });
}

/// Gives the lease up (a node stopping in order).
pub async fn release(app: &App) {
    if let Err(e) = store::cluster::release(&app.store, JOB, &app.node).await {
        tracing::warn!("job lease not released: {e}");
    }
}

/// One round; false when the lease was lost before its end (the rest is left to its holder).
async fn run_round(app: &App, jobs: &Jobs, round: u64) -> bool {
    let app = app.clone();
    // Before each job: still ours?
    macro_rules! held {
        () => {
            if !hold(&app, jobs).await {
                return false;
            }
        };
    }
    held!();
    if round.is_multiple_of(120)
        && let Err(e) = app.store.optimize().await
    {
        tracing::warn!("planner statistics refresh failed: {e:?}");
    }
    held!();
    match app::cases::sweep_tolerance(&app).await {
        Ok(n) if n > 0 => tracing::info!(cases = n, "overdue 容缺 materials handled"),
        Ok(_) => {}
        Err(e) => tracing::warn!("tolerance sweep failed: {e:?}"),
    }
    held!();
    match app::supervision::scan(&app).await {
        Ok(r) if r.raised > 0 || r.cleared > 0 => {
            tracing::info!(raised = r.raised, cleared = r.cleared, "电子监察 scan")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("电子监察 scan failed: {e:?}"),
    }
    held!();
    match app::tongban::push_pending(&app).await {
        Ok(n) if n > 0 => tracing::info!(pushed = n, "跨市通办 progress pushed to partners"),
        Ok(_) => {}
        Err(e) => tracing::warn!("跨市通办 progress push failed: {e:?}"),
    }
    match app::off_platform::scan(&app).await {
        Ok(n) if n > 0 => tracing::info!(raised = n, "体外循环 suspicions raised"),
        Ok(_) => {}
        Err(e) => tracing::warn!("体外循环 scan failed: {e:?}"),
    }
    held!();
    match app::ratings::default_unrated(&app).await {
        Ok(n) if n > 0 => tracing::info!(cases = n, "unrated cases defaulted to 基本满意"),
        Ok(_) => {}
        Err(e) => tracing::warn!("default rating pass failed: {e:?}"),
    }
    held!();
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
    held!();
    if let Err(e) = app::bundles::advance_all(&app).await {
        tracing::warn!("bundle retry pass failed: {e:?}");
    }
    held!();
    if let Err(e) = app::auth::purge_sessions(&app).await {
        tracing::warn!("session purge failed: {e:?}");
    }
    if let Err(e) = app::hall::kiosk::purge_entries(&app).await {
        tracing::warn!("kiosk entry purge failed: {e:?}");
    }
    held!();
    // Daily: a signed checkpoint of every audit chain's head, for copying off the server.
    if round % 2880 == 10 {
        match app::audit::write_checkpoint(&app, None).await {
            Ok(p) => tracing::info!(path = %p.display(), "audit checkpoint written"),
            Err(e) => tracing::warn!("audit checkpoint failed: {e:?}"),
        }
    }
    held!();
    // Hourly: 免申即享 policies not run for a day find those who became eligible since.
    if round % 120 == 5 {
        match app::policies::run_due(&app).await {
            Ok(n) if n > 0 => tracing::info!(grants = n, "免申即享 grants made"),
            Ok(_) => {}
            Err(e) => tracing::warn!("免申即享 pass failed: {e:?}"),
        }
    }
    held!();
    // Hourly: uploads nothing refers to, past their grace period.
    if round % 120 == 1 {
        match app::uploads::sweep_orphans(&app).await {
            Ok(n) if n > 0 => tracing::info!(files = n, "orphaned uploads removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!("upload sweep failed: {e:?}"),
        }
    }
    true
}
