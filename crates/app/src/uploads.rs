//! Uploaded materials: checked by content (not by name), stored content-addressed in the
//! file store (`files`) so the same file is kept once and can never be silently replaced.

use domain::case::Provision;
use sm3::{Digest, Sm3};

use domain::upload;

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// Largest accepted upload.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// The media type of an accepted file, judged from its bytes: PDF, JPEG, PNG, or OFD (a zip
/// package whose entries include `OFD.xml`, GB/T 33190).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some("application/pdf") => Some("application/pdf"),
        Some("image/jpeg") => Some("image/jpeg"),
        Some("image/png") => Some("image/png"),
        // infer knows zip but not OFD; an OFD package names its root document OFD.xml.
        Some("application/zip") if bytes.windows(7).any(|w| w == b"OFD.xml") => {
            Some("application/ofd")
        }
        _ => None,
    }
}

/// The name a file is stored under: its SM3 digest in hex.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sm3::digest(bytes))
}

/// Where the file with this digest is kept: `files/ab/abcdef…`, two levels so that no
/// folder of a local store holds more than a few thousand files.
fn key_of(hash: &str) -> String {
    format!("files/{}/{hash}", &hash[..2])
}

/// Whether `hash` has the shape of a stored file's name (64 hex digits), checked before it
/// becomes a key so that a request cannot name any other object.
fn well_formed(hash: &str) -> bool {
    hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit())
}

/// Checks and stores an upload by a signed-in person; returns how the material is now
/// provided. Nothing is written for a visitor, or past the account's daily quota. The file
/// then belongs to its uploader: only they can name it in a case (see [`claim`]).
pub async fn store(app: &App, actor: &Actor, bytes: &[u8], file_name: &str) -> Result<Provision> {
    let (owner, quota) = match actor {
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } => (id, upload::APPLICANT_QUOTA),
        Actor::Staff { id, .. } => (id, upload::STAFF_QUOTA),
    };
    if bytes.is_empty() {
        return Err(AppError::field("file", "empty", "文件是空的"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(AppError::field(
            "file",
            "too_large",
            format!("文件不能超过 {} MB", MAX_BYTES / 1024 / 1024),
        ));
    }
    let media_type = sniff(bytes).ok_or_else(|| {
        AppError::field(
            "file",
            "bad_type",
            "只能上传 PDF、JPEG、PNG 或 OFD 文件（按文件内容判断，改扩展名无效）",
        )
    })?;
    let now = app.now();
    let size = bytes.len() as i64;
    {
        let mut c = app.store.conn().await?;
        let since = store::millis(now - upload::QUOTA_PERIOD);
        let (files, used) = store::uploads::usage_since(&mut c, owner, since).await?;
        if !quota.allows(files, used, size) {
            return Err(AppError::field(
                "file",
                "quota",
                format!(
                    "24 小时内上传已达上限（{} 个文件或 {} MB），请稍后再试或到窗口办理",
                    quota.files,
                    quota.bytes / 1024 / 1024
                ),
            ));
        }
    }
    keep(app, owner, bytes, media_type, file_name).await
}

/// Writes a checked file and its record (owned by `owner`); how the material is provided.
/// A partner's forward (跨市通办) stores its files here, bounded by the protocol's size.
pub(crate) async fn keep(
    app: &App,
    owner: &str,
    bytes: &[u8],
    media_type: &'static str,
    file_name: &str,
) -> Result<Provision> {
    let now = app.now();
    let size = bytes.len() as i64;
    let hash = content_hash(bytes);
    // Written every time, even when stored before (by anyone): the write renews the file's
    // time, so the orphan sweep, which removes only files older than its grace period,
    // leaves it alone while it is being attached again.
    app.files.put(&key_of(&hash), bytes.to_vec()).await?;
    let active = if media_type == "application/pdf" {
        upload::pdf_active_content(bytes)
    } else {
        Vec::new()
    };
    // The file is written first: a record never names a missing file. A file whose record
    // fails to write is nobody's, and the sweep removes it.
    store::uploads::record(
        &app.store,
        &store::uploads::UploadRow {
            hash: hash.clone(),
            owner_id: owner.into(),
            media_type: media_type.into(),
            size,
            at: store::millis(now),
            flagged: (!active.is_empty()).then(|| active.join(" ")),
        },
    )
    .await?;
    Ok(Provision::Uploaded {
        file: hash,
        file_name: clean_name(file_name),
        media_type: media_type.into(),
    })
}

fn clean_name(file_name: &str) -> String {
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(100)
        .collect();
    if name.is_empty() {
        "材料".into()
    } else {
        name
    }
}

/// Checks an upload named in a request and fixes what the client may not choose. It must be
/// either a file the case already holds (sent again unchanged) or one this actor uploaded
/// within [`upload::ATTACH_WINDOW`]; its media type is the one judged from the content when it
/// was stored. Any other hash, stored or not, gets the same answer, so hashes cannot be probed.
pub async fn claim(
    conn: &mut store::Conn,
    app: &App,
    uploader: &str,
    held: &[&Provision],
    field: &str,
    p: &mut Provision,
) -> Result<()> {
    let Provision::Uploaded {
        file,
        file_name,
        media_type,
    } = p
    else {
        return Ok(());
    };
    let already = held.iter().find_map(|h| match h {
        Provision::Uploaded {
            file: f,
            media_type: m,
            ..
        } if f == file => Some(m.clone()),
        _ => None,
    });
    let judged = match already {
        Some(m) => Some(m),
        None => match store::uploads::owned(conn, file, uploader)
            .await?
            .filter(|u| u.at >= store::millis(app.now() - upload::ATTACH_WINDOW))
        {
            Some(u) if exists(app, file).await? => Some(u.media_type),
            _ => None,
        },
    };
    let Some(m) = judged else {
        return Err(AppError::field(
            field,
            "unknown_file",
            "找不到这份上传的文件（或已超过 12 小时），请重新上传",
        ));
    };
    *media_type = m;
    *file_name = clean_name(file_name);
    Ok(())
}

/// Why staff should open a stored file with care (active PDF content), if they should.
pub async fn warning(app: &App, hash: &str) -> Result<Option<String>> {
    let mut c = app.store.conn().await?;
    Ok(store::uploads::any_record(&mut c, hash)
        .await?
        .and_then(|u| u.flagged)
        .map(|f| format!("此 PDF 含可执行内容（{f}），请勿在浏览器外用其他阅读器打开")))
}

/// Removes what nobody refers to: upload records older than [`upload::ORPHAN_GRACE`] that no
/// case, bundle application, case event or agent grant names, and then the file itself when
/// no record remains. Also files on disk with no record at all (a crash between writing a
/// file and recording it) once they are as old, and the 中介超市's report files no job names.
/// Returns how many files were removed.
pub async fn sweep_orphans(app: &App) -> Result<usize> {
    let before = store::millis(app.now() - upload::ORPHAN_GRACE);
    let mut removed = 0;
    let now = store::millis(app.now());
    let mut c = app.store.conn().await?;
    for u in store::uploads::older_than(&mut c, before, 500).await? {
        if store::uploads::referenced(&mut c, &u.hash).await? {
            store::uploads::keep(&mut c, &u.hash, &u.owner_id, now).await?;
            continue;
        }
        store::uploads::forget(&mut c, &u.hash, &u.owner_id).await?;
        if !store::uploads::recorded(&mut c, &u.hash).await? && remove_file(app, &u.hash).await? {
            removed += 1;
        }
    }
    removed += crate::market::sweep_reports(app).await?;
    for hash in unrecorded_files(app, app.now() - upload::ORPHAN_GRACE).await? {
        if store::uploads::recorded(&mut c, &hash).await? {
            continue;
        }
        if store::uploads::referenced(&mut c, &hash).await? {
            store::uploads::keep(&mut c, &hash, "", now).await?;
        } else if remove_file(app, &hash).await? {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes a stored file unless it was renewed within the grace period (stored again just
/// now, see [`store`]).
async fn remove_file(app: &App, hash: &str) -> Result<bool> {
    let key = key_of(hash);
    let before = app.now() - upload::ORPHAN_GRACE;
    match app.files.modified(&key).await? {
        Some(t) if t < before => {
            app.files.delete(&key).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Stored files last written before `before`, by hash (at most a few thousand a sweep).
async fn unrecorded_files(app: &App, before: time::OffsetDateTime) -> Result<Vec<String>> {
    let keys = app.files.older_than("files", before, 5_000).await?;
    Ok(keys
        .into_iter()
        .filter_map(|k| k.rsplit('/').next().map(str::to_string))
        .filter(|name| well_formed(name))
        .collect())
}

/// Whether a file with this hash is stored.
pub async fn exists(app: &App, hash: &str) -> Result<bool> {
    Ok(well_formed(hash) && app.files.modified(&key_of(hash)).await?.is_some())
}

/// Reads a stored upload by its hash (for staff viewing a case's materials).
pub async fn read(app: &App, hash: &str) -> Result<Vec<u8>> {
    if !well_formed(hash) {
        return Err(AppError::NotFound("文件".into()));
    }
    app.files
        .get(&key_of(hash))
        .await?
        .ok_or_else(|| AppError::NotFound("文件".into()))
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn types_are_judged_by_content_not_by_name() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]),
            Some("image/png")
        );
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some("image/jpeg")
        );
        assert_eq!(sniff(b"MZ\x90\x00 an executable renamed .pdf"), None);
        assert_eq!(
            sniff(b"PK\x03\x04\x14\x00\x00\x00\x08\x00 other.txt"),
            None,
            "a zip without OFD.xml is not OFD"
        );
        assert_eq!(
            sniff(b"PK\x03\x04\x14\x00\x00\x00\x08\x00OFD.xml"),
            Some("application/ofd")
        );
    }
}
