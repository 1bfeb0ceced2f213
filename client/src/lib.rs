//! zkcity client crate: the compliance side of the audit log.
//!
//! - [`audit`]: fetch a server's signed checkpoint and NDJSON export, verify
//!   the log offline from genesis (chain, RFC 6962 tree, signed checkpoint,
//!   uniqueness, membership roots), detect rollback and forks against a saved
//!   state, and export the log to files ([`audit::verify`], [`audit::export`]).

pub mod anon;
pub mod audit;
