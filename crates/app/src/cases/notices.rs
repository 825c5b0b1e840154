//! The case's written notices as printable documents: the wording comes from
//! `domain::case::notice`; this adds the issuing department, the applicant's name and, on a
//! decision, where to rate the service (好差评 by QR code).

use domain::case::Case;
use domain::case::notice::{self, NoticeKind};

use super::view;
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// A written notice of the case (行政许可法 art. 32, 38): acceptance, refusal at intake,
/// one-time supplement notice, or the decision, as a printable document.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Notice {
    pub title: String,
    /// 文号, e.g. 市场监管局受字〔2026〕第 5116002026112700001 号.
    pub number: String,
    pub date: String,
    pub applicant: String,
    pub item: String,
    pub paragraphs: Vec<String>,
    pub department: String,
    /// Where the QR code printed on the notice leads (the rating page), if any.
    pub rate_url: Option<String>,
}

/// The notices a case has produced so far, by name (`accept`, `reject`, `supplement`,
/// `decision`).
pub fn notice_kinds(c: &Case) -> Vec<&'static str> {
    NoticeKind::of(c)
        .into_iter()
        .map(NoticeKind::name)
        .collect()
}

/// The notice as a PDF, kept in the file store as first handed out (see
/// [`crate::files::Files::rendered`]).
pub async fn notice_pdf(
    app: &App,
    actor: &Actor,
    case_id: &str,
    kind: &str,
) -> Result<(Notice, Vec<u8>)> {
    let n = notice(app, actor, case_id, kind).await?;
    let pdf = app
        .files
        .rendered("notices", case_id, &(kind, &n), || n.to_pdf())
        .await?;
    Ok((n, pdf))
}

pub async fn notice(app: &App, actor: &Actor, case_id: &str, kind: &str) -> Result<Notice> {
    let v = view(app, actor, case_id).await?;
    let c = &v.case;
    let missing = || AppError::NotFound("该文书".into());
    let kind = NoticeKind::parse(kind)
        .filter(|k| NoticeKind::of(c).contains(k))
        .ok_or_else(missing)?;
    let mut conn = app.store.conn().await?;
    let dept = app.department(&mut conn, &c.department).await?;
    let promised = v
        .deadlines
        .iter()
        .find(|(l, _)| l == "承诺办结")
        .map(|(_, e)| e.as_str());
    let text = notice::compose(c, kind, dept.display_short(), promised).ok_or_else(missing)?;
    Ok(Notice {
        title: text.title,
        number: text.number,
        date: text.date,
        applicant: v.applicant.name.clone(),
        item: c.item_name.clone(),
        paragraphs: text.paragraphs,
        department: dept.name.clone(),
        // 好差评 by QR code: the decision notice carries the case's rating address.
        rate_url: (kind == NoticeKind::Decision).then(|| {
            format!(
                "{}/cases/{}/rate?channel=qr_code",
                app.settings.public_url.trim_end_matches('/'),
                c.id
            )
        }),
    })
}
