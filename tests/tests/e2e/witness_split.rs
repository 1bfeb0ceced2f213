//! A split view (DESIGN §6 amendment "Witnesses"): two servers under one
//! log key, on two databases with different histories, submit to the same
//! three witnesses. The witnesses cosign only the first history; the second
//! never reaches the quorum, and `zkcity audit verify --quorum 2` against it
//! fails naming the reason. A witness restarted mid-test keeps refusing.

use std::time::Duration;

use zkcity_audit::witness::AddCheckpoint;
use zkcity_tests::audit::{self as a, temp_dir};
use zkcity_tests::witness::{
    add_checkpoint, checkpoint, cosignature_lines, grow, make_log_key, verify_with_quorum,
    wait_cosigned, with_witnesses, WitnessProcess,
};
use zkcity_tests::TestApp;

async fn server(
    dir: &std::path::Path,
    state: &str,
    ws: &[WitnessProcess],
) -> anyhow::Result<TestApp> {
    let refs: Vec<&WitnessProcess> = ws.iter().collect();
    let (d, state) = (dir.to_owned(), dir.join(state));
    TestApp::spawn_with(move |s| {
        a::configure(s, &d);
        s.audit.signer_state_file = Some(state);
        with_witnesses(s, &refs, 2);
    })
    .await
}

#[tokio::test]
async fn a_second_history_under_the_same_key_never_reaches_quorum() -> anyhow::Result<()> {
    let dir = temp_dir("witness-split")?;
    let log_key = make_log_key(&dir)?;
    let mut ws = Vec::new();
    for name in ["s1", "s2", "s3"] {
        ws.push(WitnessProcess::start(&dir, name, &[&log_key], 0).await?);
    }
    let first = server(&dir, "first.signed", &ws).await?;
    grow(&first.address, 1, 6, 2).await?;
    wait_cosigned(&first.address, 6, 3, Duration::from_secs(30)).await?;

    // The same key, another database, another history (other members).
    let second = server(&dir, "second.signed", &ws).await?;
    grow(&second.address, 5_000, 9, 2).await?;
    // Its collector has had time for many rounds (retries every ≤ 1 s).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let note = checkpoint(&second.address).await?;
    assert!(
        cosignature_lines(&note).is_empty(),
        "the second history got cosigned:\n{note}"
    );

    // A witness restarted mid-test keeps its state, and keeps refusing.
    let port = ws[1].port();
    ws[1].kill().await?;
    ws[1] = WitnessProcess::start(&dir, "s2", &[&log_key], port).await?;
    grow(&second.address, 6_000, 2, 1).await?;
    let stolen = checkpoint(&second.address).await?;
    let size: u64 = stolen.lines().nth(1).unwrap_or_default().parse()?;
    let proof = second_proof(&second, 6, size).await?;
    let body = AddCheckpoint {
        old_size: 6,
        proof,
        note: stolen.clone(),
    }
    .to_body();
    let (status, _, text) = add_checkpoint(&ws[1].url, body).await?;
    assert_eq!(
        status, 422,
        "the restarted witness must refuse the fork: {text}"
    );
    let body = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        note: stolen,
    }
    .to_body();
    let (status, _, text) = add_checkpoint(&ws[1].url, body).await?;
    assert_eq!((status, text.as_str()), (409, "6\n"));

    // The first history goes on being cosigned, by the restarted one too.
    grow(&first.address, 100, 3, 1).await?;
    let note = wait_cosigned(&first.address, 9, 3, Duration::from_secs(30)).await?;
    assert!(note.contains("witness.test/s2 "), "{note}");

    let run = verify_with_quorum(&["--server", &second.address], &log_key, &ws, 2).await?;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("witness quorum not met"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("0 of the 2 required"), "{}", run.stderr);
    let run = verify_with_quorum(&["--server", &first.address], &log_key, &ws, 2).await?;
    assert_eq!(run.code, 0, "{run:?}");

    let metrics = second
        .client
        .get(format!("{}/metrics", second.address))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        metrics.contains("zkcity_witness_failures_total{witness=\"s1\",reason=\"refused\"}"),
        "{metrics}"
    );
    Ok(())
}

/// The second server's consistency proof from `from` to `to` (GraphQL).
async fn second_proof(app: &TestApp, from: u64, to: u64) -> anyhow::Result<Vec<[u8; 32]>> {
    let q = "query($f: Int!, $t: Int!) { consistencyProof(from: $f, to: $t) { hashes } }";
    let data = app.data(q, serde_json::json!({"f": from, "t": to})).await?;
    let hashes = data["consistencyProof"]["hashes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    hashes
        .iter()
        .map(|h| {
            let mut out = [0u8; 32];
            hex::decode_to_slice(h.as_str().unwrap_or_default(), &mut out)?;
            Ok(out)
        })
        .collect()
}
