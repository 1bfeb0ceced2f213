//! The gate's refusals, each with the stable `extensions.code` of DESIGN §5.
//! Messages say what was wrong with the request, never anything about who
//! sent it, and never echo the submitted values.

use async_graphql::ServerError;

use crate::graphql::error::coded;

/// Why the gate refused a request. A refused request wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateError {
    /// The operation touches a protected unit and carries no `extensions.zkcity`.
    ProofRequired(String),
    /// The envelope or proof bytes are unusable (bad base64, length, point, field type, `v`).
    MalformedProof(String),
    /// A field element is not a canonical decimal below the modulus.
    NonCanonical(&'static str),
    /// The epoch is neither the current one nor the one before.
    StaleEpoch { epoch: u64, current: u64 },
    /// The root is not among the last `R` membership roots.
    UnknownRoot,
    /// The proof does not verify for `root, e, n, m` of the request received.
    InvalidProof,
    /// The nullifier was used before.
    NullifierReused,
    /// The log or the verifier could not be used; details are in the server log.
    Unavailable(&'static str),
}

impl GateError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            GateError::ProofRequired(_) => "PROOF_REQUIRED",
            GateError::MalformedProof(_) => "MALFORMED_PROOF",
            GateError::NonCanonical(_) => "NON_CANONICAL_FIELD_ELEMENT",
            GateError::StaleEpoch { .. } => "STALE_EPOCH",
            GateError::UnknownRoot => "UNKNOWN_ROOT",
            GateError::InvalidProof => "INVALID_PROOF",
            GateError::NullifierReused => "NULLIFIER_REUSED",
            GateError::Unavailable(code) => code,
        }
    }

    /// The message shown to the client.
    pub fn message(&self) -> String {
        match self {
            GateError::ProofRequired(units) => {
                format!("this operation reads the {units} unit(s), which require an anonymous proof in extensions.zkcity")
            }
            GateError::MalformedProof(why) => format!("malformed extensions.zkcity: {why}"),
            GateError::NonCanonical(field) => {
                format!("extensions.zkcity.{field} is not a canonical field element (decimal digits, no leading zero, below the modulus)")
            }
            GateError::StaleEpoch { epoch, current } => {
                format!("epoch {epoch} is not accepted; the current epoch is {current} (the previous one is also accepted)")
            }
            GateError::UnknownRoot => {
                "the membership root is not among the recent roots".to_owned()
            }
            GateError::InvalidProof => "the proof does not verify for this request".to_owned(),
            GateError::NullifierReused => "the nullifier was already used".to_owned(),
            GateError::Unavailable(_) => {
                "the audit log is unavailable; nothing was recorded".to_owned()
            }
        }
    }

    /// As a GraphQL error with `extensions.code`.
    pub fn to_server_error(&self) -> ServerError {
        coded(self.code(), self.message()).into_server_error(async_graphql::Pos::default())
    }
}
