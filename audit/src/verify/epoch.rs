//! Checklist step 5: a query's epoch was one the server could accept when it
//! logged the entry (DESIGN §4: `e = floor(unix_seconds / epoch_seconds)`, the
//! server accepts the current epoch and the one before).
//!
//! Without this step a server that accepts stale epochs — letting a member
//! reuse old epochs' nullifiers and exceed its per-epoch rate limit — leaves a
//! log that verifies.
//!
//! **Why a grace window.** The server checks the epoch against its clock when
//! the request arrives (`api/src/gate`, time `t1`) and stamps the entry with
//! the same clock when the append transaction builds it (`ledger/`,
//! time `ts >= t1`, after proof verification and the append queue). Because
//! one clock does both, skew between the server and the auditor is
//! irrelevant: the auditor never reads its own clock. But `t1` is not logged,
//! so when an epoch boundary falls between `t1` and `ts`, an honest server
//! logs an entry whose epoch is *two* behind the epoch of its timestamp. The
//! exact rule for a server whose appends take at most `grace` is therefore
//!
//! ```text
//! epoch_at(ts - grace) - 1  <=  e  <=  epoch_at(ts)
//! ```
//!
//! which is `{current, previous}` at `ts` except during the first `grace`
//! of an epoch. An epoch after `epoch_at(ts)` is never accepted by the gate,
//! so it is reported too (only a clock stepped back between check and stamp
//! would produce one honestly).

use std::num::NonZeroU64;

/// How the verifier checks each query entry's epoch against its timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochRule {
    epoch_seconds: NonZeroU64,
    grace_ms: u64,
}

/// Why a query entry's epoch is implausible at its timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochViolation {
    /// Older than the previous epoch at the timestamp (less the grace).
    Stale {
        /// Epoch of the timestamp.
        current: u64,
        /// Oldest epoch the server could have accepted.
        oldest: u64,
    },
    /// After the epoch of the timestamp: the gate never accepts it.
    Future {
        /// Epoch of the timestamp.
        current: u64,
    },
}

impl EpochRule {
    /// DESIGN §4's default epoch length.
    pub const DEFAULT_EPOCH_SECONDS: NonZeroU64 = match NonZeroU64::new(3600) {
        Some(n) => n,
        None => unreachable!(),
    };
    /// Default longest time between the gate's epoch check and the entry's
    /// timestamp: twice the server's default request timeout (30 s). An
    /// append queued behind the log lock still commits after the requester
    /// gave up, so this is a judgement, not a bound the server enforces.
    pub const DEFAULT_GRACE_MS: u64 = 60_000;

    /// The rule for epochs of `epoch_seconds`, with the default grace.
    pub fn new(epoch_seconds: NonZeroU64) -> EpochRule {
        EpochRule {
            epoch_seconds,
            grace_ms: EpochRule::DEFAULT_GRACE_MS,
        }
    }

    /// Sets the longest delay between the epoch check and the timestamp that
    /// an honest server may take (0: the strict `{current, previous}` rule).
    pub fn with_grace_ms(mut self, grace_ms: u64) -> EpochRule {
        self.grace_ms = grace_ms;
        self
    }

    /// Epoch length in seconds.
    pub fn epoch_seconds(&self) -> NonZeroU64 {
        self.epoch_seconds
    }

    /// Grace in milliseconds.
    pub fn grace_ms(&self) -> u64 {
        self.grace_ms
    }

    /// The epoch of a timestamp, as the server computes it: whole seconds
    /// since 1970, and epoch 0 for a clock before 1970 (the gate's
    /// `current_epoch` falls back to 0 there).
    pub fn epoch_at(&self, timestamp_ms: i64) -> u64 {
        let secs = u64::try_from(timestamp_ms.max(0) / 1000).unwrap_or(0);
        secs / self.epoch_seconds.get()
    }

    /// Whether `epoch` could have been accepted by a server that stamped its
    /// entry `timestamp_ms` (module docs).
    pub fn check(&self, epoch: u64, timestamp_ms: i64) -> Result<(), EpochViolation> {
        let current = self.epoch_at(timestamp_ms);
        let grace = i64::try_from(self.grace_ms).unwrap_or(i64::MAX);
        let oldest = self
            .epoch_at(timestamp_ms.saturating_sub(grace))
            .saturating_sub(1);
        if epoch > current {
            Err(EpochViolation::Future { current })
        } else if epoch < oldest {
            Err(EpochViolation::Stale { current, oldest })
        } else {
            Ok(())
        }
    }
}

impl Default for EpochRule {
    /// DESIGN §4's 3600 s epochs with the default grace.
    fn default() -> EpochRule {
        EpochRule::new(EpochRule::DEFAULT_EPOCH_SECONDS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Entry, EntryKind, QueryFields, GENESIS_PREV};
    use crate::verify::{LogVerifier, VerifyError, VerifyErrorKind};

    const HOUR_MS: i64 = 3_600_000;
    /// Start of epoch 480 000 (3600 s epochs): a boundary.
    const BOUNDARY_MS: i64 = 480_000 * HOUR_MS;

    fn strict() -> EpochRule {
        EpochRule::default().with_grace_ms(0)
    }

    /// A verifier with `rule` fed query entries `(epoch, timestamp_ms)` in
    /// order; the first failure, if any.
    fn run(rule: EpochRule, queries: &[(u64, i64)]) -> Result<(), VerifyError> {
        let mut verifier = LogVerifier::new("o", None).with_epoch_rule(rule);
        let mut prev = GENESIS_PREV;
        for (index, &(epoch, timestamp_ms)) in (0u64..).zip(queries) {
            let entry = Entry {
                index,
                timestamp_ms,
                kind: EntryKind::Query(QueryFields {
                    root: [1; 32],
                    epoch,
                    nullifier: [index as u8 + 1; 32],
                    m: [2; 32],
                    proof: [3; 128],
                }),
                prev,
            };
            prev = entry.chain_hash();
            verifier.push(&entry)?;
        }
        Ok(())
    }

    fn kind_at(result: Result<(), VerifyError>, index: u64) -> VerifyErrorKind {
        match result {
            Err(e) if e.index == Some(index) => e.kind,
            other => panic!("expected a failure at entry {index}, got {other:?}"),
        }
    }

    #[test]
    fn current_and_previous_epochs_pass() {
        let mid = BOUNDARY_MS + HOUR_MS / 2;
        assert_eq!(run(strict(), &[(480_000, mid), (479_999, mid + 1)]), Ok(()));
    }

    #[test]
    fn two_epochs_old_fails_naming_the_entry() {
        let mid = BOUNDARY_MS + HOUR_MS / 2;
        let result = run(
            EpochRule::default(),
            &[
                (480_000, mid),
                (479_999, mid),
                (479_998, mid),
                (480_000, mid),
            ],
        );
        let kind = kind_at(result.clone(), 2);
        assert_eq!(
            kind,
            VerifyErrorKind::StaleEpoch {
                epoch: 479_998,
                current: 480_000,
                oldest: 479_999
            }
        );
        let text = result.map_err(|e| e.to_string()).err().unwrap_or_default();
        assert_eq!(
            text,
            "entry 2: query epoch 479998 is not the current (480000) or previous epoch \
             at its timestamp (oldest acceptable: 479999)"
        );
    }

    #[test]
    fn a_future_epoch_fails_naming_the_entry() {
        let mid = BOUNDARY_MS + HOUR_MS / 2;
        let kind = kind_at(run(strict(), &[(480_000, mid), (480_001, mid)]), 1);
        assert_eq!(
            kind,
            VerifyErrorKind::FutureEpoch {
                epoch: 480_001,
                current: 480_000
            }
        );
        // The grace only widens the past: the last millisecond before a
        // boundary still refuses the next epoch.
        let kind = kind_at(run(EpochRule::default(), &[(480_000, BOUNDARY_MS - 1)]), 0);
        assert!(
            matches!(kind, VerifyErrorKind::FutureEpoch { .. }),
            "{kind:?}"
        );
    }

    #[test]
    fn epoch_boundaries_follow_the_timestamp_to_the_millisecond() {
        let rule = strict();
        assert_eq!(rule.epoch_at(BOUNDARY_MS - 1), 479_999);
        assert_eq!(rule.epoch_at(BOUNDARY_MS), 480_000);
        // Just before the boundary 479 998 is the previous epoch; at it, stale.
        assert_eq!(run(rule, &[(479_998, BOUNDARY_MS - 1)]), Ok(()));
        assert_eq!(run(rule, &[(480_000, BOUNDARY_MS)]), Ok(()));
        let kind = kind_at(
            run(rule, &[(479_999, BOUNDARY_MS), (479_998, BOUNDARY_MS)]),
            1,
        );
        assert!(
            matches!(kind, VerifyErrorKind::StaleEpoch { .. }),
            "{kind:?}"
        );
    }

    /// An honest server that checked 479 998 just before the boundary (when
    /// it was the previous epoch) and stamped the entry just after it.
    #[test]
    fn the_grace_covers_a_check_before_and_a_stamp_after_a_boundary() {
        let rule = EpochRule::default().with_grace_ms(1_000);
        assert_eq!(run(rule, &[(479_998, BOUNDARY_MS + 999)]), Ok(()));
        let kind = kind_at(run(rule, &[(479_998, BOUNDARY_MS + 1_000)]), 0);
        assert!(matches!(
            kind,
            VerifyErrorKind::StaleEpoch {
                oldest: 479_999,
                ..
            }
        ));
        // Three epochs old is never within one grace of being accepted.
        let kind = kind_at(run(rule, &[(479_997, BOUNDARY_MS)]), 0);
        assert!(matches!(
            kind,
            VerifyErrorKind::StaleEpoch {
                oldest: 479_998,
                ..
            }
        ));
    }

    #[test]
    fn epoch_length_and_clocks_before_1970_match_the_server() {
        let rule = EpochRule::new(NonZeroU64::new(60).unwrap_or(NonZeroU64::MIN));
        assert_eq!(rule.epoch_at(59_999), 0);
        assert_eq!(rule.epoch_at(60_000), 1);
        // The gate's clock before 1970 counts as epoch 0.
        assert_eq!(rule.epoch_at(-5_000), 0);
        assert_eq!(rule.with_grace_ms(0).check(0, -5_000), Ok(()));
        assert_eq!(
            rule.check(1, i64::MIN),
            Err(EpochViolation::Future { current: 0 })
        );
        assert_eq!(rule.with_grace_ms(u64::MAX).check(0, i64::MAX), Ok(()));
    }

    #[test]
    fn without_a_rule_epochs_are_not_checked() {
        let mut verifier = LogVerifier::new("o", None);
        let entry = Entry {
            index: 0,
            timestamp_ms: 0,
            kind: EntryKind::Query(QueryFields {
                root: [1; 32],
                epoch: 7,
                nullifier: [1; 32],
                m: [2; 32],
                proof: [3; 128],
            }),
            prev: GENESIS_PREV,
        };
        assert_eq!(verifier.push(&entry), Ok(()));
    }
}
