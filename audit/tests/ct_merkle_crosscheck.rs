//! Cross-check against an independent RFC 6962 implementation, the
//! `ct-merkle` crate (rozbb/ct-merkle): for every tree size up to 64, our
//! roots, inclusion proofs and consistency proofs (built through the
//! stored-node plan/assemble path) equal ct-merkle's byte for byte.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use sha2_011::Sha256;
use zkcity_audit::merkle::leaf_hash;
use zkcity_audit::{Hash, MemoryTree};

fn flat(proof: &[Hash]) -> Vec<u8> {
    proof.concat()
}

#[test]
fn roots_and_proofs_match_ct_merkle() {
    let mut ours = MemoryTree::new();
    let mut theirs = MemoryBackedTree::<Sha256, Vec<u8>>::new();
    for n in 0..64u64 {
        let data = format!("entry {n}").into_bytes();
        ours.append(leaf_hash(&data));
        theirs.push(data);
        let size = n + 1;
        assert_eq!(
            ours.root().as_slice(),
            theirs.root().as_bytes().as_slice(),
            "root of {size}"
        );
        for index in 0..size {
            let proof = ours.inclusion_proof(index, size).expect("inclusion");
            let expected = theirs.prove_inclusion(index as usize);
            assert_eq!(flat(&proof), expected.as_bytes(), "PATH({index}, {size})");
        }
        for old in 1..size {
            let proof = ours.consistency_proof(old, size).expect("consistency");
            let expected = theirs.prove_consistency((size - old) as usize);
            assert_eq!(flat(&proof), expected.as_bytes(), "PROOF({old}, {size})");
        }
    }
}
