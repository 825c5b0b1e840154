//! A small HTTP/1.1 client for the load benchmark: keep-alive connections, the session and
//! CSRF cookies of one logged-in user, and a timer around every request.

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A logged-in user: the cookies the server set at login.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// An answer: status and body.
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
    pub took: Duration,
    /// The Set-Cookie values.
    pub cookies: Vec<String>,
}

impl Answer {
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    /// The body as text, shortened, for error reports.
    pub fn snippet(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(200)
            .collect()
    }
}

#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
}

/// What a request carries.
pub enum Body {
    Empty,
    Json(serde_json::Value),
    Form(String),
    Multipart { boundary: String, bytes: Bytes },
}

impl Http {
    pub fn new(base: &str) -> Http {
        let mut conn = HttpConnector::new();
        conn.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(1024)
            .build(conn);
        Http {
            client,
            base: base.trim_end_matches('/').to_string(),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        session: Option<&Session>,
        body: Body,
    ) -> anyhow::Result<Answer> {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(s) = session {
            req = req
                .header("cookie", &s.cookie)
                .header("x-csrf-token", &s.csrf);
        }
        let (content_type, bytes) = match body {
            Body::Empty => (None, Bytes::new()),
            Body::Json(v) => (
                Some("application/json".to_string()),
                Bytes::from(serde_json::to_vec(&v)?),
            ),
            Body::Form(f) => (
                Some("application/x-www-form-urlencoded".to_string()),
                Bytes::from(f),
            ),
            Body::Multipart { boundary, bytes } => (
                Some(format!("multipart/form-data; boundary={boundary}")),
                bytes,
            ),
        };
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let req = req.body(Full::new(bytes))?;
        let started = Instant::now();
        let res = self.client.request(req).await?;
        let status = res.status();
        let cookies: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let body = res.into_body().collect().await?.to_bytes();
        let took = started.elapsed();
        Ok(Answer {
            status,
            body,
            took,
            cookies,
        })
    }

    /// Opens a streaming GET (an event stream) and returns the response with its body unread.
    pub async fn stream(
        &self,
        path: &str,
    ) -> anyhow::Result<hyper::Response<hyper::body::Incoming>> {
        let req = Request::builder()
            .method(Method::GET)
            .uri(format!("{}{path}", self.base))
            .header("accept", "text/event-stream")
            .body(Full::new(Bytes::new()))?;
        Ok(self.client.request(req).await?)
    }

    /// The CSRF cookie a first visit gets, as a session without login (a kiosk).
    pub async fn visitor(&self) -> anyhow::Result<Session> {
        let page = self.send(Method::GET, "/login", None, Body::Empty).await?;
        let csrf =
            cookie_value(&page, "ow_csrf").ok_or_else(|| anyhow::anyhow!("未设置 CSRF Cookie"))?;
        Ok(Session {
            cookie: format!("ow_csrf={csrf}"),
            csrf,
        })
    }

    /// Logs in through the login form, as a browser does: fetch the page for the CSRF cookie,
    /// post the form, keep the session and rotated CSRF cookies.
    pub async fn login(&self, login: &str, password: &str) -> anyhow::Result<Session> {
        let page = self.send(Method::GET, "/login", None, Body::Empty).await?;
        anyhow::ensure!(page.status.is_success(), "登录页返回 {}", page.status);
        let csrf = cookie_value(&page, "ow_csrf")
            .ok_or_else(|| anyhow::anyhow!("登录页未设置 CSRF Cookie"))?;
        let pre = Session {
            cookie: format!("ow_csrf={csrf}"),
            csrf: csrf.clone(),
        };
        let form = serde_urlencoded::to_string([
            ("csrf", csrf.as_str()),
            ("login", login),
            ("password", password),
            ("next", "/"),
        ])?;
        let res = self
            .send(Method::POST, "/login", Some(&pre), Body::Form(form))
            .await?;
        let session = cookie_value(&res, "ow_session");
        let csrf = cookie_value(&res, "ow_csrf");
        match (res.status.is_redirection(), session, csrf) {
            (true, Some(s), Some(c)) => Ok(Session {
                cookie: format!("ow_session={s}; ow_csrf={c}"),
                csrf: c,
            }),
            _ => anyhow::bail!("{login} 登录失败（HTTP {}）", res.status),
        }
    }
}

fn cookie_value(a: &Answer, name: &str) -> Option<String> {
    a.cookies.iter().find_map(|v| {
        let first = v.split(';').next()?;
        let (k, val) = first.split_once('=')?;
        (k.trim() == name).then(|| val.trim().to_string())
    })
}

/// A multipart body with one file part named `file`.
pub fn multipart_file(file_name: &str, media_type: &str, content: &[u8]) -> Body {
    let boundary = format!("owbench{}", uuid::Uuid::now_v7().simple());
    let mut b = Vec::with_capacity(content.len() + 256);
    b.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {media_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(content);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Body::Multipart {
        boundary,
        bytes: Bytes::from(b),
    }
}
