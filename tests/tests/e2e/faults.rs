//! A database outage under load (DESIGN §7): the database refuses
//! connections and every server connection is cut while anonymous queries,
//! registrations and a refresh run. `/readyz` goes 503 and back, the same
//! server process carries on, and the log holds exactly what was
//! acknowledged: every receipt's entry, nothing of a refused request, no gap,
//! and it verifies with its proofs checked.

use std::time::Duration;

use serde_json::Value;
use zkcity_circuits::{fr_to_bytes, fr_to_decimal, parse_fr, Identity};
use zkcity_tests::audit::{self as a, register_with, verify_server_proofs, ADMIN_TOKEN};
use zkcity_tests::TestApp;

use crate::anon_support::*;

/// How long `/readyz` may take to follow the database (a liveness check).
const READY_WITHIN: Duration = Duration::from_secs(60);

/// How many rows `sql` counts.
async fn count(app: &TestApp, sql: String) -> anyhow::Result<i64> {
    app.sql_i64(&sql).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_under_load_loses_and_invents_nothing() -> anyhow::Result<()> {
    let (app, dir) = spawn_gated().await?;
    let key = a::log_key(&dir)?;
    let (pk, mut rng) = (proving_key()?, rand::thread_rng());
    let alice = Identity::random(&mut rng);
    register(&app, &alice).await?;
    let m = membership(&app, &alice).await?;
    let epoch = current_epoch(&app).await?;
    let q = text("{ clearingPrices(first: 1) { totalCount } }");
    let bodies = (0..12)
        .map(|slot| Ok(prepare(&pk, &alice, &m, epoch, slot, &q)?.body))
        .collect::<anyhow::Result<Vec<Value>>>()?;
    let last = prepare(&pk, &alice, &m, epoch, 12, &q)?.body;

    // Load: anonymous queries, registrations and a refresh, spread over the outage.
    let queries = {
        let (client, url) = (app.client.clone(), format!("{}/graphql", app.address));
        tokio::spawn(async move {
            let mut out = Vec::new();
            for body in bodies {
                let answer = async {
                    client
                        .post(&url)
                        .json(&body)
                        .send()
                        .await?
                        .json::<Value>()
                        .await
                };
                let answer = answer.await.ok();
                out.push((body, answer));
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            out
        })
    };
    let registrations = {
        let address = app.address.clone();
        let ids: Vec<String> = (0..8)
            .map(|_| fr_to_decimal(&Identity::random(&mut rng).commitment()))
            .collect();
        tokio::spawn(async move {
            let mut out = Vec::new();
            for c in ids {
                let answer = register_with(&address, Some(ADMIN_TOKEN), &c).await.ok();
                out.push((c, answer));
                tokio::time::sleep(Duration::from_millis(400)).await;
            }
            out
        })
    };
    let refresh = {
        let (client, url) = (app.client.clone(), format!("{}/graphql", app.address));
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(800)).await;
            let body =
                serde_json::json!({"query": "mutation { refreshNow(unit: POWER) { status } }"});
            client
                .post(url)
                .bearer_auth(ADMIN_TOKEN)
                .json(&body)
                .send()
                .await
        })
    };

    // The outage: no new connections, every existing one cut.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    app.database.start_outage().await?;
    assert!(
        app.wait_ready(503, READY_WITHIN).await?,
        "/readyz stayed ready"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.database.end_outage().await?;
    assert!(
        app.wait_ready(200, READY_WITHIN).await?,
        "/readyz did not come back"
    );

    let queries = queries.await?;
    let registrations = registrations.await?;
    let _ = refresh.await?;

    // Every receipt's entry is in the log under its nullifier; no refused
    // request left one.
    let mut accepted = 0;
    for (body, answer) in &queries {
        let n = body["extensions"]["zkcity"]["nullifier"]
            .as_str()
            .unwrap_or_default();
        let hex = hex::encode(fr_to_bytes(&parse_fr(n)?));
        let stored =
            format!("SELECT COUNT(*) FROM nullifier WHERE nullifier = decode('{hex}', 'hex')");
        match answer
            .as_ref()
            .and_then(|a| a.pointer("/extensions/zkcity/receipt/index"))
        {
            Some(index) => {
                accepted += 1;
                let at = format!("{stored} AND entry_idx = {index}");
                assert_eq!(count(&app, at).await?, 1, "receipt {index} is in the log");
            }
            None => assert_eq!(
                count(&app, stored).await?,
                0,
                "refused, not logged: {answer:?}"
            ),
        }
    }
    for (c, answer) in &registrations {
        let hex = hex::encode(fr_to_bytes(&parse_fr(c)?));
        let stored =
            format!("SELECT COUNT(*) FROM member WHERE commitment = decode('{hex}', 'hex')");
        let ok = answer
            .as_ref()
            .is_some_and(|a| a.pointer("/data/registerMember/leafIndex").is_some());
        assert_eq!(
            count(&app, stored).await?,
            i64::from(ok),
            "member {c}: {answer:?}"
        );
    }
    assert!(accepted > 0, "some queries were accepted around the outage");

    // No gap, no half entry: indices 0..size, the head agrees.
    let size = count(&app, "SELECT size FROM audit_head".into()).await?;
    let rows = count(&app, "SELECT COUNT(*) FROM audit_entry".into()).await?;
    let max = count(
        &app,
        "SELECT COALESCE(MAX(idx), -1) FROM audit_entry".into(),
    )
    .await?;
    assert_eq!((rows, max + 1), (size, size));

    // The same process serves on: another query, a refresh, and the whole
    // log verifies with every proof checked.
    let answer = post(&app, &last).await?;
    assert!(
        answer.pointer("/extensions/zkcity/receipt/index").is_some(),
        "{answer}"
    );
    let refreshed = zkcity_tests::refresh::refresh_now(&app, "POWER", Some(ADMIN_TOKEN)).await?;
    assert!(refreshed.get("errors").is_none(), "{refreshed}");
    let (_, vk) = zkcity_tests::zk::test_keys(DEPTH, SLOT_BITS)?;
    let outcome = verify_server_proofs(&app.address, &key, None, Some(vk)).await?;
    assert_eq!(a::failure(&outcome), None);
    Ok(())
}
