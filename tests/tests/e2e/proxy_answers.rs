//! The proxy's clear answers (issue 13), each a GraphQL error with a code
//! and nothing spent that was not sent: slots of the epoch used up (with
//! the time the next epoch starts), an identity that is not a member, an
//! unreachable server, a proving key whose hash is wrong. Then CORS on the
//! server and the proxy, and GraphiQL pages that load nothing from another
//! origin.

use serde_json::{json, Value};
use zkcity_tests::relay::Relay;
use zkcity_tests::TestApp;

use crate::anon_support::{counts, current_epoch};
use crate::proxy_support::*;

/// `extensions.code` of the first error.
fn code(body: &Value) -> Option<&str> {
    zkcity_tests::error_code(body)
}

/// The slots this requester has used (absent file: none).
fn slots_file(me: &Requester) -> Option<String> {
    std::fs::read_to_string(me.state.join("slots.json")).ok()
}

#[tokio::test]
async fn each_refusal_is_a_coded_error_that_spends_nothing() -> anyhow::Result<()> {
    let (app, me, key) = gated_with_member().await?;
    let q = json!({"query": UNITS[2]});
    let before = counts(&app).await?;

    // Not a member.
    let stranger = Requester::new(&app, false).await?;
    let proxy = stranger.proxy(&app.address, &["--log-key", &key]).await?;
    let (_, body) = proxy.post(&q).await?;
    assert_eq!(code(&body), Some("NOT_A_MEMBER"), "{body}");
    assert_eq!(slots_file(&stranger), None, "no slot taken");

    // A proving key that does not have the published hash.
    let corrupting = Relay::start(&app.address, true).await?;
    let proxy = me.proxy(&corrupting.address, &["--log-key", &key]).await?;
    let (_, body) = proxy.post(&q).await?;
    assert_eq!(code(&body), Some("KEY_HASH_MISMATCH"), "{body}");
    assert_eq!(slots_file(&me), None, "no slot taken");

    // An unreachable server: gated and public operations alike.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let nowhere = format!("http://{}", closed.local_addr()?);
    drop(closed);
    let proxy = me.proxy(&nowhere, &["--log-key", &key]).await?;
    for body in [q.clone(), json!({"query": "{ checkpoint }"})] {
        let (status, answer) = proxy.post(&body).await?;
        assert_eq!(
            (status, code(&answer)),
            (502, Some("SERVER_UNREACHABLE")),
            "{answer}"
        );
    }
    assert_eq!(slots_file(&me), None, "no slot taken");

    // Every slot of the epoch used (as a state directory shows after 1024
    // queries): the answer says when the next epoch starts.
    let epoch = current_epoch(&app).await?;
    std::fs::create_dir_all(&me.state)?;
    let used = json!({"identities": {me.commitment.clone(): {"epoch": epoch, "next": 1024}}});
    std::fs::write(me.state.join("slots.json"), used.to_string())?;
    let proxy = me.proxy(&app.address, &["--log-key", &key]).await?;
    let (_, body) = proxy.post(&q).await?;
    assert_eq!(code(&body), Some("SLOTS_EXHAUSTED"), "{body}");
    let next = chrono::DateTime::from_timestamp(((epoch + 1) * 3600) as i64, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    assert_eq!(
        body["errors"][0]["extensions"]["nextEpochStartsAt"].as_str(),
        next.as_deref(),
        "{body}"
    );

    assert_eq!(counts(&app).await?, before, "nothing reached the log");
    Ok(())
}

/// A CORS preflight from `origin`; the `access-control-allow-origin` answered.
async fn preflight(url: &str, origin: &str) -> anyhow::Result<Option<String>> {
    let resp = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, url)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await?;
    Ok(resp
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned))
}

#[tokio::test]
async fn cors_allows_listed_origins_only() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|s| {
        s.server.cors_allowed_origins = vec!["https://app.example.org".into()]
    })
    .await?;
    let url = format!("{}/graphql", app.address);
    assert_eq!(
        preflight(&url, "https://app.example.org").await?.as_deref(),
        Some("https://app.example.org")
    );
    assert_eq!(preflight(&url, "https://other.example.org").await?, None);
    let default = TestApp::spawn().await?;
    let url = format!("{}/graphql", default.address);
    assert_eq!(
        preflight(&url, "https://app.example.org").await?,
        None,
        "the server allows none by default"
    );

    // The proxy: loopback origins by default; others are refused outright.
    let (gated, me, key) = gated_with_member().await?;
    let proxy = me.proxy(&gated.address, &["--log-key", &key]).await?;
    let url = format!("{}/graphql", proxy.address);
    assert_eq!(
        preflight(&url, "http://localhost:3000").await?.as_deref(),
        Some("http://localhost:3000")
    );
    assert_eq!(preflight(&url, "https://evil.example").await?, None);
    let before = counts(&gated).await?;
    let resp = reqwest::Client::new()
        .post(&url)
        .header("origin", "https://evil.example")
        .json(&json!({"query": UNITS[0]}))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(code(&resp.json().await?), Some("ORIGIN_NOT_ALLOWED"));
    let form = reqwest::Client::new()
        .post(&url)
        .header("content-type", "text/plain")
        .body(json!({"query": UNITS[0]}).to_string())
        .send()
        .await?;
    assert_eq!(
        form.status().as_u16(),
        415,
        "a cross-site form cannot spend slots"
    );
    assert_eq!(counts(&gated).await?, before);
    let listed = me
        .proxy(
            &gated.address,
            &[
                "--log-key",
                &key,
                "--cors-origin",
                "https://app.example.org",
            ],
        )
        .await?;
    let url = format!("{}/graphql", listed.address);
    assert_eq!(
        preflight(&url, "https://app.example.org").await?.as_deref(),
        Some("https://app.example.org")
    );
    assert_eq!(preflight(&url, "http://localhost:3000").await?, None);
    Ok(())
}

/// The page at `url` as a browser asks for it, and each script and
/// stylesheet it refers to (all fetched from the same origin).
async fn page_and_assets(base: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::new();
    let page = client
        .get(format!("{base}/graphql"))
        .header("accept", "text/html")
        .send()
        .await?
        .text()
        .await?;
    for asset in [
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "graphiql.min.css",
        "LICENSE.graphiql",
    ] {
        let path = format!("/graphiql/{asset}");
        assert!(
            page.contains(&path) || asset.starts_with("LICENSE"),
            "{asset} not referred to"
        );
        let resp = client.get(format!("{base}{path}")).send().await?;
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        assert!(!resp.bytes().await?.is_empty());
    }
    assert!(!page.contains("://"), "the page names no other origin");
    Ok(page)
}

#[tokio::test]
async fn graphiql_pages_load_everything_from_their_own_origin() -> anyhow::Result<()> {
    let (app, me, key) = gated_with_member().await?;
    let server_page = page_and_assets(&app.address).await?;
    assert!(
        server_page.contains("zkcity proxy"),
        "the server's page points to the proxy"
    );
    let proxy = me.proxy(&app.address, &["--log-key", &key]).await?;
    let proxy_page = page_and_assets(&proxy.address).await?;
    assert!(proxy_page.contains("privacy proxy"));
    Ok(())
}
