//! Bad input to a real `zkcity witness serve` (C2SP tlog-witness status
//! codes): each gets the spec's status and changes nothing — the witness
//! still answers 409 with the size it had, its state file is unchanged, and
//! the honest extension is still cosigned afterwards.

use zkcity_audit::merkle::{consistency_proof, leaf_hash, MemoryTree};
use zkcity_audit::witness::AddCheckpoint;
use zkcity_audit::{Checkpoint, LogSigner, WitnessKey};
use zkcity_tests::audit::temp_dir;
use zkcity_tests::witness::{add_checkpoint, WitnessProcess, ORIGIN};

fn tree(n: u64) -> MemoryTree {
    let mut t = MemoryTree::new();
    for i in 0..n {
        t.append(leaf_hash(&i.to_be_bytes()));
    }
    t
}

fn checkpoint(t: &MemoryTree) -> Checkpoint {
    Checkpoint {
        origin: ORIGIN.into(),
        size: t.size(),
        root: t.root(),
    }
}

fn body(old: u64, proof: Vec<[u8; 32]>, note: &str) -> String {
    AddCheckpoint {
        old_size: old,
        proof,
        note: note.to_owned(),
    }
    .to_body()
}

#[tokio::test]
async fn bad_input_gets_the_spec_status_and_changes_nothing() -> anyhow::Result<()> {
    let dir = temp_dir("witness-input")?;
    let log = LogSigner::generate(ORIGIN)?;
    let mut w = WitnessProcess::start(&dir, "w", &[&log.verifier_key()], 0).await?;
    let (t4, t8) = (tree(4), tree(8));
    let note4 = log.sign(&checkpoint(&t4))?;
    let note8 = log.sign(&checkpoint(&t8))?;

    let (status, _, line) = add_checkpoint(&w.url, body(0, vec![], &note4)).await?;
    assert_eq!(status, 200, "{line}");
    let key = WitnessKey::parse(&w.key)?;
    assert!(
        key.find(&format!("{note4}{line}")).is_ok(),
        "a valid cosignature line: {line}"
    );
    let state_before = std::fs::read(&w.state_file)?;

    let proof = consistency_proof(4, 8, &t8)?;
    let impostor = LogSigner::generate(ORIGIN)?;
    // A character inside the signature bytes (the line ends `…X=\n`).
    let mut bad_sig = note8.clone();
    let at = bad_sig.len() - 6;
    let swap = if &bad_sig[at..at + 1] == "A" {
        "B"
    } else {
        "A"
    };
    bad_sig.replace_range(at..at + 1, swap);
    let other_origin = LogSigner::generate("other.example/log")?;
    let other_note = other_origin.sign(&Checkpoint {
        origin: "other.example/log".into(),
        ..checkpoint(&t8)
    })?;
    let mut wrong_proof = proof.clone();
    wrong_proof[0][0] ^= 1;
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "wrong log key",
            body(4, proof.clone(), &impostor.sign(&checkpoint(&t8))?).into(),
            403,
        ),
        (
            "bad signature",
            body(4, proof.clone(), &bad_sig).into(),
            403,
        ),
        (
            "unknown origin",
            body(4, proof.clone(), &other_note).into(),
            404,
        ),
        (
            "bad consistency proof",
            body(4, wrong_proof, &note8).into(),
            422,
        ),
        (
            "missing consistency proof",
            body(4, vec![], &note8).into(),
            422,
        ),
        (
            "old size from the future",
            body(9, proof.clone(), &note8).into(),
            400,
        ),
        ("stale old size", body(0, vec![], &note8).into(), 409),
        ("garbage body", b"\x00\xffnot a request".to_vec(), 400),
        ("no checkpoint", b"old 4\n\nhello\n".to_vec(), 400),
        ("oversize body", vec![b'a'; 64 * 1024], 413),
    ];
    for (what, request, want) in cases {
        let (status, content_type, text) = add_checkpoint(&w.url, request).await?;
        assert_eq!(status, want, "{what}: {text}");
        if want == 409 {
            assert_eq!(
                (content_type.as_str(), text.as_str()),
                ("text/x.tlog.size", "4\n"),
                "{what}"
            );
        }
        assert_eq!(
            std::fs::read(&w.state_file)?,
            state_before,
            "{what} changed the state"
        );
    }

    // A restart keeps the state; the honest extension is cosigned.
    w.kill().await?;
    let w = WitnessProcess::start(&dir, "w", &[&log.verifier_key()], w.port()).await?;
    let (status, ct, text) = add_checkpoint(&w.url, body(0, vec![], &note8)).await?;
    assert_eq!(
        (status, ct.as_str(), text.as_str()),
        (409, "text/x.tlog.size", "4\n")
    );
    let (status, _, line) = add_checkpoint(&w.url, body(4, proof, &note8)).await?;
    assert_eq!(status, 200, "{line}");
    assert!(key.find(&format!("{note8}{line}")).is_ok());
    // The same size with another root is a fork: 409, never a cosignature.
    let fork = log.sign(&Checkpoint {
        root: [7; 32],
        ..checkpoint(&t8)
    })?;
    let (status, _, text) = add_checkpoint(&w.url, body(8, vec![], &fork)).await?;
    assert_eq!((status, text.as_str()), (409, "8\n"));
    Ok(())
}
