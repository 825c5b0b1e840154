use super::*;
use proptest::prelude::*;

#[test]
fn widths_count_ascii_as_half() {
    assert_eq!(em_width("受理"), 2.0);
    assert_eq!(em_width("No.12"), 2.5);
}

#[test]
fn wraps_chinese_with_indent_and_keeps_punctuation_off_line_start() {
    let lines = wrap("一二三四五，六七八九十", 5.0, 2.0);
    assert_eq!(lines[0], "一二三");
    // "五，" stays together: a comma never starts a line.
    assert_eq!(lines[1], "四五，六七");
    // At width 4 "五，" would start no line with the comma: it hangs after 五.
    let lines = wrap("一二三四五，六", 4.0, 0.0);
    assert_eq!(lines, ["一二三四", "五，六"]);
    assert!(lines.iter().all(|l| !l.starts_with('，')));
}

#[test]
fn keeps_ascii_codes_whole_when_they_fit() {
    let lines = wrap("编号 5116002026112700001 号", 14.0, 0.0);
    assert!(
        lines.iter().any(|l| l.contains("5116002026112700001")),
        "{lines:?}"
    );
}

#[test]
fn renders_a_notice_with_chinese_text_and_a_qr_code() {
    let doc = Document {
        title: "受理通知书".into(),
        blocks: vec![
            Block::Title("受理通知书".into()),
            Block::Centered("市场监管局受字〔2026〕第 5116002026112700001 号".into()),
            Block::Plain("张三：".into()),
            Block::Para("你（单位）提出的申请，经审查，决定予以受理。".repeat(40)),
            Block::Fields(vec![("证照编号".into(), "1234".into())]),
            Block::Qr {
                text: "https://example.org/verify/ABC".into(),
                size: 120.0,
                caption: "扫码核验".into(),
            },
            Block::Right("广安市市场监督管理局".into()),
        ],
    };
    let pdf = render(&doc).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/STSong-Light") && text.contains("/UniGB-UTF16-H"));
    // The title is written as UTF-16BE in the content stream.
    let hex: String = "受理通知书"
        .encode_utf16()
        .map(|u| format!("{u:04x}"))
        .collect();
    assert!(
        text.to_lowercase().contains(&hex),
        "title not in a content stream"
    );
    // Forty repetitions of a long sentence need a second page.
    assert!(text.contains("/Count 2"), "expected two pages");
}

#[test]
fn refuses_a_qr_payload_that_cannot_fit() {
    let doc = Document {
        title: "x".into(),
        blocks: vec![Block::Qr {
            text: "x".repeat(5000),
            size: 100.0,
            caption: String::new(),
        }],
    };
    assert!(matches!(render(&doc), Err(PaperError::QrTooLong(5000))));
}

proptest! {
    /// Wrapping loses no non-space character, keeps every line within the width (a hanging
    /// mark may overshoot by one em), and never starts a line with closing punctuation.
    #[test]
    fn wrap_is_lossless_and_bounded(s in "(（?[一二三][，。]?|[a-z0-9]{1,4} ){0,30}", width in 3.0f32..30.0) {
        let lines = wrap(&s, width, 0.0);
        let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
        let orig: String = s.chars().filter(|c| *c != ' ').collect();
        // Only spaces may be dropped (those before closing punctuation).
        prop_assert_eq!(joined, orig);
        for (i, l) in lines.iter().enumerate() {
            // A hanging punctuation mark may overshoot by one em.
            prop_assert!(em_width(l) <= width + 1.0, "{:?} too wide", l);
            prop_assert!(i == 0 || (!l.starts_with('，') && !l.starts_with('。')), "{:?}", lines);
            prop_assert!(i + 1 == lines.len() || !l.ends_with('（'), "{:?}", lines);
        }
    }
}

#[test]
fn the_svg_qr_code_is_square_and_labelled_without_markup_injection() {
    let svg = qr_svg("https://example.org/v/OWL1.abc", "营业执照<script>").unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("aria-label=\"营业执照script\""));
    assert!(
        svg.contains("viewBox=\"0 0 37 37\""),
        "version 3 (29 modules) + quiet zone"
    );
}
