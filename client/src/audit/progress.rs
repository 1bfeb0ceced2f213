//! Progress on long logs: a line to stderr every few seconds, so it works
//! the same in a terminal, a CI log or a cron mail.

use std::time::{Duration, Instant};

const EVERY: Duration = Duration::from_secs(2);

/// Periodic progress lines.
#[derive(Debug)]
pub struct Progress {
    what: &'static str,
    total: u64,
    started: Instant,
    last: Instant,
    enabled: bool,
}

impl Progress {
    /// Progress of `what` over `total` entries; silent when `enabled` is false.
    pub fn new(what: &'static str, total: u64, enabled: bool) -> Progress {
        let now = Instant::now();
        Progress {
            what,
            total,
            started: now,
            last: now,
            enabled,
        }
    }

    /// Reports `done` entries if enough time passed since the last line.
    pub fn tick(&mut self, done: u64) {
        if !self.enabled || self.last.elapsed() < EVERY {
            return;
        }
        self.last = Instant::now();
        let pct = if self.total == 0 {
            100.0
        } else {
            done as f64 * 100.0 / self.total as f64
        };
        eprintln!(
            "{}: {done}/{} entries ({pct:.1}%), {:.0} entries/s",
            self.what,
            self.total,
            self.rate(done)
        );
    }

    /// Entries per second since the start.
    pub fn rate(&self, done: u64) -> f64 {
        done as f64 / self.started.elapsed().as_secs_f64().max(1e-9)
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}
