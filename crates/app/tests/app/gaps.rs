//! Unknown is a value: a legal element a real source lacks imports as 待补充 on a draft,
//! never as an invented number; publishing requires it; the admin list finds and counts such
//! items. A 主项's guide lists its published children, and a child names its 主项.

use app::AppError;
use app::auth::{Actor, CatalogAdmin};
use app::exchange;
use domain::catalog::Pending;
use domain::fixtures::{sample_item, sample_main_item};
use store::testing::on_both;

use crate::support::*;

fn blank_cells(sheet: &mut exchange::Sheet, headers: &[&str]) {
    for h in headers {
        let col = sheet[0].iter().position(|c| c == h).unwrap();
        for row in sheet.iter_mut().skip(1) {
            row[col].clear();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_element_the_source_lacks_stays_unknown_until_supplied_and_blocks_publishing() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let cap = CatalogAdmin::command_line("t", "511600");
        let main = sample_main_item();
        let child = sample_item();
        // The child's row lacks 设定依据, 承诺时限 and 到现场次数.
        let (mut items, materials) = exchange::to_sheets(std::slice::from_ref(&child));
        blank_cells(&mut items, &["设定依据", "承诺时限", "到现场次数"]);
        let (main_items, _) = exchange::to_sheets(std::slice::from_ref(&main));
        items.insert(1, main_items[1].clone());
        let r = exchange::import(&app, &cap, &items, &materials, false, true, |_, _| {})
            .await
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!((r.created, r.incomplete), (2, 1));

        // The draft holds no invented value: the export gives the cells back empty.
        let v = app::catalog::versions(&app, &cap, &child.code)
            .await
            .unwrap();
        let draft = &v.last().unwrap().definition;
        assert_eq!(
            draft.pending,
            [Pending::LegalBasis, Pending::PromisedLimit, Pending::Visits]
        );
        let (out, _) = exchange::to_sheets(std::slice::from_ref(draft));
        let col = |h: &str| out[0].iter().position(|c| c == h).unwrap();
        assert_eq!(out[1][col("承诺时限")], "");
        assert_eq!(out[1][col("到现场次数")], "");

        // Not public, and listed and counted as 待补充.
        let hidden = app::catalog::guide(&app, &Actor::Anonymous, &child.code, None).await;
        assert!(matches!(hidden, Err(AppError::NotFound(_))), "{hidden:?}");
        let (rows, total) = app::catalog::admin_list(&app, &cap, None, true, None, None)
            .await
            .unwrap();
        assert_eq!(total, 1);
        assert_eq!(
            (rows[0].code.as_str(), rows[0].gaps),
            (child.code.as_str(), 3)
        );
        let counts = app::catalog::gaps_by_department(&app, &cap).await.unwrap();
        assert_eq!(counts, [("广安市市场监督管理局".to_string(), 1)]);
        let (_, all) = app::catalog::admin_list(&app, &cap, None, false, None, None)
            .await
            .unwrap();
        assert_eq!(all, 2);
        // Another department's administrator sees none of it.
        let other = CatalogAdmin::command_line("u", "511602");
        assert!(
            app::catalog::gaps_by_department(&app, &other)
                .await
                .unwrap()
                .is_empty()
        );

        // Publishing names every missing element.
        let refused = app::catalog::publish(&app, &cap, &child.code).await;
        let Err(AppError::Validation(fields)) = refused else {
            panic!("{refused:?}")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["legal_basis", "promised_limit", "visits"]);
        assert!(fields[1].message.contains("承诺时限待补充"));

        // The 主项 lists no unpublished child.
        let g = app::catalog::guide(&app, &Actor::Anonymous, &main.code, None)
            .await
            .unwrap();
        assert!(g.children.is_empty());

        // Supplied, it publishes, leaves the list, and the two guides link each other.
        app::catalog::save_draft(&app, &cap, &child.code, child.clone())
            .await
            .unwrap();
        app::catalog::publish(&app, &cap, &child.code)
            .await
            .unwrap();
        let (_, left) = app::catalog::admin_list(&app, &cap, None, true, None, None)
            .await
            .unwrap();
        assert_eq!(left, 0);
        let g = app::catalog::guide(&app, &Actor::Anonymous, &main.code, None)
            .await
            .unwrap();
        assert_eq!(g.children, [(child.code.clone(), child.name.clone())]);
        let c = app::catalog::guide(&app, &Actor::Anonymous, &child.code, None)
            .await
            .unwrap();
        assert_eq!(c.parent, Some((main.code.clone(), main.name.clone())));
        assert_eq!(c.def().promised_limit, child.promised_limit);
    })
    .await;
}
