//! Demo 12345: dispatch rules over the default classification tree, knowledge-base articles
//! linked to catalog items, and a month of tickets across departments (answered directly,
//! dispatched, returned, extended, called back, reopened; the last days still running) so the
//! 接诉即办 page shows real-looking figures. Callers, phones and places are invented; the
//! articles' answers point to the item's guide for what the law requires.

use domain::hotline::classes::DispatchRule;
use domain::hotline::flow::{self, Command, Context, Limits, Seat};
use domain::hotline::knowledge::Article;
use domain::hotline::{CallbackMethod, Caller, Channel, Kind, Ticket};
use time::{Duration, OffsetDateTime};

use crate::{App, AppError, Result};

/// (class prefix, department): the city's rules; 01 and 0101 go to housing, 0902 to the fire
/// service and 0701 to the healthcare-security bureau before their parents' rules.
const RULES: &[(&str, &str)] = &[
    ("01", "511600-ZJJ"),
    ("02", "511600-CGZFJ"),
    ("03", "511600-SCJG"),
    ("04", "511600-STHJJ"),
    ("05", "511600-JTYSJ"),
    ("06", "511600-RSJ"),
    ("07", "511600-WJW"),
    ("0701", "511600-YBJ"),
    ("08", "511600-JYJ"),
    ("09", "511600-GAJ"),
    ("0902", "511600-XFJYZD"),
    ("10", "511600-MZJ"),
    ("11", "511600-SCJG"),
    ("12", "511600-GJJZX"),
];

/// (question, answer, item code, owner).
const ARTICLES: &[(&str, &str, &str, &str)] = &[
    (
        "身份证丢了怎么补办？",
        "可到户籍所在地或居住地公安机关户政窗口申请补领居民身份证，也可在“一窗通办”在线预约。所需材料、收费和办理时限以办事指南为准；急需用证可同时申请临时居民身份证。",
        "11511600008745808R3200030003003",
        "511600-GAJ",
    ),
    (
        "身份证快到期了，怎么换领？",
        "有效期满前三个月内可申请换领，到公安机关户政窗口现场采集人像和指纹；具体材料和时限见居民身份证换领办事指南。",
        "11511600008745808R3200030003002",
        "511600-GAJ",
    ),
    (
        "办护照需要带什么？",
        "本人携带居民身份证到出入境管理窗口申请普通护照，现场采集照片和指纹。材料和时限以“普通护照签发”办事指南为准，可在平台预约。",
        "11511600008745808R3010030004001",
        "511600-GAJ",
    ),
    (
        "开饭店要办哪些证？",
        "开办餐饮店可走“一件事”套餐：营业执照（个体工商户或公司设立登记）、食品经营许可、公众聚集场所消防安全检查等一次申请、并联办理。入口：平台“一件事 → 开办餐饮店”。",
        "11511600001516260L3010010002001",
        "511600-SCJG",
    ),
    (
        "食品经营许可证多久能拿到？",
        "承诺办结时限以“食品（含保健食品）经营许可核发”办事指南为准；材料齐全的可当场受理，进度可在“进度查询”按办件编号查看。",
        "11511600001516260L3010010002001",
        "511600-SCJG",
    ),
    (
        "个体工商户怎么注册？",
        "可在平台在线申请个体工商户设立登记，材料齐全的一般即时办结；也可到政务服务中心综合窗口办理。",
        "11511602006582128Q4010010006001",
        "511602-SCJG",
    ),
    (
        "社保卡丢了怎么办？",
        "先拨打 12333 或到社保经办窗口挂失，再申请补换社会保障卡；办理渠道和材料见“社会保障卡申领”办事指南。",
        "11511600002360579Y3200040008001",
        "511600-RSJ",
    ),
    (
        "失业了怎么领失业保险金？",
        "办理失业登记后，符合条件的可在线申领失业保险金；条件、标准和期限以“失业保险金申领”办事指南及本地政策为准。",
        "11511600002360579Y3200040004001",
        "511600-RSJ",
    ),
    (
        "异地就医怎么备案？",
        "可通过国家医保服务平台 App 或平台“跨省异地就医直接结算备案”在线办理，备案后在定点医疗机构直接结算。",
        "11511600005975341M3200050004001",
        "511600-YBJ",
    ),
    (
        "孩子上学怎么报名？",
        "学前教育、义务教育阶段入学按教育部门公布的招生方案在线报名，时间和材料以当年招生公告及办事指南为准。",
        "11511600000434423D3200090001001",
        "511600-JYJ",
    ),
    (
        "低保怎么申请？",
        "向户籍所在地乡镇（街道）提出申请，也可在平台在线申请最低生活保障；条件和标准以当地民政部门公布为准。",
        "1151160200019689174200080005001",
        "511602-MZJ",
    ),
    (
        "结婚登记要预约吗？",
        "可在平台预约婚姻登记，双方携带身份证件和户口簿到婚姻登记机关现场办理；材料以办事指南为准。",
        "1151160200019689174070080004001",
        "511602-MZJ",
    ),
    (
        "户外广告牌要审批吗？",
        "设置大型户外广告须经城市管理部门审批，具体范围和材料见“设置大型户外广告的审批”办事指南。",
        "11511600008508271T3010140001001",
        "511600-CGZFJ",
    ),
    (
        "小区物业不作为找谁？",
        "物业服务问题可先向小区业主委员会和街道（社区）反映；物业企业违反合同或服务标准的，可拨打 12345 由住房城乡建设部门督促处理。",
        "",
        "511600-ZJJ",
    ),
    (
        "噪音扰民怎么投诉？",
        "施工噪音、社会生活噪音可拨打 12345 或网上留言，说明时间和地点；夜间施工噪音由生态环境或城市管理部门依职责处理。",
        "",
        "511600-STHJJ",
    ),
];

/// (class, kind, text): what people call about.
const CALLS: &[(&str, Kind, &str)] = &[
    (
        "0101",
        Kind::Complaint,
        "小区电梯坏了一个星期没人修，物业一直推脱",
    ),
    (
        "0101",
        Kind::Complaint,
        "物业公司乱收停车费，没有公示收费标准",
    ),
    ("0103", Kind::Help, "小区停水两天了，没有任何通知"),
    ("0105", Kind::Help, "路灯不亮，晚上出行不安全"),
    ("0201", Kind::Complaint, "学校门口占道经营，早上堵得走不动"),
    ("0202", Kind::Report, "邻居在楼顶搭建违章建筑"),
    ("0203", Kind::Complaint, "垃圾桶满了没人清运，气味很大"),
    ("0302", Kind::Complaint, "在超市买到过期食品，商家拒绝退换"),
    ("0301", Kind::Report, "路边小餐馆后厨卫生很差"),
    ("0303", Kind::Complaint, "培训机构收费后不退费"),
    (
        "0401",
        Kind::Complaint,
        "工地夜间施工噪音扰民，凌晨还在打桩",
    ),
    ("0402", Kind::Complaint, "工厂烟囱冒黑烟，气味刺鼻"),
    ("0501", Kind::Complaint, "出租车司机拒载绕路"),
    ("0502", Kind::Suggestion, "建议增开到高铁站的公交线路"),
    ("0602", Kind::Help, "公司拖欠工资三个月，老板联系不上"),
    ("0601", Kind::Consult, "灵活就业人员怎么交养老保险"),
    ("0701", Kind::Consult, "异地就医怎么备案报销"),
    ("0702", Kind::Complaint, "医院挂号排队太久，窗口只开一个"),
    ("0801", Kind::Consult, "孩子明年上小学怎么报名"),
    ("0901", Kind::Consult, "身份证丢了怎么补办"),
    ("0902", Kind::Report, "商场消防通道被货物堵死"),
    ("1001", Kind::Help, "家里老人生病，想咨询低保申请"),
    ("1101", Kind::Consult, "开饭店要办哪些证"),
    (
        "1102",
        Kind::Praise,
        "政务中心综合窗口的工作人员耐心细致，表扬",
    ),
    ("1201", Kind::Consult, "公积金怎么提取用于租房"),
];

const PLACES: &[(&str, &str)] = &[
    ("511602001", "北辰街道滨河路 12 号"),
    ("511602002", "广福街道建设路 8 号"),
    ("511602003", "万盛街道渠江北路 66 号"),
    ("511602004", "中桥街道金安大道 3 号"),
    ("511603001", "奎阁街道前锋大道 20 号"),
    ("511621001", "九龙街道翔凤路 15 号"),
    ("511622001", "沿口镇人民路 9 号"),
    ("511623001", "鼎屏镇永兴路 31 号"),
    ("511681001", "古桥街道华蓥大道 101 号"),
];

const SURNAMES: &[&str] = &[
    "张", "王", "李", "刘", "陈", "杨", "黄", "周", "吴", "徐", "孙", "胡",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "霞",
];

struct Dice(u64);

impl Dice {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// How well a department answers: out of 100, the chance of 签收 in time, of a resolved
/// and of a satisfied callback.
fn quality(department: &str) -> (u64, u64, u64) {
    match department {
        "511600-ZJJ" => (82, 70, 64),
        "511600-CGZFJ" => (90, 80, 76),
        "511600-SCJG" => (97, 92, 90),
        "511600-STHJJ" => (78, 66, 60),
        "511600-RSJ" => (95, 88, 86),
        _ => (92, 86, 84),
    }
}

/// Seeds rules, articles and, once, the month of tickets. Returns the tickets made.
pub(crate) async fn seed(app: &App) -> Result<usize> {
    let now = app.now();
    let today = domain::calendar::china_date(now);
    let mut tx = app.store.begin().await?;
    for (class, department) in RULES {
        store::hotline::upsert_dispatch_rule(
            &mut tx,
            &DispatchRule {
                class: class.to_string(),
                region: "511600".into(),
                department: department.to_string(),
            },
        )
        .await?;
    }
    let seeded = !store::hotline::list(&mut tx, &Default::default(), 1, 0)
        .await?
        .is_empty();
    if seeded {
        tx.commit().await.map_err(store::StoreError::from)?;
        return Ok(0);
    }
    for (i, (q, a, item, owner)) in ARTICLES.iter().enumerate() {
        let art = Article {
            id: format!("KB-{:04}", i + 1),
            version: 1,
            question: q.to_string(),
            answer: a.to_string(),
            regions: vec!["511600".into()],
            valid_from: today - Duration::days(200),
            valid_to: None,
            source: if item.is_empty() {
                "12345 热线知识（演示）".into()
            } else {
                format!("事项 {item} 办事指南")
            },
            items: if item.is_empty() {
                vec![]
            } else {
                vec![item.to_string()]
            },
            owner: owner.to_string(),
            // Two articles are already past review, so the review list is not empty.
            review_by: if i < 2 {
                today - Duration::days(3)
            } else {
                today + Duration::days(180)
            },
            flagged: String::new(),
            updated_at: now - Duration::days(200),
        };
        store::hotline::knowledge::save_article(&mut tx, &art, "demo").await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    super::hotline::knowledge::rebuild_index(app).await?;

    let tree = super::hotline::tickets::tree(app).await?;
    let rules: Vec<DispatchRule> = RULES
        .iter()
        .map(|(c, d)| DispatchRule {
            class: c.to_string(),
            region: "511600".into(),
            department: d.to_string(),
        })
        .collect();
    let cal = crate::cases::calendar(app);
    let limits = Limits::default();
    let mut dice = Dice(12345);
    let mut made = 0;
    for back in (0..30i64).rev() {
        let day = today - Duration::days(back);
        let opening = domain::hall::booking::at(day, time::macros::time!(8:30));
        let n = if cal.is_working_day(day) {
            18 + dice.next(10)
        } else {
            8 + dice.next(6)
        };
        // A ticket on each of the month's first days never got its reply, as every real
        // hotline has some running late: 电子监察's 12345 warnings show them whatever the
        // hour (the tickets near their limits come and go with it).
        let mut stall = back >= 27;
        let mut tx = app.store.begin().await?;
        for i in 0..n {
            let created = opening + Duration::minutes((i * 720 / n) as i64 + dice.next(20) as i64);
            if created > now {
                break;
            }
            let (class, kind, text) = CALLS[dice.next(CALLS.len() as u64) as usize];
            let (region, address) = PLACES[dice.next(PLACES.len() as u64) as usize];
            let name = format!(
                "{}{}",
                SURNAMES[dice.next(SURNAMES.len() as u64) as usize],
                GIVEN[dice.next(GIVEN.len() as u64) as usize]
            );
            let seq = store::hotline::next_number(&mut tx, &day.to_string()).await?;
            let channel = if dice.next(5) == 0 {
                Channel::Web
            } else {
                Channel::Phone
            };
            let caller = Caller {
                name,
                phone: format!("13{}{:08}", 5 + dice.next(4), dice.next(100_000_000)),
                anonymous: kind == Kind::Report && dice.next(2) == 0,
            };
            let mut t = Ticket {
                number: format!(
                    "{:04}{:02}{:02}-{seq:05}",
                    day.year(),
                    day.month() as u8,
                    day.day()
                ),
                address: address.to_string(),
                ..Ticket::filed(
                    uuid::Uuid::now_v7().to_string(),
                    channel,
                    kind,
                    class.to_string(),
                    region.to_string(),
                    caller,
                    text.to_string(),
                    created,
                )
            };
            let mut steps = plan(&mut dice, &t, &rules, &tree, created, now, &cal);
            // Cut after the plan is drawn, so that every other ticket stays as it was.
            if stall
                && kind != Kind::Report
                && let Some(cut) = steps
                    .iter()
                    .position(|(_, _, c)| matches!(c, Command::Reply { .. }))
            {
                steps.truncate(cut);
                stall = false;
            }
            let filed = serde_json::to_string(&t).map_err(|e| AppError::Internal(e.to_string()))?;
            let mut events: Vec<(OffsetDateTime, &'static str, String, String)> =
                vec![(created, "hotline_operator", "filed".into(), filed)];
            for (at, seat, cmd) in steps {
                let cx = Context {
                    now: at,
                    calendar: &cal,
                    limits: &limits,
                    seats: &[seat],
                    actor: "demo",
                    department: None,
                };
                if flow::apply(&mut t, &cmd, &cx).is_err() {
                    break;
                }
                let role = seat.role();
                let payload =
                    serde_json::to_string(&cmd).map_err(|e| AppError::Internal(e.to_string()))?;
                events.push((at, role, cmd.name().to_string(), payload));
            }
            store::hotline::insert_ticket(&mut tx, &t).await?;
            let mut tail = None;
            for (at, role, kind, payload) in events {
                super::hotline::tickets::append(
                    &mut tx, app, &mut tail, &t, "demo", role, &kind, &payload, at,
                )
                .await?;
            }
            made += 1;
        }
        tx.commit().await.map_err(store::StoreError::from)?;
    }
    Ok(made)
}

/// The steps a demo ticket went through by `now`.
fn plan(
    dice: &mut Dice,
    t: &Ticket,
    rules: &[DispatchRule],
    tree: &[domain::hotline::classes::Class],
    created: OffsetDateTime,
    now: OffsetDateTime,
    cal: &domain::calendar::WorkCalendar,
) -> Vec<(OffsetDateTime, Seat, Command)> {
    let mut out = Vec::new();
    let mut at = created + Duration::minutes(3 + dice.next(5) as i64);
    let push = |out: &mut Vec<_>, at: OffsetDateTime, seat, cmd| {
        if at <= now {
            out.push((at, seat, cmd));
        }
    };
    if t.kind == Kind::Consult && dice.next(100) < 70 {
        let article = ARTICLES
            .iter()
            .position(|(q, ..)| t.text.chars().take(4).all(|c| q.contains(c)))
            .map(|i| format!("KB-{:04}", i + 1));
        let text = article
            .as_ref()
            .and_then(|a| a[3..].parse::<usize>().ok())
            .map(|i| ARTICLES[i - 1].1.to_string())
            .unwrap_or_else(|| "已按知识库和办事指南答复来电人。".into());
        push(
            &mut out,
            at,
            Seat::Operator,
            Command::Answer { article, text },
        );
        return out;
    }
    let Some(s) = domain::hotline::classes::suggest(rules, tree, &t.class, &t.region) else {
        return out;
    };
    let (in_time, resolved, satisfied) = quality(&s.department);
    let dispatch = Command::Dispatch {
        department: s.department.clone(),
        co_handlers: vec![],
    };
    at += Duration::minutes(10 + dice.next(30) as i64);
    push(&mut out, at, Seat::Dispatcher, dispatch.clone());
    if dice.next(100) < 7 {
        at += Duration::minutes(30 + dice.next(60) as i64);
        push(
            &mut out,
            at,
            Seat::Handler,
            Command::Return {
                reason: "不属于本单位职责范围，请核实属地".into(),
            },
        );
        at += Duration::minutes(20);
        push(
            &mut out,
            at,
            Seat::Dispatcher,
            Command::RuleReturn {
                upheld: true,
                note: "改派".into(),
            },
        );
        at += Duration::minutes(5);
        push(&mut out, at, Seat::Dispatcher, dispatch);
    }
    let late = dice.next(100) >= in_time;
    at += Duration::minutes(if late {
        150 + dice.next(300) as i64
    } else {
        10 + dice.next(100) as i64
    });
    push(&mut out, at, Seat::Handler, Command::Accept);
    let days = 1 + dice.next(4) as u32;
    if dice.next(100) < 5 {
        push(
            &mut out,
            at + Duration::hours(20),
            Seat::Handler,
            Command::Extend {
                days: 3,
                reason: "需协调相关单位现场处理".into(),
            },
        );
        push(
            &mut out,
            at + Duration::hours(22),
            Seat::Dispatcher,
            Command::RuleExtension {
                granted: true,
                note: String::new(),
            },
        );
    }
    let reply_day = cal.add_working_days(domain::calendar::china_date(at), days);
    let mut reply_at = domain::hall::booking::at(reply_day, time::macros::time!(15:00));
    push(
        &mut out,
        reply_at,
        Seat::Handler,
        Command::Reply {
            text: "已到现场核实并督促责任单位整改，结果已告知来电人。".into(),
            evidence: vec![],
        },
    );
    let good = |d: &mut Dice, p| d.next(100) < p;
    let (mut r, mut sa) = (good(dice, resolved), good(dice, satisfied));
    let cb_at = reply_at + Duration::hours(18);
    if (!r || !sa) && dice.next(100) < 40 {
        push(
            &mut out,
            cb_at,
            Seat::Operator,
            Command::Callback {
                resolved: r,
                satisfied: sa,
                method: CallbackMethod::Phone,
                note: "来电人表示问题仍未解决".into(),
                reopen: true,
            },
        );
        reply_at = cb_at + Duration::days(2);
        push(
            &mut out,
            reply_at,
            Seat::Handler,
            Command::Reply {
                text: "重办：已再次到现场处理完毕。".into(),
                evidence: vec![],
            },
        );
        r = good(dice, resolved + 5);
        sa = good(dice, satisfied + 5);
    }
    let method = if dice.next(3) == 0 {
        CallbackMethod::Sms
    } else {
        CallbackMethod::Phone
    };
    push(
        &mut out,
        reply_at + Duration::hours(18),
        Seat::Operator,
        Command::Callback {
            resolved: r,
            satisfied: sa,
            method,
            note: String::new(),
            reopen: false,
        },
    );
    out
}
