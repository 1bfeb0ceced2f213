//! Admin authorization: a bearer token compared in constant time, so the
//! comparison leaks nothing about how much of a guess was right.

use async_graphql::Context;
use axum::http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::graphql::error::ApiError;

/// The bearer token a request presented (if any), carried in request data.
#[derive(Clone, Default)]
pub struct PresentedToken(pub Option<SecretString>);

impl PresentedToken {
    /// Reads `Authorization: Bearer <token>`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let token = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| SecretString::from(t.trim().to_owned()));
        Self(token)
    }
}

/// The configured admin token, in schema data.
#[derive(Clone)]
pub struct AdminToken(pub Option<SecretString>);

/// True when `presented` equals `expected`, in time independent of where
/// they differ (lengths are compared openly; they are not secret).
pub fn tokens_match(expected: &str, presented: &str) -> bool {
    expected.as_bytes().ct_eq(presented.as_bytes()).into()
}

/// Fails with `UNAUTHORIZED` unless the request carries the admin token.
/// With no token configured, admin operations are refused outright.
pub fn require_admin(ctx: &Context<'_>) -> Result<(), ApiError> {
    let expected = ctx.data_opt::<AdminToken>().and_then(|t| t.0.as_ref());
    let presented = ctx.data_opt::<PresentedToken>().and_then(|t| t.0.as_ref());
    match (expected, presented) {
        (Some(e), Some(p)) if tokens_match(e.expose_secret(), p.expose_secret()) => Ok(()),
        _ => Err(ApiError::Unauthorized),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison() {
        assert!(tokens_match("s3cret", "s3cret"));
        assert!(!tokens_match("s3cret", "s3cre"));
        assert!(!tokens_match("s3cret", "s3creT"));
        assert!(!tokens_match("s3cret", ""));
    }

    #[test]
    fn bearer_header_is_parsed() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::AUTHORIZATION,
            "Bearer abc".parse().expect("static header"),
        );
        let t = PresentedToken::from_headers(&h);
        assert_eq!(
            t.0.map(|s| s.expose_secret().to_owned()),
            Some("abc".to_owned())
        );
        assert!(PresentedToken::from_headers(&HeaderMap::new()).0.is_none());
    }
}
