//! Uploaded materials: checked by content (not by name), stored content-addressed under the
//! data directory so the same file is kept once and can never be silently replaced.

use std::path::PathBuf;

use domain::case::Provision;
use sm3::{Digest, Sm3};

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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn path_of(app: &App, hash: &str) -> PathBuf {
    app.settings
        .data_dir
        .join("files")
        .join(&hash[..2])
        .join(hash)
}

/// Checks and stores an upload; returns how the material is now provided.
pub fn store(app: &App, bytes: &[u8], file_name: &str) -> Result<Provision> {
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
    let hash = hex(&Sm3::digest(bytes));
    let path = path_of(app, &hash);
    if !path.exists() {
        let dir = path
            .parent()
            .ok_or_else(|| AppError::Internal("bad upload path".into()))?;
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::Internal(format!("create {}: {e}", dir.display())))?;
        // Write then rename, so a crash never leaves a half-written file under its hash.
        let tmp = dir.join(format!(".{hash}.{}", uuid::Uuid::now_v7().simple()));
        let durable = app.store.durable();
        blocking(|| write_file(&tmp, &path, bytes, durable))
            .map_err(|e| AppError::Internal(format!("store upload: {e}")))?;
    }
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(100)
        .collect();
    Ok(Provision::Uploaded {
        file: hash,
        file_name: if name.is_empty() {
            "材料".into()
        } else {
            name
        },
        media_type: media_type.into(),
    })
}

/// Writes `bytes` to `tmp` and renames it to `path`. On a durable store the file and its
/// directory are flushed first: a case may refer to the file as soon as this returns, and the
/// case's commit survives power loss, so the file must too.
fn write_file(
    tmp: &std::path::Path,
    path: &std::path::Path,
    bytes: &[u8],
    durable: bool,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(tmp)?;
    f.write_all(bytes)?;
    if durable {
        f.sync_all()?;
    }
    std::fs::rename(tmp, path)?;
    if durable && let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Runs blocking file work off the async worker when on a multi-threaded runtime (the
/// server), in place otherwise (single-threaded tests and tools).
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// Whether a file with this hash is stored.
pub fn exists(app: &App, hash: &str) -> bool {
    hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()) && path_of(app, hash).is_file()
}

/// Reads a stored upload by its hash (for staff viewing a case's materials).
pub fn read(app: &App, hash: &str) -> Result<Vec<u8>> {
    if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound("文件".into()));
    }
    std::fs::read(path_of(app, hash)).map_err(|_| AppError::NotFound("文件".into()))
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
