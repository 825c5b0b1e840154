//! Notices as PDF files, laid out like the printable page: title, number, addressee, body,
//! and the issuing department with date at the bottom right.

use crate::cases::Notice;
use crate::{AppError, Result};
use paper::{Block, Document};

impl Notice {
    /// The notice as a PDF document (A4, 宋体).
    pub fn to_pdf(&self) -> Result<Vec<u8>> {
        let mut blocks = vec![
            Block::Title(self.title.clone()),
            Block::Centered(self.number.clone()),
            Block::Gap(12.0),
            Block::Plain(format!("{}：", self.applicant)),
        ];
        blocks.extend(self.paragraphs.iter().map(|p| Block::Para(p.clone())));
        if let Some(url) = &self.rate_url {
            blocks.push(Block::Qr {
                text: url.clone(),
                size: 90.0,
                caption: "扫码评价本次服务（好差评）".into(),
            });
        }
        blocks.extend([
            Block::Gap(36.0),
            Block::Right(self.department.clone()),
            Block::Right("（印章）".into()),
            Block::Right(self.date.clone()),
        ]);
        let doc = Document {
            title: format!("{} {}", self.title, self.number),
            blocks,
        };
        paper::render(&doc).map_err(|e| AppError::Internal(e.to_string()))
    }
}
