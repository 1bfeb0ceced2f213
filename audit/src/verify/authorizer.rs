//! Extension point for query authorization (DESIGN §6: "every proof (batched
//! where possible); every query's root was a membership root at or before its
//! entry").
//!
//! Checking a Groth16 proof and rebuilding the Poseidon membership tree needs
//! the circuits crate, so the verifier only calls this trait in log order; an
//! implementation may defer work (e.g. collect proofs and batch-verify them in
//! [`QueryAuthorizer::finish`]) and report the first failing index there.

use crate::entry::QueryFields;

/// Observes every entry in log order and decides whether queries were authorized.
pub trait QueryAuthorizer {
    /// Called for each member entry after the log-level checks passed;
    /// `Err(reason)` fails verification at `index`.
    fn observe_member(&mut self, index: u64, commitment: &[u8; 32]) -> Result<(), String> {
        let _ = (index, commitment);
        Ok(())
    }

    /// Called for each query entry after the log-level checks passed;
    /// `Err(reason)` fails verification at `index`.
    fn observe_query(&mut self, index: u64, query: &QueryFields) -> Result<(), String> {
        let _ = (index, query);
        Ok(())
    }

    /// Called once all entries were seen, for deferred (batched) checks;
    /// `Err((index, reason))` names the first unauthorized entry.
    fn finish(&mut self) -> Result<(), (u64, String)> {
        Ok(())
    }
}

/// Authorizer that accepts every entry: log integrity is still fully checked,
/// but proofs and membership roots are not.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuthorizer;

impl QueryAuthorizer for NoAuthorizer {}
