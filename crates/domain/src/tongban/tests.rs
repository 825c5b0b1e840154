use proptest::prelude::*;
use time::macros::datetime;

use super::*;

fn forward() -> Forward {
    Forward {
        protocol: PROTOCOL.into(),
        reference: "0193a1b2-fwd".into(),
        item_code: "11511600002360579Y3200040008001".into(),
        applicant: Person {
            id_number: "511602199001011236".into(),
            name: "张三".into(),
            phone: "13800000000".into(),
        },
        point: PointRef {
            code: "511302-ZX".into(),
            name: "顺庆区政务服务中心".into(),
            region: "511302".into(),
        },
        clerk: "李综窗".into(),
        received_at: datetime!(2026-12-01 09:00 +8),
        form: Default::default(),
        originals: vec!["申请人居民身份证".into()],
        files: vec![File {
            material: "本人近期免冠彩色照片".into(),
            file_name: "photo.png".into(),
            media_type: "image/png".into(),
            content: "iVBORw0KGgo=".into(),
        }],
        note: String::new(),
    }
}

const MATERIALS: &[&str] = &["申请人居民身份证", "本人近期免冠彩色照片"];

#[test]
fn a_well_formed_forward_passes() {
    assert_eq!(check_forward(&forward(), MATERIALS), Ok(()));
}

#[test]
fn every_problem_is_named_by_its_field() {
    let mut f = forward();
    f.protocol = "other/9".into();
    f.reference = "has space".into();
    f.clerk = " ".into();
    f.originals.push("户口簿".into());
    f.files[0].material = "营业执照".into();
    let fields: Vec<String> = check_forward(&f, MATERIALS)
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        [
            "protocol",
            "reference",
            "clerk",
            "originals[1]",
            "files[0].material"
        ]
    );
}

#[test]
fn files_beyond_the_limit_are_refused() {
    let mut f = forward();
    f.files[0].content = "A".repeat(MAX_FILE_BYTES / 3 * 4 + 8);
    let e = check_forward(&f, MATERIALS).unwrap_err();
    assert_eq!(e[0].field, "files");
    assert_eq!(e[0].code, "too_large");
}

#[test]
fn a_mandatory_material_must_be_checked_or_scanned() {
    let m = |name: &str, mandatory| OfferedMaterial {
        name: name.into(),
        original: true,
        mandatory,
    };
    let offered = [
        m("申请人居民身份证", true),
        m("本人近期免冠彩色照片", true),
        m("户口簿", false),
    ];
    assert_eq!(check_mandatory(&forward(), &offered), Ok(()));
    let mut f = forward();
    f.originals.clear();
    let e = check_mandatory(&f, &offered).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].field, "materials.申请人居民身份证");
}

#[test]
fn only_cross_city_and_wider_items_are_forwardable() {
    assert!(!forwardable(ServiceScope::Local));
    assert!(!forwardable(ServiceScope::CrossCounty));
    assert!(forwardable(ServiceScope::CrossCity));
    assert!(forwardable(ServiceScope::CrossProvince));
    assert!(forwardable(ServiceScope::Nationwide));
}

#[test]
fn the_window_reads_where_its_forward_stands() {
    assert_eq!(status_label(None, false), "已转出，待对方平台受理");
    let mut p = Progress {
        protocol: PROTOCOL.into(),
        reference: "r".into(),
        case_number: "N1".into(),
        version: 3,
        state: "accepted".into(),
        label: "已受理".into(),
        at: datetime!(2026-12-01 10:00 +8),
        outcome: None,
        ready_for_pickup: false,
    };
    assert_eq!(status_label(Some(&p), false), "已受理");
    p.ready_for_pickup = true;
    assert_eq!(
        status_label(Some(&p), false),
        "结果已送达本窗口，待申请人领取"
    );
    assert_eq!(status_label(Some(&p), true), "已交付申请人，办结");
}

#[test]
fn messages_keep_their_shape_on_the_wire() {
    let f = forward();
    let text = serde_json::to_string(&f).unwrap();
    assert!(
        text.contains("\"received_at\":\"2026-12-01T09:00:00+08:00\""),
        "{text}"
    );
    assert_eq!(serde_json::from_str::<Forward>(&text).unwrap(), f);
}

proptest! {
    /// Retries and reordering never move the known state backwards: of any sequence of
    /// reports, the kept version is the highest seen.
    #[test]
    fn the_newest_report_wins(versions in proptest::collection::vec(1i64..50, 0..30)) {
        let mut known: Option<i64> = None;
        for v in &versions {
            if newer(known, *v) {
                known = Some(*v);
            }
        }
        prop_assert_eq!(known, versions.iter().copied().max());
    }

    /// A reference of allowed characters and length is accepted, anything else refused.
    #[test]
    fn references_are_plain_ids(r in "\\PC{0,80}") {
        let mut f = forward();
        f.reference = r.clone();
        let ok = (1..=64).contains(&r.len())
            && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        prop_assert_eq!(check_forward(&f, MATERIALS).is_ok(), ok);
    }
}
