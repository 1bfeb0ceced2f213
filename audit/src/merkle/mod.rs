//! RFC 6962 Merkle tree over the entry bytes (DESIGN §6), split for async storage.
//!
//! - [`hash`]: leaf/node hashing and a recursive reference root (RFC 6962 §2.1).
//! - [`stored`]: the stored-hash layout (one row per complete subtree, a
//!   [`NodeId`]), as in Go's `golang.org/x/mod/sumdb/tlog`. Each operation is a
//!   pure *plan* (which node ids to read) and a pure *assemble* step over a
//!   [`NodeLookup`], so the database layer does its O(log n) reads in between.
//! - [`proofs`]: inclusion and consistency proofs (RFC 6962 §2.1.1–2.1.2) and their
//!   verification exactly as RFC 9162 §2.1.3.2 and §2.1.4.2.
//! - [`memory`]: [`MemoryTree`], an in-memory tree built on the same functions.

pub mod hash;
pub mod memory;
pub mod proofs;
pub mod stored;

pub use hash::{empty_root, leaf_hash, node_hash, root_from_leaves, Hash};
pub use memory::MemoryTree;
pub use proofs::{
    consistency_proof, consistency_proof_plan, inclusion_proof, inclusion_proof_plan,
    verify_consistency, verify_inclusion,
};
pub use stored::{
    append_batch_plan, append_plan, nodes_created_by_append, nodes_created_by_batch, range_hash,
    range_plan, tree_root, tree_root_plan, NodeId, NodeLookup,
};
