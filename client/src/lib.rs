//! zkcity client crate: the requester and compliance sides of zkcity
//! (DESIGN §2). The protocol code both sides share with the server (the
//! query digest, field codecs, the circuit statement) is in `zkcity_circuits`
//! and `zkcity_audit`, not here.
//!
//! - [`anon`]: the requester side of anonymous queries (DESIGN §4, §5):
//!   identity files, the membership tree rebuilt locally, per-epoch slots,
//!   the Groth16 proof and envelope, one query end to end
//!   ([`anon::query::Requester`]), receipts and openings (`zkcity audit open`).
//! - [`proxy`]: the local privacy proxy (`zkcity proxy`): any GraphQL
//!   client's operations on gated units leave as anonymous, proven queries,
//!   with receipts kept in a local store ([`anon::store`]).
//! - [`audit`]: the compliance side (DESIGN §6): fetch a server's signed
//!   checkpoint and NDJSON export, verify the log offline from genesis
//!   (chain, RFC 6962 tree, signed checkpoint, uniqueness, membership roots
//!   and, with a verifying key, every Groth16 proof), detect rollback and
//!   forks against a saved state, and export the log to files
//!   ([`audit::verify`](fn@audit::verify), [`audit::export`](fn@audit::export)).

pub mod anon;
pub mod audit;
pub mod proxy;
