//! Tamper tests at unit level (DESIGN §6, the verifier): every single-field change,
//! deletion, swap, truncation and fork is detected and the right index named.

use zkcity_audit::merkle::{leaf_hash, root_from_leaves};
use zkcity_audit::{
    Checkpoint, Entry, EntryKind, EntryRecord, Hash, LogSigner, LogVerifier, LogVerifierKey,
    MemoryTree, QueryAuthorizer, QueryFields, Summary, TrustedState, VerifyError,
    VerifyErrorKind as K, GENESIS_PREV,
};

const ORIGIN: &str = "zkcity.test/audit";
const N: u64 = 10;

fn commitment(i: u64) -> [u8; 32] {
    let mut c = [0u8; 32];
    c[..8].copy_from_slice(&i.to_be_bytes());
    c[31] = 0xc;
    c
}

fn kind(i: u64) -> EntryKind {
    if i % 3 == 0 {
        return EntryKind::Member {
            commitment: commitment(i),
        };
    }
    let mut nullifier = commitment(i);
    nullifier[31] = 0xa;
    EntryKind::Query(QueryFields {
        root: [1; 32],
        epoch: 470_000 + i,
        nullifier,
        m: [i as u8; 32],
        proof: [7; 128],
    })
}

/// Recomputes every `prev` so the chain is internally consistent.
fn rechain(entries: &mut [Entry]) {
    let mut prev = GENESIS_PREV;
    for e in entries {
        e.prev = prev;
        prev = e.chain_hash();
    }
}

fn log(n: u64) -> Vec<Entry> {
    let mut entries: Vec<Entry> = (0..n)
        .map(|i| Entry {
            index: i,
            timestamp_ms: 1_700_000_000_000 + i as i64,
            kind: kind(i),
            prev: GENESIS_PREV,
        })
        .collect();
    rechain(&mut entries);
    entries
}

fn checkpoint(entries: &[Entry]) -> Checkpoint {
    let leaves: Vec<Hash> = entries.iter().map(Entry::leaf_hash).collect();
    Checkpoint {
        origin: ORIGIN.into(),
        size: entries.len() as u64,
        root: root_from_leaves(&leaves),
    }
}

fn verify(
    entries: &[Entry],
    trusted: Option<TrustedState>,
    cp: &Checkpoint,
) -> Result<Summary, VerifyError> {
    let mut v = LogVerifier::new(ORIGIN, trusted);
    for e in entries {
        v.push(e)?;
    }
    v.finish(cp)
}

fn trusted_after(entries: &[Entry]) -> (TrustedState, Vec<Hash>) {
    let mut v = LogVerifier::new(ORIGIN, None);
    for e in entries {
        v.push(e).expect("honest log verifies");
    }
    let leaves = v.tree().leaf_hashes().to_vec();
    (
        v.finish(&checkpoint(entries))
            .expect("honest log verifies")
            .state,
        leaves,
    )
}

/// A named edit of one query field.
type FieldEdit = (&'static str, fn(&mut QueryFields));

/// Single-field changes an attacker with SQL access could make to one row.
fn mutations(e: &Entry) -> Vec<(&'static str, Entry)> {
    let mut out = Vec::new();
    let mut push = |name, f: &dyn Fn(&mut Entry)| {
        let mut m = e.clone();
        f(&mut m);
        out.push((name, m));
    };
    push("index", &|m| m.index += 1);
    push("timestamp", &|m| m.timestamp_ms += 1);
    push("prev", &|m| m.prev[5] ^= 1);
    match &e.kind {
        EntryKind::Member { .. } => push("commitment", &|m| {
            if let EntryKind::Member { commitment } = &mut m.kind {
                commitment[0] ^= 0x80;
            }
        }),
        EntryKind::Query(_) => {
            let fields: [FieldEdit; 5] = [
                ("root", |q| q.root[31] ^= 1),
                ("epoch", |q| q.epoch += 1),
                ("nullifier", |q| q.nullifier[0] ^= 0x40),
                ("m", |q| q.m[3] ^= 1),
                ("proof", |q| q.proof[127] ^= 1),
            ];
            for (name, f) in fields {
                push(name, &|m| {
                    if let EntryKind::Query(q) = &mut m.kind {
                        f(q);
                    }
                });
            }
        }
    }
    out
}

fn tampered(entries: &[Entry], i: usize, m: &Entry) -> Vec<Entry> {
    let mut t = entries.to_vec();
    t[i] = m.clone();
    t
}

#[test]
fn honest_log_verifies_and_summarizes() {
    let entries = log(N);
    let s = verify(&entries, None, &checkpoint(&entries)).expect("verifies");
    assert_eq!((s.members, s.queries, s.state.size), (4, 6, N));
    assert_eq!(s.state.chain_head, entries[N as usize - 1].chain_hash());
    let mut empty = LogVerifier::new(ORIGIN, None);
    assert!(empty.finish(&checkpoint(&[])).is_ok());
}

/// Export records carry the leaf hash from the tree-node rows, which an edit of
/// the entry row does not change: every field of every entry is named exactly.
#[test]
fn every_field_of_every_entry_with_stored_leaf_hashes() {
    let entries = log(N);
    let cp = checkpoint(&entries);
    for (i, e) in entries.iter().enumerate() {
        for (field, m) in mutations(e) {
            let mut v = LogVerifier::new(ORIGIN, None);
            let mut result = Ok(());
            for (j, orig) in entries.iter().enumerate() {
                let row = if j == i { &m } else { orig };
                let rec = EntryRecord::from_entry(row).with_leaf_hash(&orig.leaf_hash());
                result = result.and_then(|()| v.push_record(&rec));
            }
            let err = result
                .and_then(|()| v.finish(&cp).map(drop))
                .expect_err(field);
            assert_eq!(
                err.index,
                Some(i as u64),
                "field {field} of entry {i}: {err}"
            );
        }
    }
}

/// A row whose raw `bytes` column kept the original while a field column changed.
#[test]
fn field_column_disagreeing_with_bytes_column() {
    let entries = log(N);
    for (i, e) in entries.iter().enumerate() {
        for (field, m) in mutations(e) {
            let mut rec = EntryRecord::from_entry(&m);
            rec.bytes = Some(hex::encode(e.to_bytes()));
            let mut v = LogVerifier::new(ORIGIN, None);
            let err = entries[..i]
                .iter()
                .try_for_each(|x| v.push(x))
                .and_then(|()| v.push_record(&rec))
                .expect_err(field);
            assert_eq!(
                (err.index, err.kind),
                (Some(i as u64), K::Reencoding),
                "{field} of {i}"
            );
        }
    }
}

/// Chain hashes alone: the look-ahead names the altered entry for all but the
/// last two entries; those are still detected (root or chain).
#[test]
fn every_field_of_every_entry_chain_only() {
    let entries = log(N);
    let cp = checkpoint(&entries);
    for (i, e) in entries.iter().enumerate() {
        for (field, m) in mutations(e) {
            let err = verify(&tampered(&entries, i, &m), None, &cp).expect_err(field);
            if i + 2 < N as usize || field == "prev" || field == "index" {
                assert_eq!(
                    err.index,
                    Some(i as u64),
                    "field {field} of entry {i}: {err}"
                );
            }
        }
    }
}

/// Against a saved checkpoint covering the whole log, the saved chain head
/// resolves the second-to-last entry too; saved leaves resolve every entry.
#[test]
fn every_field_of_every_entry_against_saved_state() {
    let entries = log(N);
    let (trusted, leaves) = trusted_after(&entries);
    let cp = checkpoint(&entries);
    for (i, e) in entries.iter().enumerate() {
        for (field, m) in mutations(e) {
            let t = tampered(&entries, i, &m);
            let err = verify(&t, Some(trusted.clone()), &cp).expect_err(field);
            if i + 1 < N as usize || field == "prev" || field == "index" {
                assert_eq!(
                    err.index,
                    Some(i as u64),
                    "field {field} of entry {i}: {err}"
                );
            }
            let mut v = LogVerifier::new(ORIGIN, Some(trusted.clone()))
                .with_saved_leaves(leaves.clone())
                .expect("saved leaves match");
            let err = t
                .iter()
                .try_for_each(|x| v.push(x))
                .and_then(|()| v.finish(&cp).map(drop));
            assert_eq!(
                err.expect_err(field).index,
                Some(i as u64),
                "{field} of {i} with saved leaves"
            );
        }
    }
}

#[test]
fn deleted_middle_entry() {
    let entries = log(N);
    let mut t = entries.clone();
    t.remove(4);
    let err = verify(&t, None, &checkpoint(&entries)).expect_err("deletion");
    assert_eq!((err.index, err.kind), (Some(4), K::IndexGap { found: 5 }));
    // Renumbering the rest does not help: the chain still breaks at 4.
    for (j, e) in t.iter_mut().enumerate() {
        e.index = j as u64;
    }
    let err = verify(&t, None, &checkpoint(&t)).expect_err("renumbered deletion");
    assert_eq!((err.index, err.kind), (Some(4), K::ChainBroken));
}

#[test]
fn swapped_entries() {
    let entries = log(N);
    let mut t = entries.clone();
    t.swap(6, 7);
    let err = verify(&t, None, &checkpoint(&entries)).expect_err("swap");
    assert_eq!((err.index, err.kind), (Some(6), K::IndexGap { found: 7 }));
    // Swapping the index fields back as well still breaks the chain at 6.
    t[6].index = 6;
    t[7].index = 7;
    let err = verify(&t, None, &checkpoint(&entries)).expect_err("swap with indices");
    assert_eq!(err.index, Some(6), "{err}");
}

#[test]
fn truncated_tail_against_saved_checkpoint() {
    let entries = log(N);
    let (trusted, _) = trusted_after(&entries);
    let short = &entries[..7];
    // A freshly signed checkpoint of the shorter log.
    let err = verify(short, Some(trusted.clone()), &checkpoint(short)).expect_err("rollback");
    assert_eq!(
        (err.index, err.kind),
        (Some(7), K::Truncated { trusted: N, now: 7 })
    );
    // The old checkpoint with entries missing.
    let err = verify(short, Some(trusted), &checkpoint(&entries)).expect_err("missing tail");
    assert_eq!(err.index, Some(7));
}

#[test]
fn fork_of_same_size() {
    let entries = log(N);
    let (trusted, leaves) = trusted_after(&entries);
    let mut fork = entries.clone();
    fork[3].timestamp_ms += 1;
    rechain(&mut fork);
    let cp = checkpoint(&fork);
    let err = verify(&fork, Some(trusted.clone()), &cp).expect_err("fork");
    assert_eq!(err.kind, K::Forked { size: N });
    let mut v = LogVerifier::new(ORIGIN, Some(trusted))
        .with_saved_leaves(leaves)
        .expect("leaves");
    let err = fork
        .iter()
        .try_for_each(|e| v.push(e))
        .expect_err("fork with saved leaves");
    assert_eq!((err.index, err.kind), (Some(3), K::ForkedEntry));
}

#[test]
fn longer_fork_and_honest_growth() {
    let entries = log(N);
    let (trusted, _) = trusted_after(&entries);
    let grown = log(N + 5);
    let mut tree = MemoryTree::new();
    grown.iter().for_each(|e| {
        tree.append(e.leaf_hash());
    });
    let proof = tree.consistency_proof(N, N + 5).expect("proof");
    let mut v = LogVerifier::new(ORIGIN, Some(trusted.clone()));
    grown.iter().try_for_each(|e| v.push(e)).expect("grown log");
    let s = v
        .finish_with_proof(&checkpoint(&grown), Some(&proof))
        .expect("consistent");
    assert_eq!((s.previous.map(|p| p.size), s.state.size), (Some(N), N + 5));

    let mut v = LogVerifier::new(ORIGIN, Some(trusted.clone()));
    grown.iter().try_for_each(|e| v.push(e)).expect("grown log");
    let err = v
        .finish_with_proof(&checkpoint(&grown), Some(&proof[1..]))
        .expect_err("bad proof");
    assert!(matches!(err.kind, K::ConsistencyProof(_)));

    let mut fork = grown.clone();
    fork[2].timestamp_ms += 1;
    rechain(&mut fork);
    let err = verify(&fork, Some(trusted), &checkpoint(&fork)).expect_err("fork");
    assert_eq!(err.kind, K::Forked { size: N });
}

fn chain_of(kinds: Vec<EntryKind>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Entry {
            index: i as u64,
            timestamp_ms: 0,
            kind,
            prev: GENESIS_PREV,
        })
        .collect();
    rechain(&mut entries);
    entries
}

#[test]
fn membership_and_nullifier_rules() {
    let zero = chain_of(vec![
        kind(0),
        EntryKind::Member {
            commitment: [0; 32],
        },
    ]);
    let err = verify(&zero, None, &checkpoint(&zero)).expect_err("zero member");
    assert_eq!((err.index, err.kind), (Some(1), K::ZeroMember));

    let dup = chain_of(vec![kind(0), kind(1), kind(0)]);
    let err = verify(&dup, None, &checkpoint(&dup)).expect_err("duplicate member");
    assert_eq!(
        (err.index, err.kind),
        (Some(2), K::DuplicateMember { first: 0 })
    );

    let replay = chain_of(vec![kind(0), kind(1), kind(2), kind(1)]);
    let err = verify(&replay, None, &checkpoint(&replay)).expect_err("nullifier reuse");
    assert_eq!(
        (err.index, err.kind),
        (Some(3), K::DuplicateNullifier { first: 1 })
    );
}

#[test]
fn genesis_prev_must_be_zero() {
    let mut entries = log(3);
    entries[0].prev = [1; 32];
    let err = verify(&entries, None, &checkpoint(&entries)).expect_err("genesis");
    assert_eq!((err.index, err.kind), (Some(0), K::ChainBroken));
}

#[test]
fn checkpoint_checks() {
    let entries = log(N);
    let signer = LogSigner::from_seed(ORIGIN, [9; 32]).expect("signer");
    let key = LogVerifierKey::parse(&signer.verifier_key()).expect("key");
    let note = signer.sign(&checkpoint(&entries)).expect("sign");
    let run = |note: &str| {
        let mut v = LogVerifier::new(ORIGIN, None);
        entries.iter().try_for_each(|e| v.push(e))?;
        v.finish_note(note, &key, None)
    };
    assert!(run(&note).is_ok());
    let forged = note.replacen(&format!("\n{N}\n"), "\n11\n", 1);
    assert!(matches!(
        run(&forged).expect_err("forged").kind,
        K::BadSignature(_)
    ));

    let mut other = checkpoint(&entries);
    other.origin = "elsewhere".into();
    let err = verify(&entries, None, &other).expect_err("origin");
    assert!(matches!(err.kind, K::OriginMismatch { .. }));
    let err = verify(&entries[..8], None, &checkpoint(&entries)).expect_err("short");
    assert_eq!(
        (err.index, err.kind),
        (
            Some(8),
            K::SizeMismatch {
                entries: 8,
                checkpoint: N
            }
        )
    );
    let mut wrong = checkpoint(&entries);
    wrong.root = [0; 32];
    assert_eq!(
        verify(&entries, None, &wrong).expect_err("root").kind,
        K::RootMismatch
    );
}

#[test]
fn raw_bytes_and_poisoning() {
    let entries = log(4);
    let mut v = LogVerifier::new(ORIGIN, None);
    v.push_bytes(&entries[0].to_bytes()).expect("entry 0");
    let mut bad = entries[1].to_bytes();
    bad.push(0);
    let err = v.push_bytes(&bad).expect_err("malformed");
    assert_eq!(err.index, Some(1));
    assert!(matches!(err.kind, K::Malformed(_)));
    // After a failure every call reports the first failure.
    assert_eq!(v.push(&entries[1]), Err(err.clone()));
    assert_eq!(v.finish(&checkpoint(&entries)).map(drop), Err(err));
    assert!(err_display_names_index());
}

fn err_display_names_index() -> bool {
    let e = VerifyError {
        index: Some(42),
        kind: K::ChainBroken,
    };
    e.to_string().starts_with("entry 42: ")
}

/// A stand-in for the circuits-backed authorizer: rejects one query now and
/// reports a deferred (batched) failure at finish.
struct Rejecting {
    seen: Vec<u64>,
}

impl QueryAuthorizer for Rejecting {
    fn observe_query(&mut self, index: u64, q: &QueryFields) -> Result<(), String> {
        self.seen.push(index);
        if q.epoch == 470_005 {
            return Err("root unknown at this point".into());
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), (u64, String)> {
        Err((self.seen[0], "batched proof check failed".into()))
    }
}

#[test]
fn authorizer_is_consulted() {
    let entries = log(N);
    let mut v = LogVerifier::with_authorizer(ORIGIN, None, Rejecting { seen: vec![] });
    let err = entries
        .iter()
        .try_for_each(|e| v.push(e))
        .expect_err("rejected");
    assert_eq!(
        (err.index, err.kind),
        (
            Some(5),
            K::Unauthorized("root unknown at this point".into())
        )
    );

    let mut v = LogVerifier::with_authorizer(ORIGIN, None, Rejecting { seen: vec![] });
    entries[..5]
        .iter()
        .try_for_each(|e| v.push(e))
        .expect("first five");
    let err = v.finish(&checkpoint(&entries[..5])).expect_err("deferred");
    assert_eq!(err.index, Some(1));
    assert_eq!(v.authorizer().seen, vec![1, 2, 4]);
    let _ = leaf_hash(b"");
}

/// DESIGN §6 amendment: time never goes backwards along the log, even in a
/// log rewritten consistently (chain and tree recomputed); equal stamps, as
/// one batch carries, are fine.
#[test]
fn timestamps_never_decrease() {
    let mut entries = log(N);
    entries[5].timestamp_ms = entries[4].timestamp_ms - 1;
    rechain(&mut entries);
    let err = verify(&entries, None, &checkpoint(&entries)).expect_err("time went back");
    assert_eq!(
        (err.index, err.kind),
        (
            Some(5),
            K::TimestampDecreased {
                timestamp_ms: entries[4].timestamp_ms - 1,
                previous_ms: entries[4].timestamp_ms,
            }
        )
    );
    let mut same = log(N);
    for e in &mut same {
        e.timestamp_ms = 1_700_000_000_000;
    }
    rechain(&mut same);
    assert!(verify(&same, None, &checkpoint(&same)).is_ok());
}
