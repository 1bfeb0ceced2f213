//! Typed errors of the crate, one enum per concern (STYLE §3).
//!
//! Every function that takes input from outside the process (decimal
//! strings, proof bytes, key files) returns one of these instead of
//! panicking, so the server can map each to a stable GraphQL error code
//! (DESIGN §5).

use thiserror::Error;

/// Why a field element could not be decoded (DESIGN §5: canonical or rejected).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FieldError {
    /// The decimal string was empty.
    #[error("empty field element string")]
    Empty,
    /// A character other than an ASCII digit appeared (signs, spaces, `0x`…).
    #[error("field element contains a non-digit character at byte {position}")]
    NonDigit {
        /// Byte offset of the first offending character.
        position: usize,
    },
    /// The string had a leading zero (only `"0"` itself may start with `0`).
    #[error("field element has a leading zero")]
    LeadingZero,
    /// The value is not below the BN254 scalar field modulus `r`.
    #[error("field element is not below the BN254 scalar field modulus")]
    NotBelowModulus,
}

/// Why a circuit parameter set (depth `D`, slot bits `q`) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParamsError {
    /// The tree depth is outside the supported range.
    #[error("tree depth {depth} is outside the supported range 1..={max}")]
    Depth {
        /// The requested depth.
        depth: usize,
        /// The largest supported depth.
        max: usize,
    },
    /// The number of slot bits is outside the supported range.
    #[error("slot bits {slot_bits} is outside the supported range 1..={max}")]
    SlotBits {
        /// The requested number of slot bits.
        slot_bits: usize,
        /// The largest supported number of slot bits.
        max: usize,
    },
}

/// Why a membership tree operation failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TreeError {
    /// The tree already holds `2^D` leaves.
    #[error("the membership tree is full ({capacity} leaves)")]
    Full {
        /// Number of leaves the tree can hold.
        capacity: u64,
    },
    /// The leaf is `0`, the empty-leaf value, which would let anyone prove membership (DESIGN §8).
    #[error("the empty leaf value 0 cannot be registered")]
    ZeroLeaf,
    /// The leaf is already in the tree (DESIGN §8: refuse duplicates).
    #[error("the commitment is already a member (leaf {index})")]
    Duplicate {
        /// Index of the existing leaf.
        index: u64,
    },
    /// The requested leaf index has not been appended yet.
    #[error("leaf index {index} is out of range (tree has {len} leaves)")]
    IndexOutOfRange {
        /// The requested index.
        index: u64,
        /// Number of leaves in the tree.
        len: u64,
    },
    /// The tree depth is outside the supported range.
    #[error(transparent)]
    Params(#[from] ParamsError),
}

/// Why a query digest could not be computed.
#[derive(Debug, Error)]
pub enum StatementError {
    /// The GraphQL variables could not be serialized as RFC 8785 JSON.
    #[error("variables cannot be canonicalized (RFC 8785): {0}")]
    Canonicalize(#[from] serde_json::Error),
}

/// Why key generation, writing or loading failed.
#[derive(Debug, Error)]
pub enum KeyError {
    /// Reading or writing the key file failed.
    #[error("key file I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// The file does not start with the expected magic bytes (wrong file or wrong key kind).
    #[error("not a zkcity {expected} key file")]
    BadMagic {
        /// The key kind that was expected ("proving" or "verifying").
        expected: &'static str,
    },
    /// The file's format version is not one this build reads.
    #[error("unsupported key file format version {0}")]
    UnsupportedVersion(u16),
    /// The key was made for another circuit shape (DESIGN §4: `D`, `q` fixed at setup).
    #[error("key is for depth {found_depth} / slot bits {found_slot_bits}, expected depth {expected_depth} / slot bits {expected_slot_bits}")]
    ParamsMismatch {
        /// Depth the caller expected.
        expected_depth: usize,
        /// Slot bits the caller expected.
        expected_slot_bits: usize,
        /// Depth recorded in the key file.
        found_depth: usize,
        /// Slot bits recorded in the key file.
        found_slot_bits: usize,
    },
    /// The proving key's size does not fit the circuit for the expected `(D, q)` (edited header or foreign key).
    #[error(
        "proving key has {found} variables, the circuit for the expected parameters has {expected}"
    )]
    ShapeMismatch {
        /// Variable count of the expected circuit.
        expected: usize,
        /// Variable count the key was made for.
        found: usize,
    },
    /// The key bytes are malformed: truncated, trailing data, or a point off the curve / outside the subgroup.
    #[error("invalid key encoding: {0}")]
    Encoding(#[from] ark_serialize::SerializationError),
    /// The key bytes continue after the serialized key.
    #[error("key file has {0} trailing bytes")]
    TrailingBytes(usize),
    /// The verifying key does not have exactly 4 public inputs (root, e, n, m).
    #[error("verifying key has {found} public inputs, expected 4")]
    PublicInputCount {
        /// Number of public inputs the key supports.
        found: usize,
    },
    /// The proving key's `h` query does not fit the circuit's QAP domain for its reduction.
    #[error("proving key has {found} h-query points, the circuit's domain needs {expected}")]
    DomainMismatch {
        /// Points the circuit's domain needs.
        expected: usize,
        /// Points in the key.
        found: usize,
    },
    /// The version-2 origin block is malformed.
    #[error("invalid key origin: {0}")]
    Origin(&'static str),
    /// The parameters recorded in the header are not supported.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// Groth16 setup failed while synthesizing the circuit.
    #[error("circuit synthesis failed during setup: {0}")]
    Synthesis(ark_relations::gr1cs::SynthesisError),
}

/// Why a proof could not be decoded from its 128 compressed bytes (DESIGN §5 `MALFORMED_PROOF`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofDecodeError {
    /// The input is not exactly 128 bytes.
    #[error("proof must be exactly 128 bytes, got {0}")]
    WrongLength(usize),
    /// A point is not canonically encoded, not on the curve, or not in the prime-order subgroup.
    #[error("proof contains an invalid curve point")]
    InvalidPoint,
}

/// Why proving or verifying failed (as opposed to a proof that is simply invalid).
#[derive(Debug, Error)]
pub enum ProofError {
    /// The slot is not below `2^q` (DESIGN §4 range check).
    #[error("slot {slot} is not below 2^{slot_bits}")]
    SlotOutOfRange {
        /// The requested slot.
        slot: u64,
        /// The key's number of slot bits `q`.
        slot_bits: usize,
    },
    /// The Merkle path's length is not the key's depth `D`.
    #[error("Merkle path has {found} levels, the key expects depth {expected}")]
    PathDepth {
        /// Depth of the proving key.
        expected: usize,
        /// Length of the supplied path.
        found: usize,
    },
    /// Not exactly 4 public inputs were supplied (DESIGN §8: ark-groth16 does not check).
    #[error("expected exactly 4 public inputs (root, e, n, m), got {0}")]
    PublicInputCount(usize),
    /// The witness does not satisfy the circuit; proving would yield an invalid proof.
    #[error("witness does not satisfy the circuit at {0}")]
    Unsatisfied(String),
    /// The Groth16 prover or verifier reported a synthesis error.
    #[error("Groth16 failed: {0}")]
    Synthesis(ark_relations::gr1cs::SynthesisError),
    /// The key and the request disagree on the circuit parameters.
    #[error(transparent)]
    Params(#[from] ParamsError),
}

/// Why a snarkjs file could not be read, or a `.zkey` was refused for this
/// circuit (DESIGN §5 amendment "Keys from a ceremony").
#[derive(Debug, Error)]
pub enum SnarkjsError {
    /// The file does not start with the format's magic bytes.
    #[error("not a {0} file (wrong magic bytes)")]
    BadMagic(&'static str),
    /// The container version is not 1.
    #[error("unsupported container version {0}")]
    UnsupportedVersion(u32),
    /// A section type this format does not have.
    #[error("unknown section type {0}")]
    UnknownSection(u32),
    /// A section given twice.
    #[error("section {0} appears twice")]
    DuplicateSection(u32),
    /// A section the format requires is absent.
    #[error("the {0} section is missing")]
    MissingSection(&'static str),
    /// The file ends inside the named part: truncated or damaged.
    #[error("the file is truncated (in the {0})")]
    Truncated(&'static str),
    /// The named part has bytes after its last field.
    #[error("unexpected bytes after the {0}")]
    TrailingBytes(&'static str),
    /// The zkey is for another proof system (PLONK, FFLONK).
    #[error("the zkey is not a Groth16 key")]
    NotGroth16,
    /// The zkey's field moduli are not BN254's.
    #[error("the zkey is not over BN254 (bn128)")]
    NotBn254,
    /// A count in the header disagrees with a section's size, or is absurd.
    #[error("the zkey's counts do not match its sections")]
    Counts,
    /// A field element at or above its modulus: refused, never reduced.
    #[error("a field element is not below the modulus")]
    NonCanonical,
    /// A point's coordinates do not satisfy the curve equation.
    #[error("a point is not on the curve")]
    NotOnCurve,
    /// A G2 point outside the prime-order subgroup.
    #[error("a point is not in the prime-order subgroup")]
    NotInSubgroup,
    /// α, β, γ or δ is the point at infinity.
    #[error("a fixed key point is the point at infinity")]
    PointAtInfinity,
    /// The phase-2 transcript is malformed.
    #[error("bad phase-2 contribution record: {0}")]
    Contribution(String),
    /// The zkey was made for a circuit of another shape.
    #[error("the zkey is for another circuit: it has {found} {what}, this circuit has {expected} (check --depth and --slot-bits)")]
    OtherCircuit {
        /// What differs (wires, public inputs, domain size, coefficients).
        what: &'static str,
        /// This circuit's value.
        expected: usize,
        /// The zkey's value.
        found: usize,
    },
    /// Same shape, different constraints.
    #[error("the zkey is for another circuit: its constraint coefficients differ from this circuit's R1CS (first difference at entry {0})")]
    CoefficientMismatch(usize),
    /// No phase-2 contribution: δ is the generator and anyone can forge proofs.
    #[error("the zkey has no phase-2 contribution: its δ is public and anyone could forge proofs; run `snarkjs zkey contribute` (and a beacon) first")]
    NoContributions,
    /// The key's δ is not the last contribution's.
    #[error("the zkey's δ is not the one its last contribution produced")]
    DeltaMismatch,
    /// A proof made with the imported key does not verify with it.
    #[error("a test proof made with the imported key does not verify: the key does not match this circuit")]
    SampleProof,
    /// The key failed zkcity's own key checks.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Proving the sample statement failed.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// Building the sample statement's tree failed.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// Building the circuit's R1CS failed.
    #[error("circuit synthesis failed: {0}")]
    Synthesis(ark_relations::gr1cs::SynthesisError),
}
