//! `refreshNow` is an admin mutation: without the bearer token, or with a
//! wrong one, it is refused with UNAUTHORIZED and changes nothing.

use zkcity_tests::refresh::{data_counts, manual, refresh_now, refresh_ok, run_count, ADMIN_TOKEN};
use zkcity_tests::{error_code, TestApp};

async fn all_runs(app: &TestApp) -> anyhow::Result<i64> {
    app.sql_i64("SELECT COUNT(*) FROM refresh_run").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_now_without_or_with_a_wrong_token_is_refused_and_changes_nothing(
) -> anyhow::Result<()> {
    let app = TestApp::spawn_with(manual).await?;
    let before = data_counts(&app).await?;
    for token in [None, Some("wrong"), Some(""), Some(&ADMIN_TOKEN[1..])] {
        let body = refresh_now(&app, "POWER", token).await?;
        assert_eq!(
            error_code(&body),
            Some("UNAUTHORIZED"),
            "token {token:?}: {body}"
        );
        assert!(body["data"].is_null(), "{body}");
    }
    // A different scheme is not a bearer token.
    let body: serde_json::Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("Authorization", format!("Basic {ADMIN_TOKEN}"))
        .json(&serde_json::json!({"query": "mutation { refreshNow(unit: TRAFFIC) { id } }"}))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(error_code(&body), Some("UNAUTHORIZED"), "{body}");
    assert_eq!(
        all_runs(&app).await?,
        0,
        "a refused call must not run or log anything"
    );
    assert_eq!(data_counts(&app).await?, before);

    // The right token works.
    let run = refresh_ok(&app, "POWER").await?;
    assert_eq!(run["status"], "OK", "{run}");
    assert_eq!(run_count(&app, "power", Some("ok")).await?, 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_admin_token_configured_refresh_now_is_always_refused() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|s| {
        manual(s);
        s.admin.token = None;
    })
    .await?;
    let body = refresh_now(&app, "ECOLOGICAL", Some(ADMIN_TOKEN)).await?;
    assert_eq!(error_code(&body), Some("UNAUTHORIZED"), "{body}");
    assert_eq!(all_runs(&app).await?, 0);
    Ok(())
}
