//! GraphiQL for zkcity, with everything it needs inside the binary.
//!
//! The server and the local privacy proxy both serve [`page`] at
//! `GET /graphql` and the vendored production builds of React 18 and
//! GraphiQL 3 (see `web/vendor/SOURCES.md` for versions, hashes and licenses)
//! under [`ASSETS_PREFIX`] via [`assets_router`]. No zkcity page loads
//! anything from another origin: it works on a network without internet
//! access and tells no CDN when a developer opens it (issue 13).
//!
//! ```
//! let html = zkcity_web::graphiql::page(&zkcity_web::graphiql::PageOptions {
//!     title: "zkcity",
//!     endpoint: "/graphql",
//!     subscription_endpoint: "/graphql/ws",
//!     notice: Some("Data units need the privacy proxy."),
//! });
//! assert!(!html.contains("https://"));
//! let _app: axum::Router = zkcity_web::graphiql::assets_router();
//! ```

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// Where the assets are served; the page refers to them here.
pub const ASSETS_PREFIX: &str = "/graphiql";

/// One vendored file: its route name, content type and bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// The vendored files, byte for byte as published on npm.
const ASSETS: &[Asset] = &[
    Asset {
        name: "react.production.min.js",
        content_type: JS,
        bytes: include_bytes!("../../vendor/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: JS,
        bytes: include_bytes!("../../vendor/react-dom.production.min.js"),
    },
    Asset {
        name: "graphiql.min.js",
        content_type: JS,
        bytes: include_bytes!("../../vendor/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../vendor/graphiql.min.css"),
    },
    Asset {
        name: "LICENSE.react",
        content_type: TEXT,
        bytes: include_bytes!("../../vendor/LICENSE.react"),
    },
    Asset {
        name: "LICENSE.react-dom",
        content_type: TEXT,
        bytes: include_bytes!("../../vendor/LICENSE.react-dom"),
    },
    Asset {
        name: "LICENSE.graphiql",
        content_type: TEXT,
        bytes: include_bytes!("../../vendor/LICENSE.graphiql"),
    },
    Asset {
        name: "SOURCES.md",
        content_type: TEXT,
        bytes: include_bytes!("../../vendor/SOURCES.md"),
    },
];

fn respond(asset: &'static Asset) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            // The files only change with the binary; a day is plenty.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        asset.bytes,
    )
        .into_response()
}

/// `GET /graphiql/<file>` for every vendored file (scripts, stylesheet,
/// licenses and their provenance).
pub fn assets_router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    ASSETS.iter().fold(Router::new(), |router, asset| {
        router.route(
            &format!("{ASSETS_PREFIX}/{}", asset.name),
            get(move || async move { respond(asset) }),
        )
    })
}

/// What a GraphiQL page shows and where it sends requests.
#[derive(Debug, Clone, Copy)]
pub struct PageOptions<'a> {
    pub title: &'a str,
    /// The GraphQL endpoint (same origin), e.g. `/graphql`.
    pub endpoint: &'a str,
    /// The graphql-transport-ws endpoint (same origin), e.g. `/graphql/ws`.
    pub subscription_endpoint: &'a str,
    /// A line shown above the editor (plain text).
    pub notice: Option<&'a str>,
}

/// Escapes text for an HTML text node or attribute.
fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A JavaScript string literal that cannot end the `<script>` element.
fn js_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const TEMPLATE: &str = include_str!("page.html");

/// The GraphiQL page. A `?query=` in the page's URL opens with that query
/// in the editor (links to a ready-made query; nothing is sent until the
/// user runs it).
pub fn page(options: &PageOptions<'_>) -> String {
    let notice = options.notice.map_or_else(String::new, |text| {
        format!("<div id=\"zkcity-notice\">{}</div>", html_escape(text))
    });
    TEMPLATE
        .replace("{{title}}", &html_escape(options.title))
        .replace("{{assets}}", ASSETS_PREFIX)
        .replace("{{notice}}", &notice)
        .replace("{{endpoint}}", &js_string(options.endpoint))
        .replace(
            "{{subscription_endpoint}}",
            &js_string(options.subscription_endpoint),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_refers_only_to_its_own_origin() {
        let html = page(&PageOptions {
            title: "t<",
            endpoint: "/graphql",
            subscription_endpoint: "/graphql/ws",
            notice: Some("a <b> & c"),
        });
        assert!(!html.contains("://"), "no absolute URL in the page");
        assert!(html.contains("a &lt;b&gt; &amp; c"));
        assert!(html.contains("<title>t&lt;</title>"));
        for asset in ["react.production.min.js", "graphiql.min.css"] {
            assert!(html.contains(&format!("{ASSETS_PREFIX}/{asset}")));
        }
    }

    #[test]
    fn script_strings_cannot_close_the_script() {
        assert_eq!(
            js_string("</script>\"\n"),
            "\"\\u003c/script\\u003e\\\"\\u000a\""
        );
    }

    #[test]
    fn vendored_files_are_the_production_builds() {
        let find = |n: &str| ASSETS.iter().find(|a| a.name == n).map(|a| a.bytes);
        let react = find("react.production.min.js").unwrap_or_default();
        assert!(react.starts_with(b"/**\n * @license React"));
        let graphiql = find("graphiql.min.js").unwrap_or_default();
        assert!(
            graphiql.len() > 1_000_000,
            "the UMD bundle with its dependencies"
        );
        assert!(find("LICENSE.graphiql").is_some_and(|l| l.starts_with(b"MIT License")));
    }
}
