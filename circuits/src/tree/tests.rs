//! Tests of the incremental tree against a naive full-tree reference.

use super::*;

/// Reference: hash a complete level list of `2^depth` leaves (small depths only).
fn naive_root(leaves: &[Fr], depth: usize) -> Fr {
    let mut level: Vec<Fr> = leaves.to_vec();
    level.resize(1 << depth, Fr::zero());
    for _ in 0..depth {
        level = level.chunks(2).map(|p| hash2(p[0], p[1])).collect();
    }
    level[0]
}

fn leaves(n: u64) -> Vec<Fr> {
    (1..=n).map(|i| Fr::from(i * 7 + 3)).collect()
}

#[test]
fn empty_root_is_zero_hash_chain() {
    let tree = IncrementalTree::new(4).expect("tree");
    assert_eq!(tree.root(), naive_root(&[], 4));
    assert_eq!(tree.zero_root(0), Some(Fr::zero()));
    assert_eq!(tree.zero_root(1), Some(hash2(Fr::zero(), Fr::zero())));
    assert!(tree.is_empty());
    assert!(tree.contains_root(&tree.root()));
}

#[test]
fn append_matches_naive_root_and_paths_verify() {
    let depth = 4;
    let mut tree = IncrementalTree::new(depth).expect("tree");
    let all = leaves(16);
    for (i, leaf) in all.iter().enumerate() {
        assert_eq!(tree.append(*leaf), Ok(i as u64));
        assert_eq!(tree.root(), naive_root(&all[..=i], depth));
        for j in 0..=i as u64 {
            let path = tree.path(j).expect("path");
            assert_eq!(path.index(), j);
            assert_eq!(path.compute_root(all[j as usize]), tree.root());
        }
    }
    assert_eq!(
        tree.append(Fr::from(999u64)),
        Err(TreeError::Full { capacity: 16 })
    );
}

#[test]
fn wrong_leaf_or_sibling_gives_other_root() {
    let mut tree = IncrementalTree::new(8).expect("tree");
    tree.extend(&leaves(5)).expect("extend");
    let mut path = tree.path(2).expect("path");
    assert_ne!(path.compute_root(Fr::from(12345u64)), tree.root());
    path.siblings[3] += Fr::from(1u64);
    assert_ne!(path.compute_root(leaves(5)[2]), tree.root());
}

#[test]
fn refuses_zero_duplicates_and_bad_index() {
    let mut tree = IncrementalTree::new(8).expect("tree");
    assert_eq!(tree.append(Fr::zero()), Err(TreeError::ZeroLeaf));
    tree.append(Fr::from(5u64)).expect("append");
    assert_eq!(
        tree.append(Fr::from(5u64)),
        Err(TreeError::Duplicate { index: 0 })
    );
    assert_eq!(
        tree.path(1),
        Err(TreeError::IndexOutOfRange { index: 1, len: 1 })
    );
    let root = tree.root();
    let bad = [Fr::from(6u64), Fr::from(6u64)];
    assert_eq!(tree.extend(&bad), Err(TreeError::Duplicate { index: 1 }));
    assert_eq!(tree.root(), root, "failed extend changed nothing");
    assert_eq!(tree.len(), 1);
    assert!(IncrementalTree::new(0).is_err());
    assert!(IncrementalTree::new(33).is_err());
}

#[test]
fn extend_equals_sequential_appends() {
    for (n, recent) in [(1u64, 4usize), (5, 4), (37, 4), (100, 64), (100, 8)] {
        let mut a = IncrementalTree::with_recent_roots(10, recent).expect("tree");
        let mut b = IncrementalTree::with_recent_roots(10, recent).expect("tree");
        a.append(Fr::from(1_000_000u64)).expect("append");
        b.append(Fr::from(1_000_000u64)).expect("append");
        for leaf in leaves(n) {
            a.append(leaf).expect("append");
        }
        b.extend(&leaves(n)).expect("extend");
        assert_eq!(a.root(), b.root(), "n = {n}");
        let ra: Vec<_> = a.recent_roots().collect();
        let rb: Vec<_> = b.recent_roots().collect();
        assert_eq!(ra, rb, "n = {n}");
        for i in [0, n / 2, n] {
            assert_eq!(a.path(i), b.path(i));
        }
    }
}

#[test]
fn keeps_only_the_last_r_roots() {
    let mut tree = IncrementalTree::with_recent_roots(6, 3).expect("tree");
    let mut roots = vec![tree.root()];
    for leaf in leaves(5) {
        tree.append(leaf).expect("append");
        roots.push(tree.root());
    }
    let kept: Vec<Fr> = tree.recent_roots().copied().collect();
    assert_eq!(kept, roots[roots.len() - 3..].to_vec());
    assert!(!tree.contains_root(&roots[2]));
    assert!(tree.contains_root(&roots[3]));
    assert_eq!(tree.root(), roots[5]);
}

#[test]
fn depth_32_does_not_allocate_the_full_tree() {
    let mut tree = IncrementalTree::new(32).expect("tree");
    for leaf in leaves(3) {
        tree.append(leaf).expect("append");
    }
    assert_eq!(tree.capacity(), 1u64 << 32);
    let path = tree.path(2).expect("path");
    assert_eq!(path.depth(), 32);
    assert_eq!(path.compute_root(leaves(3)[2]), tree.root());
    assert_eq!(path.siblings[31], tree.zero_root(31).expect("zero root"));
}
