//! RFC 6962 known-answer tests.
//!
//! Vectors from the Certificate Transparency reference implementation,
//! github.com/transparency-dev/merkle (Apache-2.0): `testonly/constants.go`
//! (leaf inputs, node hashes, roots per size), `testonly/reference_test.go`
//! (`TestRefInclusionProof`, `TestRefConsistencyProof`) and
//! `proof/verify_test.go` (`inclusionProofs`, `consistencyProofs`; there the
//! leaf number is 1-based, converted to 0-based indices here).

use std::collections::HashMap;
use zkcity_audit::merkle::{
    consistency_proof, consistency_proof_plan, empty_root, inclusion_proof, inclusion_proof_plan,
    leaf_hash, root_from_leaves, tree_root, tree_root_plan, verify_consistency, verify_inclusion,
};
use zkcity_audit::{Hash, MemoryTree, NodeId, ProofError};

const LEAF_INPUTS: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Roots for tree sizes 0..=8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// Complete-subtree hashes: `NODES[level][index]`, i.e. exactly the stored rows.
const NODES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// (leaf index, tree size, proof).
const INCLUSION: &[(u64, u64, &[&str])] = &[
    (0, 1, &[]),
    (
        0,
        2,
        &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
    ),
    (
        1,
        2,
        &["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

/// (old size, new size, proof).
const CONSISTENCY: &[(u64, u64, &[&str])] = &[
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn h(s: &str) -> Hash {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).expect("vector hex");
    out
}

fn hs(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|s| h(s)).collect()
}

fn leaves() -> Vec<Hash> {
    LEAF_INPUTS
        .iter()
        .map(|s| leaf_hash(&hex::decode(s).expect("hex")))
        .collect()
}

fn tree() -> MemoryTree {
    let mut t = MemoryTree::new();
    for l in leaves() {
        t.append(l);
    }
    t
}

#[test]
fn stored_nodes_are_the_reference_subtree_hashes() {
    let t = tree();
    let map = t.to_node_map();
    for (level, row) in NODES.iter().enumerate() {
        for (index, want) in row.iter().enumerate() {
            let id = NodeId {
                level: level as u8,
                index: index as u64,
            };
            assert_eq!(map.get(&id), Some(&h(want)), "{id:?}");
        }
    }
    assert_eq!(map.len(), 15, "exactly the complete subtrees of 8 leaves");
}

#[test]
fn roots_per_size() {
    let t = tree();
    let leaves = leaves();
    assert_eq!(empty_root(), h(ROOTS[0]));
    for (size, want) in ROOTS.iter().enumerate() {
        assert_eq!(t.root_at(size as u64), Ok(h(want)), "size {size}");
        assert_eq!(
            root_from_leaves(&leaves[..size]),
            h(want),
            "reference, size {size}"
        );
    }
}

#[test]
fn inclusion_vectors() {
    let t = tree();
    let leaves = leaves();
    for &(index, size, want) in INCLUSION {
        let proof = t.inclusion_proof(index, size).expect("proof");
        assert_eq!(proof, hs(want), "PATH({index}, D[{size}])");
        let root = h(ROOTS[size as usize]);
        assert_eq!(
            verify_inclusion(&leaves[index as usize], index, size, &proof, &root),
            Ok(())
        );
    }
}

#[test]
fn consistency_vectors() {
    let t = tree();
    for &(old, new, want) in CONSISTENCY {
        let proof = t.consistency_proof(old, new).expect("proof");
        assert_eq!(proof, hs(want), "PROOF({old}, D[{new}])");
        let (r1, r2) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
        assert_eq!(verify_consistency(old, new, &r1, &r2, &proof), Ok(()));
    }
}

/// Probes from transparency-dev/merkle `corruptInclusionProof`: each must fail.
#[test]
fn corrupted_inclusion_proofs_fail() {
    let leaves = leaves();
    let some = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for &(index, size, proof) in INCLUSION.iter().filter(|v| !v.2.is_empty()) {
        let proof = hs(proof);
        let (root, leaf) = (h(ROOTS[size as usize]), leaves[index as usize]);
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            (index.wrapping_sub(1), size, root, leaf, proof.clone()),
            (index + 1, size, root, leaf, proof.clone()),
            (index ^ 2, size, root, leaf, proof.clone()),
            (index, size * 2, root, leaf, proof.clone()),
            (index, size / 2, root, leaf, proof.clone()),
            (index, size, root, some, proof.clone()),
            (index, size, empty_root(), leaf, proof.clone()),
            (index, size, some, leaf, proof.clone()),
            (
                index,
                size,
                root,
                leaf,
                [proof.clone(), vec![root]].concat(),
            ),
            (
                index,
                size,
                root,
                leaf,
                [vec![root], proof.clone()].concat(),
            ),
            (index, size, root, leaf, proof[..proof.len() - 1].to_vec()),
        ];
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][0] ^= 8;
            probes.push((index, size, root, leaf, p));
        }
        for (n, (i, s, r, l, p)) in probes.into_iter().enumerate() {
            assert!(
                verify_inclusion(&l, i, s, &p, &r).is_err(),
                "probe {n} for ({index},{size})"
            );
        }
    }
}

/// Probes from transparency-dev/merkle `corruptConsistencyProof`: each must fail.
#[test]
fn corrupted_consistency_proofs_fail() {
    for &(old, new, proof) in CONSISTENCY.iter().filter(|v| !v.2.is_empty()) {
        let proof = hs(proof);
        let (r1, r2) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            (old - 1, new, r1, r2, proof.clone()),
            (old + 1, new, r1, r2, proof.clone()),
            (old ^ 2, new, r1, r2, proof.clone()),
            (old, new * 2, r1, r2, proof.clone()),
            (old, new / 2, r1, r2, proof.clone()),
            (old, new, [1; 32], r2, proof.clone()),
            (old, new, r1, [1; 32], proof.clone()),
            (old, new, r2, r1, proof.clone()),
            (old, new, r1, r2, vec![]),
            (old, new, r1, r2, [proof.clone(), vec![r1]].concat()),
            (old, new, r1, r2, [proof.clone(), vec![r2]].concat()),
            (old, new, r1, r2, [vec![r1], proof.clone()].concat()),
            (old, new, r1, r2, [vec![r2], proof.clone()].concat()),
            (old, new, r1, r2, [vec![proof[0]], proof.clone()].concat()),
            (old, new, r1, r2, proof[..proof.len() - 1].to_vec()),
        ];
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][0] ^= 16;
            probes.push((old, new, r1, r2, p));
        }
        for (n, (o, nw, a, b, p)) in probes.into_iter().enumerate() {
            assert!(
                verify_consistency(o, nw, &a, &b, &p).is_err(),
                "probe {n} for ({old},{new})"
            );
        }
    }
}

/// Edge cases from transparency-dev/merkle `TestVerifyConsistency`.
#[test]
fn consistency_edge_cases() {
    let (r1, r2, empty) = ([1u8; 32], [2u8; 32], empty_root());
    assert_eq!(
        verify_consistency(0, 0, &r1, &r2, &[]),
        Err(ProofError::RootMismatch)
    );
    assert_eq!(
        verify_consistency(1, 1, &r1, &r2, &[]),
        Err(ProofError::RootMismatch)
    );
    assert_eq!(verify_consistency(0, 0, &r1, &r1, &[]), Ok(()));
    assert_eq!(verify_consistency(0, 1, &r1, &r2, &[]), Ok(()));
    assert_eq!(verify_consistency(1, 1, &r2, &r2, &[]), Ok(()));
    assert!(verify_consistency(1, 0, &r1, &r2, &[]).is_err());
    assert!(verify_consistency(2, 1, &r1, &r2, &[]).is_err());
    assert!(verify_consistency(1, 2, &r1, &r2, &[]).is_err());
    assert!(verify_consistency(0, 0, &empty, &empty, &[empty]).is_err());
    assert!(verify_consistency(0, 1, &empty, &empty, &[empty]).is_err());
    assert!(verify_consistency(1, 1, &empty, &empty, &[empty]).is_err());
    assert!(verify_inclusion(&r1, 0, 0, &[], &empty).is_err());
    assert!(verify_inclusion(&r1, 2, 1, &[], &r1).is_err());
    assert_eq!(verify_inclusion(&r1, 0, 1, &[], &r1), Ok(()));
}

/// The storage layer reads only the planned rows, so assembling from a map
/// holding exactly those rows must work, for every shape up to 64 leaves.
#[test]
fn plans_name_every_row_assembly_needs() {
    let mut full = MemoryTree::new();
    let mut leaves = Vec::new();
    for i in 0..64u64 {
        let l = leaf_hash(&i.to_be_bytes());
        leaves.push(l);
        full.append(l);
    }
    let all = full.to_node_map();
    let only = |plan: Vec<NodeId>| -> HashMap<NodeId, Hash> {
        plan.into_iter().map(|id| (id, all[&id])).collect()
    };
    for size in 1..=64u64 {
        let root = tree_root(size, &only(tree_root_plan(size))).expect("root");
        assert_eq!(root, root_from_leaves(&leaves[..size as usize]));
        for index in 0..size {
            let rows = only(inclusion_proof_plan(index, size).expect("plan"));
            let proof = inclusion_proof(index, size, &rows).expect("assemble");
            assert_eq!(
                verify_inclusion(&leaves[index as usize], index, size, &proof, &root),
                Ok(())
            );
        }
        for old in 0..=size {
            let rows = only(consistency_proof_plan(old, size).expect("plan"));
            let proof = consistency_proof(old, size, &rows).expect("assemble");
            let old_root = full.root_at(old).expect("old root");
            assert_eq!(
                verify_consistency(old, size, &old_root, &root, &proof),
                Ok(())
            );
            if old > 0 && old < size {
                assert!(verify_consistency(old, size, &root, &old_root, &proof).is_err());
            }
        }
    }
}

/// Plans stay logarithmic: no proof at 2^40 leaves reads more than a few hundred rows.
#[test]
fn plans_are_logarithmic() {
    let size = (1u64 << 40) - 12345;
    for index in [0, 1, size / 3, size - 2, size - 1] {
        assert!(inclusion_proof_plan(index, size).expect("plan").len() <= 2 * 41);
    }
    for old in [1, 2, 3, size / 3, size - 1] {
        assert!(consistency_proof_plan(old, size).expect("plan").len() <= 41 * 41);
    }
    assert!(tree_root_plan(size).len() <= 41);
}
