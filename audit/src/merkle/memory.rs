//! An in-memory Merkle tree built on the same plan/assemble functions the
//! database layer uses, so tests exercise exactly the storage code path.
//!
//! The stored nodes are kept densely, one `Vec` per level (`levels[l][i]` is
//! [`NodeId`] `{ level: l, index: i }`): the same rows a database keeps, at
//! 64 bytes per leaf and O(1) lookup instead of a `HashMap`'s overhead.

use super::hash::Hash;
use super::proofs::{consistency_proof, inclusion_proof};
use super::stored::{nodes_created_by_append, tree_root, NodeId, NodeLookup};
use crate::error::TreeError;
use std::collections::HashMap;

/// Append-only RFC 6962 tree held in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Leaf hash at `index`, if present.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.node(NodeId::leaf(index))
    }

    /// All leaf hashes in order, e.g. for a verifier to save between runs.
    pub fn leaf_hashes(&self) -> &[Hash] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// Appends a leaf hash and stores the complete subtrees it creates;
    /// returns the new leaf's index.
    pub fn append(&mut self, leaf_hash: Hash) -> u64 {
        let index = self.size();
        // Invariant: every node the plan reads was stored by an earlier append.
        let created = nodes_created_by_append(index, leaf_hash, self)
            .expect("MemoryTree holds every left sibling of a new leaf");
        for (id, hash) in created {
            let level = usize::from(id.level);
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(hash);
        }
        index
    }

    /// Root of the current tree.
    pub fn root(&self) -> Hash {
        self.root_at(self.size()).unwrap_or_default()
    }

    /// Root of the tree's first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, TreeError> {
        if size > self.size() {
            return Err(TreeError::IndexOutOfRange {
                index: size,
                size: self.size(),
            });
        }
        tree_root(size, self)
    }

    /// Inclusion proof of leaf `index` in the tree of `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(size)?;
        inclusion_proof(index, size, self)
    }

    /// Consistency proof from `old` to `new` leaves.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(new)?;
        consistency_proof(old, new, self)
    }

    /// All stored nodes as database rows would hold them (for tests, benches).
    pub fn to_node_map(&self) -> HashMap<NodeId, Hash> {
        let mut map = HashMap::new();
        for (level, hashes) in self.levels.iter().enumerate() {
            for (index, hash) in hashes.iter().enumerate() {
                map.insert(
                    NodeId {
                        level: level as u8,
                        index: index as u64,
                    },
                    *hash,
                );
            }
        }
        map
    }

    fn check_size(&self, size: u64) -> Result<(), TreeError> {
        if size > self.size() {
            return Err(TreeError::IndexOutOfRange {
                index: size,
                size: self.size(),
            });
        }
        Ok(())
    }
}

impl NodeLookup for MemoryTree {
    fn node(&self, id: NodeId) -> Option<Hash> {
        let index = usize::try_from(id.index).ok()?;
        self.levels.get(usize::from(id.level))?.get(index).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::hash::{leaf_hash, root_from_leaves};
    use crate::merkle::proofs::{verify_consistency, verify_inclusion};

    #[test]
    fn proofs_verify_for_all_small_shapes() {
        let mut tree = MemoryTree::new();
        let mut leaves = Vec::new();
        for i in 0..40u64 {
            let h = leaf_hash(&i.to_le_bytes());
            leaves.push(h);
            assert_eq!(tree.append(h), i);
        }
        for size in 1..=40u64 {
            let root = tree.root_at(size).expect("root");
            assert_eq!(root, root_from_leaves(&leaves[..size as usize]));
            for index in 0..size {
                let proof = tree.inclusion_proof(index, size).expect("proof");
                assert_eq!(
                    verify_inclusion(&leaves[index as usize], index, size, &proof, &root),
                    Ok(())
                );
            }
            for old in 0..=size {
                let old_root = tree.root_at(old).expect("root");
                let proof = tree.consistency_proof(old, size).expect("proof");
                assert_eq!(
                    verify_consistency(old, size, &old_root, &root, &proof),
                    Ok(())
                );
            }
        }
        assert!(tree.root_at(41).is_err());
        assert!(tree.inclusion_proof(0, 41).is_err());
    }
}
