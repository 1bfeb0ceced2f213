//! The privacy gate's errors (DESIGN §5), each produced by the bad request
//! it names, each leaving the log and the nullifier table unchanged; and
//! what never needs a proof.

use crate::anon_support::*;
use ark_groth16::Groth16;
use base64::Engine;
use serde_json::{json, Value};
use zkcity_circuits::{proof_from_bytes, Identity};
use zkcity_tests::{error_code, TestApp};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Sends `body`, expects `code`, and checks nothing was written.
async fn refused(app: &TestApp, body: &Value, code: &str, what: &str) -> anyhow::Result<()> {
    let before = counts(app).await?;
    let resp = post(app, body).await?;
    assert_eq!(error_code(&resp), Some(code), "{what}: {resp}");
    assert!(
        resp.pointer("/data").is_none_or(Value::is_null),
        "{what}: no data on refusal: {resp}"
    );
    assert!(
        resp.pointer("/extensions/zkcity").is_none(),
        "{what}: no receipt on refusal"
    );
    assert_eq!(
        counts(app).await?,
        before,
        "{what}: the log and the nullifier table are unchanged"
    );
    Ok(())
}

fn with_envelope(body: &Value, field: &str, value: Value) -> Value {
    let mut b = body.clone();
    b["extensions"]["zkcity"][field] = value;
    b
}

fn proof_bytes(body: &Value) -> anyhow::Result<Vec<u8>> {
    Ok(B64.decode(
        body["extensions"]["zkcity"]["proof"]
            .as_str()
            .unwrap_or_default(),
    )?)
}

#[tokio::test]
async fn every_design_error_in_order_and_nothing_written() -> anyhow::Result<()> {
    let (app, _dir) = spawn_gated().await?;
    let (pk, mut rng) = (proving_key()?, rand::thread_rng());
    let (alice, bob, stranger) = (
        Identity::random(&mut rng),
        Identity::random(&mut rng),
        Identity::random(&mut rng),
    );
    register(&app, &alice).await?;
    register(&app, &bob).await?;
    let m = membership(&app, &alice).await?;
    let epoch = current_epoch(&app).await?;
    let q = text("{ stations(first: 2) { totalCount edges { node { name } } } }");
    let good = prepare(&pk, &alice, &m, epoch, 0, &q)?.body;

    // PROOF_REQUIRED: a protected unit without the extension.
    refused(
        &app,
        &json!({"query": q.query}),
        "PROOF_REQUIRED",
        "no extension",
    )
    .await?;
    refused(
        &app,
        &json!({"query": "{ marketTransactions { totalCount } }", "extensions": {"zkcity": null}}),
        "PROOF_REQUIRED",
        "null extension",
    )
    .await?;
    // MALFORMED_PROOF: bad base64, 127 bytes, a point off the curve, v, types.
    refused(
        &app,
        &with_envelope(&good, "proof", json!("not base64!")),
        "MALFORMED_PROOF",
        "bad base64",
    )
    .await?;
    let bytes = proof_bytes(&good)?;
    refused(
        &app,
        &with_envelope(&good, "proof", json!(B64.encode(&bytes[..127]))),
        "MALFORMED_PROOF",
        "127 bytes",
    )
    .await?;
    let off_curve = (1u8..=255)
        .map(|k| {
            let mut b = bytes.clone();
            b[0] ^= k;
            b
        })
        .find(|b| proof_from_bytes(b).is_err())
        .ok_or_else(|| anyhow::anyhow!("no off-curve variant found"))?;
    refused(
        &app,
        &with_envelope(&good, "proof", json!(B64.encode(&off_curve))),
        "MALFORMED_PROOF",
        "point off the curve",
    )
    .await?;
    refused(
        &app,
        &with_envelope(&good, "v", json!(2)),
        "MALFORMED_PROOF",
        "v = 2",
    )
    .await?;
    refused(
        &app,
        &with_envelope(&good, "epoch", json!(epoch.to_string())),
        "MALFORMED_PROOF",
        "epoch as a string",
    )
    .await?;
    // NON_CANONICAL_FIELD_ELEMENT: n + r, a leading zero (root and blinding too).
    let n = good["extensions"]["zkcity"]["nullifier"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    refused(
        &app,
        &with_envelope(&good, "nullifier", json!(add_decimal(&n, MODULUS))),
        "NON_CANONICAL_FIELD_ELEMENT",
        "n + r",
    )
    .await?;
    refused(
        &app,
        &with_envelope(&good, "nullifier", json!(format!("0{n}"))),
        "NON_CANONICAL_FIELD_ELEMENT",
        "leading zero",
    )
    .await?;
    refused(
        &app,
        &with_envelope(&good, "root", json!("-1")),
        "NON_CANONICAL_FIELD_ELEMENT",
        "signed root",
    )
    .await?;
    refused(
        &app,
        &with_envelope(&good, "blinding", json!(MODULUS)),
        "NON_CANONICAL_FIELD_ELEMENT",
        "blinding = r",
    )
    .await?;
    // STALE_EPOCH: a correct proof for two epochs ago.
    let stale = prepare(&pk, &alice, &m, epoch - 2, 0, &q)?.body;
    refused(&app, &stale, "STALE_EPOCH", "two epochs old").await?;
    // UNKNOWN_ROOT: a correct proof against a tree that has an unregistered member.
    let leaves = zkcity_client::anon::server::ZkServer::new(&app.address)
        .membership_leaves()
        .await?;
    let mut forged = leaves.clone();
    forged.push(zkcity_circuits::fr_to_decimal(&stranger.commitment()));
    let fm = zkcity_client::anon::membership::from_leaves(&forged, DEPTH, stranger.commitment())?;
    refused(
        &app,
        &prepare(&pk, &stranger, &fm, epoch, 0, &q)?.body,
        "UNKNOWN_ROOT",
        "unknown root",
    )
    .await?;
    // INVALID_PROOF: a proof for another query commitment, another member's
    // nullifier, and a query changed after proving.
    let other = prepare(&pk, &alice, &m, epoch, 0, &q)?.body;
    refused(
        &app,
        &with_envelope(
            &good,
            "blinding",
            other["extensions"]["zkcity"]["blinding"].clone(),
        ),
        "INVALID_PROOF",
        "different commitment m",
    )
    .await?;
    let bob_n = zkcity_circuits::fr_to_decimal(&bob.nullifier(epoch, 0));
    refused(
        &app,
        &with_envelope(&good, "nullifier", json!(bob_n)),
        "INVALID_PROOF",
        "another member's nullifier",
    )
    .await?;
    let mut changed = good.clone();
    changed["query"] = json!("{ stations(first: 3) { totalCount edges { node { name } } } }");
    refused(
        &app,
        &changed,
        "INVALID_PROOF",
        "query changed after proving",
    )
    .await?;
    let mut with_vars = good.clone();
    with_vars["variables"] = json!({"x": 1});
    refused(
        &app,
        &with_vars,
        "INVALID_PROOF",
        "variables added after proving",
    )
    .await?;

    // Accepted once.
    let before = counts(&app).await?;
    let ok = post(&app, &good).await?;
    assert!(ok.get("errors").is_none(), "{ok}");
    assert_eq!(ok["data"]["stations"]["totalCount"], 12);
    assert!(
        ok.pointer("/extensions/zkcity/receipt/index").is_some(),
        "{ok}"
    );
    assert_eq!(counts(&app).await?, (before.0 + 1, before.1 + 1));

    // NULLIFIER_REUSED: the same request replayed, and the same proof re-randomized.
    refused(&app, &good, "NULLIFIER_REUSED", "replayed request").await?;
    let vk = verifying_key()?;
    let proof = proof_from_bytes(&proof_bytes(&good)?)?;
    let rerandomized =
        Groth16::<ark_bn254::Bn254>::rerandomize_proof(vk.as_ark(), &proof, &mut rng);
    let rr = zkcity_circuits::proof_to_bytes(&rerandomized);
    assert_ne!(
        rr.to_vec(),
        proof_bytes(&good)?,
        "re-randomization changes the bytes"
    );
    refused(
        &app,
        &with_envelope(&good, "proof", json!(B64.encode(rr))),
        "NULLIFIER_REUSED",
        "re-randomized proof",
    )
    .await?;
    // A used nullifier is refused before the pairing check (DESIGN §5
    // amendment): a replay whose proof would not even verify says so.
    refused(
        &app,
        &with_envelope(
            &good,
            "blinding",
            other["extensions"]["zkcity"]["blinding"].clone(),
        ),
        "NULLIFIER_REUSED",
        "replay with a proof that does not verify",
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn public_parts_need_no_proof_and_keys_match_their_hashes() -> anyhow::Result<()> {
    let (app, _dir) = spawn_gated().await?;
    let d = app
        .data("{ __schema { queryType { name } } __typename zkParameters { depth slotBits epochSeconds provingKeySha256 verifyingKeySha256 logPublicKey acceptedRoots } membership { size } checkpoint }", json!({}))
        .await?;
    let p = &d["zkParameters"];
    assert_eq!(p["depth"], DEPTH);
    assert_eq!(p["slotBits"], SLOT_BITS);
    assert_eq!(p["epochSeconds"], 3600);
    for (name, field) in [
        ("proving.key", "provingKeySha256"),
        ("verifying.key", "verifyingKeySha256"),
    ] {
        let resp = app
            .client
            .get(format!("{}/keys/{name}", app.address))
            .send()
            .await?;
        assert_eq!(resp.status(), 200);
        let header = resp
            .headers()
            .get("x-content-sha256")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = resp.bytes().await?;
        let sha = zkcity_circuits::keys::sha256_hex(&bytes);
        assert_eq!(Some(sha.as_str()), p[field].as_str());
        assert_eq!(header.as_deref(), Some(sha.as_str()));
    }
    // A protected root field inside a fragment or next to a public one still needs a proof.
    let resp = post(&app, &json!({"query": "{ __typename ...F } fragment F on QueryRoot { roadSegments { totalCount } }"})).await?;
    assert_eq!(error_code(&resp), Some("PROOF_REQUIRED"), "{resp}");
    // Only the executed operation counts.
    let resp = post(&app, &json!({"query": "query A { zkParameters { depth } } query B { clearingPrices { totalCount } }", "operationName": "A"})).await?;
    assert!(resp.get("errors").is_none(), "{resp}");
    Ok(())
}

/// DESIGN §5 and §7 amendments: an envelope holds exactly its keys (extra
/// or repeated ones are `MALFORMED_PROOF`), and a NUL in a proven query is
/// `BAD_USER_INPUT`; none of them writes anything or spends the slot, so
/// the untouched request is accepted afterwards.
#[tokio::test]
async fn strict_envelopes_and_nul_input_are_refused_before_anything_is_written(
) -> anyhow::Result<()> {
    let (app, _dir) = spawn_gated().await?;
    let pk = proving_key()?;
    let alice = Member::join(&app).await?;
    let good = alice.request(&pk, 0, "{ stations { totalCount } }")?;

    let five = json!(["1", "2", "3", "4", "5"]);
    refused(
        &app,
        &with_envelope(&good, "inputs", five),
        "MALFORMED_PROOF",
        "extra key",
    )
    .await?;
    refused(
        &app,
        &with_envelope(&good, "m", json!("1")),
        "MALFORMED_PROOF",
        "m",
    )
    .await?;

    // A repeated key, which a JSON parser would silently resolve.
    let raw =
        serde_json::to_string(&good)?.replacen("\"zkcity\":{", "\"zkcity\":{\"root\":\"1\",", 1);
    let before = counts(&app).await?;
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await?;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await?;
    assert_eq!(error_code(&body), Some("MALFORMED_PROOF"), "{body}");
    assert_eq!(counts(&app).await?, before, "a repeated key writes nothing");

    // A proven query whose filter holds a NUL: refused as input, slot unspent.
    let nul = r#"{ stations(filter: { district: "a\u0000b" }) { totalCount } }"#;
    let nul = alice.request(&pk, 1, nul)?;
    refused(&app, &nul, "BAD_USER_INPUT", "NUL in a proven query").await?;

    let ok = post(&app, &good).await?;
    assert!(
        ok.pointer("/extensions/zkcity/receipt/index").is_some(),
        "the untouched request is still accepted: {ok}"
    );
    Ok(())
}

/// DESIGN §5 amendment: with the traffic unit gated, tile bytes are served
/// only with the capability an accepted answer put in the tile's `url`;
/// without one (or with a forged one) `GET /images/…` is 401 `PROOF_REQUIRED`.
#[tokio::test]
async fn gated_image_bytes_need_the_capability_of_an_accepted_answer() -> anyhow::Result<()> {
    let (app, _dir) = spawn_gated().await?;
    let pk = proving_key()?;
    let alice = Member::join(&app).await?;
    let sha = app
        .sql("SELECT sha256 FROM image_tile ORDER BY id LIMIT 1")
        .await?
        .first()
        .map(|r| r.try_get::<String>("", "sha256"))
        .transpose()?
        .ok_or_else(|| anyhow::anyhow!("no image tile in the bundled data"))?;
    let get = |path: String| {
        let client = app.client.clone();
        let url = format!("{}{path}", app.address);
        async move { client.get(url).send().await }
    };

    let before = counts(&app).await?;
    for path in [
        format!("/images/{sha}"),
        format!("/images/{sha}?cap=1.00"),
        format!("/images/{sha}?cap=9999999999.{}", "ab".repeat(32)),
    ] {
        let resp = get(path.clone()).await?;
        assert_eq!(resp.status(), 401, "{path}");
        let body: Value = resp.json().await?;
        assert_eq!(body["error"]["code"], "PROOF_REQUIRED", "{path}: {body}");
    }
    assert_eq!(counts(&app).await?, before, "refusals write nothing");

    let q = "{ imageTiles(first: 1) { edges { node { sha256 url } } } }";
    let body = alice.request(&pk, 0, q)?;
    let answer = post(&app, &body).await?;
    let node = &answer["data"]["imageTiles"]["edges"][0]["node"];
    let url = node["url"].as_str().unwrap_or_default().to_owned();
    assert!(url.contains("?cap="), "{answer}");
    let resp = get(url.clone()).await?;
    assert_eq!(resp.status(), 200, "{url}");
    let bytes = resp.bytes().await?;
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    assert_eq!(Some(digest.as_str()), node["sha256"].as_str());
    // The capability is for that tile only.
    let cap = url.split_once("?cap=").map(|(_, c)| c).unwrap_or_default();
    let other = app
        .sql(&format!(
            "SELECT sha256 FROM image_tile WHERE sha256 <> '{}' LIMIT 1",
            node["sha256"].as_str().unwrap_or_default()
        ))
        .await?;
    if let Some(row) = other.first() {
        let other: String = row.try_get("", "sha256")?;
        let resp = get(format!("/images/{other}?cap={cap}")).await?;
        assert_eq!(resp.status(), 401, "a capability opens its own tile only");
    }
    Ok(())
}

/// DESIGN §7 amendment: public reads have their own share of connections.
/// With the public pool's only connection stuck behind a lock, an
/// anonymous query is still admitted, logged and answered: the gate, the
/// append and the admitted query's reads use the reserved pool.
#[tokio::test]
async fn stuck_public_reads_do_not_hold_up_an_anonymous_query() -> anyhow::Result<()> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let (app, _dir) = spawn_gated_with(|s| {
        s.zk.require_proof.power = false;
        s.database.max_connections = 1;
    })
    .await?;
    let pk = proving_key()?;
    let alice = Member::join(&app).await?;
    let good = alice.request(&pk, 0, "{ stations { totalCount } }")?;

    // Public reads of the power unit block on a lock, holding the public
    // pool's one connection.
    let lock = app.db.begin().await?;
    lock.execute_unprepared("LOCK TABLE market_transaction IN ACCESS EXCLUSIVE MODE")
        .await?;
    let public = {
        let (client, url) = (app.client.clone(), format!("{}/graphql", app.address));
        tokio::spawn(async move {
            let body = json!({"query": "{ marketTransactions(first: 1) { totalCount } }"});
            client
                .post(url)
                .json(&body)
                .send()
                .await?
                .json::<Value>()
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let answer = post(&app, &good).await?;
    assert!(answer.get("errors").is_none(), "{answer}");
    assert_eq!(answer["data"]["stations"]["totalCount"], 12);
    assert!(
        answer.pointer("/extensions/zkcity/receipt/index").is_some(),
        "{answer}"
    );
    assert!(!public.is_finished(), "the public read is still waiting");

    lock.rollback().await?;
    let public = public.await??;
    assert!(public.get("errors").is_none(), "{public}");
    Ok(())
}

/// Two server processes on one database: a request one accepted, replayed
/// to the other (whose memory has not seen its nullifier), passes the
/// other's checks, so its resolvers run beside the append — and the append
/// transaction refuses it: NULLIFIER_REUSED, no data, no receipt, nothing
/// written.
#[tokio::test]
async fn a_replay_to_another_process_is_refused_by_the_append_without_data() -> anyhow::Result<()> {
    let (app, _dir) = spawn_gated().await?;
    let pk = proving_key()?;
    let alice = Member::join(&app).await?;
    let good = alice.request(&pk, 0, "{ stations(first: 3) { edges { node { name } } } }")?;
    let peer = app.spawn_peer().await?;

    let ok = post(&app, &good).await?;
    assert!(ok.get("errors").is_none(), "{ok}");
    assert!(ok.pointer("/data/stations/edges/0").is_some(), "{ok}");
    let before = counts(&app).await?;

    let replay: Value = app
        .client
        .post(format!("{}/graphql", peer.address))
        .json(&good)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(error_code(&replay), Some("NULLIFIER_REUSED"), "{replay}");
    assert!(
        replay.pointer("/data").is_none_or(Value::is_null),
        "the resolvers' answer is dropped: {replay}"
    );
    assert!(replay.pointer("/extensions/zkcity").is_none(), "{replay}");
    assert_eq!(counts(&app).await?, before, "nothing written");
    Ok(())
}
