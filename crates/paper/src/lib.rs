//! Paper documents as PDF: case notices (受理通知书, 补正通知书, 决定书 …) and license
//! certificates with a QR code.
//!
//! Text uses the PDF standard's predefined Chinese CID font `STSong-Light` (Adobe-GB1) with
//! the `UniGB-UTF16-H` CMap, so no font file is embedded or needed on the server: every
//! mainstream reader (Acrobat, PDFium in browsers, pdf.js, Poppler, Preview) supplies a
//! 宋体 face for it. The documents stay a few kilobytes. The layout is a deliberately small
//! line breaker over `pdf-writer` rather than printpdf: printpdf's layout engine costs about
//! a third of this workspace's compile time and needs a CJK font file at run time.

mod layout;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

pub use layout::{em_width, wrap};

/// One block of a document, laid out top to bottom.
#[derive(Debug, Clone)]
pub enum Block {
    /// The document's title, large and centred.
    Title(String),
    /// A centred line under the title (the document number, 文号).
    Centered(String),
    /// A body paragraph with the customary two-character first-line indent.
    Para(String),
    /// A body line without indent (the addressee, list lines).
    Plain(String),
    /// A right-aligned line (issuing department, seal, date).
    Right(String),
    /// Label and value pairs, the label column bold-ish by size (license fields).
    Fields(Vec<(String, String)>),
    /// A QR code of `text`, centred, `size` points wide, with a caption under it.
    Qr {
        text: String,
        size: f32,
        caption: String,
    },
    /// Vertical space in points.
    Gap(f32),
}

#[derive(Debug, Clone)]
pub struct Document {
    /// Shown in the reader's title bar (document information dictionary).
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, thiserror::Error)]
pub enum PaperError {
    /// The text does not fit into a QR code (more than about 2 900 bytes).
    #[error("二维码内容过长（{0} 字节）")]
    QrTooLong(usize),
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN_X: f32 = 72.0;
const MARGIN_TOP: f32 = 80.0;
const MARGIN_BOTTOM: f32 = 72.0;
const BODY: f32 = 14.0;
const LEADING: f32 = 1.6;
const FONT: Name<'static> = Name(b"F1");

/// Content streams of pages being filled, with the current baseline.
struct Pages {
    done: Vec<Content>,
    cur: Content,
    y: f32,
}

impl Pages {
    fn new() -> Self {
        Self {
            done: Vec::new(),
            cur: Content::new(),
            y: PAGE_H - MARGIN_TOP,
        }
    }

    /// Reserves `h` points, starting a new page when they do not fit.
    fn reserve(&mut self, h: f32) {
        if self.y - h < MARGIN_BOTTOM {
            let full = std::mem::replace(&mut self.cur, Content::new());
            self.done.push(full);
            self.y = PAGE_H - MARGIN_TOP;
        }
    }

    fn text(&mut self, x: f32, size: f32, s: &str) {
        let y = self.y - size;
        let bytes: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
        self.cur.begin_text();
        self.cur.set_font(FONT, size);
        self.cur.next_line(x, y);
        self.cur.show(Str(&bytes));
        self.cur.end_text();
    }

    /// Lays out wrapped lines at `x`, the first line indented by `indent` ems.
    fn lines(&mut self, size: f32, indent: f32, s: &str, align: Align) {
        let width = PAGE_W - 2.0 * MARGIN_X;
        for (i, line) in wrap(s, width / size, indent).iter().enumerate() {
            self.reserve(size * LEADING);
            let w = em_width(line) * size;
            let x = match align {
                Align::Left if i == 0 => MARGIN_X + indent * size,
                Align::Left => MARGIN_X,
                Align::Center => (PAGE_W - w) / 2.0,
                Align::Right => PAGE_W - MARGIN_X - w,
            };
            self.text(x, size, line);
            self.y -= size * LEADING;
        }
    }

    fn finish(mut self) -> Vec<Content> {
        self.done.push(self.cur);
        self.done
    }
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Center,
    Right,
}

fn qr(p: &mut Pages, text: &str, size: f32, caption: &str) -> Result<(), PaperError> {
    let code =
        qrcode::QrCode::new(text.as_bytes()).map_err(|_| PaperError::QrTooLong(text.len()))?;
    let n = code.width();
    let module = size / (n as f32 + 8.0); // 4 modules of quiet zone each side
    p.reserve(size + BODY * LEADING);
    let left = (PAGE_W - size) / 2.0 + 4.0 * module;
    let top = p.y - 4.0 * module;
    p.cur.save_state();
    p.cur.set_fill_gray(0.0);
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (col, row) = ((i % n) as f32, (i / n) as f32);
            p.cur.rect(
                left + col * module,
                top - (row + 1.0) * module,
                module,
                module,
            );
        }
    }
    p.cur.fill_nonzero();
    p.cur.restore_state();
    p.y -= size;
    p.lines(10.5, 0.0, caption, Align::Center);
    Ok(())
}

/// A QR code of `text` as an inline SVG (one path, 4-module quiet zone), labelled for
/// screen readers with `label`.
pub fn qr_svg(text: &str, label: &str) -> Result<String, PaperError> {
    let code =
        qrcode::QrCode::new(text.as_bytes()).map_err(|_| PaperError::QrTooLong(text.len()))?;
    let n = code.width();
    let mut d = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            d.push_str(&format!("M{} {}h1v1h-1z", i % n + 4, i / n + 4));
        }
    }
    let size = n + 8;
    let label: String = label
        .chars()
        .filter(|c| !matches!(c, '<' | '>' | '&' | '"'))
        .collect();
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" aria-label="{label}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path d="{d}" fill="#000"/></svg>"##
    ))
}

/// Renders the document as a PDF file.
pub fn render(doc: &Document) -> Result<Vec<u8>, PaperError> {
    let mut p = Pages::new();
    for b in &doc.blocks {
        match b {
            Block::Title(s) => {
                p.lines(22.0, 0.0, s, Align::Center);
                p.y -= 6.0;
            }
            Block::Centered(s) => p.lines(12.0, 0.0, s, Align::Center),
            Block::Para(s) => p.lines(BODY, 2.0, s, Align::Left),
            Block::Plain(s) => p.lines(BODY, 0.0, s, Align::Left),
            Block::Right(s) => p.lines(BODY, 0.0, s, Align::Right),
            Block::Fields(rows) => fields(&mut p, rows),
            Block::Qr {
                text,
                size,
                caption,
            } => qr(&mut p, text, *size, caption)?,
            Block::Gap(h) => {
                p.reserve(*h);
                p.y -= h;
            }
        }
    }
    Ok(assemble(&doc.title, p.finish()))
}

/// A two-column table: labels right-aligned in a fixed column, values wrapped beside them.
fn fields(p: &mut Pages, rows: &[(String, String)]) {
    let label_w = rows
        .iter()
        .map(|(l, _)| em_width(l))
        .fold(4.0_f32, f32::max)
        .min(10.0)
        * BODY;
    let value_x = MARGIN_X + label_w + BODY;
    let value_w = PAGE_W - MARGIN_X - value_x;
    for (label, value) in rows {
        let lines = wrap(value, value_w / BODY, 0.0);
        p.reserve(BODY * LEADING * lines.len().max(1) as f32);
        let lx = MARGIN_X + label_w - em_width(label) * BODY;
        p.text(lx, BODY, label);
        for line in &lines {
            p.text(value_x, BODY, line);
            p.y -= BODY * LEADING;
        }
        if lines.is_empty() {
            p.y -= BODY * LEADING;
        }
    }
}

fn assemble(title: &str, pages: Vec<Content>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let font = Ref::new(4);
    let cid_font = Ref::new(5);
    let descriptor = Ref::new(6);
    let first_page = 7;
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(first_page + 2 * i as i32))
        .collect();

    pdf.catalog(catalog).pages(tree).lang(TextStr("zh-CN"));
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(pages.len() as i32);
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("OneWindow 一窗通办"));
    for (i, content) in pages.into_iter().enumerate() {
        let id = page_ids[i];
        let content_id = Ref::new(id.get() + 1);
        let mut page = pdf.page(id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(content_id);
        page.resources().fonts().pair(FONT, font);
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    pdf.type0_font(font)
        .base_font(Name(b"STSong-Light"))
        .encoding_predefined(Name(b"UniGB-UTF16-H"))
        .descendant_font(cid_font);
    let mut cid = pdf.cid_font(cid_font);
    cid.subtype(pdf_writer::types::CidFontType::Type0)
        .base_font(Name(b"STSong-Light"))
        .system_info(pdf_writer::types::SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"GB1"),
            supplement: 4,
        })
        .font_descriptor(descriptor)
        .default_width(1000.0);
    // CIDs 1–95 are the ASCII range in Adobe-GB1; lay them out half-width, as `em_width` does.
    cid.widths().same(1, 95, 500.0);
    cid.finish();
    // Metrics of STSong-Light as published by Adobe for the non-embedded font.
    pdf.font_descriptor(descriptor)
        .name(Name(b"STSong-Light"))
        .flags(pdf_writer::types::FontFlags::SYMBOLIC | pdf_writer::types::FontFlags::SERIF)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(752.0)
        .descent(-271.0)
        .cap_height(737.0)
        .stem_v(58.0);
    pdf.finish()
}

#[cfg(test)]
mod tests;
