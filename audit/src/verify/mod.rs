//! The streaming offline verifier (DESIGN §6), a numbered checklist (STYLE §16).
//!
//! Entries are pushed in log order; each push runs, in order:
//!
//! 0. resolve a pending chain break (see below) with this entry's `prev`;
//! 1. index is the next expected one ([`VerifyErrorKind::IndexGap`] / `IndexReorder`);
//! 2. encoding: raw bytes re-encode identically, and a stored leaf hash, if the
//!    export carries one, equals the entry's ([`VerifyErrorKind::Reencoding`],
//!    [`VerifyErrorKind::LeafHashMismatch`]); with saved leaves of an earlier
//!    run, the leaf is unchanged ([`VerifyErrorKind::ForkedEntry`]);
//! 3. chain link: `prev` equals the previous entry's chain hash, and the
//!    timestamp is not before the previous entry's
//!    ([`VerifyErrorKind::TimestampDecreased`], DESIGN §6 amendment);
//! 4. member commitment non-zero and new; query nullifier never seen;
//! 5. with an [`EpochRule`] ([`LogVerifier::with_epoch_rule`]): a query's epoch
//!    is one the server could accept at the entry's timestamp — the current or
//!    previous epoch, and within the rule's grace after a boundary the one
//!    before ([`VerifyErrorKind::StaleEpoch`], [`VerifyErrorKind::FutureEpoch`]);
//! 6. the [`QueryAuthorizer`] (proofs, membership roots — circuits crate);
//! 7. append the leaf hash to the in-memory RFC 6962 tree;
//! 8. at the saved checkpoint's size: recomputed root and chain head equal the
//!    saved ones (fork detection).
//!
//! [`LogVerifier::finish`] then checks: no pending break, no rollback below the
//! saved size, origin, size, recomputed root against the signed checkpoint, the
//! server's consistency proof (if given), and the authorizer's deferred checks.
//!
//! **Naming the altered entry.** When entry `k`'s `prev` does not match the hash
//! of entry `k-1`, either `k-1`'s content or `k`'s `prev` was changed. The
//! verifier looks one entry ahead: if entry `k+1` still links to entry `k`, entry
//! `k` is intact and `k-1` was altered ([`VerifyErrorKind::EntryAltered`] at
//! `k-1`); otherwise `k` is to blame ([`VerifyErrorKind::ChainBroken`] at `k`).
//!
//! **Resuming from a saved checkpoint.** The verifier always re-reads the log
//! from genesis and checks that its prefix reproduces the saved [`TrustedState`]
//! (root and chain head) — the strongest option, and the only one that keeps
//! nullifier and member uniqueness complete across runs. Callers key the saved
//! state by origin and pinned key, never by what a server reports (DESIGN §8).

mod authorizer;
mod epoch;
mod error;
mod finish;
mod state;

pub use authorizer::{NoAuthorizer, QueryAuthorizer};
pub use epoch::{EpochRule, EpochViolation};
pub use error::{VerifyError, VerifyErrorKind};
pub use state::{SavedState, Summary, TrustedState};

use crate::checkpoint::Checkpoint;
use crate::entry::{chain_hash_of, Entry, EntryKind, GENESIS_PREV};
use crate::error::EntryError;
use crate::merkle::{leaf_hash, Hash, MemoryTree};
use crate::note::LogVerifierKey;
use crate::record::EntryRecord;
use std::collections::HashMap;
use VerifyErrorKind as K;

/// Streaming verifier of one log, identified by its origin.
#[derive(Debug)]
pub struct LogVerifier<A: QueryAuthorizer = NoAuthorizer> {
    origin: String,
    trusted: Option<TrustedState>,
    authorizer: A,
    /// Step 5's rule; `None` leaves epochs unchecked (opt-in for callers
    /// that do not know the deployment's epoch length).
    epoch_rule: Option<EpochRule>,
    tree: MemoryTree,
    chain_head: Hash,
    members: HashMap<[u8; 32], u64>,
    nullifiers: HashMap<[u8; 32], u64>,
    last_timestamp_ms: Option<i64>,
    /// Leaf hashes verified in an earlier run, to name the first forked entry.
    saved_leaves: Option<Vec<Hash>>,
    /// Entry whose incoming chain link is broken, awaiting its successor.
    pending_break: Option<u64>,
    failed: Option<VerifyError>,
}

impl LogVerifier<NoAuthorizer> {
    /// A verifier for `origin`, optionally resuming from a saved checkpoint.
    pub fn new(origin: &str, trusted: Option<TrustedState>) -> Self {
        LogVerifier::with_authorizer(origin, trusted, NoAuthorizer)
    }
}

impl<A: QueryAuthorizer> LogVerifier<A> {
    /// A verifier that also asks `authorizer` about every entry.
    pub fn with_authorizer(origin: &str, trusted: Option<TrustedState>, authorizer: A) -> Self {
        LogVerifier {
            origin: origin.to_owned(),
            trusted,
            authorizer,
            epoch_rule: None,
            tree: MemoryTree::new(),
            chain_head: GENESIS_PREV,
            members: HashMap::new(),
            nullifiers: HashMap::new(),
            last_timestamp_ms: None,
            saved_leaves: None,
            pending_break: None,
            failed: None,
        }
    }

    /// Adds the leaf hashes of the earlier run ([`MemoryTree::leaf_hashes`] of its
    /// verifier) so a fork is named at its first differing entry rather than
    /// only detected at the saved size. They must reproduce the saved state.
    pub fn with_saved_leaves(mut self, leaves: Vec<Hash>) -> Result<Self, VerifyError> {
        let consistent = self.trusted.as_ref().is_some_and(|t| {
            t.size == leaves.len() as u64 && crate::merkle::root_from_leaves(&leaves) == t.root
        });
        if !consistent {
            return Err(VerifyError::log(K::SavedStateInvalid));
        }
        self.saved_leaves = Some(leaves);
        Ok(self)
    }

    /// Checks every query entry's epoch against its timestamp (step 5).
    /// The caller supplies the epoch length (DESIGN §4 default 3600 s): never
    /// a value the server reports about itself (DESIGN §8).
    pub fn with_epoch_rule(mut self, rule: EpochRule) -> Self {
        self.epoch_rule = Some(rule);
        self
    }

    /// Entries verified so far (also the next expected index).
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// The recomputed tree, e.g. to check receipts' inclusion proofs.
    pub fn tree(&self) -> &MemoryTree {
        &self.tree
    }

    /// The authorizer, e.g. to read what it collected.
    pub fn authorizer(&self) -> &A {
        &self.authorizer
    }

    /// Pushes the next entry.
    pub fn push(&mut self, entry: &Entry) -> Result<(), VerifyError> {
        self.guard()?;
        let result = self.run_checklist(entry, None);
        self.remember(result)
    }

    /// Pushes the next entry as canonical bytes (strictly decoded).
    pub fn push_bytes(&mut self, bytes: &[u8]) -> Result<(), VerifyError> {
        self.guard()?;
        let result = self
            .decode_bytes(bytes)
            .and_then(|e| self.run_checklist(&e, None));
        self.remember(result)
    }

    /// Pushes the next entry as an NDJSON export record: its fields, and its
    /// `bytes` and `leafHash` when present, must all agree.
    pub fn push_record(&mut self, record: &EntryRecord) -> Result<(), VerifyError> {
        self.guard()?;
        let result = self
            .decode_record(record)
            .and_then(|(e, stored)| self.run_checklist(&e, stored));
        self.remember(result)
    }

    /// Verifies a signed checkpoint note with the pinned key, then [`Self::finish`].
    pub fn finish_note(
        &mut self,
        note: &str,
        key: &LogVerifierKey,
        consistency_proof: Option<&[Hash]>,
    ) -> Result<Summary, VerifyError> {
        self.guard()?;
        let opened = key
            .open(note)
            .map_err(|e| VerifyError::log(K::BadSignature(e)));
        let result = opened.and_then(|cp| self.finish_checks(&cp, consistency_proof));
        self.remember(result)
    }

    /// Ends verification against a checkpoint whose signature was already checked.
    pub fn finish(&mut self, checkpoint: &Checkpoint) -> Result<Summary, VerifyError> {
        self.finish_with_proof(checkpoint, None)
    }

    /// Like [`Self::finish`], also checking the server's consistency proof from
    /// the saved checkpoint to this one.
    pub fn finish_with_proof(
        &mut self,
        checkpoint: &Checkpoint,
        consistency_proof: Option<&[Hash]>,
    ) -> Result<Summary, VerifyError> {
        self.guard()?;
        let result = self.finish_checks(checkpoint, consistency_proof);
        self.remember(result)
    }

    fn guard(&self) -> Result<(), VerifyError> {
        self.failed.clone().map_or(Ok(()), Err)
    }

    /// Once a check failed, every later call reports that first failure.
    fn remember<T>(&mut self, result: Result<T, VerifyError>) -> Result<T, VerifyError> {
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    fn decode_bytes(&self, bytes: &[u8]) -> Result<Entry, VerifyError> {
        let at = self.size();
        let entry = Entry::from_bytes(bytes).map_err(|e| VerifyError::at(at, K::Malformed(e)))?;
        // Step 2 for raw input: decoding is strict, so this holds; kept as the checklist item.
        if entry.to_bytes() != bytes {
            return Err(VerifyError::at(at, K::Reencoding));
        }
        Ok(entry)
    }

    fn decode_record(&self, record: &EntryRecord) -> Result<(Entry, Option<Hash>), VerifyError> {
        let at = self.size();
        let entry = record.to_entry().map_err(|e| match e {
            EntryError::BytesMismatch => VerifyError::at(at, K::Reencoding),
            other => VerifyError::at(at, K::Malformed(other)),
        })?;
        let stored = record
            .stored_leaf_hash()
            .map_err(|e| VerifyError::at(at, K::Malformed(e)))?;
        Ok((entry, stored))
    }

    fn run_checklist(
        &mut self,
        entry: &Entry,
        stored_leaf: Option<Hash>,
    ) -> Result<(), VerifyError> {
        let bytes = entry.to_bytes();
        self.step0_resolve_pending(entry)?;
        self.step1_index(entry)?;
        self.step2_stored_leaf(entry.index, &bytes, stored_leaf)?;
        self.step3_chain_link(entry)?;
        self.step4_uniqueness(entry)?;
        self.step5_epoch(entry)?;
        self.step6_authorize(entry)?;
        self.step7_append(entry, &bytes);
        self.step8_trusted_prefix()
    }

    fn step0_resolve_pending(&mut self, next: &Entry) -> Result<(), VerifyError> {
        let Some(k) = self.pending_break.take() else {
            return Ok(());
        };
        Err(if next.prev == self.chain_head {
            VerifyError::at(k - 1, K::EntryAltered)
        } else {
            VerifyError::at(k, K::ChainBroken)
        })
    }

    fn step1_index(&self, entry: &Entry) -> Result<(), VerifyError> {
        let expected = self.size();
        match entry.index {
            i if i == expected => Ok(()),
            i if i > expected => Err(VerifyError::at(expected, K::IndexGap { found: i })),
            i => Err(VerifyError::at(expected, K::IndexReorder { found: i })),
        }
    }

    fn step2_stored_leaf(
        &self,
        index: u64,
        bytes: &[u8],
        stored: Option<Hash>,
    ) -> Result<(), VerifyError> {
        let leaf = leaf_hash(bytes);
        if stored.is_some_and(|h| h != leaf) {
            return Err(VerifyError::at(index, K::LeafHashMismatch));
        }
        let saved = self
            .saved_leaves
            .as_ref()
            .and_then(|l| l.get(usize::try_from(index).ok()?));
        if saved.is_some_and(|h| *h != leaf) {
            return Err(VerifyError::at(index, K::ForkedEntry));
        }
        Ok(())
    }

    /// A broken link is not reported yet: the next entry tells which side was
    /// altered. Entry 0 has no predecessor, so its wrong `prev` is its own fault.
    fn step3_chain_link(&mut self, entry: &Entry) -> Result<(), VerifyError> {
        if entry.prev != self.chain_head {
            if entry.index == 0 {
                return Err(VerifyError::at(0, K::ChainBroken));
            }
            self.pending_break = Some(entry.index);
        }
        match self.last_timestamp_ms {
            Some(previous_ms) if entry.timestamp_ms < previous_ms => Err(VerifyError::at(
                entry.index,
                K::TimestampDecreased {
                    timestamp_ms: entry.timestamp_ms,
                    previous_ms,
                },
            )),
            _ => Ok(()),
        }
    }

    fn step4_uniqueness(&mut self, entry: &Entry) -> Result<(), VerifyError> {
        let i = entry.index;
        match &entry.kind {
            EntryKind::Member { commitment } => {
                if *commitment == [0u8; 32] {
                    return Err(VerifyError::at(i, K::ZeroMember));
                }
                if let Some(&first) = self.members.get(commitment) {
                    return Err(VerifyError::at(i, K::DuplicateMember { first }));
                }
                self.members.insert(*commitment, i);
            }
            EntryKind::Query(q) => {
                if let Some(&first) = self.nullifiers.get(&q.nullifier) {
                    return Err(VerifyError::at(i, K::DuplicateNullifier { first }));
                }
                self.nullifiers.insert(q.nullifier, i);
            }
        }
        Ok(())
    }

    fn step5_epoch(&self, entry: &Entry) -> Result<(), VerifyError> {
        let (Some(rule), EntryKind::Query(q)) = (&self.epoch_rule, &entry.kind) else {
            return Ok(());
        };
        let epoch = q.epoch;
        rule.check(epoch, entry.timestamp_ms).map_err(|v| {
            let kind = match v {
                EpochViolation::Stale { current, oldest } => K::StaleEpoch {
                    epoch,
                    current,
                    oldest,
                },
                EpochViolation::Future { current } => K::FutureEpoch { epoch, current },
            };
            VerifyError::at(entry.index, kind)
        })
    }

    fn step6_authorize(&mut self, entry: &Entry) -> Result<(), VerifyError> {
        let i = entry.index;
        let verdict = match &entry.kind {
            EntryKind::Member { commitment } => self.authorizer.observe_member(i, commitment),
            EntryKind::Query(q) => self.authorizer.observe_query(i, q),
        };
        verdict.map_err(|reason| VerifyError::at(i, K::Unauthorized(reason)))
    }

    fn step7_append(&mut self, entry: &Entry, bytes: &[u8]) {
        self.tree.append(leaf_hash(bytes));
        self.chain_head = chain_hash_of(bytes);
        self.last_timestamp_ms = Some(entry.timestamp_ms);
    }

    fn step8_trusted_prefix(&mut self) -> Result<(), VerifyError> {
        let Some(trusted) = &self.trusted else {
            return Ok(());
        };
        if trusted.size != self.size() {
            return Ok(());
        }
        if let Some(k) = self.pending_break.take() {
            // The saved chain head plays the role of the next entry's `prev`.
            let blame = if trusted.chain_head == self.chain_head {
                (k - 1, K::EntryAltered)
            } else {
                (k, K::ChainBroken)
            };
            return Err(VerifyError::at(blame.0, blame.1));
        }
        if self.tree.root() != trusted.root || self.chain_head != trusted.chain_head {
            return Err(VerifyError::log(K::Forked { size: trusted.size }));
        }
        Ok(())
    }
}
