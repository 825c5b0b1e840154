//! The search index over posts: the knowledge base's kind of index (jieba words, the title
//! weighing more than the body), rebuilt when the posts table changed since it was built. A
//! save here or on another node (`Change::Posts`) makes the next search look; otherwise it
//! looks at most every [`RECHECK`], like the other cached lists, instead of reading the table's
//! generation with every search. Whether a hit is shown is decided from the database at the
//! moment of the search, so scheduled and expired posts need no rebuild.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use search::knowledge::{IndexedArticle, KnowledgeIndex};

use crate::{App, AppError, Result};

/// How long the index is trusted without looking at the posts table (a missed announcement
/// from another node is made good within this time).
const RECHECK: Duration = Duration::from_secs(30);

pub struct PostIndex {
    index: KnowledgeIndex,
    built: Mutex<Built>,
}

#[derive(Default)]
struct Built {
    /// (count, latest change) of the posts it was built from.
    from: Option<(i64, i64)>,
    /// When that was last compared with the table; none after a save.
    checked: Option<Instant>,
}

impl PostIndex {
    pub fn new() -> Result<PostIndex> {
        Ok(PostIndex {
            index: KnowledgeIndex::in_memory()?,
            built: Mutex::new(Built::default()),
        })
    }

    fn built(&self) -> Result<std::sync::MutexGuard<'_, Built>> {
        self.built
            .lock()
            .map_err(|_| AppError::Internal("post index lock poisoned".into()))
    }

    /// The posts changed (a save here, an announcement from another node): the next search
    /// compares.
    pub fn forget(&self) -> Result<()> {
        self.built()?.checked = None;
        Ok(())
    }

    /// Rebuilds when the posts changed since the last build.
    pub async fn refresh(&self, app: &App) -> Result<()> {
        if self
            .built()?
            .checked
            .is_some_and(|at| at.elapsed() < RECHECK)
        {
            return Ok(());
        }
        let mut c = app.store.conn().await?;
        let now = store::posts::generation(&mut c).await?;
        if self.built()?.from == Some(now) {
            self.built()?.checked = Some(Instant::now());
            return Ok(());
        }
        let rows = store::posts::all(&mut c).await?;
        drop(c);
        self.index
            .rebuild(rows.into_iter().map(|r| IndexedArticle {
                id: r.id,
                question: r.title,
                answer: r.body,
            }))?;
        *self.built()? = Built {
            from: Some(now),
            checked: Some(Instant::now()),
        };
        Ok(())
    }

    /// Ids of the best matches.
    pub fn search(&self, q: &str, limit: usize) -> Result<Vec<String>> {
        Ok(self
            .index
            .search(q, limit)?
            .into_iter()
            .map(|h| h.id)
            .collect())
    }
}
