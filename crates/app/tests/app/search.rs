//! Search over the demo catalog answers everyday words with what people mean: a broad query
//! returns a short list led by the right items, and a life event finds its 一件事 first.

use app::catalog::{self, SearchParams};
use store::testing::on_both;

use crate::support::*;

fn search(q: &str) -> SearchParams {
    SearchParams {
        q: q.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broad_everyday_query_returns_what_people_mean_and_life_events_find_their_bundle() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        app::demo::load(&app).await.unwrap();
        let r = catalog::search(&app, &search("开饭店")).await.unwrap();
        let names: Vec<&str> = r.hits.iter().map(|h| h.name.as_str()).collect();
        assert!(
            names.iter().take(3).any(|n| n.contains("食品")),
            "{names:?}"
        );
        assert!(r.total <= 15, "开饭店 matched {} items: {names:?}", r.total);
        assert!(
            !names
                .iter()
                .any(|n| n.contains("旅行社") || n.contains("道路货物运输")),
            "{names:?}"
        );

        for (q, bundle) in [
            ("开饭店", "开办餐饮店"),
            ("新生儿", "新生儿出生"),
            ("退休", "退休"),
        ] {
            // As the search page does: the bundles by the words the catalog search understood.
            let words = catalog::search(&app, &search(q)).await.unwrap().words;
            let found = app::bundles::matching(&app, &words, &[]).await.unwrap();
            assert_eq!(
                found.first().map(|b| b.name.as_str()),
                Some(bundle),
                "{q}: {:?}",
                found.iter().map(|b| &b.name).collect::<Vec<_>>()
            );
        }
        let words = catalog::search(&app, &search("护照")).await.unwrap().words;
        let none = app::bundles::matching(&app, &words, &[]).await.unwrap();
        assert!(
            none.is_empty(),
            "{:?}",
            none.iter().map(|b| &b.name).collect::<Vec<_>>()
        );
    })
    .await;
}
