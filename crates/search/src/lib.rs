//! The catalog search index: tantivy with the jieba Chinese tokenizer. People type everyday
//! words (开饭店), so the query is segmented, expanded through the catalog's synonyms
//! (开饭店 → 餐饮, 食品经营) and matched against names, aliases, keywords, departments and
//! conditions with descending weights. Results carry the stored fields a result list shows,
//! so a search needs no database round trip.
//!
//! The index remembers the catalog generation it was built from (in the commit payload);
//! the app rebuilds it when that differs from the database's.

use std::path::Path;
use std::sync::{Mutex, RwLock};

use domain::catalog::Synonym;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term, doc};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Dir(String),
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// What the index holds about one item; built by the app from the item's published
/// definition and its department's name.
#[derive(Debug, Clone, Default)]
pub struct IndexedItem {
    pub code: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub keywords: Vec<String>,
    pub department_code: String,
    pub department_name: String,
    pub conditions: Vec<String>,
    pub region: String,
    /// `natural_person` and/or `legal`.
    pub audiences: Vec<String>,
    pub online_depth: String,
    pub kind_label: String,
    /// One line for the result list (promised time and visits).
    pub summary: String,
    /// How likely a searcher means this item, all else equal (1.0; see
    /// `domain::catalog::search_prior`); 0 is read as 1.
    pub prior: f32,
    /// Cases received in the last year: items people actually apply for rank above obscure
    /// ones of the same match.
    pub demand: u64,
}

/// A query with its filters. `regions` keeps items implemented in any of those regions;
/// `near` ranks up, without filtering, items implemented in any of those (the searcher's
/// region and those above it).
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub regions: Vec<String>,
    pub near: Vec<String>,
    pub department: Option<String>,
    pub audience: Option<String>,
    pub online_depth: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub code: String,
    pub name: String,
    pub department_name: String,
    pub region: String,
    pub kind_label: String,
    pub summary: String,
    pub score: f32,
}

#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    pub total: usize,
    /// The words the query was understood as, after segmentation and synonyms (shown to
    /// the person so a surprising result explains itself).
    pub understood_as: Vec<String>,
    /// Those words with their weights, for matching the 一件事 with the same understanding
    /// (the query is segmented and looked up in the dictionary once per search).
    pub words: Vec<(String, f32)>,
}

#[derive(Clone, Copy)]
struct Fields {
    code: Field,
    name: Field,
    aliases: Field,
    keywords: Field,
    department: Field,
    conditions: Field,
    department_code: Field,
    region: Field,
    audience: Field,
    online_depth: Field,
    kind_label: Field,
    summary: Field,
    /// The whole name, untokenized: an exact or prefix match ranks first.
    name_raw: Field,
    /// The prior in hundredths, a fast field the ranking multiplies by.
    prior: Field,
    /// Full pinyin and initials of the name's words (护照 → huzhao; 身份证 → shenfenzheng, sfz).
    pinyin: Field,
    /// The region code as a number, a fast field for ranking by the searcher's region.
    region_number: Field,
}

pub(crate) const TOKENIZER: &str = "jieba";
/// A hit scoring below this share of the best one is not a result: an everyday query (开饭店)
/// expands through synonyms into words that touch half a catalog, and those weak matches
/// (旅行社, 道路货物运输 …) buried what people meant among fifty others.
const RELATIVE_FLOOR: f32 = 0.25;
/// Hits ranked before the floor is applied: 25 pages of results. When all of them pass the
/// floor it cuts nothing, and every match is counted.
const CANDIDATES: usize = 500;
fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let text = TextOptions::default().set_indexing_options(indexing.clone());
    let text_stored = TextOptions::default()
        .set_indexing_options(indexing)
        .set_stored();
    let f = Fields {
        code: b.add_text_field("code", STRING | STORED),
        name: b.add_text_field("name", text_stored),
        aliases: b.add_text_field("aliases", text.clone()),
        keywords: b.add_text_field("keywords", text.clone()),
        department: b.add_text_field("department", text.clone().set_stored()),
        conditions: b.add_text_field("conditions", text),
        department_code: b.add_text_field("department_code", STRING),
        region: b.add_text_field("region", STRING | STORED),
        audience: b.add_text_field("audience", STRING),
        online_depth: b.add_text_field("online_depth", STRING),
        kind_label: b.add_text_field("kind_label", STORED),
        summary: b.add_text_field("summary", STORED),
        name_raw: b.add_text_field("name_raw", STRING),
        prior: b.add_u64_field("prior", FAST),
        pinyin: b.add_text_field("pinyin", STRING),
        region_number: b.add_u64_field("region_number", FAST),
    };
    (b.build(), f)
}

pub(crate) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

pub struct CatalogIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    dictionary: RwLock<words::Dictionary>,
    /// The catalog generation the dictionary was loaded at (-1: never).
    dictionary_generation: std::sync::atomic::AtomicI64,
}

/// Indexing memory: tantivy needs at least 15 MB per thread; one thread keeps it small.
const WRITER_HEAP: usize = 50_000_000;

impl CatalogIndex {
    /// Opens the index in `dir`, creating it if missing. A directory holding an index of
    /// another schema is wiped and recreated (the caller then rebuilds it).
    pub fn open(dir: &Path) -> Result<CatalogIndex> {
        std::fs::create_dir_all(dir)
            .map_err(|e| SearchError::Dir(format!("{}: {e}", dir.display())))?;
        let (schema, fields) = schema();
        let open = || -> Result<Index> {
            let mmap = tantivy::directory::MmapDirectory::open(dir)
                .map_err(|e| SearchError::Dir(e.to_string()))?;
            Ok(Index::open_or_create(mmap, schema.clone())?)
        };
        let index = match open() {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(
                    "search index at {} is unusable ({e}); recreating it",
                    dir.display()
                );
                std::fs::remove_dir_all(dir).map_err(|e| SearchError::Dir(e.to_string()))?;
                std::fs::create_dir_all(dir).map_err(|e| SearchError::Dir(e.to_string()))?;
                open()?
            }
        };
        Self::from_index(index, fields)
    }

    /// An index in memory (tests, benchmarks).
    pub fn in_memory() -> Result<CatalogIndex> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields)
    }

    fn from_index(index: Index, fields: Fields) -> Result<CatalogIndex> {
        index.tokenizers().register(TOKENIZER, analyzer());
        let writer = index.writer_with_num_threads(1, WRITER_HEAP)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(CatalogIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            dictionary: RwLock::new(words::Dictionary::default()),
            dictionary_generation: std::sync::atomic::AtomicI64::new(-1),
        })
    }

    /// The catalog generation the index was last committed at; None for a new index.
    pub fn generation(&self) -> Option<i64> {
        self.index.load_metas().ok()?.payload?.parse().ok()
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Sets the dictionary as of catalog `generation` (every synonym change bumps it).
    pub fn set_synonyms_at(&self, synonyms: Vec<Synonym>, generation: i64) {
        self.set_synonyms(synonyms);
        self.dictionary_generation
            .store(generation, std::sync::atomic::Ordering::Release);
    }

    /// The catalog generation the dictionary was set at, if it was set with one.
    pub fn dictionary_generation(&self) -> Option<i64> {
        Some(
            self.dictionary_generation
                .load(std::sync::atomic::Ordering::Acquire),
        )
        .filter(|g| *g >= 0)
    }

    pub fn set_synonyms(&self, synonyms: Vec<Synonym>) {
        let dictionary = words::Dictionary::new(synonyms);
        if let Ok(mut s) = self.dictionary.write() {
            *s = dictionary;
        }
    }

    fn document(&self, item: &IndexedItem) -> TantivyDocument {
        let f = self.fields;
        let mut d = doc!(
            f.code => item.code.as_str(),
            f.name => item.name.as_str(),
            f.department => item.department_name.as_str(),
            f.department_code => item.department_code.as_str(),
            f.region => item.region.as_str(),
            f.online_depth => item.online_depth.as_str(),
            f.kind_label => item.kind_label.as_str(),
            f.summary => item.summary.as_str(),
            f.name_raw => item.name.as_str(),
            f.prior => prior_hundredths(item.prior, item.demand),
            f.region_number => item.region.parse::<u64>().unwrap_or(0),
        );
        for a in &item.aliases {
            d.add_text(f.aliases, a);
        }
        for k in &item.keywords {
            d.add_text(f.keywords, k);
        }
        for c in &item.conditions {
            d.add_text(f.conditions, c);
        }
        for a in &item.audiences {
            d.add_text(f.audience, a);
        }
        for p in self.pinyin_forms(&item.name) {
            d.add_text(f.pinyin, p);
        }
        d
    }

    /// Replaces the whole index with `items`, reporting progress as items are added, and
    /// commits at `generation`.
    pub fn rebuild<I: IntoIterator<Item = IndexedItem>>(
        &self,
        items: I,
        generation: i64,
        mut progress: impl FnMut(usize),
    ) -> Result<usize> {
        let mut w = self
            .writer
            .lock()
            .map_err(|_| SearchError::Dir("index writer poisoned".into()))?;
        w.delete_all_documents()?;
        let mut n = 0;
        for item in items {
            w.add_document(self.document(&item))?;
            n += 1;
            if n % 1000 == 0 {
                progress(n);
            }
        }
        progress(n);
        commit(&mut w, generation)?;
        drop(w);
        self.reader.reload()?;
        Ok(n)
    }

    /// Adds or replaces one item (after a publish) and commits at `generation`.
    pub fn upsert(&self, item: &IndexedItem, generation: i64) -> Result<()> {
        let mut w = self
            .writer
            .lock()
            .map_err(|_| SearchError::Dir("index writer poisoned".into()))?;
        w.delete_term(Term::from_field_text(self.fields.code, &item.code));
        w.add_document(self.document(item))?;
        commit(&mut w, generation)?;
        drop(w);
        Ok(self.reader.reload()?)
    }

    /// Removes one item (after a retire) and commits at `generation`.
    pub fn remove(&self, code: &str, generation: i64) -> Result<()> {
        let mut w = self
            .writer
            .lock()
            .map_err(|_| SearchError::Dir("index writer poisoned".into()))?;
        w.delete_term(Term::from_field_text(self.fields.code, code));
        commit(&mut w, generation)?;
        drop(w);
        Ok(self.reader.reload()?)
    }

    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let f = self.fields;
        let (words, groups) = self.understand(&q.text);
        let understood_as: Vec<String> = words.iter().map(|(w, _)| w.clone()).collect();
        let searcher = self.reader.searcher();
        let typed = q.text.trim();
        let should = query::relevance(f, &searcher, &words, &groups, typed);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !should.is_empty() {
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(should))));
        } else if q.text.trim().is_empty() {
            clauses.push((Occur::Must, Box::new(tantivy::query::AllQuery)));
        } else {
            return Ok(SearchResults {
                hits: vec![],
                total: 0,
                understood_as,
                words,
            });
        }
        let exact = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            ))
        };
        if !q.regions.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = q
                .regions
                .iter()
                .map(|r| (Occur::Should, exact(f.region, r)))
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(d) = &q.department {
            clauses.push((Occur::Must, exact(f.department_code, d)));
        }
        if let Some(a) = &q.audience {
            clauses.push((Occur::Must, exact(f.audience, a)));
        }
        if let Some(d) = &q.online_depth {
            clauses.push((Occur::Must, exact(f.online_depth, d)));
        }
        let query = BooleanQuery::new(clauses);
        let near: std::sync::Arc<Vec<u64>> =
            std::sync::Arc::new(q.near.iter().filter_map(|r| r.parse().ok()).collect());
        let limit = q.limit.clamp(1, 100);
        let every_match = || {
            searcher.search(
                &query,
                &(
                    TopDocs::with_limit(limit)
                        .and_offset(q.offset)
                        .order_by_score(),
                    Count,
                ),
            )
        };
        let (top, total) = if words.is_empty() {
            // Browsing with filters only: every item scores alike, count them all.
            every_match()?
        } else {
            // One pass: the best candidates, weighed by their priors unless the searcher
            // asks about enforcement, and the count of every match.
            let (ranked, count) = if asks_about_enforcement(&q.text) {
                searcher.search(
                    &query,
                    &(TopDocs::with_limit(CANDIDATES).order_by_score(), Count),
                )?
            } else {
                let near = near.clone();
                let weighed = TopDocs::with_limit(CANDIDATES).tweak_score(
                    move |segment: &tantivy::SegmentReader| {
                        let fast = segment.fast_fields();
                        let prior = fast.u64("prior").ok().map(|c| c.first_or_default_col(100));
                        let region = fast
                            .u64("region_number")
                            .ok()
                            .map(|c| c.first_or_default_col(0));
                        let near = near.clone();
                        move |doc: tantivy::DocId, score: tantivy::Score| {
                            let mut s = score;
                            if let Some(p) = &prior {
                                s *= p.get_val(doc) as f32 / 100.0;
                            }
                            if let Some(r) = &region
                                && near.contains(&r.get_val(doc))
                            {
                                s *= NEAR_LIFT;
                            }
                            s
                        }
                    },
                );
                searcher.search(&query, &(weighed, Count))?
            };
            let best = ranked.first().map_or(0.0, |(s, _)| *s);
            let floor = best * RELATIVE_FLOOR;
            let binding =
                ranked.len() < CANDIDATES || ranked.last().is_some_and(|(s, _)| *s < floor);
            if binding {
                let kept: Vec<_> = ranked
                    .into_iter()
                    .take_while(|(s, _)| *s >= floor)
                    .collect();
                let total = kept.len();
                (kept.into_iter().skip(q.offset).take(limit).collect(), total)
            } else if q.offset + limit <= CANDIDATES {
                // More strong matches than candidates (a huge catalog of near-equal names):
                // the floor cuts nothing there, so count every match as before.
                (
                    ranked.into_iter().skip(q.offset).take(limit).collect(),
                    count,
                )
            } else {
                every_match()?
            }
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            let get = |field: Field| {
                d.get_first(field)
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            };
            hits.push(Hit {
                code: get(f.code),
                name: get(f.name),
                department_name: get(f.department),
                region: get(f.region),
                kind_label: get(f.kind_label),
                summary: get(f.summary),
                score,
            });
        }
        Ok(SearchResults {
            hits,
            total,
            understood_as,
            words,
        })
    }
}

fn commit(w: &mut IndexWriter, generation: i64) -> Result<()> {
    let mut prepared = w.prepare_commit()?;
    prepared.set_payload(&generation.to_string());
    prepared.commit()?;
    Ok(())
}

pub mod knowledge;
pub use words::segment;
mod query;
mod rank;
mod words;

use rank::{NEAR_LIFT, asks_about_enforcement, prior_hundredths};

#[cfg(test)]
mod tests;
