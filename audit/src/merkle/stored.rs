//! Stored-hash layout: one stored hash per complete subtree (DESIGN §6).
//!
//! Modelled on Go's `golang.org/x/mod/sumdb/tlog` (`StoredHashIndex`,
//! `TreeHash`): once leaves `[i·2^l, (i+1)·2^l)` all exist, their subtree hash
//! never changes, so the database keeps it as one row keyed by
//! [`NodeId`] `{ level: l, index: i }`. An append writes the leaf plus the
//! parents it completes (1 + trailing ones of the leaf index, amortised 2
//! rows); any root or proof is a fold over O(log n) such rows.
//!
//! Because storage is async, every operation is split into a pure *plan*
//! (the node ids to read) and a pure *assemble* step over a [`NodeLookup`].

use super::hash::{empty_root, node_hash, Hash};
use crate::error::TreeError;
use std::collections::{BTreeMap, HashMap};

/// A complete subtree: the hash of leaves `[index·2^level, (index+1)·2^level)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves; 0 is a leaf.
    pub level: u8,
    /// Position among the nodes of that level, from the left.
    pub index: u64,
}

impl NodeId {
    /// The node id of leaf `index`.
    pub fn leaf(index: u64) -> NodeId {
        NodeId { level: 0, index }
    }

    /// Number of leaves below this node.
    pub fn width(self) -> u64 {
        1u64 << self.level
    }

    /// First leaf covered by this node.
    pub fn first_leaf(self) -> u64 {
        self.index << self.level
    }
}

/// Read access to stored node hashes: a `HashMap` or `BTreeMap` filled from
/// the rows a plan asked for, a [`super::MemoryTree`], or any closure.
pub trait NodeLookup {
    /// The stored hash of `id`, or `None` if the storage does not have it.
    fn node(&self, id: NodeId) -> Option<Hash>;
}

impl NodeLookup for HashMap<NodeId, Hash> {
    fn node(&self, id: NodeId) -> Option<Hash> {
        self.get(&id).copied()
    }
}

impl NodeLookup for BTreeMap<NodeId, Hash> {
    fn node(&self, id: NodeId) -> Option<Hash> {
        self.get(&id).copied()
    }
}

impl<F: Fn(NodeId) -> Option<Hash>> NodeLookup for F {
    fn node(&self, id: NodeId) -> Option<Hash> {
        self(id)
    }
}

pub(crate) fn fetch(lookup: &impl NodeLookup, id: NodeId) -> Result<Hash, TreeError> {
    lookup.node(id).ok_or(TreeError::MissingNode(id))
}

/// Node ids to read before appending leaf `leaf_index`: the left siblings of
/// every parent the new leaf completes (one per trailing 1 bit of the index).
pub fn append_plan(leaf_index: u64) -> Vec<NodeId> {
    let ones = leaf_index.trailing_ones();
    (0..ones)
        .map(|l| NodeId {
            level: l as u8,
            index: (leaf_index >> l) - 1,
        })
        .collect()
}

/// The rows to insert when leaf `leaf_index` (with hash `leaf_hash`) is
/// appended: the leaf at level 0, then each parent it completes, bottom-up.
/// Reads only the [`append_plan`] nodes.
pub fn nodes_created_by_append(
    leaf_index: u64,
    leaf_hash: Hash,
    lookup: &impl NodeLookup,
) -> Result<Vec<(NodeId, Hash)>, TreeError> {
    let mut out = Vec::with_capacity(1 + leaf_index.trailing_ones() as usize);
    let mut hash = leaf_hash;
    out.push((NodeId::leaf(leaf_index), hash));
    for sibling in append_plan(leaf_index) {
        hash = node_hash(&fetch(lookup, sibling)?, &hash);
        out.push((
            NodeId {
                level: sibling.level + 1,
                index: sibling.index >> 1,
            },
            hash,
        ));
    }
    Ok(out)
}

/// Node ids to read before appending leaves `first..first + count` in one
/// transaction (DESIGN §8: batch appends per process). Nodes the batch itself
/// creates are not read; the result is a subset of `tree_root_plan(first)`.
pub fn append_batch_plan(first: u64, count: u64) -> Vec<NodeId> {
    let mut seen = std::collections::HashSet::new();
    (first..first.saturating_add(count))
        .flat_map(append_plan)
        .filter(|id| id.first_leaf().saturating_add(id.width()) <= first && seen.insert(*id))
        .collect()
}

/// The rows to insert when `leaf_hashes` are appended from index `first` on,
/// reading only the [`append_batch_plan`] nodes from `lookup`.
pub fn nodes_created_by_batch(
    first: u64,
    leaf_hashes: &[Hash],
    lookup: &impl NodeLookup,
) -> Result<Vec<(NodeId, Hash)>, TreeError> {
    let mut created: HashMap<NodeId, Hash> = HashMap::new();
    let mut out = Vec::with_capacity(leaf_hashes.len() * 2);
    for (offset, leaf) in leaf_hashes.iter().enumerate() {
        let both = |id: NodeId| created.get(&id).copied().or_else(|| lookup.node(id));
        let rows = nodes_created_by_append(first + offset as u64, *leaf, &both)?;
        created.extend(rows.iter().copied());
        out.extend(rows);
    }
    Ok(out)
}

/// Complete subtrees whose concatenation is leaves `[lo, hi)`, largest first.
///
/// For the ranges that occur in RFC 6962 (`lo` a multiple of the power of two
/// at or above `hi - lo`), folding these from the right gives exactly
/// `MTH(D[lo:hi])`, because MTH splits off the largest power of two first.
pub fn range_plan(lo: u64, hi: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut pos = lo;
    while pos < hi {
        let align = if pos == 0 { 63 } else { pos.trailing_zeros() };
        let fit = 63 - (hi - pos).leading_zeros();
        let level = align.min(fit);
        out.push(NodeId {
            level: level as u8,
            index: pos >> level,
        });
        pos += 1u64 << level;
    }
    out
}

/// `MTH(D[lo:hi])` folded from the stored nodes of [`range_plan`]; `lo < hi`.
pub fn range_hash(lo: u64, hi: u64, lookup: &impl NodeLookup) -> Result<Hash, TreeError> {
    let plan = range_plan(lo, hi);
    let mut iter = plan.iter().rev();
    let Some(last) = iter.next() else {
        return Ok(empty_root());
    };
    let mut acc = fetch(lookup, *last)?;
    for id in iter {
        acc = node_hash(&fetch(lookup, *id)?, &acc);
    }
    Ok(acc)
}

/// Node ids needed for the root of the tree of `size` leaves (one per 1 bit).
pub fn tree_root_plan(size: u64) -> Vec<NodeId> {
    range_plan(0, size)
}

/// Root of the first `size` leaves (RFC 6962 §2.1 MTH), from stored nodes.
pub fn tree_root(size: u64, lookup: &impl NodeLookup) -> Result<Hash, TreeError> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_hash(0, size, lookup)
}

/// Deduplicated union of the plans of several ranges, in first-seen order.
pub(crate) fn plan_for_ranges(ranges: &[(u64, u64)]) -> Vec<NodeId> {
    let mut seen = std::collections::HashSet::new();
    ranges
        .iter()
        .flat_map(|&(lo, hi)| range_plan(lo, hi))
        .filter(|id| seen.insert(*id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::hash::{leaf_hash, root_from_leaves};

    #[test]
    fn append_plan_reads_left_siblings() {
        assert!(append_plan(0).is_empty());
        assert_eq!(append_plan(1), vec![NodeId::leaf(0)]);
        assert!(append_plan(2).is_empty());
        assert_eq!(
            append_plan(7),
            vec![
                NodeId::leaf(6),
                NodeId { level: 1, index: 2 },
                NodeId { level: 2, index: 0 }
            ]
        );
    }

    #[test]
    fn range_plan_decomposes_into_complete_subtrees() {
        assert_eq!(
            range_plan(0, 7),
            vec![
                NodeId { level: 2, index: 0 },
                NodeId { level: 1, index: 2 },
                NodeId::leaf(6)
            ]
        );
        assert_eq!(range_plan(8, 12), vec![NodeId { level: 2, index: 2 }]);
        assert!(range_plan(3, 3).is_empty());
        assert_eq!(tree_root_plan(u64::MAX).len(), 64);
    }

    #[test]
    fn stored_roots_match_reference_for_every_size() {
        let mut store = HashMap::new();
        let mut leaves = Vec::new();
        for i in 0..70u64 {
            let h = leaf_hash(&i.to_be_bytes());
            leaves.push(h);
            for (id, hash) in nodes_created_by_append(i, h, &store).expect("append") {
                assert!(store.insert(id, hash).is_none(), "node written twice");
            }
            assert_eq!(tree_root(i + 1, &store), Ok(root_from_leaves(&leaves)));
        }
        assert_eq!(tree_root(0, &store), Ok(empty_root()));
    }

    #[test]
    fn batch_append_reads_only_older_rows() {
        let mut store = HashMap::new();
        let leaves: Vec<Hash> = (0..50u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut start = 0usize;
        for len in [1usize, 4, 3, 9, 16, 17] {
            let first = start as u64;
            let plan = append_batch_plan(first, len as u64);
            assert!(plan.iter().all(|id| tree_root_plan(first).contains(id)));
            let rows: HashMap<NodeId, Hash> = plan.iter().map(|id| (*id, store[id])).collect();
            let created =
                nodes_created_by_batch(first, &leaves[start..start + len], &rows).expect("batch");
            store.extend(created);
            start += len;
            assert_eq!(
                tree_root(start as u64, &store),
                Ok(root_from_leaves(&leaves[..start]))
            );
        }
    }

    #[test]
    fn missing_rows_are_reported() {
        let empty: HashMap<NodeId, Hash> = HashMap::new();
        assert_eq!(
            nodes_created_by_append(1, [0; 32], &empty),
            Err(TreeError::MissingNode(NodeId::leaf(0)))
        );
        let closure = |_id: NodeId| None;
        assert!(tree_root(3, &closure).is_err());
    }
}
