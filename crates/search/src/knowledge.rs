//! The knowledge-base index the 12345 operators search as they type: an in-memory tantivy
//! index over articles' questions and answers with the same jieba segmentation as the
//! catalog. It is small (thousands of articles) and rebuilt from the database at start.

use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term, doc};

use crate::{Result, SearchError, TOKENIZER, analyzer, segment};

/// What the index holds of an article.
#[derive(Debug, Clone)]
pub struct IndexedArticle {
    pub id: String,
    pub question: String,
    pub answer: String,
}

/// A hit: the article's id and question, with its score.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleHit {
    pub id: String,
    pub question: String,
    pub score: f32,
}

pub struct KnowledgeIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    id: Field,
    question: Field,
    answer: Field,
}

/// The question weighs more than the answer: people ask in its words.
const QUESTION_BOOST: f32 = 3.0;

impl KnowledgeIndex {
    pub fn in_memory() -> Result<KnowledgeIndex> {
        let mut b = Schema::builder();
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text = TextOptions::default().set_indexing_options(indexing);
        let id = b.add_text_field("id", STRING | STORED);
        let question = b.add_text_field("question", text.clone().set_stored());
        let answer = b.add_text_field("answer", text);
        let index = Index::create_in_ram(b.build());
        index.tokenizers().register(TOKENIZER, analyzer());
        // The smallest heap tantivy accepts: the index is small.
        let writer = index.writer_with_num_threads(1, 15_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(KnowledgeIndex {
            reader,
            writer: Mutex::new(writer),
            id,
            question,
            answer,
        })
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>> {
        self.writer
            .lock()
            .map_err(|_| SearchError::Dir("knowledge index writer poisoned".into()))
    }

    /// Replaces every article.
    pub fn rebuild(&self, articles: impl IntoIterator<Item = IndexedArticle>) -> Result<usize> {
        let mut w = self.writer()?;
        w.delete_all_documents()?;
        let mut n = 0;
        for a in articles {
            w.add_document(self.document(&a))?;
            n += 1;
        }
        w.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(n)
    }

    /// Adds or replaces one article.
    pub fn upsert(&self, a: &IndexedArticle) -> Result<()> {
        let mut w = self.writer()?;
        w.delete_term(Term::from_field_text(self.id, &a.id));
        w.add_document(self.document(a))?;
        w.commit()?;
        drop(w);
        Ok(self.reader.reload()?)
    }

    fn document(&self, a: &IndexedArticle) -> TantivyDocument {
        doc!(self.id => a.id.clone(), self.question => a.question.clone(), self.answer => a.answer.clone())
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The best `limit` articles for what was typed so far.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<ArticleHit>> {
        let words = segment(text);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in &words {
            for (field, boost) in [(self.question, QUESTION_BOOST), (self.answer, 1.0)] {
                let t = TermQuery::new(
                    Term::from_field_text(field, w),
                    IndexRecordOption::WithFreqs,
                );
                should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(t), boost))));
            }
        }
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(should),
            &TopDocs::with_limit(limit.max(1)).order_by_score(),
        )?;
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            let text = |f: Field| {
                d.get_first(f)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            out.push(ArticleHit {
                id: text(self.id),
                question: text(self.question),
                score,
            });
        }
        Ok(out)
    }
}
