//! What a query's words ask of the index: each word in the fields that name an item, with
//! descending weights, the groups of words a term stands for, pinyin and sound-alike runs,
//! and the whole name typed or begun.

use std::ops::Bound;

use tantivy::Searcher;
use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;

use crate::Fields;
use crate::words;

/// Weights: a hit in the name matters most, then the everyday aliases.
const BOOSTS: [(usize, f32); 5] = [(0, 4.0), (1, 3.0), (2, 2.0), (3, 1.0), (4, 0.5)];
/// A name typed whole (营业执照 → no; 公司设立登记 → yes) or its beginning outranks any
/// scattered match of its words.
const EXACT_NAME_BOOST: f32 = 40.0;
/// A word typed in pinyin counts as the word.
const PINYIN_BOOST: f32 = 4.0;
/// A run of typed characters that sounds like a word of a name (below a word typed right).
const SOUND_BOOST: f32 = PINYIN_BOOST;
const PREFIX_NAME_BOOST: f32 = 12.0;
/// A group whose rarest word is in more than this share of the names is not matched as a
/// group.
const COMMON_GROUP_SHARE: f64 = 0.05;
/// A name holding every word of a term the query stands for.
const ALL_WORDS_BOOST: f32 = 6.0;

/// The clauses that score an item against what was typed (`typed`, trimmed) as understood
/// (`words` and `groups`); empty when nothing typed can match.
pub(crate) fn relevance(
    f: Fields,
    searcher: &Searcher,
    words: &[(String, f32)],
    groups: &[(Vec<String>, f32)],
    typed: &str,
) -> Vec<(Occur, Box<dyn Query>)> {
    let text_fields = [f.name, f.aliases, f.keywords, f.department, f.conditions];
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (w, weight) in words {
        // A word the query stands for through the dictionary is looked for in what names
        // an item (name, aliases, keywords), not in department names and conditions: there
        // its common words (经营, 许可) match most of a catalog and cost the most.
        let fields = if *weight >= 1.0 { BOOSTS.len() } else { 3 };
        for (i, boost) in BOOSTS.into_iter().take(fields) {
            let term = TermQuery::new(
                Term::from_field_text(text_fields[i], w),
                IndexRecordOption::WithFreqs,
            );
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(term), boost * weight)),
            ));
        }
    }
    let docs = searcher.num_docs().max(1);
    let in_names = |w: &str| {
        searcher
            .doc_freq(&Term::from_field_text(f.name, w))
            .unwrap_or(0)
    };
    // A group of only common words (经营 许可) says little and costs most: intersecting
    // two lists of half the catalog is the slowest part of the slowest queries.
    let group_limit = (docs as f64 * COMMON_GROUP_SHARE) as u64;
    for (group, weight) in groups
        .iter()
        .filter(|(g, _)| g.iter().map(|w| in_names(w)).min().unwrap_or(0) <= group_limit)
    {
        let all: Vec<(Occur, Box<dyn Query>)> = group
            .iter()
            .map(|w| {
                let t: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(f.name, w),
                    IndexRecordOption::Basic,
                ));
                (Occur::Must, t)
            })
            .collect();
        should.push((
            Occur::Should,
            Box::new(ConstScoreQuery::new(
                Box::new(BooleanQuery::new(all)),
                ALL_WORDS_BOOST * weight,
            )),
        ));
    }
    // Typed in pinyin (huzhao, sfz): the words' pinyin forms.
    if let Some(latin) = words::latin_of(typed) {
        let term = TermQuery::new(
            Term::from_field_text(f.pinyin, &latin),
            IndexRecordOption::Basic,
        );
        should.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(term), PINYIN_BOOST)),
        ));
    }
    // A word typed with a character of the same sound (身分证, 户照): the sounds of what was
    // typed against the sounds of the names' words.
    // Only runs that are no word of any name: a word typed right needs no help, and its
    // homophones (公证, 公正) would only add noise.
    // Only where some word typed is no word of any name: a query typed right is spared
    // the lookups of every run of its characters.
    let typo = words
        .iter()
        .any(|(w, weight)| *weight >= 1.0 && in_names(w) == 0)
        || words.iter().all(|(w, _)| w.chars().count() < 2);
    let runs = if typo {
        words::runs_of(typed)
    } else {
        Vec::new()
    };
    for (run, sound) in runs {
        if in_names(&run) > 0 {
            continue;
        }
        let term = TermQuery::new(
            Term::from_field_text(f.pinyin, &sound),
            IndexRecordOption::Basic,
        );
        should.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(term), SOUND_BOOST)),
        ));
    }
    if !should.is_empty() && (2..=40).contains(&typed.chars().count()) {
        let exact = TermQuery::new(
            Term::from_field_text(f.name_raw, typed),
            IndexRecordOption::Basic,
        );
        should.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(exact), EXACT_NAME_BOOST)),
        ));
        // Names that begin with what was typed: a range of the untokenized names, from
        // the text itself up to the text followed by the last code point.
        let prefix = RangeQuery::new(
            Bound::Excluded(Term::from_field_text(f.name_raw, typed)),
            Bound::Excluded(Term::from_field_text(
                f.name_raw,
                &format!("{typed}{}", char::MAX),
            )),
        );
        should.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(prefix), PREFIX_NAME_BOOST)),
        ));
    }
    should
}
