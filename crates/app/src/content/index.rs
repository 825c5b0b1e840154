//! The search index over posts: the knowledge base's kind of index (jieba words, the title
//! weighing more than the body), rebuilt whenever the posts table changed since it was built,
//! which also brings in posts saved on another node. Whether a hit is shown is decided from
//! the database at the moment of the search, so scheduled and expired posts need no rebuild.

use std::sync::Mutex;

use search::knowledge::{IndexedArticle, KnowledgeIndex};

use crate::{App, AppError, Result};

pub struct PostIndex {
    index: KnowledgeIndex,
    /// (count, latest change) of the posts it was built from.
    built: Mutex<Option<(i64, i64)>>,
}

impl PostIndex {
    pub fn new() -> Result<PostIndex> {
        Ok(PostIndex {
            index: KnowledgeIndex::in_memory()?,
            built: Mutex::new(None),
        })
    }

    fn built(&self) -> Result<std::sync::MutexGuard<'_, Option<(i64, i64)>>> {
        self.built
            .lock()
            .map_err(|_| AppError::Internal("post index lock poisoned".into()))
    }

    /// Rebuilds when the posts changed since the last build.
    pub async fn refresh(&self, app: &App) -> Result<()> {
        let mut c = app.store.conn().await?;
        let now = store::posts::generation(&mut c).await?;
        if *self.built()? == Some(now) {
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
        *self.built()? = Some(now);
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
