//! Whether a search is about a life event a bundle (一件事) serves: a search page shows such
//! bundles above the items, so 开饭店 or 新生儿 leads to the one application for everything.

use super::BundleDefinition;

/// The score at which a bundle is shown for a search: one word of its name, or a few of its
/// description.
pub const RELEVANT: f32 = 1.5;

impl BundleDefinition {
    /// How much a search's words (after synonyms, with their weights, as the catalog index
    /// expands them) are about this bundle: a word in its name counts three times its weight,
    /// in its description once. Words of one character match too much to count.
    pub fn relevance(&self, words: &[(String, f32)]) -> f32 {
        words
            .iter()
            .filter(|(w, _)| w.chars().count() > 1)
            .map(|(w, weight)| {
                let name = if self.name.contains(w.as_str()) {
                    3.0
                } else {
                    0.0
                };
                let description = if self.description.contains(w.as_str()) {
                    1.0
                } else {
                    0.0
                };
                (name + description) * weight
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bundle(name: &str, description: &str) -> BundleDefinition {
        BundleDefinition {
            code: "YJS".into(),
            name: name.into(),
            description: description.into(),
            lead_department: String::new(),
            region: String::new(),
            members: vec![],
            fields: vec![],
            promised_days: 0,
            subject: Default::default(),
        }
    }

    #[test]
    fn a_name_word_makes_a_bundle_relevant_and_an_unrelated_search_does_not() {
        let food = bundle(
            "开办餐饮店",
            "开一家餐饮店需要的营业执照、食品经营许可等一次申请",
        );
        let w = |s: &str, x: f32| (s.to_string(), x);
        assert!(food.relevance(&[w("餐饮", 1.0)]) >= RELEVANT);
        assert!(food.relevance(&[w("护照", 1.0)]) < RELEVANT);
        assert!(food.relevance(&[w("开", 1.0)]) == 0.0, "one character");
        assert!(
            food.relevance(&[w("食品", 0.4)]) < RELEVANT,
            "a weak description word alone is not enough"
        );
    }

    proptest! {
        /// More words never make a bundle less relevant.
        #[test]
        fn relevance_grows_with_words(extra in "[\u{4e00}-\u{4e0f}]{2,3}", weight in 0.1f32..1.0) {
            let b = bundle("新生儿出生", "出生医学证明、户口登记、医保参保、社保卡一次办");
            let base = vec![("出生".to_string(), 1.0f32)];
            let mut more = base.clone();
            more.push((extra, weight));
            prop_assert!(b.relevance(&more) >= b.relevance(&base));
        }
    }
}
