//! Anonymous queries end to end (DESIGN §4, §5): three registered identities
//! query all three units through the real `zkcity` binary and through the
//! client library; the log holds their query entries and nothing that links
//! them to a member; `zkcity audit verify` and `zkcity audit open` pass;
//! concurrent clients get their own receipts; a server restart loses nothing.

use std::path::Path;

use crate::anon_support::*;
use zkcity_audit::{Entry, EntryKind};
use zkcity_client::anon::open::open;
use zkcity_client::anon::query::Requester;
use zkcity_tests::audit::{log_key, temp_dir, verify_cli, zkcity};
use zkcity_tests::TestApp;

const UNITS: [&str; 3] = [
    "{ roadSegments(first: 1) { totalCount } }",
    "{ marketTransactions(first: 1) { totalCount } }",
    "{ stations(first: 1) { totalCount } }",
];

async fn cli_identity(dir: &Path, name: &str) -> anyhow::Result<String> {
    let file = dir.join(format!("{name}.json"));
    let run = zkcity(&["identity", "new", "--out", &file.to_string_lossy()]).await?;
    anyhow::ensure!(run.code == 0, "identity new: {run:?}");
    let shown = zkcity(&["identity", "show", &file.to_string_lossy()]).await?;
    assert_eq!(
        shown.stdout.trim(),
        run.stdout.trim(),
        "show prints the same commitment"
    );
    Ok(run.stdout.trim().to_owned())
}

/// The verifying key's hash, as an auditor pins it (here from the
/// deployment under test, which the test trusts).
/// `zkcity audit verify` of the whole log, proofs checked with the server's
/// key pinned by its hash, exits 0 and says the proofs were checked.
async fn assert_verifies_with_proofs(app: &TestApp, key: &str) -> anyhow::Result<()> {
    let sha = verifying_key_sha256(app).await?;
    let args = ["--quiet", "--verifying-key-sha256", &sha];
    let run = verify_cli(&app.address, key, &args).await?;
    assert!(run.stdout.contains("proofs: every query"), "{run:?}");
    assert_eq!(run.code, 0, "audit verify: {run:?}");
    Ok(())
}

async fn verifying_key_sha256(app: &TestApp) -> anyhow::Result<String> {
    let d = app
        .data(
            "{ zkParameters { verifyingKeySha256 } }",
            serde_json::json!({}),
        )
        .await?;
    Ok(d["zkParameters"]["verifyingKeySha256"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Every stored entry, decoded.
async fn entries(app: &TestApp) -> anyhow::Result<Vec<Entry>> {
    let rows = app
        .sql("SELECT bytes FROM audit_entry ORDER BY idx")
        .await?;
    rows.iter()
        .map(|r| Ok(Entry::from_bytes(&r.try_get::<Vec<u8>>("", "bytes")?)?))
        .collect()
}

#[tokio::test]
async fn three_members_query_every_unit_via_cli_and_library() -> anyhow::Result<()> {
    let (app, dir) = spawn_gated().await?;
    let work = temp_dir("anon-e2e")?;
    let mut commitments = Vec::new();
    for name in ["ada", "bo", "cy"] {
        let c = cli_identity(&work, name).await?;
        zkcity_tests::audit::register_with(
            &app.address,
            Some(zkcity_tests::audit::ADMIN_TOKEN),
            &c,
        )
        .await?;
        commitments.push(c);
    }
    let key = log_key(&dir)?;
    for name in ["ada", "bo", "cy"] {
        let (id, state) = (
            work.join(format!("{name}.json")),
            work.join(format!("{name}-state")),
        );
        for (i, q) in UNITS.iter().enumerate() {
            let receipt = work.join(format!("{name}-{i}.receipt.json"));
            let run = zkcity(&[
                "query",
                "--server",
                &app.address,
                "--identity",
                &id.to_string_lossy(),
                "--state-dir",
                &state.to_string_lossy(),
                "--log-key",
                &key,
                "--receipt",
                &receipt.to_string_lossy(),
                q,
            ])
            .await?;
            assert_eq!(run.code, 0, "zkcity query: {run:?}");
            assert!(run.stdout.contains("totalCount"), "{run:?}");
        }
        // The library, same identity and state: all three units in one query.
        let mut me = Requester::connect(&app.address, &id, &state, Some(&key)).await?;
        let out = me.query(&text("{ roadSegments { totalCount } marketTransactions { totalCount } stations { totalCount } }")).await?;
        assert_eq!(out.response["data"]["stations"]["totalCount"], 12);
        let opened = open(me.server(), &out.opening, me.log_key()).await?;
        assert_eq!(opened.index, out.receipt.index);
    }
    // `zkcity audit open` on a saved receipt.
    let receipt = work.join("bo-1.receipt.json");
    let run = zkcity(&[
        "audit",
        "open",
        "--server",
        &app.address,
        "--opening",
        &receipt.to_string_lossy(),
        "--log-key",
        &key,
    ])
    .await?;
    assert_eq!(run.code, 0, "audit open: {run:?}");

    // The log: 3 members then 12 queries, none linking a query to a member.
    let all = entries(&app).await?;
    let queries: Vec<_> = all
        .iter()
        .filter_map(|e| {
            if let EntryKind::Query(q) = &e.kind {
                Some(q)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(queries.len(), 12);
    let member_bytes: Vec<[u8; 32]> = commitments
        .iter()
        .map(|c| Ok(zkcity_circuits::fr_to_bytes(&zkcity_circuits::parse_fr(c)?)))
        .collect::<anyhow::Result<_>>()?;
    for e in all.iter().filter(|e| matches!(e.kind, EntryKind::Query(_))) {
        let bytes = e.to_bytes();
        for c in &member_bytes {
            assert!(
                !bytes.windows(32).any(|w| w == c),
                "a query entry contains an identity commitment"
            );
        }
        for q in UNITS {
            assert!(
                !bytes.windows(q.len()).any(|w| w == q.as_bytes()),
                "a query entry contains query text"
            );
        }
    }
    let mut nullifiers: Vec<_> = queries.iter().map(|q| q.nullifier).collect();
    nullifiers.sort();
    nullifiers.dedup();
    assert_eq!(nullifiers.len(), 12, "every query has its own nullifier");

    assert_verifies_with_proofs(&app, &key).await
}

#[tokio::test]
async fn concurrent_clients_get_their_own_receipts_and_restarts_lose_nothing() -> anyhow::Result<()>
{
    let (app, dir) = spawn_gated().await?;
    let work = temp_dir("anon-conc")?;
    let key = log_key(&dir)?;
    let mut files = Vec::new();
    for name in ["x", "y"] {
        let file = work.join(format!("{name}.json"));
        let id = zkcity_client::anon::identity::create(&file)?;
        register(&app, &id).await?;
        files.push(file);
    }
    let (s1, s2) = (work.join("x-state"), work.join("y-state"));
    let mut a = Requester::connect(&app.address, &files[0], &s1, Some(&key)).await?;
    let mut b = Requester::connect(&app.address, &files[1], &s2, Some(&key)).await?;
    for _ in 0..2 {
        let qa = text("{ stations(first: 1) { edges { node { name } } } }");
        let qb = text("{ clearingPrices(first: 1) { totalCount } }");
        let (ra, rb) = tokio::join!(a.query(&qa), b.query(&qb));
        let (ra, rb) = (ra?, rb?);
        assert_ne!(ra.receipt.index, rb.receipt.index);
        // Each receipt's entry opens to that client's own query.
        open(a.server(), &ra.opening, a.log_key()).await?;
        open(b.server(), &rb.opening, b.log_key()).await?;
        assert!(
            ra.response["data"]["stations"].is_object()
                && rb.response["data"]["clearingPrices"].is_object()
        );
    }

    // Restart: a second server process over the same database and log key;
    // stop it between two queries of a client that also restarts.
    let settings = app.settings.clone();
    let (addr1, stop1) = zkcity_tests::audit::spawn_server(settings.clone()).await?;
    let mut c = Requester::connect(&addr1, &files[0], &s1, Some(&key)).await?;
    let first = c.query(&text("{ stations { totalCount } }")).await?;
    drop(stop1);
    drop(c);
    let (addr2, _stop2) = zkcity_tests::audit::spawn_server(settings).await?;
    let mut c = Requester::connect(&addr2, &files[0], &s1, Some(&key)).await?;
    let second = c.query(&text("{ stations { totalCount } }")).await?;
    assert!(second.receipt.index > first.receipt.index);
    open(c.server(), &first.opening, c.log_key()).await?;
    assert!(
        second.checkpoint.size > first.receipt.index,
        "the later checkpoint still covers the first entry"
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM nullifier").await?, 6);
    assert_verifies_with_proofs(&app, &key).await
}
