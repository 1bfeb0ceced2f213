//! Final checks, run by [`LogVerifier::finish`] once all entries were pushed
//! (DESIGN §6: signed checkpoint, rollback and fork detection).

use super::{
    LogVerifier, QueryAuthorizer, Summary, TrustedState, VerifyError, VerifyErrorKind as K,
};
use crate::checkpoint::Checkpoint;
use crate::merkle::{verify_consistency, Hash};

impl<A: QueryAuthorizer> LogVerifier<A> {
    pub(super) fn finish_checks(
        &mut self,
        cp: &Checkpoint,
        proof: Option<&[Hash]>,
    ) -> Result<Summary, VerifyError> {
        self.final1_no_pending_break()?;
        self.final2_no_rollback(cp)?;
        self.final3_origin(cp)?;
        self.final4_size_and_root(cp)?;
        self.final5_consistency_proof(cp, proof)?;
        self.final6_authorizer()?;
        Ok(self.summary())
    }

    /// Ends a run whose server refused to sign (DESIGN §6 amendment). The
    /// entries it serves were compared with the saved state as they were
    /// pushed (a forked entry is named there); this names what remains: a
    /// broken last link, a log ending below the saved size, or else the
    /// refusal itself. It is always a failure: an honest server signs.
    pub fn finish_unsigned(&mut self) -> VerifyError {
        if let Err(e) = self.final1_no_pending_break() {
            return e;
        }
        if let Some(trusted) = &self.trusted {
            let now = self.size();
            if now < trusted.size {
                return VerifyError::at(
                    now,
                    K::Truncated {
                        trusted: trusted.size,
                        now,
                    },
                );
            }
        }
        VerifyError::log(K::SignerRefused)
    }

    fn final1_no_pending_break(&mut self) -> Result<(), VerifyError> {
        // No successor to look at: blame the entry whose link is broken.
        match self.pending_break.take() {
            Some(k) => Err(VerifyError::at(k, K::ChainBroken)),
            None => Ok(()),
        }
    }

    fn final2_no_rollback(&self, cp: &Checkpoint) -> Result<(), VerifyError> {
        let Some(trusted) = &self.trusted else {
            return Ok(());
        };
        let now = self.size().min(cp.size);
        if now < trusted.size {
            return Err(VerifyError::at(
                now,
                K::Truncated {
                    trusted: trusted.size,
                    now,
                },
            ));
        }
        Ok(())
    }

    fn final3_origin(&self, cp: &Checkpoint) -> Result<(), VerifyError> {
        if cp.origin != self.origin {
            return Err(VerifyError::log(K::OriginMismatch {
                expected: self.origin.clone(),
                found: cp.origin.clone(),
            }));
        }
        Ok(())
    }

    fn final4_size_and_root(&self, cp: &Checkpoint) -> Result<(), VerifyError> {
        let entries = self.size();
        if entries != cp.size {
            let index = entries.min(cp.size);
            return Err(VerifyError::at(
                index,
                K::SizeMismatch {
                    entries,
                    checkpoint: cp.size,
                },
            ));
        }
        if self.tree.root() != cp.root {
            return Err(VerifyError::log(K::RootMismatch));
        }
        Ok(())
    }

    fn final5_consistency_proof(
        &self,
        cp: &Checkpoint,
        proof: Option<&[Hash]>,
    ) -> Result<(), VerifyError> {
        let (Some(trusted), Some(proof)) = (&self.trusted, proof) else {
            return Ok(());
        };
        verify_consistency(trusted.size, cp.size, &trusted.root, &cp.root, proof)
            .map_err(|e| VerifyError::log(K::ConsistencyProof(e)))
    }

    fn final6_authorizer(&mut self) -> Result<(), VerifyError> {
        self.authorizer
            .finish()
            .map_err(|(index, reason)| VerifyError::at(index, K::Unauthorized(reason)))
    }

    fn summary(&self) -> Summary {
        let state = TrustedState {
            size: self.size(),
            root: self.tree.root(),
            chain_head: self.chain_head,
        };
        Summary {
            members: self.members.len() as u64,
            queries: self.nullifiers.len() as u64,
            last_timestamp_ms: self.last_timestamp_ms,
            previous: self.trusted.clone(),
            state,
        }
    }
}
