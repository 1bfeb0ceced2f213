//! Error types of the audit crate.
//!
//! Every decoder and verifier here returns one of these typed errors and
//! never panics on external input (STYLE §15).

use crate::merkle::NodeId;
use thiserror::Error;

/// Decoding an entry from its canonical bytes or its JSON record failed (DESIGN §6).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EntryError {
    /// The input is shorter than the fixed header (domain tag, index, timestamp, kind).
    #[error("entry too short: {len} bytes")]
    TooShort {
        /// Length of the input.
        len: usize,
    },
    /// The input does not start with the `"zkcity/audit/v1" 0x00` domain tag.
    #[error("entry does not start with the zkcity/audit/v1 domain tag")]
    BadDomainTag,
    /// The kind byte is neither 1 (member) nor 2 (query).
    #[error("unknown entry kind byte {0}")]
    UnknownKind(u8),
    /// The input length does not match the fixed length of its kind.
    #[error("{kind} entry must be {expected} bytes, got {found}")]
    BadLength {
        /// Kind name (`member` or `query`).
        kind: &'static str,
        /// Exact length required for that kind.
        expected: usize,
        /// Length of the input.
        found: usize,
    },
    /// A required JSON field is absent.
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// A JSON field belongs to the other entry kind.
    #[error("field `{0}` does not belong to this entry kind")]
    UnexpectedField(&'static str),
    /// A JSON field is not valid hex of the required length.
    #[error("field `{0}` is not {1} bytes of lowercase hex")]
    BadHex(&'static str, usize),
    /// The JSON `proof` field is not base64 of exactly 128 bytes.
    #[error("field `proof` is not standard base64 of 128 bytes")]
    BadProof,
    /// The JSON `kind` is neither `member` nor `query`.
    #[error("unknown entry kind `{0}`")]
    UnknownKindName(String),
    /// The raw `bytes` of a JSON record disagree with its decoded fields.
    #[error("entry `bytes` do not match the entry's fields")]
    BytesMismatch,
    /// The JSON text itself is malformed.
    #[error("malformed entry JSON: {0}")]
    Json(String),
}

/// Reading the stored Merkle nodes needed by an operation failed (DESIGN §6).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TreeError {
    /// The storage did not return a node that the plan asked for.
    #[error("stored Merkle node level {} index {} is missing", .0.level, .0.index)]
    MissingNode(NodeId),
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// Requested leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// A consistency proof was requested from a larger to a smaller tree.
    #[error("cannot prove consistency from size {old} to smaller size {new}")]
    SizesReversed {
        /// Old (first) tree size.
        old: u64,
        /// New (second) tree size.
        new: u64,
    },
}

/// An inclusion or consistency proof did not verify (RFC 9162 §2.1.3.2, §2.1.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// Leaf index claimed by the proof.
        index: u64,
        /// Tree size claimed by the proof.
        size: u64,
    },
    /// The proof has more or fewer hashes than the tree shape requires.
    #[error("proof has the wrong number of hashes for these sizes")]
    WrongLength,
    /// The root recomputed from the proof differs from the expected root.
    #[error("proof does not lead to the expected root")]
    RootMismatch,
    /// The old size is larger than the new size.
    #[error("old size {old} is larger than new size {new}")]
    SizesReversed {
        /// Old (first) tree size.
        old: u64,
        /// New (second) tree size.
        new: u64,
    },
}

/// A tlog checkpoint body is malformed (C2SP tlog-checkpoint).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckpointError {
    /// The body does not end with a newline.
    #[error("checkpoint must end with a newline")]
    MissingFinalNewline,
    /// The body does not have exactly the origin, size and root lines.
    #[error("checkpoint must have exactly 3 lines (origin, size, root)")]
    WrongLineCount,
    /// The origin line is empty or contains control characters.
    #[error("checkpoint origin is empty or contains control characters")]
    BadOrigin,
    /// The size line is not a canonical decimal u64.
    #[error("checkpoint size is not a canonical decimal number")]
    BadSize,
    /// The root line is not standard base64 of 32 bytes.
    #[error("checkpoint root is not base64 of 32 bytes")]
    BadRoot,
}

/// A signed note, key or key file is malformed or its signature fails (C2SP signed-note).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoteError {
    /// The key name is empty or contains whitespace or `+`.
    #[error("key name is empty or contains whitespace or '+'")]
    BadKeyName,
    /// The key string does not have the expected `+`-separated parts.
    #[error("malformed key string")]
    MalformedKey,
    /// The key id in the key string does not match the key it names.
    #[error("key id does not match the key")]
    KeyIdMismatch,
    /// The key uses an algorithm other than Ed25519 (type byte 0x01).
    #[error("unsupported key algorithm")]
    UnsupportedAlgorithm,
    /// The public key bytes are not a valid Ed25519 point.
    #[error("invalid Ed25519 public key")]
    BadPublicKey,
    /// The note text is not followed by a blank line and signature lines.
    #[error("malformed note: text and signatures must be separated by a blank line")]
    Malformed,
    /// The note text contains a control character other than newline.
    #[error("note text contains control characters")]
    ControlCharacter,
    /// A signature line is not `— name base64`.
    #[error("malformed signature line")]
    BadSignatureLine,
    /// The note carries more signature lines than a verifier reads.
    #[error("too many signatures")]
    TooManySignatures,
    /// No signature line carries the pinned key's name and key id.
    #[error("note is not signed by the pinned key")]
    UnknownKey,
    /// The signature from the pinned key does not verify.
    #[error("signature from the pinned key is invalid")]
    BadSignature,
    /// The signed text is not a valid checkpoint.
    #[error("signed text is not a checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// Writing or reading a key file failed.
    #[error("key file: {0}")]
    Io(String),
}
