//! The recent membership roots, kept in memory for the gate: every
//! anonymous query checks its root against them (DESIGN §5 `UNKNOWN_ROOT`),
//! and they change only when members are added.
//!
//! Kept true the way the response cache is: a generation bumped by this
//! process's writer right after it commits new members, and by the
//! `MEMBERS_CHANGED_CHANNEL` notice that the member-adding transaction of
//! *any* process sends on PostgreSQL (delivered at its commit). A read
//! stores what it read only if no bump happened meanwhile. While the notice
//! feed is down (or was never started: SQLite, tests of the ledger alone) the
//! roots are cached for at most [`UNFED_MAX_AGE`], and on PostgreSQL with
//! the feed down not at all — every check reads the database, as before.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use zkcity_circuits::Fr;

/// The `LISTEN`/`NOTIFY` channel of membership changes.
pub const MEMBERS_CHANGED_CHANNEL: &str = "zkcity_members_changed";

/// How long roots read without a notice feed may be trusted: a member added
/// by another process is seen at most this late.
pub const UNFED_MAX_AGE: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct RootsCache {
    generation: AtomicU64,
    /// Notices are arriving (set by the feed).
    fed: AtomicBool,
    /// Whether a feed is expected (PostgreSQL): then no feed means no cache.
    feed_expected: AtomicBool,
    slot: RwLock<Option<Cached>>,
}

struct Cached {
    generation: u64,
    read_at: Instant,
    roots: Arc<Vec<Fr>>,
}

impl RootsCache {
    /// The cached roots, when they can be trusted.
    pub fn get(&self) -> Option<Arc<Vec<Fr>>> {
        let fed = self.fed.load(Ordering::Acquire);
        if !fed && self.feed_expected.load(Ordering::Acquire) {
            return None;
        }
        let slot = self.slot.read().ok()?;
        let cached = slot.as_ref()?;
        let current = cached.generation == self.generation.load(Ordering::Acquire);
        let young = fed || cached.read_at.elapsed() < UNFED_MAX_AGE;
        (current && young).then(|| cached.roots.clone())
    }

    /// Taken before reading the roots from the database.
    pub fn ticket(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps roots read since `ticket` unless members changed meanwhile.
    pub fn put(&self, ticket: u64, roots: Arc<Vec<Fr>>) {
        if let Ok(mut slot) = self.slot.write() {
            if self.generation.load(Ordering::Acquire) == ticket {
                *slot = Some(Cached {
                    generation: ticket,
                    read_at: Instant::now(),
                    roots,
                });
            }
        }
    }

    /// Members were added: the cached roots are stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The feed's state: `expected` once a feed exists; `fed` while it
    /// listens. Any change invalidates (notices may have been missed).
    pub fn set_fed(&self, fed: bool) {
        self.feed_expected.store(true, Ordering::Release);
        self.fed.store(fed, Ordering::Release);
        self.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(n: u64) -> Arc<Vec<Fr>> {
        Arc::new(vec![Fr::from(n)])
    }

    #[test]
    fn a_read_that_straddles_a_member_commit_is_not_kept() {
        let cache = RootsCache::default();
        let t = cache.ticket();
        cache.invalidate();
        cache.put(t, roots(1));
        assert!(cache.get().is_none());
        let t = cache.ticket();
        cache.put(t, roots(2));
        assert_eq!(cache.get().as_deref(), Some(&vec![Fr::from(2u64)]));
        cache.invalidate();
        assert!(cache.get().is_none());
    }

    #[test]
    fn without_a_feed_roots_age_out_and_with_a_lost_feed_nothing_is_cached() {
        let cache = RootsCache::default();
        let t = cache.ticket();
        cache.put(t, roots(1));
        assert!(cache.get().is_some(), "unfed, young");
        cache.set_fed(false);
        let t = cache.ticket();
        cache.put(t, roots(1));
        assert!(cache.get().is_none(), "feed expected but down");
        cache.set_fed(true);
        let t = cache.ticket();
        cache.put(t, roots(1));
        assert!(cache.get().is_some(), "fed");
    }
}
