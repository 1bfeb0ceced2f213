//! Verifier errors: one kind per checklist step, with the first bad index.

use crate::error::{EntryError, NoteError, ProofError};
use std::fmt;
use thiserror::Error;

/// Why verification failed; one variant per step of the checklist (DESIGN §6).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyErrorKind {
    /// The entry's bytes or JSON record could not be decoded.
    #[error("malformed entry: {0}")]
    Malformed(EntryError),
    /// An entry is missing or moved later: the entry here carries a larger index.
    #[error("entry missing or out of order: got index {found} in its place")]
    IndexGap {
        /// Index carried by the entry that arrived instead.
        found: u64,
    },
    /// Entries are repeated or moved earlier: the entry here carries a smaller index.
    #[error("entry repeated or out of order: got index {found} in its place")]
    IndexReorder {
        /// Index carried by the entry that arrived instead.
        found: u64,
    },
    /// The entry's raw bytes differ from the encoding of its fields.
    #[error("raw bytes differ from the encoding of the entry's fields")]
    Reencoding,
    /// The leaf hash the server stored for this entry differs from the entry's.
    #[error("server's stored Merkle leaf does not match the entry")]
    LeafHashMismatch,
    /// The entry's `prev` is not the chain hash of the previous entry.
    #[error("prev does not match the chain hash of the previous entry")]
    ChainBroken,
    /// The entry was altered: its chain hash no longer matches its successor's `prev`.
    #[error("entry was altered: its hash does not match the next entry's prev")]
    EntryAltered,
    /// The entry's timestamp is before the previous entry's: the ledger stamps
    /// `max(now, previous)`, so time never goes backwards (DESIGN §6 amendment).
    #[error("timestamp {timestamp_ms} ms is before the previous entry's {previous_ms} ms")]
    TimestampDecreased {
        /// The entry's timestamp (unix ms).
        timestamp_ms: i64,
        /// The previous entry's timestamp (unix ms).
        previous_ms: i64,
    },
    /// The checkpoint lacks valid cosignatures from the quorum of pinned
    /// witnesses (DESIGN §6 amendment "Witnesses"): it may be a split view.
    #[error("witness quorum not met: {0}")]
    WitnessQuorum(crate::witness::QuorumError),
    /// The server refuses to sign its log (its signer remembers a checkpoint
    /// the stored log does not extend) and the entries it serves show no
    /// other fault against the saved state (DESIGN §6 amendment).
    #[error("the server refuses to sign its log: its signer remembers a checkpoint the stored log does not extend")]
    SignerRefused,
    /// A member entry registers the empty-leaf value 0 (DESIGN §8).
    #[error("member commitment is zero (the empty leaf)")]
    ZeroMember,
    /// A member commitment was already registered.
    #[error("member commitment already registered at entry {first}")]
    DuplicateMember {
        /// Index of the first registration.
        first: u64,
    },
    /// A nullifier was already used.
    #[error("nullifier already used at entry {first}")]
    DuplicateNullifier {
        /// Index of the first use.
        first: u64,
    },
    /// A query's epoch is older than the server could have accepted when it
    /// stamped the entry (DESIGN §4; see [`super::EpochRule`]).
    #[error(
        "query epoch {epoch} is not the current ({current}) or previous epoch at its timestamp (oldest acceptable: {oldest})"
    )]
    StaleEpoch {
        /// Epoch in the entry.
        epoch: u64,
        /// Epoch of the entry's timestamp.
        current: u64,
        /// Oldest epoch acceptable at the timestamp (previous, or one more within the grace).
        oldest: u64,
    },
    /// A query's epoch is after the epoch of its timestamp, which the server never accepts.
    #[error("query epoch {epoch} is after the current epoch ({current}) at its timestamp")]
    FutureEpoch {
        /// Epoch in the entry.
        epoch: u64,
        /// Epoch of the entry's timestamp.
        current: u64,
    },
    /// The query authorizer rejected the entry.
    #[error("query not authorized: {0}")]
    Unauthorized(String),
    /// The log is shorter than the saved checkpoint: entries were removed (rollback).
    #[error("log has {now} entries but the saved checkpoint had {trusted} (rollback)")]
    Truncated {
        /// Size of the saved checkpoint.
        trusted: u64,
        /// Number of entries now served.
        now: u64,
    },
    /// The log's first `size` entries differ from the saved checkpoint (fork).
    #[error("first {size} entries do not match the saved checkpoint (fork)")]
    Forked {
        /// Size of the saved checkpoint.
        size: u64,
    },
    /// The entry differs from the one at this index in an earlier run (fork).
    #[error("entry differs from the one verified in an earlier run (fork)")]
    ForkedEntry,
    /// The saved leaf hashes do not reproduce the saved checkpoint.
    #[error("saved leaf hashes do not match the saved checkpoint")]
    SavedStateInvalid,
    /// The checkpoint names another log.
    #[error("checkpoint origin {found:?} is not {expected:?}")]
    OriginMismatch {
        /// Origin the verifier was created for.
        expected: String,
        /// Origin in the checkpoint.
        found: String,
    },
    /// The checkpoint note is malformed or not validly signed by the pinned key.
    #[error("checkpoint signature: {0}")]
    BadSignature(NoteError),
    /// The number of entries differs from the checkpoint's size.
    #[error("checkpoint has {checkpoint} entries, log served {entries}")]
    SizeMismatch {
        /// Entries pushed.
        entries: u64,
        /// Size in the signed checkpoint.
        checkpoint: u64,
    },
    /// The recomputed Merkle root differs from the signed checkpoint's root.
    #[error("recomputed Merkle root differs from the signed checkpoint")]
    RootMismatch,
    /// The server's consistency proof from the saved checkpoint does not verify.
    #[error("consistency proof from the saved checkpoint is invalid: {0}")]
    ConsistencyProof(ProofError),
}

/// A verification failure: the first bad entry index (if one is to blame) and why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct VerifyError {
    /// First bad entry index, or `None` for a failure of the log as a whole.
    pub index: Option<u64>,
    /// What went wrong.
    pub kind: VerifyErrorKind,
}

impl VerifyError {
    pub(crate) fn at(index: u64, kind: VerifyErrorKind) -> VerifyError {
        VerifyError {
            index: Some(index),
            kind,
        }
    }

    pub(crate) fn log(kind: VerifyErrorKind) -> VerifyError {
        VerifyError { index: None, kind }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(f, "entry {i}: {}", self.kind),
            None => write!(f, "log: {}", self.kind),
        }
    }
}
