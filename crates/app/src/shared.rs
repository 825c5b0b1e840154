//! Shared-data providers (数据共享): household registration, marriage, social security,
//! market-entity registration… When an applicant applies, a material that names a source is
//! confirmed from it instead of uploaded (免提交). A provider that is slow, down or answers
//! garbage never blocks the application: the material simply stays to be provided.

use std::collections::BTreeMap;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;

/// What a source confirmed about a holder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SharedRecord {
    pub source: String,
    /// One line for the case page, e.g. 户籍：广安市广安区…（户主 张三）.
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("共享数据源 {0} 超时")]
    Timeout(String),
    #[error("共享数据源 {0} 不可用：{1}")]
    Unavailable(String, String),
    #[error("共享数据源 {0} 返回的数据无法识别：{1}")]
    Garbage(String, String),
}

/// Where one source is answered from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceConfig {
    /// The source's name as materials give it, e.g. 公安人口库.
    pub source: String,
    /// `GET {url}?source=…&id=…` answers `{"found": bool, "summary": "…"}`.
    pub url: String,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default = "default_retries")]
    pub retries: u32,
}

fn default_timeout_ms() -> u64 {
    2000
}

fn default_retries() -> u32 {
    1
}

/// A provider: built-in demo data, or an upstream system over HTTP.
pub enum Provider {
    Demo,
    Http(SourceConfig),
}

impl Provider {
    pub async fn lookup(
        &self,
        source: &str,
        holder_id: &str,
    ) -> Result<Option<SharedRecord>, ProviderError> {
        match self {
            Provider::Demo => Ok(demo_record(source, holder_id)),
            Provider::Http(c) => http_lookup(c, holder_id).await,
        }
    }
}

/// The providers by source name, from configuration.
#[derive(Default)]
pub struct SharedData {
    providers: BTreeMap<String, Provider>,
    /// Demo mode answers every source from the demo data.
    demo: bool,
}

impl SharedData {
    pub fn new(sources: &[SourceConfig], demo: bool) -> Self {
        SharedData {
            providers: sources
                .iter()
                .map(|c| (c.source.clone(), Provider::Http(c.clone())))
                .collect(),
            demo,
        }
    }

    /// Looks a holder up in a source; `Ok(None)` when no provider serves it.
    pub async fn lookup(
        &self,
        source: &str,
        holder_id: &str,
    ) -> Result<Option<SharedRecord>, ProviderError> {
        match self.providers.get(source) {
            Some(p) => p.lookup(source, holder_id).await,
            None if self.demo => Provider::Demo.lookup(source, holder_id).await,
            None => Ok(None),
        }
    }
}

/// The demo holders' records: the demo citizen (household, marriage, social security) and
/// the demo enterprise (market-entity registration). Everyone else is unknown.
fn demo_record(source: &str, holder_id: &str) -> Option<SharedRecord> {
    let citizen = crate::demo::demo_citizen_id_number();
    let enterprise = crate::demo::demo_credit_code();
    let summary = match (source, holder_id) {
        ("公安人口库", id) if id == citizen => {
            "户籍：四川省广安市广安区（户主 张三），身份信息核验一致"
        }
        ("婚姻登记信息库", id) if id == citizen => "婚姻状况：已婚（2018 年登记）",
        ("社会保险信息库" | "就业参保信息", id) if id == citizen => {
            "职工养老保险参保中，累计缴费 96 个月"
        }
        ("市场主体登记库", id) if id == enterprise => {
            "广安市演示餐饮有限公司，存续，登记机关 广安市市场监督管理局"
        }
        _ => return None,
    };
    Some(SharedRecord {
        source: source.to_string(),
        summary: summary.to_string(),
    })
}

#[derive(serde::Deserialize)]
struct Answer {
    found: bool,
    #[serde(default)]
    summary: String,
}

async fn http_lookup(
    c: &SourceConfig,
    holder_id: &str,
) -> Result<Option<SharedRecord>, ProviderError> {
    let uri: hyper::Uri = format!(
        "{}?{}",
        c.url,
        serde_urlencoded::to_string([("source", c.source.as_str()), ("id", holder_id)])
            .map_err(|e| ProviderError::Unavailable(c.source.clone(), e.to_string()))?
    )
    .parse()
    .map_err(|e: hyper::http::uri::InvalidUri| {
        ProviderError::Unavailable(c.source.clone(), e.to_string())
    })?;
    let client = net::client::<Empty<Bytes>>();
    let mut last = ProviderError::Timeout(c.source.clone());
    for attempt in 0..=c.retries {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
        }
        let call = async {
            let res = client
                .get(uri.clone())
                .await
                .map_err(|e| ProviderError::Unavailable(c.source.clone(), e.to_string()))?;
            if !res.status().is_success() {
                return Err(ProviderError::Unavailable(
                    c.source.clone(),
                    format!("HTTP {}", res.status()),
                ));
            }
            let body = res
                .into_body()
                .collect()
                .await
                .map_err(|e| ProviderError::Unavailable(c.source.clone(), e.to_string()))?
                .to_bytes();
            // Upstream answers are small; refuse anything that is not.
            if body.len() > 64 * 1024 {
                return Err(ProviderError::Garbage(
                    c.source.clone(),
                    "超过 64 KB".into(),
                ));
            }
            let a: Answer = serde_json::from_slice(&body)
                .map_err(|e| ProviderError::Garbage(c.source.clone(), e.to_string()))?;
            Ok(a.found.then(|| SharedRecord {
                source: c.source.clone(),
                summary: a.summary.chars().take(200).collect(),
            }))
        };
        match tokio::time::timeout(Duration::from_millis(c.timeout_ms), call).await {
            Ok(Ok(r)) => return Ok(r),
            // Garbage will not improve on retry.
            Ok(Err(e @ ProviderError::Garbage(..))) => return Err(e),
            Ok(Err(e)) => last = e,
            Err(_) => last = ProviderError::Timeout(c.source.clone()),
        }
    }
    Err(last)
}
