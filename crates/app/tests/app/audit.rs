//! What `audit verify` notices (security review finding 9): events removed from a chain's
//! end or a whole chain, a state column changed, and, with a checkpoint kept off the server,
//! a chain rewritten and recomputed; the administration chain likewise.

use std::collections::BTreeMap;

use app::cases;
use domain::case::Command;
use domain::fixtures::sample_item;
use store::testing::{on_both, tamper};

use crate::support::*;

/// Three drafts of the demo citizen, each with three events; returns their ids.
async fn three_cases(app: &app::App) -> Vec<String> {
    seed_org(app).await;
    let code = publish(app, &sample_item()).await;
    let me = citizen(app, "123").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let c = cases::start(app, &me, &code).await.unwrap();
        for _ in 0..2 {
            let edit = Command::Edit {
                form: BTreeMap::new(),
                materials: BTreeMap::new(),
            };
            cases::act(app, &me, &c.id, edit).await.unwrap();
        }
        ids.push(c.id.to_string());
    }
    ids
}

fn reasons(r: &app::audit::VerifyReport) -> Vec<(String, String)> {
    r.broken
        .iter()
        .map(|b| (b.case_id.clone(), b.reason.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_events_a_removed_chain_and_a_changed_state_are_found() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let ids = three_cases(&app).await;
        let clean = app::audit::verify(&app, None, |_| {}).await.unwrap();
        assert!(clean.broken.is_empty(), "{clean:?}");
        // The last event of one case, all events of another, the state of the third.
        tamper(&app.store, "DELETE FROM case_events WHERE case_id = $1 AND seq = (SELECT MAX(seq) FROM case_events WHERE case_id = $1)", &[&ids[0]]).await;
        tamper(&app.store, "DELETE FROM case_events WHERE case_id = $1", &[&ids[1]]).await;
        tamper(&app.store, "UPDATE cases SET state = 'completed' WHERE id = $1", &[&ids[2]]).await;
        let r = app::audit::verify(&app, None, |_| {}).await.unwrap();
        let found = reasons(&r);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.iter().any(|(c, why)| *c == ids[0] && why.contains("末尾记录被删除")), "{found:?}");
        assert!(found.iter().any(|(c, why)| *c == ids[1] && why.contains("整条操作记录被删除")), "{found:?}");
        assert!(found.iter().any(|(c, why)| *c == ids[2] && why.contains("状态被改动")), "{found:?}");
    })
    .await;
}

/// Rewrites one event's payload and recomputes every hash after it, as an attacker who
/// knows the (keyless) chain formula would.
async fn rewrite_and_recompute(app: &app::App, case_id: &str) {
    let mut c = app.store.conn().await.unwrap();
    let events = store::cases::events(&mut c, case_id).await.unwrap();
    drop(c);
    let mut prev = app::audit::GENESIS.to_string();
    for (i, e) in events.iter().enumerate() {
        let payload = if i == 1 {
            "{\"event\":\"edited\",\"note\":\"forged\"}".to_string()
        } else {
            e.payload.clone()
        };
        let h = app::audit::hash(&prev, e.seq, e.at, &e.actor, &e.role, &e.kind, &payload);
        let seq = e.seq.to_string();
        tamper(&app.store, "UPDATE case_events SET payload = $1, prev_hash = $2, hash = $3 WHERE case_id = $4 AND seq = CAST($5 AS BIGINT)", &[&payload, &prev, &h, case_id, &seq]).await;
        prev = h;
    }
    tamper(
        &app.store,
        "UPDATE cases SET head_hash = $1 WHERE id = $2",
        &[&prev, case_id],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recomputed_chain_passes_alone_but_not_against_a_signed_checkpoint() {
    on_both(|s| async move {
        let dir = tempfile::tempdir().unwrap();
        let (app, _) = app_in(s, dir.path()).await;
        let ids = three_cases(&app).await;
        // An administrative action, so the administration chain has a head to fix.
        let city_sup = staff(
            &app,
            "ms",
            &[domain::account::Role::Supervisor],
            "511600",
            None,
        )
        .await;
        app::supervision::set_thresholds(&app, &city_sup, "", 3, 30)
            .await
            .unwrap();
        let path = app::audit::write_checkpoint(&app, Some(&dir.path().join("cp.json")))
            .await
            .unwrap();
        let cp: app::audit::Checkpoint =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        cp.check_signature(&app)
            .await
            .expect("a fresh checkpoint verifies");
        assert_eq!(cp.heads.len(), 3);

        rewrite_and_recompute(&app, &ids[0]).await;
        let alone = app::audit::verify(&app, None, |_| {}).await.unwrap();
        assert!(
            alone.broken.is_empty(),
            "a recomputed chain is consistent in itself: {alone:?}"
        );
        let against = app::audit::verify(&app, Some(&cp), |_| {}).await.unwrap();
        let found = reasons(&against);
        assert!(
            found
                .iter()
                .any(|(c, why)| *c == ids[0] && why.contains("检查点")),
            "{found:?}"
        );

        // A deleted case (row and chain) is missing from what the checkpoint fixed.
        tamper(
            &app.store,
            "DELETE FROM case_events WHERE case_id = $1",
            &[&ids[1]],
        )
        .await;
        tamper(&app.store, "DELETE FROM cases WHERE id = $1", &[&ids[1]]).await;
        let r = app::audit::verify(&app, Some(&cp), |_| {}).await.unwrap();
        assert!(
            reasons(&r)
                .iter()
                .any(|(c, why)| *c == ids[1] && why.contains("已不存在")),
            "{r:?}"
        );

        // The administration chain: an edited detail breaks it.
        tamper(
            &app.store,
            "UPDATE admin_events SET detail = '{}' WHERE action = 'thresholds_set'",
            &[],
        )
        .await;
        let r = app::audit::verify(&app, None, |_| {}).await.unwrap();
        assert!(reasons(&r).iter().any(|(c, _)| c == "admin"), "{r:?}");

        // A checkpoint edited after signing fails its signature.
        let mut forged = cp.clone();
        forged.heads.remove(0);
        assert!(forged.check_signature(&app).await.is_err());
    })
    .await;
}
