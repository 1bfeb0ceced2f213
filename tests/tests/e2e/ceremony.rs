//! Keys from a public ceremony (DESIGN §5 amendment, issue "Keys nobody has
//! to trust"): a real snarkjs ceremony for the exported `.r1cs`, its final
//! `.zkey` imported with `zkcity keys import`, a server on those keys, an
//! anonymous query through the real CLI accepted, logged and verified by
//! `zkcity audit verify` with proofs checked, and that query's proof
//! accepted by `snarkjs groth16 verify`. Then what the import must refuse.
//!
//! The ceremony runs once per test binary (a minute or two) and is shared.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tokio::sync::OnceCell;
use zkcity_tests::audit::{
    log_key, register_with, temp_dir, verify_cli, zkcity, CliRun, ADMIN_TOKEN,
};
use zkcity_tests::snarkjs::{
    finished_ceremony, printed_contribution_hashes, run_ceremony, snarkjs, Ceremony,
};

use crate::anon_support::{spawn_gated_with, DEPTH, SLOT_BITS};

/// One ceremony for D = 20, q = 10 shared by the tests of this binary.
async fn ceremony() -> anyhow::Result<&'static Ceremony> {
    static CEREMONY: OnceCell<Result<Ceremony, String>> = OnceCell::const_new();
    CEREMONY
        .get_or_init(|| async {
            let run = async {
                if let Some(dir) = std::env::var_os("ZKCITY_TEST_CEREMONY_DIR") {
                    if let Some(done) = finished_ceremony(Path::new(&dir)) {
                        return Ok(done);
                    }
                }
                let dir = temp_dir("ceremony")?;
                let r1cs = dir.join("circuit.r1cs");
                let out = zkcity(&["keys", "export-r1cs", "--out", &s(&r1cs)]).await?;
                anyhow::ensure!(out.code == 0, "export-r1cs: {out:?}");
                anyhow::ensure!(out.stdout.contains("5355 constraints"), "{out:?}");
                let c = tokio::task::spawn_blocking(move || run_ceremony(&dir, &r1cs)).await??;
                eprintln!(
                    "ceremony (2^13, 2 + 2 contributions, beacon, verify): {:.1} s",
                    c.seconds
                );
                Ok(c)
            };
            run.await.map_err(|e: anyhow::Error| format!("{e:#}"))
        })
        .await
        .as_ref()
        .map_err(|e| anyhow::anyhow!("the ceremony failed: {e}"))
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

async fn import(zkey: &Path, out: &Path, extra: &[&str]) -> anyhow::Result<CliRun> {
    let (zkey, out) = (s(zkey), s(out));
    let mut args = vec!["keys", "import", "--zkey", &zkey, "--out", &out];
    args.extend_from_slice(extra);
    zkcity(&args).await
}

/// snarkjs groth16 verify on exported files; true when it prints OK.
async fn snarkjs_verifies(dir: PathBuf) -> anyhow::Result<bool> {
    let run = tokio::task::spawn_blocking(move || {
        snarkjs(
            &dir,
            &[
                "groth16",
                "verify",
                "verification_key.json",
                "public.json",
                "proof.json",
            ],
        )
    })
    .await??;
    Ok(run.ok && run.stdout.contains("OK!"))
}

/// Replaces the last public input (`m`) in `public.json` with `m + 1`.
fn tamper_public(dir: &Path) -> anyhow::Result<()> {
    let path = dir.join("public.json");
    let mut public: Vec<String> = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let m = public
        .last_mut()
        .ok_or_else(|| anyhow::anyhow!("empty public.json"))?;
    let bumped = zkcity_circuits::parse_fr(m)? + zkcity_circuits::Fr::from(1u64);
    *m = zkcity_circuits::fr_to_decimal(&bumped);
    std::fs::write(path, serde_json::to_string(&public)?)?;
    Ok(())
}

#[tokio::test]
async fn ceremony_keys_serve_anonymous_queries_that_snarkjs_verifies() -> anyhow::Result<()> {
    let ceremony = ceremony().await?;
    let work = temp_dir("ceremony-keys")?;
    let keys = work.join("keys");
    let imported = import(&ceremony.final_zkey, &keys, &[]).await?;
    assert_eq!(imported.code, 0, "{imported:?}");
    // Our contribution hashes are the ones snarkjs printed, in order.
    let printed = printed_contribution_hashes(&ceremony.verify_output);
    assert_eq!(printed.len(), 3, "{}", ceremony.verify_output);
    for hash in &printed {
        assert!(
            imported.stdout.contains(hash.as_str()),
            "{hash} in {}",
            imported.stdout
        );
    }

    let (pk, vk) = (keys.join("proving.key"), keys.join("verifying.key"));
    let (app, dir) = spawn_gated_with(move |s| {
        s.zk.proving_key = pk;
        s.zk.verifying_key = vk;
    })
    .await?;
    let zk = app
        .data(
            "{ zkParameters { keyOrigin { kind zkeySha256 circuitHash contributions { name hash beacon } } } }",
            json!({}),
        )
        .await?;
    let origin = &zk["zkParameters"]["keyOrigin"];
    assert_eq!(origin["kind"], "ceremony");
    let hashes: Vec<&str> = origin["contributions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["hash"].as_str())
        .collect();
    assert_eq!(
        hashes,
        printed.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(origin["contributions"][2]["beacon"], true);
    let listed: Value = app
        .client
        .get(format!("{}/keys", app.address))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(listed["origin"], *origin);

    // A member queries through the real CLI and exports the proof.
    let id = work.join("me.json");
    let made = zkcity(&["identity", "new", "--out", &s(&id)]).await?;
    let reg = register_with(&app.address, Some(ADMIN_TOKEN), made.stdout.trim()).await?;
    assert!(reg.get("errors").is_none(), "{reg}");
    let export = work.join("export");
    let state = work.join("state");
    let query = zkcity(&[
        "query",
        "--server",
        &app.address,
        "--identity",
        &s(&id),
        "--state-dir",
        &s(&state),
        "--export-proof",
        &s(&export),
        "{ stations(first: 2) { totalCount } }",
    ])
    .await?;
    assert_eq!(query.code, 0, "{query:?}");
    assert!(query.stdout.contains("totalCount"), "{query:?}");

    // The auditor checks every proof with the ceremony's verifying key, pinned.
    let vk_sha = &zk_sha(&app).await?;
    let audit = verify_cli(
        &app.address,
        &log_key(&dir)?,
        &["--quiet", "--verifying-key-sha256", vk_sha],
    )
    .await?;
    assert_eq!(audit.code, 0, "{audit:?}");
    assert!(audit.stdout.contains("proofs: every query"), "{audit:?}");

    // snarkjs accepts the very proof the server logged, and not a changed statement.
    let vk_out = zkcity(&[
        "keys",
        "export-snarkjs",
        "--verifying-key",
        &s(&keys.join("verifying.key")),
        "--out",
        &s(&export),
    ])
    .await?;
    assert_eq!(vk_out.code, 0, "{vk_out:?}");
    assert!(
        snarkjs_verifies(export.clone()).await?,
        "snarkjs rejected zkcity's proof"
    );
    tamper_public(&export)?;
    assert!(
        !snarkjs_verifies(export).await?,
        "snarkjs accepted a tampered public.json"
    );
    Ok(())
}

async fn zk_sha(app: &zkcity_tests::TestApp) -> anyhow::Result<String> {
    let d = app
        .data("{ zkParameters { verifyingKeySha256 } }", json!({}))
        .await?;
    Ok(d["zkParameters"]["verifyingKeySha256"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Single-party keys export too: a proof made by zkcity with the shared
/// test keys passes `snarkjs groth16 verify` with their exported key.
#[tokio::test]
async fn single_party_proofs_verify_in_snarkjs() -> anyhow::Result<()> {
    use zkcity_circuits::snarkjs::json::{proof_json, public_json};
    use zkcity_circuits::{prove, Fr, Identity, IncrementalTree, PublicInputs};
    let (pk_path, vk_path) = zkcity_tests::zk::test_keys(DEPTH, SLOT_BITS)?;
    let work = temp_dir("single-party-snarkjs")?;
    let out = zkcity(&[
        "keys",
        "export-snarkjs",
        "--verifying-key",
        &s(&vk_path),
        "--out",
        &s(&work),
    ])
    .await?;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("single-party"), "{out:?}");
    let pk = zkcity_circuits::load_proving_key(&pk_path, DEPTH, SLOT_BITS)?;
    let mut rng = rand::thread_rng();
    let id = Identity::random(&mut rng);
    let mut tree = IncrementalTree::new(DEPTH)?;
    let index = tree.append(id.commitment())?;
    let path = tree.path(index)?;
    let m = Fr::from(42u64);
    let proof = prove(&pk, &id, &path, 7, 3, m, &mut rng)?;
    let public = PublicInputs::derive(&id, &path, 7, 3, m);
    std::fs::write(work.join("proof.json"), proof_json(&proof).to_string())?;
    std::fs::write(work.join("public.json"), public_json(&public).to_string())?;
    assert!(snarkjs_verifies(work.clone()).await?);
    tamper_public(&work)?;
    assert!(!snarkjs_verifies(work).await?);
    Ok(())
}

/// `zkcity keys import` refuses, with a clear message and nothing written:
/// a zkey for another circuit (another depth), one with no phase-2 contribution, a
/// truncated file, a point off the curve, and existing keys without --force.
#[tokio::test]
async fn keys_import_refuses_foreign_and_damaged_zkeys() -> anyhow::Result<()> {
    let ceremony = ceremony().await?;
    let work = temp_dir("ceremony-refusals")?;
    let out = work.join("keys");

    // Another circuit, set up from the same Powers of Tau: D = 4 rather
    // than a neighbour of 20, since any other depth is another circuit and
    // a small one keeps `groth16 setup` to seconds.
    let other_r1cs = work.join("d4.r1cs");
    let export = zkcity(&[
        "keys",
        "export-r1cs",
        "--depth",
        "4",
        "--out",
        &s(&other_r1cs),
    ])
    .await?;
    assert_eq!(export.code, 0, "{export:?}");
    let (dir, ptau, r1cs) = (work.clone(), s(&ceremony.ptau), s(&other_r1cs));
    tokio::task::spawn_blocking(move || {
        zkcity_tests::snarkjs::snarkjs_ok(&dir, &["groth16", "setup", &r1cs, &ptau, "d4.zkey"])
    })
    .await??;
    let bytes = std::fs::read(&ceremony.final_zkey)?;
    let truncated = work.join("truncated.zkey");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2])?;
    let off_curve = work.join("off-curve.zkey");
    std::fs::write(&off_curve, off_curve_alpha(&bytes)?)?;

    let cases = [
        (work.join("d4.zkey"), "another circuit"),
        (ceremony.initial_zkey.clone(), "no phase-2 contribution"),
        (truncated, "truncated"),
        (off_curve, "not on the curve"),
    ];
    for (zkey, reason) in cases {
        let run = import(&zkey, &out, &[]).await?;
        assert_eq!(run.code, 1, "{}: {run:?}", zkey.display());
        assert!(run.stderr.contains(reason), "{reason}: {}", run.stderr);
        assert!(!out.exists(), "{}: something was written", zkey.display());
    }

    // Keys already there are replaced only with --force.
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("proving.key"), b"old")?;
    let run = import(&ceremony.final_zkey, &out, &[]).await?;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("--force"), "{run:?}");
    assert_eq!(std::fs::read(out.join("proving.key"))?, b"old");
    let run = import(&ceremony.final_zkey, &out, &["--force"]).await?;
    assert_eq!(run.code, 0, "{run:?}");
    Ok(())
}

/// The zkey with one bit of α₁'s y coordinate flipped: still a canonical
/// number, no longer a curve point. α₁ follows the Groth16 header's moduli
/// and counts (84 bytes) in section 2.
fn off_curve_alpha(zkey: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut bytes = zkey.to_vec();
    let mut pos = 12;
    while pos + 12 <= bytes.len() {
        let kind = u32::from_le_bytes(bytes[pos..pos + 4].try_into()?);
        let size = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into()?) as usize;
        if kind == 2 {
            bytes[pos + 12 + 84 + 32] ^= 1;
            return Ok(bytes);
        }
        pos += 12 + size;
    }
    anyhow::bail!("no Groth16 header section")
}
