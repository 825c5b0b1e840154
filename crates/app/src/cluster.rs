//! Several nodes on one PostgreSQL: what one node changes that others keep a copy of (a
//! session ended, an account, the organisation, a hall's board, the catalog) is announced on
//! the database's channel, and every node drops or refreshes its copy within moments instead
//! of waiting for the cache to expire (`CACHE_TTL`, the fallback should a message be lost).

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::App;

/// A change other nodes hold a copy of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Change {
    /// A session ended (logout, idle, replaced by a newer login).
    Session {
        hash: String,
    },
    /// Every session of an account ended (password changed, second factor bound), and the
    /// account itself changed.
    Account {
        id: String,
    },
    /// Regions or departments changed.
    Org,
    /// Bundle (一件事) definitions saved.
    Bundles,
    LicenseTypes,
    /// 电子监察 thresholds.
    Thresholds,
    /// The working-day calendar (a holiday notice).
    Calendar,
    /// A hall's queue moved: its display boards show the new state.
    Board {
        hall: String,
        announce: Option<String>,
    },
    /// A post (notice, policy reading) saved: each node's post index compares again.
    Posts,
    /// A 12345 knowledge-base article saved: each node's search index takes its latest
    /// version.
    Article {
        id: String,
    },
}

#[derive(Serialize, Deserialize)]
struct Message {
    node: String,
    #[serde(flatten)]
    change: Change,
}

/// Drops this node's copy now and tells the other nodes, through `conn`: inside a
/// transaction the others hear of it when it commits (and not if it rolls back). A failure
/// to tell is logged, not returned: the change itself stands, and other nodes' copies expire.
pub(crate) async fn tell_in(conn: &mut store::Connection, app: &App, change: Change) {
    apply_here(app, &change).await;
    announce_in(conn, app, change).await;
}

async fn announce_in(conn: &mut store::Connection, app: &App, change: Change) {
    let message = Message {
        node: app.node.to_string(),
        change,
    };
    let Ok(text) = serde_json::to_string(&message) else {
        return;
    };
    if let Err(e) = store::cluster::announce(conn, &text).await {
        tracing::warn!("change not announced to other nodes: {e}");
    }
}

/// [`tell_in`] after the change has committed.
pub(crate) async fn tell(app: &App, change: Change) {
    send(app, change, true).await
}

/// Tells only the other nodes, after the change has committed: this one has already taken
/// it in from what it has in hand (a saved article), and acting on it again would redo it.
pub(crate) async fn tell_others(app: &App, change: Change) {
    send(app, change, false).await
}

async fn send(app: &App, change: Change, here: bool) {
    if here {
        apply_here(app, &change).await;
    }
    if app.store.pg_url().is_none() {
        // SQLite: this is the only server.
        return;
    }
    match app.store.conn().await {
        Ok(mut c) => announce_in(&mut c, app, change).await,
        Err(e) => tracing::warn!("change not announced to other nodes: {e}"),
    }
}

const MARK: &str = "mark:";

/// Marks sent by this process, in order.
static MARKS_SENT: AtomicU64 = AtomicU64::new(0);

/// Sends a mark through the database after everything this process has committed so far. A
/// node that has heard it has acted on every change committed before it (PostgreSQL delivers
/// notifications in commit order, and each node handles them one after another): the
/// tests' barrier between a request on one node and the next on another. On SQLite: 0.
pub async fn send_mark(app: &App) -> crate::Result<u64> {
    if app.store.pg_url().is_none() {
        return Ok(0);
    }
    let n = MARKS_SENT.fetch_add(1, Ordering::AcqRel) + 1;
    let mut c = app.store.conn().await?;
    store::cluster::announce(&mut c, &format!("{MARK}{n}")).await?;
    Ok(n)
}

/// Whether `app` has heard mark `n` (and so every change before it).
pub fn heard_mark(app: &App, n: u64) -> bool {
    app.marks_heard.load(Ordering::Acquire) >= n
}

/// What a change means for this node's copies.
async fn apply_here(app: &App, change: &Change) {
    match change {
        Change::Session { hash } => app.sessions.evict(hash),
        Change::Account { id } => {
            // Sessions are cached by token, not by account: all go.
            app.sessions.clear();
            app.accounts.evict(id);
        }
        Change::Org => {
            app.regions.clear();
            app.regions_in_use.clear();
            app.departments.clear();
            app.department_list.clear();
            app.service_points.clear();
        }
        Change::Bundles => app.bundle_list.clear(),
        Change::Posts => {
            if let Err(e) = app.posts.forget() {
                tracing::warn!("post index not marked: {e:?}");
            }
        }
        Change::LicenseTypes => app.license_types.clear(),
        Change::Thresholds => crate::supervision::forget_thresholds(app),
        Change::Calendar => {
            if let Err(e) = crate::org::load_calendar(app).await {
                tracing::warn!("calendar not reloaded: {e:?}");
            }
        }
        // This node's boards were told by the change itself.
        Change::Board { .. } => {}
        Change::Article { id } => {
            if let Err(e) = crate::hotline::knowledge::reindex_article(app, id).await {
                tracing::warn!(article = %id, "knowledge index not updated: {e:?}");
            }
        }
    }
}

/// What another node's change means here.
async fn apply_from_elsewhere(app: &App, change: &Change) {
    match change {
        Change::Board { hall, announce } => {
            crate::hall::board::publish_here(app, hall, announce.clone()).await
        }
        other => apply_here(app, other).await,
    }
}

/// Drops every copy: messages may have been missed.
async fn forget_all(app: &App) {
    app.sessions.clear();
    app.accounts.clear();
    app.regions.clear();
    app.regions_in_use.clear();
    app.departments.clear();
    app.department_list.clear();
    app.service_points.clear();
    app.bundle_list.clear();
    app.license_types.clear();
    if let Err(e) = app.posts.forget() {
        tracing::warn!("post index not marked: {e:?}");
    }
    crate::supervision::forget_thresholds(app);
    if let Err(e) = crate::org::load_calendar(app).await {
        tracing::warn!("calendar not reloaded: {e:?}");
    }
    refresh_index(app).await;
    if let Err(e) = crate::hotline::knowledge::rebuild_index(app).await {
        tracing::warn!("knowledge index not rebuilt: {e:?}");
    }
}

async fn refresh_index(app: &App) {
    if let Err(e) = crate::index::refresh_if_stale(app, |_, _| {}).await {
        tracing::warn!("search index not refreshed: {e:?}");
    }
}

/// Hears the other nodes' changes until the process ends (PostgreSQL; on SQLite there is one
/// server and nothing to hear). Returns once listening, so a change made after it returns is
/// heard.
pub async fn listen(app: &App) -> crate::Result<()> {
    let Some(mut listener) = store::cluster::Listener::open(&app.store).await? else {
        return Ok(());
    };
    let app = app.clone();
    tokio::spawn(async move {
        loop {
            match listener.next().await {
                Ok(store::cluster::Heard::Message(m)) => heard(&app, &m).await,
                Ok(store::cluster::Heard::Reconnected) => forget_all(&app).await,
                Err(e) => {
                    tracing::warn!("listening to other nodes failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    forget_all(&app).await;
                }
            }
        }
    });
    Ok(())
}

async fn heard(app: &App, text: &str) {
    if text == store::cluster::CATALOG_CHANGED {
        return refresh_index(app).await;
    }
    if let Some(n) = text.strip_prefix(MARK).and_then(|n| n.parse().ok()) {
        app.marks_heard.fetch_max(n, Ordering::AcqRel);
        return;
    }
    match serde_json::from_str::<Message>(text) {
        Ok(m) if m.node == *app.node => {}
        Ok(m) => apply_from_elsewhere(app, &m.change).await,
        Err(e) => tracing::warn!("unreadable message from another node: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_back() {
        for change in [
            Change::Session { hash: "ab".into() },
            Change::Account { id: "u1".into() },
            Change::Org,
            Change::Bundles,
            Change::Posts,
            Change::LicenseTypes,
            Change::Thresholds,
            Change::Calendar,
            Change::Board {
                hall: "H1".into(),
                announce: Some("请 A001 到 3 号窗口".into()),
            },
        ] {
            let m = Message {
                node: "n1".into(),
                change: change.clone(),
            };
            let back: Message = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
            assert_eq!(back.change, change);
            assert_eq!(back.node, "n1");
        }
    }
}
