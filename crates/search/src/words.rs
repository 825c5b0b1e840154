//! What a query's words stand for: segmentation, the everyday-language dictionary, and the
//! sounds of words (pinyin typed for a name, a character typed for another of the same sound).

use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use domain::catalog::Synonym;
use pinyin::ToPinyin;
use tantivy::tokenizer::TokenStream;

use crate::{CatalogIndex, analyzer};

/// The weight of a query's own words when the whole query is an everyday phrase.
const OWN_WORDS_OF_A_PHRASE: f32 = 0.5;

/// A query's words with weights, and its groups of words that stand together with theirs.
type Understood = (Vec<(String, f32)>, Vec<(Vec<String>, f32)>);

/// The everyday phrases with the sounds they may be typed as (shebaoka, sbk → 社保卡).
#[derive(Default)]
pub(crate) struct Dictionary {
    list: Vec<Synonym>,
    by_sound: HashMap<String, Vec<usize>>,
    /// Each distinct phrase once, with the entries of `list` that have it.
    phrases: HashMap<String, Vec<usize>>,
    /// Every distinct phrase, found in a query in one pass (the pattern id is its place in
    /// `by_pattern`): testing thousands of phrases one `contains` at a time was most of
    /// understanding a query.
    finder: Option<AhoCorasick>,
    by_pattern: Vec<Vec<usize>>,
}

impl Dictionary {
    pub(crate) fn new(list: Vec<Synonym>) -> Dictionary {
        let mut by_sound: HashMap<String, Vec<usize>> = HashMap::new();
        let mut phrases: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in list.iter().enumerate() {
            for sound in sounds(&s.phrase) {
                by_sound.entry(sound).or_default().push(i);
            }
            phrases.entry(s.phrase.clone()).or_default().push(i);
        }
        let (patterns, by_pattern): (Vec<&String>, Vec<Vec<usize>>) =
            phrases.iter().map(|(p, at)| (p, at.clone())).unzip();
        // Overlapping search reports every phrase found, as `contains` did for each; the
        // phrases are short, so the automaton is small. (It cannot fail to build for them.)
        let finder = AhoCorasick::new(&patterns).ok();
        Dictionary {
            list,
            by_sound,
            phrases,
            finder,
            by_pattern,
        }
    }

    /// The phrases a query holds: written out, typed in pinyin as a whole, or written with a
    /// character of the same sound (低宝 → 低保). Where one phrase found lies inside another
    /// found, the longer wins: 营业执照注销 means 注销登记, not also 营业执照's 设立登记.
    fn found(&self, text: &str, tokens: &[String]) -> Vec<&Synonym> {
        let mut hits: Vec<usize> = match &self.finder {
            Some(f) => f
                .find_overlapping_iter(text)
                .flat_map(|m| self.by_pattern[m.pattern().as_usize()].iter().copied())
                .collect(),
            None => (0..self.list.len())
                .filter(|i| text.contains(self.list[*i].phrase.as_str()))
                .collect(),
        };
        // A run of two characters sounds like too many phrases (开电 → 开店): only one the
        // query's segmentation reads as a word counts.
        let latin = latin_of(text);
        let sounded = runs_of(text)
            .into_iter()
            .filter(|(run, _)| run.chars().count() > 2 || tokens.iter().any(|t| t == run))
            .map(|(_, p)| p);
        for sound in latin.into_iter().chain(sounded) {
            hits.extend(self.by_sound.get(&sound).into_iter().flatten());
        }
        hits.sort_unstable();
        hits.dedup();
        let found: Vec<&Synonym> = hits.iter().map(|i| &self.list[*i]).collect();
        found
            .iter()
            .filter(|s| {
                !found
                    .iter()
                    .any(|o| o.phrase.len() > s.phrase.len() && o.phrase.contains(&s.phrase))
            })
            .copied()
            .collect()
    }

    fn is_phrase(&self, text: &str) -> bool {
        let t = text.trim();
        self.phrases.contains_key(t) || latin_of(t).is_some_and(|l| self.by_sound.contains_key(&l))
    }
}

/// A query typed in Latin letters, lowercased without spaces (Hu Zhao → huzhao).
pub(crate) fn latin_of(typed: &str) -> Option<String> {
    let latin: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    (latin.len() >= 2 && latin.chars().all(|c| c.is_ascii_lowercase())).then_some(latin)
}

/// How a word may be typed in pinyin: its full pinyin, and its initials when it has three
/// characters or more (sfz, gjj; two-letter initials match too much).
fn sounds(word: &str) -> Vec<String> {
    let syllables: Vec<pinyin::Pinyin> = word.to_pinyin().flatten().collect();
    if syllables.len() < 2 || syllables.len() != word.chars().count() {
        return Vec::new();
    }
    let mut out = vec![syllables.iter().map(|p| p.plain()).collect()];
    if syllables.len() >= 3 {
        out.push(syllables.iter().map(|p| p.first_letter()).collect());
    }
    out
}

impl CatalogIndex {
    /// How a name may be typed in pinyin: each word's full pinyin, and the initials of words
    /// of three characters or more (sfz, gjj; two-letter initials match too much), and the
    /// same for the whole name.
    pub(crate) fn pinyin_forms(&self, name: &str) -> Vec<String> {
        let mut words = self.tokens(name);
        words.push(name.to_string());
        let mut out: Vec<String> = words.iter().flat_map(|w| sounds(w)).collect();
        out.sort();
        out.dedup();
        out
    }

    /// Segments `text` the way the index does.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        segment(text)
    }

    /// The words a query stands for, with weights: its own tokens (1.0) plus the tokens of
    /// every synonym whose phrase it contains. The first-listed synonym terms weigh most, and a
    /// term's weight is shared among its tokens so a long term (消防安全检查) does not outweigh a
    /// short one (餐饮). Single characters (开) are dropped when longer words are present: they
    /// match too much to help. (The search returns them as `SearchResults::words`.)
    ///
    /// With them, the groups of words that stand together: the query's own words
    /// and each synonym term's words, with the term's weight. A name holding every word of a
    /// group (机动车 维修 经营 备案) is what that term means, more than a name holding one
    /// word of each of several terms.
    pub(crate) fn understand(&self, text: &str) -> Understood {
        let own = self.tokens(text);
        let mut words: Vec<(String, f32)> = own.iter().map(|t| (t.clone(), 1.0)).collect();
        let mut groups: Vec<(Vec<String>, f32)> = vec![(own, 1.0)];
        if let Ok(dictionary) = self.dictionary.read() {
            // A query that is an everyday phrase as a whole (营业执照, 开饭店) means its terms;
            // its own words then count for less, or 营业 finds 营业性演出.
            if dictionary.is_phrase(text) {
                for w in &mut words {
                    w.1 = OWN_WORDS_OF_A_PHRASE;
                }
                groups[0].1 = OWN_WORDS_OF_A_PHRASE;
            }
            for s in dictionary.found(text, &groups[0].0) {
                for (k, term) in s.terms.iter().enumerate() {
                    let tokens = self.tokens(term);
                    let term_weight = (1.0 - 0.15 * k as f32).max(0.4);
                    let weight = term_weight / tokens.len().max(1) as f32;
                    for t in &tokens {
                        if !words.iter().any(|(w, _)| w == t) {
                            words.push((t.clone(), weight));
                        }
                    }
                    groups.push((tokens, term_weight));
                }
            }
        }
        if words.iter().any(|(w, _)| w.chars().count() > 1) {
            words.retain(|(w, _)| w.chars().count() > 1);
        }
        for g in &mut groups {
            if g.0.iter().any(|w| w.chars().count() > 1) {
                g.0.retain(|w| w.chars().count() > 1);
            }
        }
        groups.retain(|(g, _)| g.len() >= 2);
        (words, groups)
    }
}

/// Every run of 2 to 5 Chinese characters in a short query (at most 12 of them, so at most
/// 38 runs), with its pinyin.
pub(crate) fn runs_of(typed: &str) -> Vec<(String, String)> {
    let han: Vec<(char, &str)> = typed
        .chars()
        .filter_map(|c| c.to_pinyin().map(|p| (c, p.plain())))
        .collect();
    if han.len() < 2 || han.len() > 12 {
        return Vec::new();
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for len in 2..=5.min(han.len()) {
        for w in han.windows(len) {
            out.push((
                w.iter().map(|(c, _)| *c).collect(),
                w.iter().map(|(_, p)| *p).collect(),
            ));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Segments `text` the way the index does: distinct words, punctuation dropped.
pub fn segment(text: &str) -> Vec<String> {
    let mut a = analyzer();
    let mut stream = a.token_stream(text);
    let mut out: Vec<String> = Vec::new();
    while let Some(t) = stream.next() {
        let w = t.text.trim();
        if !w.is_empty()
            && !w.chars().all(|c| {
                c.is_ascii_punctuation() || c.is_whitespace() || "，。、？！；：“”".contains(c)
            })
            && !out.iter().any(|o| o == w)
        {
            out.push(w.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dictionary(phrases: &[String]) -> Dictionary {
        Dictionary::new(
            phrases
                .iter()
                .map(|p| Synonym {
                    phrase: p.clone(),
                    terms: vec!["登记".into()],
                })
                .collect(),
        )
    }

    proptest! {
        /// The automaton finds exactly the entries whose phrase the text contains, repeated
        /// and overlapping phrases included (a small alphabet makes overlaps common).
        #[test]
        fn the_automaton_finds_what_contains_finds(
            phrases in prop::collection::vec("[社保卡证办]{1,3}", 0..12),
            text in "[社保卡证办 ]{0,10}",
        ) {
            let d = dictionary(&phrases);
            let mut by_automaton: Vec<usize> = d
                .finder
                .as_ref()
                .unwrap()
                .find_overlapping_iter(&text)
                .flat_map(|m| d.by_pattern[m.pattern().as_usize()].iter().copied())
                .collect();
            by_automaton.sort_unstable();
            by_automaton.dedup();
            let by_contains: Vec<usize> = (0..phrases.len())
                .filter(|i| text.contains(phrases[*i].as_str()))
                .collect();
            prop_assert_eq!(by_automaton, by_contains);
            prop_assert_eq!(d.is_phrase(&text), phrases.iter().any(|p| p == text.trim())
                || latin_of(text.trim()).is_some_and(|l| d.by_sound.contains_key(&l)));
        }
    }
}
