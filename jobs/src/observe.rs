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
