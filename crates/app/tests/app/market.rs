//! 中介超市: registration and review, bids within the window, selection by the job's method
//! (a draw anyone can re-run with the published seed), contract, delivery, rating and the
//! credit list.

use app::AppError;
use app::auth::Actor;
use app::market::{self, Selection};
use domain::account::{ApplicantRegistration, Role};
use domain::market::{JobPost, JobState, Method, Qualification, Registration, Service, Standing};
use time::Duration;
use time::macros::{date, datetime};

use crate::support::*;

/// Yuan in fen, the unit prices are kept in.
const fn fen(yuan: i64) -> i64 {
    yuan * 100
}

pub(crate) fn code(n: u32) -> String {
    let first = format!("91511600MA{n:07}");
    format!("{first}{}", domain::ids::credit_check_char(&first))
}

pub(crate) async fn company(app: &app::App, n: u32, name: &str) -> Actor {
    let reg = ApplicantRegistration::Enterprise {
        credit_code: code(n),
        name: name.into(),
        legal_representative: "王五".into(),
        phone: "13800138001".into(),
        password: "a long passphrase".into(),
    };
    app::auth::register(app, None, reg).await.unwrap().actor
}

fn registration(n: u32, name: &str, valid_until: time::Date) -> Registration {
    Registration {
        credit_code: code(n),
        name: name.into(),
        services: vec![Service::Surveying],
        regions: vec!["511600".into()],
        qualifications: vec![Qualification {
            service: Service::Surveying,
            name: "乙级测绘资质".into(),
            number: format!("乙测资字5116{n:04}"),
            valid_until,
        }],
        staff: 10,
        phone: "0826-2345678".into(),
    }
}

fn post(method: Method) -> JobPost {
    JobPost {
        title: "广安区某厂房新建项目 1:500 地形图测绘".into(),
        service: Service::Surveying,
        scope: "用地范围约 2 公顷，提交地形图及测绘报告".into(),
        budget_cap: fen(50_000),
        bid_deadline: datetime!(2026-11-30 17:00 +8),
        delivery_days: 20,
        method,
        region: "511602".into(),
        project_code: String::new(),
    }
}

fn field_code(e: AppError) -> String {
    match e {
        AppError::Validation(v) => v.iter().map(|f| f.code).collect::<Vec<_>>().join(","),
        AppError::Conflict { field, .. } => format!("conflict:{field}"),
        other => format!("{other:?}"),
    }
}

/// Three intermediaries approved by the city's administrator (one with a qualification
/// that lapses before it can bid), a fourth left pending.
async fn market_with_four(app: &app::App) -> (Actor, [Actor; 4]) {
    let admin = staff(app, "madmin", &[Role::SystemAdmin], "511600", None).await;
    let firms = [
        company(app, 2, "广安甲测绘有限公司").await,
        company(app, 3, "广安乙测绘有限公司").await,
        company(app, 4, "广安丙测绘有限公司").await,
        company(app, 5, "广安丁测绘有限公司").await,
    ];
    let names = [
        "广安甲测绘有限公司",
        "广安乙测绘有限公司",
        "广安丙测绘有限公司",
        "广安丁测绘有限公司",
    ];
    for (i, firm) in firms.iter().enumerate() {
        let n = i as u32 + 2;
        let valid = if n == 4 {
            date!(2026 - 11 - 28)
        } else {
            date!(2027 - 06 - 30)
        };
        let v = market::register(app, firm, &registration(n, names[i], valid))
            .await
            .unwrap();
        assert_eq!(v.standing, Standing::Pending);
        if n != 5 {
            market::review(app, &admin, &code(n), true, "")
                .await
                .unwrap();
        }
    }
    (admin, firms)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_bid_drawn_at_random_re_run_contracted_delivered_and_rated() {
    store::testing::on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let buyer = company(&app, 1, "广安某制造有限公司").await;

        // Who may register, and with which code; who may review.
        let person = citizen(&app, "001").await;
        let e = market::register(&app, &person, &registration(9, "某", date!(2027 - 01 - 01)))
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let e = market::register(
            &app,
            &buyer,
            &registration(2, "冒名", date!(2027 - 01 - 01)),
        )
        .await
        .unwrap_err();
        assert_eq!(field_code(e), "not_yours");
        let county = staff(&app, "cadmin", &[Role::SystemAdmin], "511602", None).await;
        let (admin, [a, b, c, d]) = market_with_four(&app).await;
        let e = market::register(&app, &a, &registration(2, "改名", date!(2027 - 01 - 01)))
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "conflict:credit_code", "approved stays");
        let e = market::review(&app, &county, &code(5), true, "")
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Forbidden(_)),
            "a county admin for a city-wide firm"
        );
        let e = market::review(&app, &admin, &code(5), false, " ")
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "required");
        let pending = market::list_intermediaries(&app, &admin, Standing::Pending)
            .await
            .unwrap();
        assert_eq!(pending.len(), 1);
        let hidden = market::list_intermediaries(&app, &county, Standing::Pending)
            .await
            .unwrap();
        assert!(
            hidden.is_empty(),
            "a county admin sees only what it may review"
        );
        let e = market::intermediary(&app, &county, &code(5))
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
        assert!(
            market::list_intermediaries(&app, &Actor::Anonymous, Standing::Pending)
                .await
                .is_err()
        );
        assert_eq!(
            market::list_intermediaries(&app, &Actor::Anonymous, Standing::Approved)
                .await
                .unwrap()
                .len(),
            3
        );

        // A job open for bids; prices stay sealed until the window closes.
        let job = market::post_job(&app, &buyer, &post(Method::Random))
            .await
            .unwrap();
        assert_eq!(job.state, JobState::Open);
        let mut early = post(Method::Random);
        early.bid_deadline = datetime!(2026-11-27 12:00 +8);
        let e = market::post_job(&app, &buyer, &early).await.unwrap_err();
        assert_eq!(field_code(e), "too_soon");
        market::bid(&app, &a, &job.id, fen(40_000), 15)
            .await
            .unwrap();
        market::bid(&app, &b, &job.id, fen(38_000), 18)
            .await
            .unwrap();
        clock.set(datetime!(2026-11-29 10:00 +8));
        for (who, price, days, expected) in [
            (&a, fen(39_000), 15, "duplicate"),
            (&c, fen(30_000), 15, "qualification_expired"),
            (&d, fen(30_000), 15, "not_approved"),
        ] {
            let e = market::bid(&app, who, &job.id, price, days)
                .await
                .unwrap_err();
            assert_eq!(field_code(e), expected);
        }
        let seen = market::job(&app, &Actor::Anonymous, &job.id).await.unwrap();
        assert_eq!(seen.bids.len(), 2);
        assert!(
            seen.bids
                .iter()
                .all(|b| b.price.is_none() && b.name.is_empty() && b.credit_code.is_empty()),
            "prices and bidders sealed while open"
        );
        let own = market::job(&app, &a, &job.id).await.unwrap();
        assert_eq!(own.bids.iter().filter(|b| b.price.is_some()).count(), 1);
        assert_eq!(
            own.bids
                .iter()
                .filter(|b| !b.credit_code.is_empty())
                .count(),
            1,
            "a bidder sees its own bid only"
        );
        let e = market::select(&app, &buyer, &job.id, &Selection::default())
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "before the deadline");

        // The window closes: no more bids; only the buyer draws.
        clock.set(datetime!(2026-11-30 17:00 +8));
        let e = market::bid(&app, &c, &job.id, fen(30_000), 15)
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "closed");
        let e = market::select(&app, &a, &job.id, &Selection::default())
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)));
        let drawn = market::select(&app, &buyer, &job.id, &Selection::default())
            .await
            .unwrap();
        assert_eq!(drawn.state, JobState::Selected);
        assert_eq!(drawn.seed.len(), 32);
        assert_eq!(drawn.draw.len(), 2);
        assert_eq!(drawn.winner, drawn.draw[0].credit_code);
        assert!(
            drawn.bids.iter().all(|b| b.price.is_some()),
            "public once closed"
        );
        let e = market::verify_draw(&app, &job.id, "00112233445566778899aabbccddeeff")
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "seed_mismatch");
        let again = market::verify_draw(&app, &job.id, &drawn.seed)
            .await
            .unwrap();
        assert_eq!(again, drawn.draw);
        let e = market::select(&app, &buyer, &job.id, &Selection::default())
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "drawn once");

        // Contract, a late delivery by the winner, a bad rating.
        let (winner, loser, price) = if drawn.winner == code(2) {
            (&a, &b, fen(40_000))
        } else {
            (&b, &a, fen(38_000))
        };
        let e = market::contract(&app, &buyer, &job.id, price + 1, 15)
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "invalid");
        market::contract(&app, &buyer, &job.id, price, 15)
            .await
            .unwrap();
        clock.advance(Duration::days(17));
        let e = market::deliver(&app, loser, &job.id, "测绘报告.pdf", b"%PDF-1.7".to_vec())
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)));
        let done = market::deliver(&app, winner, &job.id, "测绘报告.pdf", b"%PDF-1.7".to_vec())
            .await
            .unwrap();
        assert!(done.overdue, "due after 15 days, delivered after 17");
        let (name, bytes) = market::report(&app, &buyer, &job.id).await.unwrap();
        assert_eq!(
            (name.as_str(), bytes.as_slice()),
            ("测绘报告.pdf", &b"%PDF-1.7"[..])
        );
        assert!(
            market::report(&app, &Actor::Anonymous, &job.id)
                .await
                .is_err()
        );
        let e = market::rate(&app, &buyer, &job.id, 2, "")
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "required");
        let rated = market::rate(&app, &buyer, &job.id, 2, "逾期且成果需返工")
            .await
            .unwrap();
        assert_eq!((rated.state, rated.stars), (JobState::Rated, 2));

        // Two marks: on the credit list, not yet barred; a breach bars it for a year.
        let list = market::credit_list(&app).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].credit_code, drawn.winner);
        assert_eq!((list[0].marks.len(), list[0].listed), (2, false));
        let e = market::record_breach(&app, &county, &job.id, "未按合同返工").await;
        assert!(e.is_ok(), "the county covers the job's region: {e:?}");
        assert!(market::credit_list(&app).await.unwrap()[0].listed);
        // And it is on the intermediary's credit record, without barring 告知承诺.
        let record = app::oversight::credit::mine(&app, winner).await.unwrap();
        assert_eq!(record.len(), 1);
        assert_eq!(record[0].kind, domain::credit::Kind::IntermediaryBreach);
        assert!(
            record[0].note.contains("未按合同返工"),
            "{}",
            record[0].note
        );
        assert!(!record[0].kind.bars_commitment());
        let next = market::post_job(
            &app,
            &buyer,
            &JobPost {
                bid_deadline: datetime!(2026-12-30 17:00 +8),
                ..post(Method::LowestPrice)
            },
        )
        .await
        .unwrap();
        let e = market::bid(&app, winner, &next.id, fen(30_000), 10)
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "listed");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_without_bids_fails_and_the_lowest_or_best_scored_bid_wins_others() {
    store::testing::on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let buyer = staff(&app, "gbuyer", &[Role::Clerk], "511602", None).await;
        let (_, [a, b, _, _]) = market_with_four(&app).await;
        let mut elsewhere = post(Method::LowestPrice);
        elsewhere.region = "511621".into();
        let e = market::post_job(&app, &buyer, &elsewhere)
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Forbidden(_)),
            "outside the buyer's region"
        );
        let empty = market::post_job(&app, &buyer, &post(Method::LowestPrice))
            .await
            .unwrap();
        let cheapest = market::post_job(&app, &buyer, &post(Method::LowestPrice))
            .await
            .unwrap();
        let scored = market::post_job(&app, &buyer, &post(Method::Scored))
            .await
            .unwrap();
        for (job, firm, price) in [
            (&cheapest.id, &a, fen(30_000)),
            (&cheapest.id, &b, fen(29_000)),
            (&scored.id, &a, fen(30_000)),
            (&scored.id, &b, fen(20_000)),
        ] {
            market::bid(&app, firm, job, price, 10).await.unwrap();
        }
        clock.set(datetime!(2026-12-01 09:00 +8));
        let failed = market::select(&app, &buyer, &empty.id, &Selection::default())
            .await
            .unwrap();
        assert_eq!(failed.state, JobState::Failed);
        let won = market::select(&app, &buyer, &cheapest.id, &Selection::default())
            .await
            .unwrap();
        assert_eq!(won.winner, code(3));
        let e = market::select(&app, &buyer, &scored.id, &Selection::default())
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "required", "quality points for every bid");
        let sel = Selection {
            choice: None,
            quality: vec![(code(2), 38), (code(3), 10)],
        };
        let best = market::select(&app, &buyer, &scored.id, &sel)
            .await
            .unwrap();
        assert_eq!(best.winner, code(2), "78.00 against 70.00");
        assert!(best.reason.contains("78.00"), "{}", best.reason);
        let page = market::jobs(&app, &Actor::Anonymous, Some(JobState::Selected), 1)
            .await
            .unwrap();
        assert_eq!((page.jobs.len(), page.total, page.pages), (2, 2, 1));
        let scored_listed = page.jobs.iter().find(|j| j.id == scored.id).unwrap();
        assert_eq!(scored_listed.bids.len(), 2, "bids come with the page");
        assert!(
            scored_listed.bids.iter().all(|b| !b.name.is_empty()),
            "names are public once the window has closed"
        );
        let past = market::jobs(&app, &Actor::Anonymous, Some(JobState::Selected), 9)
            .await
            .unwrap();
        assert!(past.jobs.is_empty() && past.page == 9);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_files_no_job_names_are_swept_after_the_grace_period() {
    store::testing::on_both(|s| async move {
        let dir = tempfile::tempdir().unwrap();
        let (app, clock) = app_in(s, dir.path()).await;
        let (named, stray) = ("market/j1/named", "market/j2/stray");
        app.files.put(named, b"report".to_vec()).await.unwrap();
        app.files.put(stray, b"crashed".to_vec()).await.unwrap();
        let mut job = store::market::JobRow {
            id: "j1".into(),
            state: JobState::Contracted.as_str().into(),
            draw: "[]".into(),
            ..Default::default()
        };
        let mut c = app.store.conn().await.unwrap();
        store::market::post_job(&mut c, &job).await.unwrap();
        job.state = JobState::Delivered.as_str().into();
        job.report_key = named.into();
        let from = JobState::Contracted.as_str();
        assert!(store::market::update_job(&mut c, &job, from).await.unwrap());
        drop(c);
        assert_eq!(
            market::sweep_reports(&app).await.unwrap(),
            0,
            "nothing is removed within the grace period"
        );
        clock.advance(domain::upload::ORPHAN_GRACE + Duration::hours(1));
        for key in [named, stray] {
            let f = std::fs::File::options()
                .append(true)
                .open(dir.path().join(key))
                .unwrap();
            f.set_modified((app.now() - domain::upload::ORPHAN_GRACE - Duration::hours(1)).into())
                .unwrap();
        }
        assert_eq!(market::sweep_reports(&app).await.unwrap(), 1);
        assert!(
            app.files.get(named).await.unwrap().is_some(),
            "a job names it"
        );
        assert!(app.files.get(stray).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_market_has_a_month_of_jobs_in_every_state_and_draws_that_re_run() {
    store::testing::on_both(|s| async move {
        let (app, _) = app(s).await;
        let first = app::demo::load(&app).await.unwrap();
        assert!(first.market_jobs >= 25, "{}", first.market_jobs);
        assert_eq!(app::demo::load(&app).await.unwrap().market_jobs, 0, "once");
        let all = market::jobs(&app, &Actor::Anonymous, None, 1)
            .await
            .unwrap();
        assert_eq!(all.total as usize, first.market_jobs);
        for state in JobState::ALL {
            let n = market::jobs(&app, &Actor::Anonymous, Some(*state), 1)
                .await
                .unwrap()
                .total;
            assert!(n > 0, "no demo job is {state:?}");
        }
        // The waiting job: closed an hour ago, three surveying firms bid, the clerk buys.
        let waiting = all
            .jobs
            .iter()
            .find(|j| j.post.title == app::demo_market::WAITING_JOB)
            .unwrap();
        assert_eq!(waiting.state, JobState::Open);
        assert!(waiting.post.bid_deadline < app.now());
        assert_eq!(waiting.bids.len(), 3);
        assert!(
            waiting
                .bids
                .iter()
                .all(|b| b.price.is_some() && !b.name.is_empty())
        );
        let clerk = app::auth::login(&app, None, "clerk", app::demo::DEMO_PASSWORD)
            .await
            .unwrap()
            .actor;
        let drawn = market::select(&app, &clerk, &waiting.id, &Selection::default())
            .await
            .unwrap();
        let order = market::verify_draw(&app, &waiting.id, &drawn.seed)
            .await
            .unwrap();
        assert_eq!(order[0].credit_code, drawn.winner);
        let winner = app::auth::login(&app, None, &drawn.winner, app::demo::DEMO_PASSWORD)
            .await
            .unwrap()
            .actor;
        assert!(
            winner.is_enterprise(),
            "the winner logs in with its credit code"
        );
        // Every published draw of the month re-runs to the same winner.
        let rated = market::jobs(&app, &Actor::Anonymous, Some(JobState::Rated), 1)
            .await
            .unwrap();
        for j in rated.jobs.iter().filter(|j| !j.seed.is_empty()) {
            let order = market::verify_draw(&app, &j.id, &j.seed).await.unwrap();
            assert_eq!(order[0].credit_code, j.winner, "{}", j.post.title);
        }
        let listed = market::credit_list(&app).await.unwrap();
        assert!(
            !listed.is_empty(),
            "late deliveries and bad ratings are marked"
        );
    })
    .await;
}
