//! The search index over posts: the knowledge base's kind of index (jieba words, the title
//! weighing more than the body), rebuilt when the posts table changed since it was built. A
//! save here or on another node (`Change::Posts`) makes the next search look; otherwise it
//! looks at most every [`RECHECK`], like the other cached lists, instead of reading the table's
//! generation with every search. The rows it was built from are kept beside it, so a search
//! reads no table; whether a hit is shown is decided from its row at the moment of the
//! search, so scheduled and expired posts need no rebuild.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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
    /// Counts the saves heard of: a comparison that began before one does not count as
    /// checked (it may have read the table before the save committed).
    saves: u64,
    /// The rows the index holds, by id.
    rows: Arc<HashMap<String, store::posts::PostRow>>,
}

impl Built {
    /// Marks the comparison begun at `saves` done, unless a save came in meanwhile.
    fn checked_since(&mut self, saves: u64) {
        if self.saves == saves {
            self.checked = Some(Instant::now());
        }
    }
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
        let mut b = self.built()?;
        b.checked = None;
        b.saves += 1;
        Ok(())
    }

    /// Rebuilds when the posts changed since the last build.
    pub async fn refresh(&self, app: &App) -> Result<()> {
        let saves = {
            let b = self.built()?;
            if b.checked.is_some_and(|at| at.elapsed() < RECHECK) {
                return Ok(());
            }
            b.saves
        };
        let mut c = app.store.conn().await?;
        let now = store::posts::generation(&mut c).await?;
        {
            let mut b = self.built()?;
            if b.from == Some(now) {
                b.checked_since(saves);
                return Ok(());
            }
        }
        let rows = store::posts::all(&mut c).await?;
        drop(c);
        self.index.rebuild(rows.iter().map(|r| IndexedArticle {
            id: r.id.clone(),
            question: r.title.clone(),
            answer: r.body.clone(),
        }))?;
        let rows = rows.into_iter().map(|r| (r.id.clone(), r)).collect();
        let mut b = self.built()?;
        b.from = Some(now);
        b.rows = Arc::new(rows);
        b.checked_since(saves);
        Ok(())
    }

    /// The rows of the best matches, best first.
    pub fn search(&self, q: &str, limit: usize) -> Result<Vec<store::posts::PostRow>> {
        let hits = self.index.search(q, limit)?;
        if hits.is_empty() {
            return Ok(vec![]);
        }
        // The index and its rows are replaced together under the lock, after the index; a
        // hit not among the rows (a rebuild between the two reads) is left out.
        let rows = self.built()?.rows.clone();
        Ok(hits
            .into_iter()
            .filter_map(|h| rows.get(&h.id).cloned())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_that_a_save_overtook_does_not_count_as_checked() {
        let index = PostIndex::new().unwrap();
        let began = index.built().unwrap().saves;
        // A save commits and is heard while the comparison reads the table.
        index.forget().unwrap();
        index.built().unwrap().checked_since(began);
        assert!(
            index.built().unwrap().checked.is_none(),
            "the next search must compare again"
        );
        let began = index.built().unwrap().saves;
        index.built().unwrap().checked_since(began);
        assert!(index.built().unwrap().checked.is_some());
    }
}
