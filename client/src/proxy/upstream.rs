//! The network side of the proxy: every byte to the server goes through
//! here, directly or through an upstream SOCKS5 / HTTP proxy (`--upstream`).
//! A proof hides *which member* asked, never *which address* asked: to hide
//! the address, send through Tor (`socks5h://127.0.0.1:9050`, names resolved
//! by the proxy) or another proxy the requester trusts.
//!
//! Nothing here adds a header that identifies the requester: no
//! `User-Agent`, no cookies, and none of the local client's headers.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;
use thiserror::Error;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Largest server answer the proxy reads (a page of 500 rows is far below).
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// An upstream proxy for the network layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamProxy {
    /// `socks5h://host:port` (names resolved by the proxy: use this for
    /// Tor) or `socks5://host:port` (names resolved locally).
    Socks5 { addr: String, remote_dns: bool },
    /// `http://host:port`, tunnelling with `CONNECT`.
    Http { addr: String },
}

/// Why an `--upstream` value was refused.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("--upstream {0:?}: expected socks5h://host:port, socks5://host:port or http://host:port")]
pub struct BadUpstreamProxy(String);

impl UpstreamProxy {
    pub fn parse(text: &str) -> Result<Self, BadUpstreamProxy> {
        let bad = || BadUpstreamProxy(text.to_owned());
        let url = reqwest::Url::parse(text).map_err(|_| bad())?;
        let host = url.host_str().ok_or_else(bad)?;
        let port = url.port_or_known_default().ok_or_else(bad)?;
        if url.path() != "/" && !url.path().is_empty() {
            return Err(bad());
        }
        let addr = format!("{host}:{port}");
        match url.scheme() {
            "socks5h" => Ok(Self::Socks5 {
                addr,
                remote_dns: true,
            }),
            "socks5" => Ok(Self::Socks5 {
                addr,
                remote_dns: false,
            }),
            "http" => Ok(Self::Http { addr }),
            _ => Err(bad()),
        }
    }

    fn url(&self) -> String {
        match self {
            Self::Socks5 {
                addr,
                remote_dns: true,
            } => format!("socks5h://{addr}"),
            Self::Socks5 {
                addr,
                remote_dns: false,
            } => format!("socks5://{addr}"),
            Self::Http { addr } => format!("http://{addr}"),
        }
    }
}

/// Why the server URL or the upstream proxy cannot be used.
#[derive(Debug, Error)]
#[error("--server {server}: {reason}")]
pub struct BadServer {
    server: String,
    reason: String,
}

/// Why a request to the server failed.
#[derive(Debug)]
pub enum SendError {
    /// The connection was never made: the request did not leave.
    NotSent(String),
    /// Sent, but no usable answer came back.
    Failed(String),
}

/// The server as the proxy reaches it.
#[derive(Debug, Clone)]
pub struct Upstream {
    base: reqwest::Url,
    http: reqwest::Client,
    proxy: Option<UpstreamProxy>,
}

impl Upstream {
    /// `server` is the zkcity server's base URL (`http://host:port`).
    pub fn new(server: &str, proxy: Option<UpstreamProxy>) -> Result<Self, BadServer> {
        let bad = |reason: String| BadServer {
            server: server.to_owned(),
            reason,
        };
        let base =
            reqwest::Url::parse(server.trim_end_matches('/')).map_err(|e| bad(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(bad("expected http(s)://host[:port]".into()));
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120));
        builder = match &proxy {
            // Only the proxy named on the command line: an ambient
            // HTTP_PROXY must not reroute anonymous traffic silently.
            None => builder.no_proxy(),
            Some(p) => builder.proxy(
                reqwest::Proxy::all(p.url()).map_err(|e| bad(format!("upstream proxy: {e}")))?,
            ),
        };
        let http = builder.build().map_err(|e| bad(e.to_string()))?;
        Ok(Self { base, http, proxy })
    }

    /// The server's base URL without a trailing slash.
    pub fn base(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_owned()
    }

    /// The HTTP client (with the upstream proxy) for the requester calls.
    pub fn client(&self) -> reqwest::Client {
        self.http.clone()
    }

    /// POSTs a GraphQL body to `/graphql`; returns the status and JSON answer.
    pub async fn post(&self, body: &Value) -> Result<(StatusCode, Value), SendError> {
        let url = format!("{}/graphql", self.base());
        let resp = self.http.post(url).json(body).send().await.map_err(|e| {
            if e.is_connect() {
                SendError::NotSent(e.to_string())
            } else {
                SendError::Failed(e.to_string())
            }
        })?;
        let status =
            StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
        {
            return Err(SendError::Failed("the answer is too large".into()));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| SendError::Failed(e.to_string()))?;
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| SendError::Failed(format!("the answer ({status}) is not JSON: {e}")))?;
        Ok((status, value))
    }

    /// A TCP stream to the server's host, through the upstream proxy if any.
    pub async fn connect_tcp(&self) -> Result<Box<dyn Stream>, String> {
        let host = self.base.host_str().unwrap_or_default().to_owned();
        let port = self.base.port_or_known_default().unwrap_or(80);
        match &self.proxy {
            None => Ok(Box::new(
                TcpStream::connect((host.as_str(), port))
                    .await
                    .map_err(|e| e.to_string())?,
            )),
            Some(UpstreamProxy::Socks5 { addr, remote_dns }) => {
                socks5(addr, &host, port, *remote_dns).await
            }
            Some(UpstreamProxy::Http { addr }) => http_connect(addr, &host, port).await,
        }
    }

    /// `ws(s)://…/graphql/ws` of the server.
    pub fn ws_url(&self) -> String {
        let scheme = if self.base.scheme() == "https" {
            "wss"
        } else {
            "ws"
        };
        let rest = self
            .base()
            .split_once("://")
            .map(|(_, r)| r.to_owned())
            .unwrap_or_default();
        format!("{scheme}://{rest}/graphql/ws")
    }
}

/// A byte stream to the server (plain TCP or tunnelled).
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

async fn socks5(
    proxy: &str,
    host: &str,
    port: u16,
    remote_dns: bool,
) -> Result<Box<dyn Stream>, String> {
    let stream = if remote_dns {
        tokio_socks::tcp::Socks5Stream::connect(proxy, (host, port)).await
    } else {
        let addr = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| e.to_string())?
            .next()
            .ok_or_else(|| format!("{host} does not resolve"))?;
        tokio_socks::tcp::Socks5Stream::connect(proxy, addr).await
    };
    Ok(Box::new(
        stream.map_err(|e| format!("SOCKS5 proxy {proxy}: {e}"))?,
    ))
}

/// An HTTP `CONNECT` tunnel (RFC 9110 §9.3.6).
async fn http_connect(proxy: &str, host: &str, port: u16) -> Result<Box<dyn Stream>, String> {
    let mut stream = TcpStream::connect(proxy)
        .await
        .map_err(|e| format!("HTTP proxy {proxy}: {e}"))?;
    let request = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader
        .read_line(&mut status)
        .await
        .map_err(|e| e.to_string())?;
    if !status
        .split_whitespace()
        .nth(1)
        .is_some_and(|c| c.starts_with('2'))
    {
        return Err(format!(
            "HTTP proxy {proxy} refused CONNECT: {}",
            status.trim()
        ));
    }
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?;
        if n == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if line.len() > 8192 {
            return Err(format!("HTTP proxy {proxy}: oversized header"));
        }
    }
    Ok(Box::new(reader.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_upstream_forms() {
        assert_eq!(
            UpstreamProxy::parse("socks5h://127.0.0.1:9050"),
            Ok(UpstreamProxy::Socks5 {
                addr: "127.0.0.1:9050".into(),
                remote_dns: true
            })
        );
        assert_eq!(
            UpstreamProxy::parse("http://proxy.lan:3128"),
            Ok(UpstreamProxy::Http {
                addr: "proxy.lan:3128".into()
            })
        );
        for bad in ["tor", "https://p:1", "socks5h://", "http://p:1/path"] {
            assert!(UpstreamProxy::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn websocket_url_follows_the_server_scheme() -> Result<(), BadServer> {
        assert_eq!(
            Upstream::new("http://127.0.0.1:8080/", None)?.ws_url(),
            "ws://127.0.0.1:8080/graphql/ws"
        );
        assert_eq!(
            Upstream::new("https://city.example", None)?.ws_url(),
            "wss://city.example/graphql/ws"
        );
        Ok(())
    }
}
