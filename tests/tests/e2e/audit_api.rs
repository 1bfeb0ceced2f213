//! The audit log's API end to end on PostgreSQL (and once on SQLite):
//! registration, membership, log pages, checkpoints, proofs, export,
//! receipts, `append_query` and every refused registration writing nothing.

use serde_json::{json, Value};
use zkcity_audit::merkle::{verify_consistency, verify_inclusion};
use zkcity_audit::{EntryRecord, Hash, LogVerifierKey};
use zkcity_circuits::{fr_to_decimal, parse_fr, Fr, IncrementalTree};
use zkcity_ledger::{AppendError, Ledger, QueryAppend};
use zkcity_tests::audit::{
    self as a, failure, register, register_many, register_with, ADMIN_TOKEN,
};
use zkcity_tests::{error_code, TestApp};

fn hex32(v: &Value) -> anyhow::Result<Hash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(v.as_str().unwrap_or_default(), &mut out)?;
    Ok(out)
}

fn hashes(v: &Value) -> anyhow::Result<Vec<Hash>> {
    v.as_array()
        .map(|l| l.iter().map(hex32).collect())
        .unwrap_or_else(|| Ok(Vec::new()))
}

/// Opens a receipt's checkpoint with the pinned key and checks its proof.
fn check_receipt(receipt: &Value, key: &LogVerifierKey) -> anyhow::Result<()> {
    let cp = key.open(receipt["checkpoint"].as_str().unwrap_or_default())?;
    let index = receipt["index"].as_u64().unwrap_or(u64::MAX);
    assert_eq!(Some(cp.size), receipt["treeSize"].as_u64());
    let proof = hashes(&receipt["inclusionProof"])?;
    verify_inclusion(
        &hex32(&receipt["leafHash"])?,
        index,
        cp.size,
        &proof,
        &cp.root,
    )?;
    Ok(())
}

async fn counts(app: &TestApp) -> anyhow::Result<(i64, i64, i64, i64)> {
    Ok((
        app.sql_i64("SELECT COUNT(*) FROM audit_entry").await?,
        app.sql_i64("SELECT COUNT(*) FROM member").await?,
        app.sql_i64("SELECT size FROM audit_head").await?,
        app.sql_i64("SELECT size FROM membership_state").await?,
    ))
}

#[tokio::test]
async fn registration_builds_the_log_and_a_rebuildable_membership_tree() -> anyhow::Result<()> {
    let dir = a::temp_dir("api")?;
    let app = a::spawn(&dir).await?;
    let key = LogVerifierKey::parse(&a::log_key(&dir)?)?;
    let mut tree = IncrementalTree::new(20)?;
    for c in [11u64, 22, 33, 44, 55] {
        let reg = register(&app.address, &c.to_string()).await?;
        tree.append(Fr::from(c))?;
        assert_eq!(reg["root"], fr_to_decimal(&tree.root()));
        check_receipt(&reg["receipt"], &key)?;
    }
    let q = "{ logPublicKey membership { depth size root roots leaves(first: 2, after: \"1\") { edges { cursor node { index commitment entryIndex } } pageInfo { hasNextPage hasPreviousPage } } } }";
    let data = app.data(q, json!({})).await?;
    assert_eq!(data["logPublicKey"], key.to_string());
    let m = &data["membership"];
    assert_eq!(
        (m["depth"].as_i64(), m["size"].as_i64()),
        (Some(20), Some(5))
    );
    assert_eq!(m["root"], fr_to_decimal(&tree.root()));
    let roots: Vec<String> = tree.recent_roots().map(fr_to_decimal).collect();
    assert_eq!(
        m["roots"],
        json!(roots),
        "6 roots (empty tree + 5), oldest first"
    );
    let leaves = &m["leaves"]["edges"];
    assert_eq!(
        leaves[0]["node"],
        json!({"index": 2, "commitment": "33", "entryIndex": 2})
    );
    assert_eq!(leaves[1]["cursor"], "3");
    assert_eq!(
        m["leaves"]["pageInfo"],
        json!({"hasNextPage": true, "hasPreviousPage": true})
    );

    let page = app.data("{ auditLog(first: 2, after: \"2\") { totalCount edges { cursor node { index kind commitment leafHash bytes prev } } pageInfo { hasNextPage } } }", json!({})).await?;
    let log = &page["auditLog"];
    assert_eq!(log["totalCount"], 5);
    assert_eq!(log["edges"][0]["node"]["index"], 3);
    assert_eq!(log["edges"][0]["node"]["kind"], "MEMBER");
    assert_eq!(
        log["edges"][0]["node"]["commitment"],
        hex::encode(zkcity_circuits::fr_to_bytes(&Fr::from(44u64)))
    );
    assert_eq!(log["pageInfo"]["hasNextPage"], false);
    let none = app
        .data("{ auditEntry(index: 5) { index } }", json!({}))
        .await?;
    assert_eq!(none["auditEntry"], Value::Null);

    let cp = key.open(
        app.data("{ checkpoint }", json!({})).await?["checkpoint"]
            .as_str()
            .unwrap_or_default(),
    )?;
    assert_eq!(cp.size, 5);
    for i in 0..5 {
        let p = app
            .data(
                "query($i: Int!) { inclusionProof(index: $i, treeSize: 5) { leafHash hashes } }",
                json!({"i": i}),
            )
            .await?;
        verify_inclusion(
            &hex32(&p["inclusionProof"]["leafHash"])?,
            i,
            5,
            &hashes(&p["inclusionProof"]["hashes"])?,
            &cp.root,
        )?;
    }
    let old = key.open(
        register(&app.address, "66").await?["receipt"]["checkpoint"]
            .as_str()
            .unwrap_or_default(),
    )?;
    let p = app
        .data("{ consistencyProof(from: 5, to: 6) { hashes } }", json!({}))
        .await?;
    verify_consistency(
        5,
        6,
        &cp.root,
        &old.root,
        &hashes(&p["consistencyProof"]["hashes"])?,
    )?;

    let body = app
        .client
        .get(format!("{}/audit/export?from=1&to=4", app.address))
        .send()
        .await?
        .text()
        .await?;
    let records: Vec<EntryRecord> = body
        .lines()
        .map(EntryRecord::from_json)
        .collect::<Result<_, _>>()?;
    assert_eq!(
        records.iter().map(|r| r.index).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(records
        .iter()
        .all(|r| r.leaf_hash.is_some() && r.bytes.is_some()));

    let outcome = a::verify_server(&app.address, &key.to_string(), None).await?;
    assert_eq!(failure(&outcome), None);
    Ok(())
}

#[tokio::test]
async fn refused_registrations_write_nothing() -> anyhow::Result<()> {
    let dir = a::temp_dir("refused")?;
    let app = a::spawn(&dir).await?;
    register(&app.address, "12345").await?;
    let before = counts(&app).await?;
    let modulus = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    let cases: Vec<(Option<&str>, &str, &str)> = vec![
        (None, "777", "UNAUTHORIZED"),
        (Some("wrong-token"), "777", "UNAUTHORIZED"),
        (Some(""), "777", "UNAUTHORIZED"),
        (Some(ADMIN_TOKEN), "0", "INVALID_COMMITMENT"),
        (Some(ADMIN_TOKEN), "12345", "DUPLICATE_MEMBER"),
        (Some(ADMIN_TOKEN), "0777", "NON_CANONICAL_FIELD_ELEMENT"),
        (Some(ADMIN_TOKEN), "-5", "NON_CANONICAL_FIELD_ELEMENT"),
        (Some(ADMIN_TOKEN), "0x10", "NON_CANONICAL_FIELD_ELEMENT"),
        (Some(ADMIN_TOKEN), "", "NON_CANONICAL_FIELD_ELEMENT"),
        (Some(ADMIN_TOKEN), " 7", "NON_CANONICAL_FIELD_ELEMENT"),
        (Some(ADMIN_TOKEN), modulus, "NON_CANONICAL_FIELD_ELEMENT"),
    ];
    for (token, commitment, code) in cases {
        let body = register_with(&app.address, token, commitment).await?;
        assert_eq!(
            error_code(&body),
            Some(code),
            "{commitment:?} with {token:?}: {body}"
        );
        assert_eq!(
            counts(&app).await?,
            before,
            "{commitment:?} wrote something"
        );
    }
    Ok(())
}

#[tokio::test]
async fn append_query_enforces_nullifier_uniqueness_in_the_transaction() -> anyhow::Result<()> {
    let dir = a::temp_dir("query")?;
    let app = a::spawn(&dir).await?;
    register(&app.address, "424242").await?;
    let ledger = Ledger::start(
        app.db.clone(),
        &app.settings.audit,
        &app.settings.database.sqlite_path,
    )
    .await?;
    let root = ledger.membership().await?.root;
    assert!(ledger.is_recent_root(&root).await?);
    assert!(!ledger.is_recent_root(&Fr::from(5u64)).await?);
    // A plausible epoch: the verifier below checks it against the timestamp.
    let epoch = a::current_epoch();
    let query = |n: u64| QueryAppend {
        root,
        epoch,
        nullifier: Fr::from(n),
        m: Fr::from(n + 1),
        proof: [7u8; 128],
    };
    let receipt = ledger.append_query(query(1000)).await?;
    assert_eq!(receipt.index, 1);
    let key = LogVerifierKey::parse(&ledger.verifier_key())?;
    check_receipt(
        &receipt
            .to_json()
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                o.insert("treeSize".into(), json!(receipt.tree_size));
                Value::Object(o)
            })
            .unwrap_or_default(),
        &key,
    )?;
    let before = counts(&app).await?;
    assert!(matches!(
        ledger.append_query(query(1000)).await,
        Err(AppendError::NullifierReused)
    ));
    assert_eq!(counts(&app).await?, before);

    // Ten concurrent appends of one fresh nullifier (one batch or several): exactly one wins.
    let results =
        futures::future::join_all((0..10).map(|_| ledger.append_query(query(2000)))).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| matches!(e, AppendError::NullifierReused)));
    // And distinct ones all go through, gap-free.
    let many =
        futures::future::join_all((0..20).map(|i| ledger.append_query(query(3000 + i * 2)))).await;
    let mut idx: Vec<u64> = many
        .into_iter()
        .map(|r| r.map(|x| x.index))
        .collect::<Result<_, _>>()?;
    idx.sort_unstable();
    assert_eq!(idx, (3..23).collect::<Vec<_>>());
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM nullifier").await?, 22);
    let outcome = a::verify_server(&app.address, &key.to_string(), None).await?;
    assert_eq!(failure(&outcome), None);
    // The log layer accepts opaque proofs; with the verifying key the
    // verifier checks them and names the first query entry (index 1).
    let (_, vk) = zkcity_tests::zk::test_keys(20, 10)?;
    let outcome = a::verify_server_proofs(&app.address, &key.to_string(), None, Some(vk)).await?;
    let (at, why) = failure(&outcome).unwrap_or_default();
    assert_eq!(at, Some(1), "{why}");
    assert!(why.contains("Unauthorized"), "{why}");
    Ok(())
}

#[tokio::test]
async fn ranges_and_indexes_are_checked() -> anyhow::Result<()> {
    let dir = a::temp_dir("ranges")?;
    let app = a::spawn(&dir).await?;
    register_many(&app.address, 1, 3).await?;
    for (q, code) in [
        (
            "{ inclusionProof(index: 3, treeSize: 3) { hashes } }",
            "OUT_OF_RANGE",
        ),
        (
            "{ inclusionProof(index: 0, treeSize: 4) { hashes } }",
            "OUT_OF_RANGE",
        ),
        (
            "{ consistencyProof(from: 3, to: 2) { hashes } }",
            "OUT_OF_RANGE",
        ),
        (
            "{ consistencyProof(from: 1, to: 9) { hashes } }",
            "OUT_OF_RANGE",
        ),
        ("{ auditEntry(index: -1) { index } }", "BAD_USER_INPUT"),
        ("{ auditLog(first: 600) { totalCount } }", "PAGE_TOO_LARGE"),
        ("{ auditLog(after: \"x\") { totalCount } }", "BAD_CURSOR"),
    ] {
        let body = app.graphql(q, json!({})).await?;
        assert_eq!(error_code(&body), Some(code), "{q}: {body}");
    }
    for range in ["from=2&to=1", "to=4", "from=x"] {
        let resp = app
            .client
            .get(format!("{}/audit/export?{range}", app.address))
            .send()
            .await?;
        assert_eq!(resp.status(), 400, "{range}");
    }
    let empty = app
        .client
        .get(format!("{}/audit/export?from=3", app.address))
        .send()
        .await?
        .text()
        .await?;
    assert!(empty.is_empty());
    Ok(())
}

#[tokio::test]
async fn the_same_ledger_runs_on_sqlite() -> anyhow::Result<()> {
    let dir = a::temp_dir("sqlite")?;
    let mut settings = zkcity_api::config::Settings::default();
    a::configure(&mut settings, &dir);
    settings.database.sqlite_path = dir.join("zkcity.db");
    settings.data.seed_on_start = false;
    let (address, _stop) = a::spawn_server(settings).await?;
    let regs = futures::future::join_all((1..=30u64).map(|c| {
        let address = address.clone();
        async move { register(&address, &c.to_string()).await }
    }))
    .await;
    assert!(
        regs.iter().all(Result::is_ok),
        "{:?}",
        regs.iter().find(|r| r.is_err())
    );
    let outcome = a::verify_server(&address, &a::log_key(&dir)?, None).await?;
    assert_eq!(failure(&outcome), None);
    let commitment = parse_fr("7")?;
    assert_eq!(fr_to_decimal(&commitment), "7");
    Ok(())
}

#[tokio::test]
async fn checkpoints_signed_during_appends_never_fail_and_only_grow() -> anyhow::Result<()> {
    let dir = a::temp_dir("race")?;
    let app = a::spawn(&dir).await?;
    let ledger = Ledger::start(
        app.db.clone(),
        &app.settings.audit,
        &app.settings.database.sqlite_path,
    )
    .await?;
    let root = ledger.membership().await?.root;
    let appends = futures::future::join_all((0..300u64).map(|n| {
        let ledger = ledger.clone();
        async move {
            let q = QueryAppend {
                root,
                epoch: 1,
                nullifier: Fr::from(10_000 + n),
                m: Fr::from(n),
                proof: [1; 128],
            };
            ledger.append_query(q).await
        }
    }));
    let checkpoints = async {
        let mut sizes = Vec::new();
        for _ in 0..100 {
            sizes.push(ledger.checkpoint().await.map(|c| c.checkpoint.size));
            tokio::task::yield_now().await;
        }
        sizes
    };
    let (appended, sizes) = tokio::join!(appends, checkpoints);
    assert!(appended.iter().all(Result::is_ok));
    let sizes: Vec<u64> = sizes.into_iter().collect::<Result<_, _>>()?;
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    assert_eq!(ledger.checkpoint().await?.checkpoint.size, 300);
    Ok(())
}
