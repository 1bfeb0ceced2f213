//! Inclusion and consistency proofs: generation from stored nodes
//! (RFC 6962 §2.1.1 `PATH`, §2.1.2 `PROOF`/`SUBPROOF`) and verification
//! exactly as RFC 9162 §2.1.3.2 and §2.1.4.2.
//!
//! Every proof element is `MTH` of some leaf range; generation first lists
//! those ranges (pure arithmetic on sizes), then folds each range from the
//! stored complete subtrees of [`super::stored`]. A proof therefore reads at
//! most O(log² n) rows — in practice O(log n), since the ranges share nodes.

use super::hash::{node_hash, split_point, Hash};
use super::stored::{plan_for_ranges, range_hash, NodeId, NodeLookup};
use crate::error::{ProofError, TreeError};

/// Leaf ranges whose MTHs form `PATH(index, D[0:size])`, leaf side first.
fn inclusion_ranges(index: u64, size: u64) -> Vec<(u64, u64)> {
    let (mut lo, mut hi) = (0, size);
    let mut top_down = Vec::new();
    while hi - lo > 1 {
        let mid = lo + split_point(hi - lo);
        if index < mid {
            top_down.push((mid, hi));
            hi = mid;
        } else {
            top_down.push((lo, mid));
            lo = mid;
        }
    }
    top_down.reverse();
    top_down
}

/// Leaf ranges whose MTHs form `PROOF(old, D[0:new])`, innermost first.
/// Requires `0 < old < new`; other sizes have the empty proof.
fn consistency_ranges(old: u64, new: u64) -> Vec<(u64, u64)> {
    // SUBPROOF(m, D[lo:hi], b) unrolled: `m` is relative to `lo`.
    let (mut lo, mut hi, mut m, mut complete) = (0, new, old, true);
    let mut top_down = Vec::new();
    loop {
        if m == hi - lo {
            if !complete {
                top_down.push((lo, hi));
            }
            break;
        }
        let k = split_point(hi - lo);
        if m <= k {
            top_down.push((lo + k, hi));
            hi = lo + k;
        } else {
            top_down.push((lo, lo + k));
            lo += k;
            m -= k;
            complete = false;
        }
    }
    top_down.reverse();
    top_down
}

fn check_index(index: u64, size: u64) -> Result<(), TreeError> {
    if index >= size {
        return Err(TreeError::IndexOutOfRange { index, size });
    }
    Ok(())
}

fn check_sizes(old: u64, new: u64) -> Result<(), TreeError> {
    if old > new {
        return Err(TreeError::SizesReversed { old, new });
    }
    Ok(())
}

fn consistency_ranges_checked(old: u64, new: u64) -> Vec<(u64, u64)> {
    if old == 0 || old == new {
        return Vec::new();
    }
    consistency_ranges(old, new)
}

fn assemble(ranges: &[(u64, u64)], lookup: &impl NodeLookup) -> Result<Vec<Hash>, TreeError> {
    ranges
        .iter()
        .map(|&(lo, hi)| range_hash(lo, hi, lookup))
        .collect()
}

/// Node ids to read for the inclusion proof of leaf `index` in a tree of `size`.
pub fn inclusion_proof_plan(index: u64, size: u64) -> Result<Vec<NodeId>, TreeError> {
    check_index(index, size)?;
    Ok(plan_for_ranges(&inclusion_ranges(index, size)))
}

/// Inclusion proof (RFC 6962 §2.1.1 audit path) of leaf `index` in the tree of `size`.
pub fn inclusion_proof(
    index: u64,
    size: u64,
    lookup: &impl NodeLookup,
) -> Result<Vec<Hash>, TreeError> {
    check_index(index, size)?;
    assemble(&inclusion_ranges(index, size), lookup)
}

/// Node ids to read for the consistency proof from `old` to `new` leaves.
pub fn consistency_proof_plan(old: u64, new: u64) -> Result<Vec<NodeId>, TreeError> {
    check_sizes(old, new)?;
    Ok(plan_for_ranges(&consistency_ranges_checked(old, new)))
}

/// Consistency proof (RFC 6962 §2.1.2) between the trees of `old` and `new`
/// leaves; empty when `old` is 0 or equals `new`.
pub fn consistency_proof(
    old: u64,
    new: u64,
    lookup: &impl NodeLookup,
) -> Result<Vec<Hash>, TreeError> {
    check_sizes(old, new)?;
    assemble(&consistency_ranges_checked(old, new), lookup)
}

/// Right-shifts `fn_` and `sn` together until `fn_` is odd or zero
/// (the inner loop of RFC 9162 §2.1.3.2 step 4b and §2.1.4.2 step 6b.ii).
fn shift_until_odd_or_zero(fn_: &mut u64, sn: &mut u64) {
    while *fn_ & 1 == 0 && *fn_ != 0 {
        *fn_ >>= 1;
        *sn >>= 1;
    }
}

/// Verifies an inclusion proof exactly as RFC 9162 §2.1.3.2.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    // Step 1.
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // Steps 2–3.
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf_hash;
    // Step 4.
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            shift_until_odd_or_zero(&mut fn_, &mut sn);
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies a consistency proof exactly as RFC 9162 §2.1.4.2, after the
/// trivial cases the RFC excludes by its precondition `0 < first < second`:
/// sizes reversed fail; equal sizes need equal roots and an empty proof; an
/// empty old tree is consistent with anything and needs an empty proof.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesReversed {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == new_size || old_size == 0 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        if old_size == new_size && old_root != new_root {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    // Step 1.
    let Some((&head, rest)) = proof.split_first() else {
        return Err(ProofError::WrongLength);
    };
    // Step 2: a power-of-two old tree is itself a node of the new one, so its
    // root is the implicit first element of the path.
    let (first, rest) = if old_size.is_power_of_two() {
        (*old_root, proof)
    } else {
        (head, rest)
    };
    // Steps 3–4.
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    let (mut fr, mut sr) = (first, first);
    // Step 6.
    for c in rest {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            shift_until_odd_or_zero(&mut fn_, &mut sn);
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr != *old_root || sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_shapes_match_rfc_examples() {
        // RFC 6962 §2.1.3: tree of 7, PATH(d0) = [b, h, l] -> leaf 1, [2,4), [4,7).
        assert_eq!(inclusion_ranges(0, 7), vec![(1, 2), (2, 4), (4, 7)]);
        // PATH(d3) = [c, g, l] -> leaf 2, [0,2), [4,7).
        assert_eq!(inclusion_ranges(3, 7), vec![(2, 3), (0, 2), (4, 7)]);
        // PROOF(3, D[7]) = [c, d, g, l].
        assert_eq!(
            consistency_ranges(3, 7),
            vec![(2, 3), (3, 4), (0, 2), (4, 7)]
        );
        // PROOF(4, D[7]) = [l].
        assert_eq!(consistency_ranges(4, 7), vec![(4, 7)]);
        // PROOF(6, D[7]) = [i, j, k].
        assert_eq!(consistency_ranges(6, 7), vec![(4, 6), (6, 7), (0, 4)]);
    }

    #[test]
    fn bad_requests_are_errors() {
        assert!(inclusion_proof_plan(3, 3).is_err());
        assert!(consistency_proof_plan(4, 3).is_err());
        assert_eq!(consistency_proof_plan(0, 9), Ok(vec![]));
        assert_eq!(consistency_proof_plan(9, 9), Ok(vec![]));
    }
}
