//! Three real `zkcity witness serve` processes, quorum 2 (DESIGN §6
//! amendment "Witnesses"): the published checkpoint carries their
//! cosignatures (checked by `signed_note` too); with one witness killed the
//! appends go on and checkpoints still reach the quorum; `zkcity audit
//! verify --witness … --quorum 2` passes, and asks in vain for 3.

use std::time::{Duration, Instant};

use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use signed_note::{Note, StandardVerifier, Verifier, VerifierList};
use zkcity_tests::audit::{self as a, temp_dir};
use zkcity_tests::witness::{
    cosignature_lines, grow, make_log_key, verify_with_quorum, wait_cosigned, with_witnesses,
    WitnessProcess,
};
use zkcity_tests::TestApp;

/// A C2SP tlog-cosignature `cosignature/v1` verifier for `signed_note`,
/// written from the spec (independent of zkcity's own).
struct CosignatureV1 {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl CosignatureV1 {
    fn new(vkey: &str) -> anyhow::Result<Self> {
        use base64::Engine as _;
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(_), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            anyhow::bail!("bad vkey {vkey}");
        };
        let raw = base64::engine::general_purpose::STANDARD.decode(b64)?;
        anyhow::ensure!(
            raw.len() == 33 && raw[0] == 0x04,
            "not a cosignature/v1 key"
        );
        let key = VerifyingKey::from_bytes(raw[1..].try_into()?)?;
        let id = signed_note::key_id(name, &raw);
        anyhow::ensure!(
            vkey.contains(&format!("+{id:08x}+")),
            "key id differs from signed_note's"
        );
        Ok(Self {
            name: name.to_owned(),
            id,
            key,
        })
    }
}

impl Verifier for CosignatureV1 {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    /// `sig` is the timestamped_signature: u64be time ‖ Ed25519 signature.
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let (Ok(time), Ok(sig)) = (
            <[u8; 8]>::try_from(&sig[..sig.len().min(8)]),
            Signature::from_slice(sig.get(8..).unwrap_or_default()),
        ) else {
            return false;
        };
        let mut signed =
            format!("cosignature/v1\ntime {}\n", u64::from_be_bytes(time)).into_bytes();
        signed.extend_from_slice(msg);
        self.key.verify(&signed, &sig).is_ok()
    }
}

#[tokio::test]
async fn three_witnesses_quorum_two_survives_one_down() -> anyhow::Result<()> {
    let dir = temp_dir("witness-quorum")?;
    let log_key = make_log_key(&dir)?;
    let mut ws = Vec::new();
    for name in ["q1", "q2", "q3"] {
        ws.push(WitnessProcess::start(&dir, name, &[&log_key], 0).await?);
    }
    let app = {
        let refs: Vec<&WitnessProcess> = ws.iter().collect();
        let d = dir.clone();
        TestApp::spawn_with(move |s| {
            a::configure(s, &d);
            with_witnesses(s, &refs, 2);
        })
        .await?
    };
    grow(&app.address, 1, 20, 4).await?;
    let note = wait_cosigned(&app.address, 20, 2, Duration::from_secs(30)).await?;

    // signed_note verifies the log's signature and each cosignature.
    let mut verifiers: Vec<Box<dyn Verifier>> = vec![Box::new(StandardVerifier::new(&log_key)?)];
    for w in &ws {
        verifiers.push(Box::new(CosignatureV1::new(&w.key)?));
    }
    let parsed = Note::from_bytes(note.as_bytes())?;
    let (verified, unverified) = parsed.verify(&VerifierList::new(verifiers))?;
    assert!(verified.len() >= 3, "log + ≥ 2 cosignatures: {note}");
    assert!(unverified.is_empty(), "{note}");
    assert_eq!(
        app.client
            .get(format!("{}/checkpoint", app.address))
            .send()
            .await?
            .text()
            .await?,
        note
    );

    // One witness down: appends are not slowed, checkpoints still get 2.
    ws[0].kill().await?;
    let started = Instant::now();
    grow(&app.address, 1_000, 30, 4).await?;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "appends waited for the witness"
    );
    let note = wait_cosigned(&app.address, 50, 2, Duration::from_secs(30)).await?;
    let lines = cosignature_lines(&note);
    assert!(
        lines.iter().all(|l| !l.contains("witness.test/q1 ")),
        "{note}"
    );

    let run = verify_with_quorum(&["--server", &app.address], &log_key, &ws, 2).await?;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("cosigned by the pinned witnesses: witness.test/q"),
        "{}",
        run.stdout
    );
    let run = verify_with_quorum(&["--server", &app.address], &log_key, &ws, 3).await?;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("witness quorum not met"),
        "{}",
        run.stderr
    );

    // The same from an export: its checkpoint file carries the cosignatures.
    let out = dir.join("log.ndjson").display().to_string();
    let run = a::zkcity(&["audit", "export", "--server", &app.address, "--out", &out]).await?;
    assert_eq!(run.code, 0, "{run:?}");
    let run = verify_with_quorum(&["--file", &out], &log_key, &ws, 2).await?;
    assert_eq!(run.code, 0, "{run:?}");
    let stripped = std::fs::read_to_string(format!("{out}.checkpoint"))?
        .lines()
        .filter(|l| !l.contains("witness.test/"))
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    std::fs::write(format!("{out}.checkpoint"), stripped)?;
    let run = verify_with_quorum(&["--file", &out], &log_key, &ws, 2).await?;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("witness quorum not met"),
        "{}",
        run.stderr
    );

    let metrics = app.metrics().await?;
    assert!(
        metrics.contains("zkcity_witness_failures_total{witness=\"q1\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("zkcity_witness_cosigned_size{witness=\"q2\"}"),
        "{metrics}"
    );
    Ok(())
}
