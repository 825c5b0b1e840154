//! The statistics' per-day sums, kept with every case change, against a recount: after a
//! random workload (cases stopped at every stage, supplements, special procedures left open
//! and ended, refusals, withdrawals, the clock moving on so that open cases pass their
//! deadlines) the stored sums are what a rebuild from the cases gives, and the dashboard read
//! from them is the one counted from every case.

use app::auth::Actor;
use app::cases;
use domain::account::Role;
use domain::case::{Command, Delivery};
use domain::fixtures::sample_item;
use store::testing::on_both;

use crate::support::*;

/// xorshift64: a fixed seed gives the same workload on both backends.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// What happens to one case, step by step, as far as it gets.
fn plan(rng: &mut Rng) -> Vec<&'static str> {
    let mut p = vec!["file"];
    if rng.below(4) == 0 {
        p.extend(["supplement", "supply"]);
    }
    if rng.below(8) == 0 {
        p.push("withdraw");
        return p;
    }
    p.extend(["accept", "claim"]);
    if rng.below(3) == 0 {
        p.push("suspend");
        if rng.below(2) == 0 {
            p.push("resume");
        } else {
            return p;
        }
    }
    p.extend(["step", "claim2", "step2", "claim3"]);
    if rng.below(5) == 0 {
        // 不予许可 ends the case.
        p.push("deny");
    } else {
        p.extend(["approve", "issue", "complete"]);
    }
    let stop = 1 + rng.below(p.len() as u64 + 3) as usize;
    p.truncate(stop.min(p.len()));
    p
}

struct People {
    me: Actor,
    clerk: Actor,
    reviewers: [Actor; 2],
    approver: Actor,
}

async fn run_step(app: &app::App, who: &People, id: &str, step: &str) {
    let (actor, cmd) = match step {
        "file" => {
            file(app, &who.me, id).await;
            return;
        }
        "supplement" => (
            &who.clerk,
            Command::RequestSupplement {
                materials: vec![],
                fields: vec![],
                note: "请补充说明".into(),
            },
        ),
        "supply" => (
            &who.me,
            Command::Supply {
                form: Default::default(),
                materials: Default::default(),
            },
        ),
        "withdraw" => (
            &who.me,
            Command::Withdraw {
                reason: "不再需要".into(),
            },
        ),
        "accept" => (
            &who.clerk,
            Command::Accept {
                tolerate: vec![],
                commitment: false,
            },
        ),
        "claim" => (&who.reviewers[0], Command::Claim),
        "suspend" => (
            &who.reviewers[0],
            Command::Suspend {
                reason: "现场核查".into(),
                expected_days: 5,
            },
        ),
        "resume" => (&who.reviewers[0], Command::Resume),
        "step" => (
            &who.reviewers[0],
            Command::CompleteStep {
                opinion: "同意".into(),
            },
        ),
        "claim2" => (&who.reviewers[1], Command::Claim),
        "step2" => (
            &who.reviewers[1],
            Command::CompleteStep {
                opinion: "同意".into(),
            },
        ),
        "claim3" => (&who.approver, Command::Claim),
        "approve" => (
            &who.approver,
            Command::Approve {
                reason: "符合条件".into(),
                legal_basis: String::new(),
            },
        ),
        "deny" => (
            &who.approver,
            Command::Deny {
                reason: "不符合条件".into(),
                legal_basis: "《行政许可法》第三十八条".into(),
            },
        ),
        "issue" => (
            &who.clerk,
            Command::Issue {
                delivery: Delivery::Electronic,
            },
        ),
        "complete" => (&who.clerk, Command::Complete),
        other => panic!("unknown step {other}"),
    };
    cases::act(app, actor, id, cmd)
        .await
        .unwrap_or_else(|e| panic!("{step} on {id}: {e:?}"));
}

fn query(from: &str, to: &str, department: Option<&str>) -> app::stats::Query {
    app::stats::Query {
        from: from.into(),
        to: to.into(),
        department: department.map(Into::into),
        item: None,
        group: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kept_sums_equal_a_recount_after_a_random_workload() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let item = sample_item();
        publish(&app, &item).await;
        let who = People {
            me: citizen(&app, "123").await,
            clerk: staff(&app, "clerk", &[Role::Clerk], "511600", None).await,
            reviewers: [
                market_reviewer(&app).await,
                staff(
                    &app,
                    "rev2",
                    &[Role::Reviewer],
                    "511600",
                    Some("511600-SCJG"),
                )
                .await,
            ],
            approver: staff(
                &app,
                "apr",
                &[Role::Approver],
                "511600",
                Some("511600-SCJG"),
            )
            .await,
        };
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        // Cases started over several days, each taken a few steps per round while the
        // clock moves on by whole days.
        let mut flights: Vec<(String, Vec<&str>)> = Vec::new();
        for round in 0..10 {
            for _ in 0..2 {
                let c = cases::start(&app, &who.me, &item.code).await.unwrap();
                flights.push((c.id.to_string(), plan(&mut rng)));
            }
            for (id, steps) in flights.iter_mut() {
                let n = rng.below(4) as usize;
                for step in steps.drain(..n.min(steps.len())) {
                    run_step(&app, &who, id, step).await;
                }
            }
            clock.advance(time::Duration::days(1 + rng.below(3) as i64));
            let _ = round;
        }
        let mut c = app.store.conn().await.unwrap();
        let kept = store::stats::all_sums(&mut c).await.unwrap();
        drop(c);
        let counted = app::stats::rebuild(&app).await.unwrap();
        let mut c = app.store.conn().await.unwrap();
        let recount = store::stats::all_sums(&mut c).await.unwrap();
        drop(c);
        assert_eq!(
            kept, recount,
            "the sums kept with each change are a recount's"
        );
        assert!(counted > 10, "{counted} cases received");

        let sup = staff(&app, "sup", &[Role::Supervisor], "511600", None).await;
        let today = domain::calendar::china_date(app.now());
        let end = (today + time::Duration::days(1)).to_string();
        for q in [
            query("2026-01-01", &end, None),
            query("2026-01-01", &end, Some("511600-SCJG")),
            query("2026-11-30", "2026-12-08", None),
        ] {
            let sums = app::stats::report(&app, &sup, &q).await.unwrap();
            let cases = app::stats::report_from_cases(&app, &sup, &q).await.unwrap();
            assert_eq!(
                serde_json::to_value(&sums).unwrap(),
                serde_json::to_value(&cases).unwrap(),
                "{} – {} {:?}",
                q.from,
                q.to,
                q.department
            );
        }
        // The workload reached what the sums must get right, not only the easy parts.
        let all = app::stats::report(&app, &sup, &query("2026-01-01", &end, None))
            .await
            .unwrap()
            .summary;
        assert!(all.decided > 0 && all.completed > 0, "{all:?}");
        assert!(
            all.overdue > all.decided - all.on_time,
            "open cases past their deadline: {all:?}"
        );
        assert!(all.median_handling_days.is_some(), "{all:?}");
    })
    .await;
}
