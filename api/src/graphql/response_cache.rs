//! A response cache for public data reads, invalidated by refresh commits
//! (what Hasura's `@cached` offers, made exact).
//!
//! The data units change only when a refresh run (or an import) commits, so
//! the answer to a public query over them is a function of the request body
//! and the *data generation*: a counter bumped after every such commit, in
//! this process by the refresh service's events and across processes by
//! PostgreSQL `NOTIFY` ([`crate::changes`]).
//!
//! Correctness under concurrent refreshes comes from the ticket: a miss
//! reads the generation *before* it executes and stores its answer only if
//! the generation is still the same afterwards, so an answer that may have
//! read rows from before a commit is never kept past that commit's bump.
//! A lookup returns only entries of the current generation. What remains is
//! the notice's delay: another process may answer from the old generation
//! for the milliseconds between a commit and its `NOTIFY` arriving, the same
//! staleness a read that started just before the commit has anyway. While
//! the notice feed is down the cache answers nothing ([`Self::set_live`]).
//!
//! What is cached: a single (unbatched) operation whose root fields are all
//! data-unit fields no proof is required for (the gate's verdict), with no
//! `extensions` and no admin token, answered without errors. Keys and
//! answers are bytes, so a hit costs one hash of the body and a copy.
//! Memory is bounded by a byte budget (LRU-like eviction by `quick_cache`)
//! and a per-answer cap; entries older than `max_age` are not served, which
//! bounds staleness even where no notice can arrive (an import into the
//! SQLite file by another process).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use quick_cache::sync::Cache;
use quick_cache::Weighter;

/// The largest single answer kept, as a share of the budget (1/16) and never
/// more than this.
const MAX_ENTRY_BYTES: usize = 1 << 20;

/// One cached answer.
#[derive(Clone)]
struct Entry {
    generation: u64,
    stored_at: Instant,
    body: Bytes,
}

/// Weighs an entry by the bytes it holds.
#[derive(Clone)]
struct ByBytes;

impl Weighter<Bytes, Entry> for ByBytes {
    fn weight(&self, key: &Bytes, entry: &Entry) -> u64 {
        (key.len() + entry.body.len() + 64) as u64
    }
}

/// The cache; cheap to clone.
#[derive(Clone)]
pub struct ResponseCache {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    entries: Cache<Bytes, Entry, ByBytes>,
    generation: AtomicU64,
    /// False while cross-process notices may be missed.
    live: AtomicBool,
    max_age: Duration,
    max_entry: usize,
}

/// The generation a miss started at; see the module docs.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl ResponseCache {
    /// A cache holding at most `budget_bytes` (0 = no cache at all).
    pub fn new(budget_bytes: usize, max_age: Duration) -> Self {
        if budget_bytes == 0 {
            return Self { inner: None };
        }
        // Sized for answers of ~4 KiB on average; the weighter bounds bytes.
        let estimated = (budget_bytes / 4096).max(16);
        Self {
            inner: Some(Arc::new(Inner {
                entries: Cache::with_weighter(estimated, budget_bytes as u64, ByBytes),
                generation: AtomicU64::new(0),
                live: AtomicBool::new(true),
                max_age,
                max_entry: (budget_bytes / 16).min(MAX_ENTRY_BYTES),
            })),
        }
    }

    /// A cache that never holds anything.
    pub fn disabled() -> Self {
        Self { inner: None }
    }

    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// The answer stored for exactly this request body, if it is of the
    /// current generation and young enough.
    pub fn get(&self, body: &Bytes) -> Option<Bytes> {
        let inner = self.inner.as_ref()?;
        if !inner.live.load(Ordering::Acquire) {
            return None;
        }
        let entry = inner.entries.get(body)?;
        let current = inner.generation.load(Ordering::Acquire);
        if entry.generation != current || entry.stored_at.elapsed() > inner.max_age {
            return None;
        }
        Some(entry.body)
    }

    /// Taken before executing a miss.
    pub fn ticket(&self) -> Option<Ticket> {
        let inner = self.inner.as_ref()?;
        inner
            .live
            .load(Ordering::Acquire)
            .then(|| Ticket(inner.generation.load(Ordering::Acquire)))
    }

    /// Keeps `answer` for `body` unless the data changed since `ticket` was
    /// taken (or the feed went down). Returns whether it was kept.
    pub fn put(&self, ticket: Ticket, body: Bytes, answer: Bytes) -> bool {
        let Some(inner) = self.inner.as_ref() else {
            return false;
        };
        if answer.len() + body.len() > inner.max_entry {
            return false;
        }
        let current = |i: &Inner| {
            i.generation.load(Ordering::Acquire) == ticket.0 && i.live.load(Ordering::Acquire)
        };
        if !current(inner) {
            return false;
        }
        let entry = Entry {
            generation: ticket.0,
            stored_at: Instant::now(),
            body: answer,
        };
        inner.entries.insert(body.clone(), entry);
        // A bump between the check and the insert leaves an entry no lookup
        // serves (generations differ); drop it rather than let it hold bytes.
        if !current(inner) {
            inner.entries.remove(&body);
            return false;
        }
        true
    }

    /// The data changed: every stored answer is stale.
    pub fn invalidate(&self) {
        if let Some(inner) = &self.inner {
            inner.generation.fetch_add(1, Ordering::AcqRel);
            inner.entries.clear();
        }
    }

    /// Whether change notices are arriving. Going down invalidates (notices
    /// may be lost); coming back invalidates again (they were).
    pub fn set_live(&self, live: bool) {
        if let Some(inner) = &self.inner {
            inner.live.store(live, Ordering::Release);
            self.invalidate();
        }
    }

    /// The current data generation (tests and metrics).
    pub fn generation(&self) -> u64 {
        self.inner
            .as_ref()
            .map_or(0, |i| i.generation.load(Ordering::Acquire))
    }
}

/// Set by the gate's extension during parsing: the executed operation reads
/// only public data-unit fields. Put in the request's data by the endpoint.
#[derive(Clone, Default)]
pub struct CacheProbe(Arc<AtomicBool>);

impl CacheProbe {
    pub fn mark_cacheable(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_cacheable(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn answers_only_the_generation_it_was_stored_in() {
        let cache = ResponseCache::new(1 << 20, Duration::from_secs(60));
        let t = cache.ticket().expect("ticket");
        assert!(cache.put(t, b("q"), b("a1")));
        assert_eq!(cache.get(&b("q")), Some(b("a1")));
        cache.invalidate();
        assert_eq!(cache.get(&b("q")), None);
    }

    #[test]
    fn a_miss_that_straddles_a_commit_is_not_kept() {
        let cache = ResponseCache::new(1 << 20, Duration::from_secs(60));
        let before = cache.ticket().expect("ticket");
        cache.invalidate(); // a refresh committed while the miss executed
        assert!(!cache.put(before, b("q"), b("old rows")));
        assert_eq!(cache.get(&b("q")), None);
        let after = cache.ticket().expect("ticket");
        assert!(cache.put(after, b("q"), b("new rows")));
        assert_eq!(cache.get(&b("q")), Some(b("new rows")));
    }

    #[test]
    fn nothing_is_served_while_the_feed_is_down() {
        let cache = ResponseCache::new(1 << 20, Duration::from_secs(60));
        let t = cache.ticket().expect("ticket");
        cache.put(t, b("q"), b("a"));
        cache.set_live(false);
        assert!(cache.ticket().is_none());
        assert_eq!(cache.get(&b("q")), None);
        cache.set_live(true);
        assert_eq!(cache.get(&b("q")), None, "notices may have been lost");
    }

    #[test]
    fn old_and_oversized_answers_are_not_served() {
        let cache = ResponseCache::new(1 << 20, Duration::from_millis(0));
        let t = cache.ticket().expect("ticket");
        cache.put(t, b("q"), b("a"));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(cache.get(&b("q")), None);
        let small = ResponseCache::new(16 * 1024, Duration::from_secs(60));
        let t = small.ticket().expect("ticket");
        assert!(!small.put(t, b("q"), Bytes::from(vec![b'x'; 2048])));
    }

    #[test]
    fn a_disabled_cache_holds_nothing() {
        let cache = ResponseCache::new(0, Duration::from_secs(60));
        assert!(!cache.is_enabled());
        assert!(cache.ticket().is_none());
        assert_eq!(cache.get(&b("q")), None);
    }
}
