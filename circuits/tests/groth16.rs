//! Prove/verify end to end (STYLE §13): honest proofs verify, every
//! tampered statement is rejected, batches and the proof codec behave.

mod common;

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use common::*;
use zkcity_circuits::error::ProofError;
use zkcity_circuits::proof::{
    batch_verify, first_invalid, proof_from_bytes, proof_to_bytes, prove, verify, verify_inputs,
};
use zkcity_circuits::Fr;

#[test]
fn honest_proof_verifies_and_survives_the_codec() {
    let k = keys();
    let (tree, ids) = members(DEPTH, 10);
    let s = statement(&tree, &ids, 2, 480_000, 7, 1);
    assert_eq!(s.inputs.root, tree.root());
    let proof = prove_statement(&k.pk, &s, 11);
    assert!(verify(&k.pvk, &s.inputs, &proof).expect("verify"));
    let bytes = proof_to_bytes(&proof);
    assert_eq!(bytes.len(), 128);
    let back = proof_from_bytes(&bytes).expect("decode");
    assert_eq!(back, proof);
    assert!(verify(&k.pvk, &s.inputs, &back).expect("verify"));
}

/// The tabled prover (a prepared key) and ark-groth16's (a fresh clone of
/// the same key without tables) make proofs that both verify, and the
/// prepared key's clones share its tables.
#[test]
fn prepared_and_unprepared_keys_both_prove() {
    let k = keys();
    let (tree, ids) = members(DEPTH, 12);
    let s = statement(&tree, &ids, 1, 480_001, 5, 1);
    let unprepared = zkcity_circuits::keys::ProvingKey::from_ark(
        k.pk.params(),
        k.pk.as_ark().clone(),
        k.pk.origin().clone(),
    )
    .expect("same key");
    assert!(unprepared.prover_tables().is_none());
    let plain = prove_statement(&unprepared, &s, 12);
    let prepared = unprepared.clone();
    prepared.prepare_prover();
    assert!(
        unprepared.prover_tables().is_some(),
        "clones share the tables"
    );
    let tabled = prove_statement(&prepared, &s, 13);
    for proof in [plain, tabled] {
        assert!(verify(&k.pvk, &s.inputs, &proof).expect("verify"));
        let mut wrong = s.inputs;
        wrong.m += Fr::from(1u64);
        assert!(!verify(&k.pvk, &wrong, &proof).expect("verify"));
    }
}

#[test]
fn tampered_public_inputs_are_rejected() {
    let k = keys();
    let (tree, ids) = members(DEPTH, 20);
    let s = statement(&tree, &ids, 0, 480_000, 3, 2);
    let proof = prove_statement(&k.pk, &s, 21);
    let one = Fr::from(1u64);
    let mut cases = Vec::new();
    let mut x = s.inputs;
    x.root += one;
    cases.push(("root", x));
    let mut x = s.inputs;
    x.epoch += 1;
    cases.push(("epoch", x));
    let mut x = s.inputs;
    x.nullifier = s.identity.nullifier(s.inputs.epoch, 4);
    cases.push(("nullifier for another slot", x));
    let mut x = s.inputs;
    x.m += one;
    cases.push(("m", x));
    for (what, inputs) in cases {
        assert!(
            !verify(&k.pvk, &inputs, &proof).expect("verify"),
            "tampered {what} accepted"
        );
    }
}

#[test]
fn proof_for_one_commitment_does_not_verify_for_another() {
    let k = keys();
    let (tree, ids) = members(DEPTH, 30);
    let a = statement(&tree, &ids, 1, 480_001, 0, 100);
    let b = statement(&tree, &ids, 1, 480_001, 0, 200);
    assert_eq!(a.inputs.nullifier, b.inputs.nullifier);
    assert_ne!(a.inputs.m, b.inputs.m);
    let proof_a = prove_statement(&k.pk, &a, 31);
    assert!(verify(&k.pvk, &a.inputs, &proof_a).expect("verify"));
    assert!(!verify(&k.pvk, &b.inputs, &proof_a).expect("verify"));
}

#[test]
fn exactly_four_public_inputs_are_required() {
    let k = keys();
    let (tree, ids) = members(DEPTH, 40);
    let s = statement(&tree, &ids, 4, 480_002, 9, 3);
    let proof = prove_statement(&k.pk, &s, 41);
    let mut five = s.inputs.to_vec();
    five.push(Fr::from(0u64));
    // DESIGN §8: the raw arkworks verifier accepts the extra input…
    assert!(
        Groth16::<Bn254>::verify_with_processed_vk(k.pvk.as_ark(), &five, &proof)
            .expect("raw verify")
    );
    // …ours refuses it, and refuses three.
    assert!(matches!(
        verify_inputs(&k.pvk, &five, &proof),
        Err(ProofError::PublicInputCount(5))
    ));
    assert!(matches!(
        verify_inputs(&k.pvk, &five[..3], &proof),
        Err(ProofError::PublicInputCount(3))
    ));
    assert!(verify_inputs(&k.pvk, &five[..4], &proof).expect("verify"));
}

#[test]
fn prover_refuses_bad_witnesses_with_typed_errors() {
    let k = keys();
    let (tree, ids) = members(DEPTH, 50);
    let s = statement(&tree, &ids, 0, 1, 0, 4);
    let m = s.inputs.m;
    let err = prove(&k.pk, &s.identity, &s.path, 1, 1024, m, &mut rng(1)).expect_err("slot 2^q");
    assert!(
        matches!(
            err,
            ProofError::SlotOutOfRange {
                slot: 1024,
                slot_bits: 10
            }
        ),
        "{err}"
    );
    let mut short = s.path.clone();
    short.siblings.pop();
    short.bits.pop();
    let err = prove(&k.pk, &s.identity, &short, 1, 0, m, &mut rng(1)).expect_err("short path");
    assert!(
        matches!(
            err,
            ProofError::PathDepth {
                expected: 16,
                found: 15
            }
        ),
        "{err}"
    );
}

#[test]
fn batch_accepts_good_and_rejects_one_bad() {
    let k = keys();
    let (tree, ids) = members(DEPTH, 60);
    let mut items = Vec::new();
    for i in 0..4u64 {
        let s = statement(&tree, &ids, i as usize, 480_010, i, 10 + i);
        items.push((s.inputs, prove_statement(&k.pk, &s, 61 + i)));
    }
    assert!(batch_verify(&k.pvk, &items, &mut rng(7)).expect("batch"));
    assert!(batch_verify(&k.pvk, &[], &mut rng(7)).expect("empty batch"));
    assert_eq!(first_invalid(&k.pvk, &items).expect("scan"), None);

    let mut bad = items.clone();
    bad[2].0.epoch += 1;
    assert!(!batch_verify(&k.pvk, &bad, &mut rng(8)).expect("batch"));
    assert_eq!(first_invalid(&k.pvk, &bad).expect("scan"), Some(2));

    let mut swapped = items.clone();
    let p0 = swapped[0].1.clone();
    swapped[0].1 = swapped[1].1.clone();
    swapped[1].1 = p0;
    assert!(!batch_verify(&k.pvk, &swapped, &mut rng(9)).expect("batch"));
}

#[test]
fn rerandomized_proof_verifies_so_replay_keys_on_the_nullifier() {
    // DESIGN §8: proofs are malleable; the bytes change, the statement does not.
    let k = keys();
    let (tree, ids) = members(DEPTH, 70);
    let s = statement(&tree, &ids, 3, 480_020, 5, 5);
    let proof = prove_statement(&k.pk, &s, 71);
    let again = Groth16::<Bn254>::rerandomize_proof(k.vk.as_ark(), &proof, &mut rng(72));
    assert_ne!(proof_to_bytes(&again), proof_to_bytes(&proof));
    assert!(verify(&k.pvk, &s.inputs, &again).expect("verify"));
}

#[test]
fn proof_from_other_identity_path_does_not_verify() {
    // A member proving with a wrong sibling yields a different root.
    let k = keys();
    let (tree, ids) = members(DEPTH, 80);
    let mut s = statement(&tree, &ids, 1, 480_030, 2, 6);
    s.path.siblings[0] = ids[4].commitment();
    let proof = prove_statement(&k.pk, &s, 81);
    let mut honest_root = s.inputs;
    honest_root.root = tree.root();
    assert!(!verify(&k.pvk, &honest_root, &proof).expect("verify"));
    let forged_root = s.path.compute_root(s.identity.commitment());
    assert!(!tree.contains_root(&forged_root));
}
