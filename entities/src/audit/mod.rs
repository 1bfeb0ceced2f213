//! Audit log and membership storage (DESIGN §4, §6). The log's bytes and
//! hashes are defined by the `zkcity-audit` crate; these tables only keep
//! them. Append logic lives in `zkcity-api`'s `ledger` module.
//!
//! - [`audit_entry`]: one row per log entry (canonical bytes plus the
//!   timestamp and kind as columns for filtering);
//! - [`audit_node`]: RFC 6962 complete-subtree hashes, written once
//!   (level 0 = leaf hashes), so roots and proofs are O(log n) row reads;
//! - [`audit_head`]: the single head row (size, chain head, root) that every
//!   append locks and advances;
//! - [`nullifier`]: used nullifiers, unique (one use per identity, epoch, slot);
//! - [`member`]: registered identity commitments in leaf order, unique;
//! - [`membership_state`], [`membership_root`]: the Poseidon membership tree's
//!   frontier and every root it had, so a registration is O(D) work;
//! - [`audit_checkpoint`], [`audit_cosignature`]: checkpoints submitted to
//!   the witnesses and the cosignature lines they returned.

pub mod audit_checkpoint;
pub mod audit_cosignature;
pub mod audit_entry;
pub mod audit_head;
pub mod audit_node;
pub mod member;
pub mod membership_root;
pub mod membership_state;
pub mod nullifier;
