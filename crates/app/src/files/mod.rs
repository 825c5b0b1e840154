//! Where files live: uploaded materials (content-addressed by SM3, see `uploads`) and the
//! PDFs the platform renders and hands out (notices, licenses), behind the `object_store`
//! interface. The local file system under the data directory is the default; an
//! S3-compatible bucket (the government cloud's object storage) is the option for servers
//! that share files or keep none on their own disks.

mod http;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use time::OffsetDateTime;

use crate::{AppError, Result};

/// Where files are kept (`[storage] files`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Backend {
    /// Under the data directory (`files/`, `documents/`).
    #[default]
    Local,
    S3(S3Config),
}

/// An S3-compatible bucket (`[storage.s3]`).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct S3Config {
    /// The service's address, e.g. `https://obs.gov.example` or `http://127.0.0.1:9000`;
    /// plain HTTP is allowed only when written here.
    pub endpoint: String,
    pub bucket: String,
    #[serde(default = "default_region")]
    pub region: String,
    pub access_key_id: String,
    /// Better kept out of the file: `ONEWINDOW__STORAGE__S3__SECRET_ACCESS_KEY_FILE` names a
    /// file holding it.
    #[serde(default)]
    pub secret_access_key: String,
    /// A folder inside the bucket for this platform's files, e.g. `onewindow/county-a`.
    #[serde(default)]
    pub prefix: String,
}

// The secret key is never printed.
impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn default_region() -> String {
    "us-east-1".into()
}

/// The file store of an installation.
#[derive(Debug, Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    /// What the files are kept in, for the administrator and logs.
    pub label: String,
}

impl Files {
    /// Opens the configured store. Locally, the folders are created readable by the server's
    /// account only (materials are personal data), and every write is flushed to disk when the
    /// database is durable: a case may name a file as soon as it is stored, and the case's
    /// commit survives power loss, so the file must too.
    pub fn open(backend: &Backend, data_dir: &Path, durable: bool) -> Result<Files> {
        match backend {
            Backend::Local => {
                for dir in ["files", "documents"] {
                    private_dir(&data_dir.join(dir))?;
                }
                let fs = object_store::local::LocalFileSystem::new_with_prefix(data_dir)
                    .map_err(|e| unavailable("打开文件目录", e))?
                    .with_fsync(durable);
                Ok(Files {
                    store: Arc::new(fs),
                    label: format!("本地目录 {}", data_dir.display()),
                })
            }
            Backend::S3(c) => {
                let mut url = url_of(&c.endpoint)?;
                let s3 = object_store::aws::AmazonS3Builder::new()
                    .with_endpoint(c.endpoint.trim_end_matches('/'))
                    .with_allow_http(url.starts_with("http://"))
                    .with_bucket_name(&c.bucket)
                    .with_region(&c.region)
                    .with_access_key_id(&c.access_key_id)
                    .with_secret_access_key(&c.secret_access_key)
                    .with_http_connector(http::HyperConnector)
                    .with_retry(object_store::RetryConfig {
                        backoff: Default::default(),
                        max_retries: 3,
                        retry_timeout: std::time::Duration::from_secs(20),
                    })
                    .build()
                    .map_err(|e| unavailable("连接对象存储", e))?;
                url.push_str(&format!("/{}", c.bucket));
                let prefix = c.prefix.trim_matches('/');
                let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    url.push_str(&format!("/{prefix}"));
                    Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
                };
                Ok(Files {
                    store,
                    label: format!("对象存储 {url}"),
                })
            }
        }
    }

    /// Stores `bytes` under `key`, replacing what was there (keys name their content, so a
    /// replacement holds the same bytes and renews the time a sweep judges age by).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        self.store
            .put(&Key::from(key), PutPayload::from(bytes))
            .await
            .map_err(|e| unavailable("保存文件", e))?;
        Ok(())
    }

    /// The bytes under `key`, or None when there are none.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let got = match self.store.get(&Key::from(key)).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(unavailable("读取文件", e)),
        };
        let bytes = got.bytes().await.map_err(|e| unavailable("读取文件", e))?;
        Ok(Some(bytes.to_vec()))
    }

    /// When the file under `key` was last written, or None when there is none.
    pub async fn modified(&self, key: &str) -> Result<Option<OffsetDateTime>> {
        match self.store.head(&Key::from(key)).await {
            Ok(m) => Ok(Some(from_chrono_millis(m.last_modified.timestamp_millis()))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(unavailable("查看文件", e)),
        }
    }

    /// Removes the file under `key` (no error when it is already gone).
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.store.delete(&Key::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(unavailable("删除文件", e)),
        }
    }

    /// Keys under `prefix` last written before `before`, at most `limit` of them.
    pub async fn older_than(
        &self,
        prefix: &str,
        before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<String>> {
        let before = (before.unix_timestamp_nanos() / 1_000_000) as i64;
        let mut listing = self.store.list(Some(&Key::from(prefix)));
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| unavailable("列出文件", e))?;
            if meta.last_modified.timestamp_millis() < before {
                out.push(meta.location.to_string());
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }
}

/// Bumped when the PDF layout changes, so documents are rendered anew in the new layout.
const RENDITION: &str = "paper-1";

impl Files {
    /// A rendered document kept as it was handed out: asked for again, it is served from the
    /// store byte for byte (an archived notice does not change when fonts or layout do); when
    /// what it says changes (a second 补正 notice, a renewed license) it is rendered anew
    /// beside the old one, under `documents/{folder}/{id}/{digest of the content}.pdf`.
    pub async fn rendered(
        &self,
        folder: &str,
        id: &str,
        content: &impl serde::Serialize,
        render: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        let json = serde_json::to_vec(content).map_err(|e| AppError::Internal(e.to_string()))?;
        let digest = crate::uploads::content_hash(&[RENDITION.as_bytes(), &json].concat());
        let key = format!("documents/{folder}/{}/{digest}.pdf", safe_segment(id));
        if let Some(kept) = self.get(&key).await? {
            return Ok(kept);
        }
        let bytes = render()?;
        self.put(&key, bytes.clone()).await?;
        Ok(bytes)
    }
}

/// An id as one path segment: kept when it is plain (letters, digits, `-`, `_`), else its
/// digest, so no id can climb out of its folder.
fn safe_segment(id: &str) -> String {
    let plain = !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if plain {
        id.to_string()
    } else {
        crate::uploads::content_hash(id.as_bytes())
    }
}

fn from_chrono_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The endpoint as written, checked to be an http(s) address.
fn url_of(endpoint: &str) -> Result<String> {
    let e = endpoint.trim().trim_end_matches('/');
    if e.starts_with("https://") || e.starts_with("http://") {
        Ok(e.to_string())
    } else {
        Err(AppError::field(
            "storage.s3.endpoint",
            "invalid",
            format!("对象存储地址须以 http:// 或 https:// 开头：“{endpoint}”"),
        ))
    }
}

/// Creates a folder readable by the server's account only.
fn private_dir(dir: &PathBuf) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| unavailable(&format!("创建 {}", dir.display()), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| unavailable(&format!("设置 {} 的权限", dir.display()), e))?;
    }
    Ok(())
}

/// The store failed or refused: logged here with the cause (the person sees only that the
/// store is unavailable).
fn unavailable(doing: &str, e: impl std::fmt::Display) -> AppError {
    tracing::warn!(target: "onewindow::files", "file store: {doing}: {e}");
    AppError::Unavailable {
        what: "文件存储".into(),
        cause: format!("{doing}: {e}"),
    }
}
