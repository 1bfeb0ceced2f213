//! zkcity audit log (DESIGN §6): pure code, no HTTP, no database.
//!
//! - [`Entry`] / [`EntryKind`]: the canonical entry bytes, chain hash and leaf hash;
//!   [`EntryRecord`] is the NDJSON export form.
//! - [`merkle`]: RFC 6962 hashing, the stored-node layout ([`NodeId`], plan/assemble
//!   functions for async storage), proofs and RFC 9162 verification, [`MemoryTree`].
//! - [`Checkpoint`], [`LogSigner`], [`LogVerifierKey`]: C2SP tlog-checkpoint bodies in
//!   C2SP signed notes with Ed25519 (DESIGN §8).
//! - [`WitnessSigner`], [`WitnessKey`]: C2SP tlog-cosignature `cosignature/v1`
//!   lines; [`witness`]: the tlog-witness `add-checkpoint` body, the witness's
//!   rule ([`witness::check_add`]) and a verifier's quorum ([`witness::verify_quorum`]).
//! - [`tiles`]: C2SP tlog-tiles paths and the stored rows each names.
//! - [`LogVerifier`]: the streaming offline verifier, a numbered checklist that names
//!   the first bad index; query authorization plugs in through [`QueryAuthorizer`],
//!   and [`EpochRule`] checks each query's epoch against its timestamp (DESIGN §4).
//!
//! ```
//! use zkcity_audit::{Checkpoint, Entry, EntryKind, LogSigner, LogVerifier, LogVerifierKey, GENESIS_PREV};
//!
//! let signer = LogSigner::generate("example.org/log").unwrap();
//! // The compliance team pins the published key string.
//! let key = LogVerifierKey::parse(&signer.verifier_key()).unwrap();
//! let mut verifier = LogVerifier::new("example.org/log", None);
//! let mut tree = zkcity_audit::MemoryTree::new();
//! let mut prev = GENESIS_PREV;
//! for index in 0..3u64 {
//!     let entry = Entry {
//!         index,
//!         timestamp_ms: 1_700_000_000_000,
//!         kind: EntryKind::Member { commitment: [index as u8 + 1; 32] },
//!         prev,
//!     };
//!     prev = entry.chain_hash();
//!     tree.append(entry.leaf_hash());
//!     verifier.push(&entry).unwrap();
//! }
//! let note = signer.sign(&Checkpoint { origin: "example.org/log".into(), size: 3, root: tree.root() }).unwrap();
//! let summary = verifier.finish_note(&note, &key, None).unwrap();
//! assert_eq!(summary.members, 3);
//! ```

pub mod checkpoint;
pub mod entry;
pub mod error;
pub mod merkle;
pub mod note;
pub mod record;
pub mod tiles;
pub mod verify;
pub mod witness;

pub use checkpoint::Checkpoint;
pub use entry::{chain_hash_of, Entry, EntryKind, QueryFields, GENESIS_PREV};
pub use error::{CheckpointError, EntryError, NoteError, ProofError, TreeError};
pub use merkle::{Hash, MemoryTree, NodeId, NodeLookup};
pub use note::{
    write_secret_file, Cosignature, LogSigner, LogVerifierKey, WitnessKey, WitnessSigner,
};
pub use record::EntryRecord;
pub use verify::{
    EpochRule, LogVerifier, NoAuthorizer, QueryAuthorizer, SavedState, Summary, TrustedState,
    VerifyError, VerifyErrorKind,
};
