//! HAProxy (Debian's package) in front of the nodes, as a deployment would put it: round robin,
//! `/readyz` checked every 300 ms (a node that fails it twice gets no new requests), and a
//! request whose connection failed or got no answer sent again to another node.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use hyper::Method;

use crate::lifecycle::http::{Body, Http};

pub struct Balancer {
    child: Child,
    pub base: String,
}

/// A free port on the loopback address (bound and let go; the caller binds it soon after).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The configuration: one frontend, one backend of `nodes` (ports).
fn config(port: u16, nodes: &[u16]) -> String {
    let servers: String = nodes
        .iter()
        .enumerate()
        .map(|(i, p)| format!("    server n{} 127.0.0.1:{p} check\n", i + 1))
        .collect();
    format!(
        "global
    maxconn 8192
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 10s
    # A request that could not reach a node, or got no answer before the node went away, goes
    # to another node (only bodies that fit the buffer can be sent again; the drain period of a
    # rolling restart keeps the rest from meeting a stopping node).
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
frontend onewindow
    bind 127.0.0.1:{port}
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 300ms fall 2 rise 2
{servers}"
    )
}

impl Balancer {
    /// Starts HAProxy on a free port in front of `nodes` and waits until it answers.
    pub async fn start(dir: &Path, nodes: &[u16]) -> anyhow::Result<Balancer> {
        let exe = which("haproxy").context(
            "找不到 haproxy：请安装 Debian 软件包 haproxy（apt-get install haproxy），集群压测需要它做负载均衡",
        )?;
        let port = free_port()?;
        let cfg = dir.join("haproxy.cfg");
        std::fs::write(&cfg, config(port, nodes))?;
        let child = Command::new(exe)
            .arg("-db")
            .arg("-q")
            .arg("-f")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("无法启动 haproxy")?;
        let mut b = Balancer {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = Http::new(&b.base);
        for _ in 0..200 {
            if let Ok(a) = http.send(Method::GET, "/readyz", None, Body::Empty).await
                && a.status.is_success()
            {
                return Ok(b);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        b.stop();
        bail!("haproxy 10 秒内未能把请求转到任何节点")
    }

    pub fn pid(&self) -> Option<u32> {
        Some(self.child.id())
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_node_is_checked_by_readyz() {
        let c = super::config(8000, &[8001, 8002]);
        assert!(c.contains("bind 127.0.0.1:8000"));
        assert!(c.contains("server n1 127.0.0.1:8001 check"));
        assert!(c.contains("server n2 127.0.0.1:8002 check"));
        assert!(c.contains("option httpchk GET /readyz"));
    }
}
