//! CORS from an allow-list of origins (issue 13): a browser app served from
//! an allowed origin may call the GraphQL endpoint; any other origin gets
//! no CORS headers, so the browser keeps its answers from the page. The
//! server allows none by default, the proxy its own loopback origins.

use std::time::Duration;

use axum::http::{header, HeaderValue, Method};
use thiserror::Error;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Why an entry of the allow-list was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum OriginError {
    /// Not `http(s)://host[:port]` with nothing after it.
    #[error("CORS origin {0:?} is not of the form http(s)://host[:port] (no path, no wildcard)")]
    Malformed(String),
}

/// Checks one origin as a browser sends it in `Origin`: scheme, host and
/// optional port, nothing else. A wildcard is refused: the list is explicit.
pub fn parse_origin(origin: &str) -> Result<HeaderValue, OriginError> {
    let bad = || OriginError::Malformed(origin.to_owned());
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .ok_or_else(bad)?;
    let host_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !host_ok {
        return Err(bad());
    }
    HeaderValue::from_str(origin).map_err(|_| bad())
}

/// Which origins a browser app may call from.
#[derive(Debug, Clone)]
pub enum OriginPolicy {
    /// Exactly these origins (each checked with [`parse_origin`]).
    List(Vec<HeaderValue>),
    /// `http://localhost`, `http://127.0.0.1` and `http://[::1]`, any port:
    /// apps a developer runs on this machine.
    Loopback,
}

impl OriginPolicy {
    /// The allow-list `origins`.
    pub fn list(origins: &[String]) -> Result<Self, OriginError> {
        origins
            .iter()
            .map(|o| parse_origin(o))
            .collect::<Result<Vec<_>, _>>()
            .map(Self::List)
    }

    /// Whether a request with this `Origin` may be answered.
    pub fn allows(&self, origin: &HeaderValue) -> bool {
        match self {
            Self::List(list) => list.contains(origin),
            Self::Loopback => origin.to_str().is_ok_and(is_loopback_origin),
        }
    }

    /// The tower-http layer: GET and POST with JSON bodies, preflight
    /// answers cached 10 minutes.
    pub fn layer(&self) -> CorsLayer {
        let allow = match self {
            Self::List(list) => AllowOrigin::list(list.clone()),
            Self::Loopback => {
                AllowOrigin::predicate(|origin, _| origin.to_str().is_ok_and(is_loopback_origin))
            }
        };
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION])
            .max_age(Duration::from_secs(600))
    }
}

/// `http://localhost[:port]`, `http://127.0.0.1[:port]` or `http://[::1][:port]`.
pub fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://") else {
        return false;
    };
    let host = match rest.rsplit_once(':') {
        Some((host, port)) if !rest.ends_with(']') => {
            if !port.chars().all(|c| c.is_ascii_digit()) || port.is_empty() {
                return false;
            }
            host
        }
        _ => rest,
    };
    is_loopback_host(host)
}

/// A loopback host name as it appears in a URL or `Host` header (no port).
pub fn is_loopback_host(host: &str) -> bool {
    matches!(host, "localhost" | "[::1]")
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The CORS layer for the allow-list `origins`.
pub fn layer(origins: &[String]) -> Result<CorsLayer, OriginError> {
    OriginPolicy::list(origins).map(|p| p.layer())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_origins_only() {
        for ok in [
            "http://127.0.0.1:3000",
            "https://app.example.org",
            "http://[::1]:8787",
        ] {
            assert!(parse_origin(ok).is_ok(), "{ok}");
        }
        for bad in [
            "*",
            "app.example.org",
            "https://a.org/",
            "https://a.org/x",
            "ftp://a",
            "http://",
            "http://a b",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
        assert!(layer(&["*".into()]).is_err());
        assert!(layer(&[]).is_ok());
    }

    #[test]
    fn loopback_policy_allows_this_machine_only() {
        let policy = OriginPolicy::Loopback;
        for ok in [
            "http://localhost:3000",
            "http://127.0.0.1",
            "http://[::1]:8787",
            "http://127.1.2.3:9",
        ] {
            assert!(policy.allows(&HeaderValue::from_static(ok)), "{ok}");
        }
        for bad in [
            "http://localhost.evil.org",
            "https://localhost:3000",
            "http://10.0.0.1:80",
            "http://127.0.0.1:x",
            "null",
        ] {
            assert!(!policy.allows(&HeaderValue::from_static(bad)), "{bad}");
        }
    }
}
