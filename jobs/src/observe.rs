//! Prometheus metrics of the refresh jobs (rendered by the server's
//! `/metrics`): every name starts with `zkcity_refresh_` and carries the
//! unit as a label (three values, so cardinality stays fixed).

use std::time::Duration;

use crate::batch::WriteCounts;
use crate::unit::Unit;

/// One finished attempt: duration by outcome, rows by kind, failures.
pub fn attempt(unit: Unit, ok: bool, elapsed: Duration, counts: Option<&WriteCounts>) {
    let status = if ok { "ok" } else { "failed" };
    metrics::histogram!("zkcity_refresh_duration_seconds", "unit" => unit.as_str(), "status" => status)
        .record(elapsed.as_secs_f64());
    if let Some(c) = counts {
        metrics::counter!("zkcity_refresh_rows_total", "unit" => unit.as_str(), "kind" => "inserted").increment(c.inserted());
        metrics::counter!("zkcity_refresh_rows_total", "unit" => unit.as_str(), "kind" => "updated").increment(c.updated());
        let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        metrics::gauge!("zkcity_refresh_last_success_timestamp_seconds", "unit" => unit.as_str())
            .set(now);
    }
    if !ok {
        metrics::counter!("zkcity_refresh_failures_total", "unit" => unit.as_str()).increment(1);
    }
}

/// A trigger that found the previous run of its unit still running.
pub fn skipped(unit: Unit) {
    metrics::counter!("zkcity_refresh_skipped_total", "unit" => unit.as_str()).increment(1);
}

/// Old runs of `unit` deleted from the run log by retention (also called
/// with 0, so the series exists before the first row is pruned).
pub fn pruned(unit: Unit, rows: u64) {
    metrics::counter!("zkcity_refresh_pruned_total", "unit" => unit.as_str()).increment(rows);
}

/// A pruning pass of `unit` that failed (the next run's pass retries).
pub fn prune_failed(unit: Unit) {
    metrics::counter!("zkcity_refresh_prune_failures_total", "unit" => unit.as_str()).increment(1);
}
