//! The membership tree, natively (DESIGN §4): a binary Merkle tree of depth
//! `D` whose leaves are identity commitments in registration order, empty
//! leaf `0`, node `P(left, right)`.
//!
//! Only filled positions are stored; empty subtrees are represented by the
//! precomputed `zeros[h]` (root of an all-empty subtree of height `h`), so a
//! depth-32 tree costs memory proportional to its members, not `2^32`.
//! Each append rehashes the one path that changed: exactly `D` hashes.

use std::collections::{HashMap, VecDeque};

use ark_ff::Zero;

use crate::error::TreeError;
use crate::params::{CircuitParams, DEFAULT_SLOT_BITS};
use crate::poseidon::hash2;
use crate::Fr;

/// Default number of recent roots the server accepts proofs against (DESIGN §4 `R`).
pub const DEFAULT_RECENT_ROOTS: usize = 64;

/// An authentication path from a leaf to the root, leaf-to-root order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerklePath {
    /// `siblings[h]` is the sibling of the path node at height `h`.
    pub siblings: Vec<Fr>,
    /// `bits[h]` is `true` when the path node at height `h` is a right child
    /// (the little-endian bits of the leaf index).
    pub bits: Vec<bool>,
}

impl MerklePath {
    /// Depth of the tree the path belongs to.
    pub fn depth(&self) -> usize {
        self.siblings.len()
    }

    /// Hashes `leaf` up the path; equals the tree root for a correct path.
    pub fn compute_root(&self, leaf: Fr) -> Fr {
        self.siblings
            .iter()
            .zip(&self.bits)
            .fold(leaf, |node, (sib, &right)| {
                if right {
                    hash2(*sib, node)
                } else {
                    hash2(node, *sib)
                }
            })
    }

    /// The leaf index encoded by the path bits.
    pub fn index(&self) -> u64 {
        self.bits
            .iter()
            .enumerate()
            .fold(0u64, |acc, (h, &b)| acc | (u64::from(b) << h))
    }
}

/// An append-only membership tree that remembers its last `R` roots.
#[derive(Debug, Clone)]
pub struct IncrementalTree {
    depth: usize,
    /// `zeros[h]`: root of an empty subtree of height `h`, for `h` in `0..=D`.
    zeros: Vec<Fr>,
    /// `levels[h][j]`: node `j` at height `h` (`h < D`), for every `j` covering a leaf.
    levels: Vec<Vec<Fr>>,
    root: Fr,
    recent: VecDeque<Fr>,
    recent_capacity: usize,
    /// Leaf value → index, to refuse duplicates (DESIGN §8).
    index_of: HashMap<Fr, u64>,
}

impl IncrementalTree {
    /// An empty tree of the given depth keeping [`DEFAULT_RECENT_ROOTS`] roots.
    pub fn new(depth: usize) -> Result<Self, TreeError> {
        Self::with_recent_roots(depth, DEFAULT_RECENT_ROOTS)
    }

    /// An empty tree keeping the last `recent` roots (at least one: the current root).
    pub fn with_recent_roots(depth: usize, recent: usize) -> Result<Self, TreeError> {
        CircuitParams::new(depth, DEFAULT_SLOT_BITS)?;
        let mut zeros = Vec::with_capacity(depth + 1);
        zeros.push(Fr::zero());
        for h in 0..depth {
            zeros.push(hash2(zeros[h], zeros[h]));
        }
        let root = zeros[depth];
        let recent_capacity = recent.max(1);
        let mut tree = IncrementalTree {
            depth,
            zeros,
            levels: vec![Vec::new(); depth],
            root,
            recent: VecDeque::with_capacity(recent_capacity),
            recent_capacity,
            index_of: HashMap::new(),
        };
        tree.remember_root();
        Ok(tree)
    }

    /// Tree depth `D`.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Number of leaves appended so far.
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Whether no leaf has been appended.
    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// Maximum number of leaves, `2^D`.
    pub fn capacity(&self) -> u64 {
        1u64 << self.depth
    }

    /// The current root.
    pub fn root(&self) -> Fr {
        self.root
    }

    /// Root of the empty subtree of height `h` (`None` above the root).
    pub fn zero_root(&self, height: usize) -> Option<Fr> {
        self.zeros.get(height).copied()
    }

    /// The last `R` roots, oldest first; the current root is last.
    pub fn recent_roots(&self) -> impl ExactSizeIterator<Item = &Fr> + '_ {
        self.recent.iter()
    }

    /// Whether `root` is one of the last `R` roots (DESIGN §4 `UNKNOWN_ROOT` check).
    pub fn contains_root(&self, root: &Fr) -> bool {
        self.recent.contains(root)
    }

    /// Index of `leaf` if it is a member.
    pub fn index_of(&self, leaf: &Fr) -> Option<u64> {
        self.index_of.get(leaf).copied()
    }

    /// The leaf at `index`.
    pub fn leaf(&self, index: u64) -> Option<Fr> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.levels[0].get(i).copied())
    }

    /// Appends a commitment and returns its index; refuses `0`, duplicates and a full tree.
    pub fn append(&mut self, leaf: Fr) -> Result<u64, TreeError> {
        let index = self.check_new_leaf(&leaf)?;
        self.levels[0].push(leaf);
        self.index_of.insert(leaf, index);
        self.root = self.rehash_path(index);
        self.remember_root();
        Ok(index)
    }

    /// Appends many commitments. Equivalent to calling [`Self::append`] for each
    /// (same root, same recent roots), but all except the last `R` leaves are
    /// hashed level by level, so rebuilding a tree of `n` members from the
    /// log costs about `n` hashes instead of `n·D`.
    ///
    /// On error nothing is appended.
    pub fn extend(&mut self, leaves: &[Fr]) -> Result<(), TreeError> {
        self.check_batch(leaves)?;
        let bulk = leaves.len().saturating_sub(self.recent_capacity);
        if bulk > 0 {
            let start = self.levels[0].len();
            for (i, leaf) in leaves[..bulk].iter().enumerate() {
                self.index_of.insert(*leaf, (start + i) as u64);
            }
            self.levels[0].extend_from_slice(&leaves[..bulk]);
            self.rehash_from(start);
        }
        for leaf in &leaves[bulk..] {
            self.append(*leaf)?;
        }
        Ok(())
    }

    /// The authentication path of the leaf at `index`.
    pub fn path(&self, index: u64) -> Result<MerklePath, TreeError> {
        if index >= self.len() {
            return Err(TreeError::IndexOutOfRange {
                index,
                len: self.len(),
            });
        }
        let mut siblings = Vec::with_capacity(self.depth);
        let mut bits = Vec::with_capacity(self.depth);
        for h in 0..self.depth {
            let pos = (index >> h) as usize;
            siblings.push(self.node(h, pos ^ 1));
            bits.push(pos & 1 == 1);
        }
        Ok(MerklePath { siblings, bits })
    }

    fn check_new_leaf(&self, leaf: &Fr) -> Result<u64, TreeError> {
        let index = self.len();
        if index >= self.capacity() {
            return Err(TreeError::Full {
                capacity: self.capacity(),
            });
        }
        if leaf.is_zero() {
            return Err(TreeError::ZeroLeaf);
        }
        if let Some(&index) = self.index_of.get(leaf) {
            return Err(TreeError::Duplicate { index });
        }
        Ok(index)
    }

    /// Validates a whole batch up front so a failing [`Self::extend`] changes nothing.
    fn check_batch(&self, leaves: &[Fr]) -> Result<(), TreeError> {
        if leaves.len() as u64 > self.capacity() - self.len() {
            return Err(TreeError::Full {
                capacity: self.capacity(),
            });
        }
        let mut seen = HashMap::with_capacity(leaves.len());
        for (i, leaf) in leaves.iter().enumerate() {
            if leaf.is_zero() {
                return Err(TreeError::ZeroLeaf);
            }
            let index = self.len() + i as u64;
            if let Some(existing) = self.index_of.get(leaf).or_else(|| seen.get(leaf)) {
                return Err(TreeError::Duplicate { index: *existing });
            }
            seen.insert(*leaf, index);
        }
        Ok(())
    }

    /// Node at `(height, pos)`, or the empty-subtree value where nothing was appended.
    fn node(&self, height: usize, pos: usize) -> Fr {
        self.levels[height]
            .get(pos)
            .copied()
            .unwrap_or(self.zeros[height])
    }

    /// Recomputes the `D` ancestors of leaf `index` and returns the new root.
    fn rehash_path(&mut self, index: u64) -> Fr {
        let mut pos = index as usize;
        let mut node = self.levels[0][pos];
        for h in 0..self.depth {
            let sibling = self.node(h, pos ^ 1);
            node = if pos & 1 == 1 {
                hash2(sibling, node)
            } else {
                hash2(node, sibling)
            };
            pos >>= 1;
            if h + 1 < self.depth {
                self.set_node(h + 1, pos, node);
            }
        }
        node
    }

    /// Recomputes every ancestor of the leaves from `start` on, level by level.
    fn rehash_from(&mut self, start: usize) {
        let mut first = start;
        for h in 0..self.depth {
            let parent_first = first >> 1;
            let width = self.levels[h].len();
            let parents = width.div_ceil(2);
            let mut computed = Vec::with_capacity(parents - parent_first);
            for p in parent_first..parents {
                computed.push(hash2(self.node(h, 2 * p), self.node(h, 2 * p + 1)));
            }
            if h + 1 < self.depth {
                let next = &mut self.levels[h + 1];
                next.truncate(parent_first);
                next.extend(computed);
            } else if let Some(root) = computed.first() {
                self.root = *root;
            }
            first = parent_first;
        }
        self.remember_root();
    }

    fn set_node(&mut self, height: usize, pos: usize, value: Fr) {
        let level = &mut self.levels[height];
        if pos == level.len() {
            level.push(value);
        } else {
            level[pos] = value;
        }
    }

    fn remember_root(&mut self) {
        if self.recent.len() == self.recent_capacity {
            self.recent.pop_front();
        }
        self.recent.push_back(self.root);
    }
}

#[cfg(test)]
mod tests;
