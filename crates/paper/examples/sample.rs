//! Writes a sample notice to the path given (default `sample.pdf`), to look at the layout.

use paper::{Block, Document, render};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sample.pdf".into());
    let doc = Document {
        title: "受理通知书".into(),
        blocks: vec![
            Block::Title("受理通知书".into()),
            Block::Centered("市场监管局受字〔2026〕第 5116002026112700001 号".into()),
            Block::Gap(12.0),
            Block::Plain("张三：".into()),
            Block::Para("你（单位）于2026年11月27日提出的食品经营许可（新办）申请，经审查，申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。本机关将于 2026年12月11日（10 个工作日）前作出决定。".into()),
            Block::Fields(vec![
                ("证照编号".into(), "JY15116020000123".into()),
                ("经营者名称".into(), "广安市广安区张三小吃店".into()),
            ]),
            Block::Qr { text: "https://onewindow.example/verify/ABC".into(), size: 110.0, caption: "扫码核验".into() },
            Block::Gap(24.0),
            Block::Right("广安市市场监督管理局".into()),
            Block::Right("（印章）".into()),
            Block::Right("2026年11月27日".into()),
        ],
    };
    std::fs::write(&path, render(&doc).expect("renders")).expect("writes");
}
