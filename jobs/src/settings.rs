//! Configuration of the refresh jobs: the `[refresh]` section of the server's
//! settings (`ZKCITY_REFRESH__TRAFFIC__CRON="0 * * * * *"` and so on).
//!
//! Every field has a default, so an empty section gives the first-run
//! behaviour: all three units enabled, replaying the bundled datasets,
//! traffic every minute, ecological every 5 minutes, power every 15 minutes.
//! Cron expressions have six fields, seconds first, and are read in UTC
//! (tokio-cron-scheduler's format, DESIGN §8).

use std::path::PathBuf;

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc, Weekday};
use croner::parser::{CronParser, Seconds};
use croner::Cron;
use secrecy::SecretString;
use serde::Deserialize;

use crate::unit::Unit;

/// The `[refresh]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RefreshSettings {
    /// Start the scheduler with the server (per-unit switches below).
    pub enabled: bool,
    pub traffic: UnitSettings,
    pub power: UnitSettings,
    pub ecological: UnitSettings,
    pub retry: RetrySettings,
    pub replay: ReplaySettings,
    pub retention: RetentionSettings,
}

impl Default for RefreshSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            traffic: UnitSettings::default(),
            power: UnitSettings::default(),
            ecological: UnitSettings::default(),
            retry: RetrySettings::default(),
            replay: ReplaySettings::default(),
            retention: RetentionSettings::default(),
        }
    }
}

/// One unit's job.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnitSettings {
    /// Schedule this unit (it can still be refreshed with `refreshNow`).
    pub enabled: bool,
    /// Six-field cron expression (UTC); `None` = the unit's default.
    pub cron: Option<String>,
    /// Where fresh rows come from.
    pub source: SourceKind,
    /// Also run once right after the server starts.
    pub run_on_start: bool,
    pub http: HttpSettings,
    pub file: FileSettings,
}

impl Default for UnitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            cron: None,
            source: SourceKind::Replay,
            run_on_start: true,
            http: HttpSettings::default(),
            file: FileSettings::default(),
        }
    }
}

/// Which connector feeds a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The bundled real datasets, time-shifted to the present.
    Replay,
    /// A URL polled on every run.
    Http,
    /// Files dropped into a directory.
    File,
}

impl SourceKind {
    /// The name stored in `refresh_run.source`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Replay => "replay",
            SourceKind::Http => "http",
            SourceKind::File => "file",
        }
    }
}

/// Payload formats the `http` source understands (see jobs/README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HttpFormat {
    /// zkcity's generic NDJSON: one `{"type": …}` record per line.
    Ndjson,
    /// zkcity's generic CSV: a header with a `type` column.
    Csv,
    /// OpenAQ v3 `/v3/sensors/{id}/measurements` (or `/hours`) JSON.
    OpenaqV3,
    /// The UCI Beijing multi-site air-quality CSV (the bundled dataset's format).
    UciBeijingCsv,
    /// The Belgian day-ahead price CSV (`time,DAM_price`).
    EntsoeBeCsv,
    /// The UCI/MnDOT Metro Interstate Traffic Volume CSV.
    MndotI94Csv,
}

/// The `http` source of a unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Fetched in order on every run; all must succeed for the run to commit.
    pub urls: Vec<String>,
    pub format: HttpFormat,
    /// Whole-request timeout (connect + headers + body).
    pub timeout_secs: u64,
    /// Bodies larger than this fail the run.
    pub max_body_bytes: usize,
    /// Sent as `X-API-Key` (OpenAQ requires one).
    pub api_key: Option<SecretString>,
    /// `openaq-v3`: the zkcity station id the measurements belong to.
    pub station_id: Option<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            urls: Vec::new(),
            format: HttpFormat::Ndjson,
            timeout_secs: 10,
            max_body_bytes: 16 * 1024 * 1024,
            api_key: None,
            station_id: None,
        }
    }
}

/// The `file` source of a unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileSettings {
    /// Watched directory; `processed/` and `failed/` are created inside it.
    pub dir: Option<PathBuf>,
    /// Larger files are moved to `failed/` unread.
    pub max_file_bytes: u64,
}

impl Default for FileSettings {
    fn default() -> Self {
        Self {
            dir: None,
            max_file_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Retries of a failed run: exponential backoff with jitter.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetrySettings {
    /// Attempts per trigger, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Delay before the second attempt; doubles for each further one.
    pub initial_backoff_ms: u64,
    /// Upper bound of one delay.
    pub max_backoff_ms: u64,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff_ms: 500,
            max_backoff_ms: 30_000,
        }
    }
}

/// How the bundled datasets are mapped onto the present (jobs/README.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplaySettings {
    /// Instant that dataset week 0 maps to; a Monday 00:00 UTC so weekdays
    /// and hours of day are preserved.
    pub epoch: DateTime<Utc>,
    /// On first start, and after a long stop, replay resumes this many steps
    /// (hours) behind the present and catches up one step per run.
    pub backfill_steps: u32,
}

impl Default for ReplaySettings {
    fn default() -> Self {
        Self {
            epoch: Utc
                .with_ymd_and_hms(2025, 1, 6, 0, 0, 0)
                .single()
                .unwrap_or(DateTime::UNIX_EPOCH),
            backfill_steps: 24,
        }
    }
}

/// How long the run log (`refresh_run`) keeps runs (jobs/README.md,
/// "Run log retention"). Without it the log grows by every trigger forever
/// (≈ 1,800 rows a day at the default schedules).
///
/// Retention is by age only, no per-unit row cap: the rows a unit keeps are
/// already bounded by `keep_days` × its triggers a day × `retry.max_attempts`,
/// all set by the operator, and a count cap would silently shorten the
/// history window whenever a schedule is tightened.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// Prune old runs; `false` keeps every run forever.
    pub enabled: bool,
    /// Runs that started more than this many days ago are deleted, except
    /// what `refreshStatus` and the next run read (the unit's last success,
    /// last failure, source cursor and runs still `running`).
    pub keep_days: u32,
    /// Rows one `DELETE` removes, so no statement holds a long lock or
    /// writes a huge transaction when a large backlog is first pruned.
    pub batch_rows: u32,
    /// `DELETE`s per pass (a pass follows each run of a unit); a larger
    /// backlog is left for the next passes, so a pass stays short.
    pub max_batches: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            keep_days: 30,
            batch_rows: 1_000,
            max_batches: 10,
        }
    }
}

/// A setting that parses but cannot work.
#[derive(Debug, thiserror::Error)]
#[error("refresh.{0}")]
pub struct InvalidSetting(pub String);

/// Parses a six-field (seconds first) cron expression as the scheduler does.
pub fn parse_cron(expr: &str) -> Result<Cron, InvalidSetting> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expr)
        .map_err(|e| {
            InvalidSetting(format!(
                "cron `{expr}` is not a six-field cron expression: {e}"
            ))
        })
}

impl RefreshSettings {
    /// The settings of `unit`.
    pub fn unit(&self, unit: Unit) -> &UnitSettings {
        match unit {
            Unit::Traffic => &self.traffic,
            Unit::Power => &self.power,
            Unit::Ecological => &self.ecological,
        }
    }

    /// Mutable settings of `unit` (tests adjust one unit).
    pub fn unit_mut(&mut self, unit: Unit) -> &mut UnitSettings {
        match unit {
            Unit::Traffic => &mut self.traffic,
            Unit::Power => &mut self.power,
            Unit::Ecological => &mut self.ecological,
        }
    }

    /// The cron expression `unit` runs on.
    pub fn cron(&self, unit: Unit) -> &str {
        self.unit(unit).cron.as_deref().unwrap_or(match unit {
            Unit::Traffic => "0 * * * * *",
            Unit::Ecological => "0 */5 * * * *",
            Unit::Power => "0 */15 * * * *",
        })
    }

    /// Rejects settings that would fail only later, at the first run.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        let e = self.replay.epoch;
        if e.weekday() != Weekday::Mon || e.num_seconds_from_midnight() != 0 || e.nanosecond() != 0
        {
            return Err(InvalidSetting(
                "replay.epoch must be a Monday 00:00:00 UTC".into(),
            ));
        }
        if self.retry.max_attempts == 0 || self.retry.initial_backoff_ms > self.retry.max_backoff_ms
        {
            return Err(InvalidSetting(
                "retry: max_attempts must be ≥ 1 and initial_backoff_ms ≤ max_backoff_ms".into(),
            ));
        }
        let r = &self.retention;
        if r.enabled && (r.keep_days == 0 || r.batch_rows == 0 || r.max_batches == 0) {
            return Err(InvalidSetting(
                "retention: keep_days, batch_rows and max_batches must be ≥ 1 (enabled = false keeps every run)".into(),
            ));
        }
        for unit in Unit::ALL {
            self.validate_unit(unit)?;
        }
        Ok(())
    }

    fn validate_unit(&self, unit: Unit) -> Result<(), InvalidSetting> {
        let s = self.unit(unit);
        parse_cron(self.cron(unit)).map_err(|e| InvalidSetting(format!("{unit}.{}", e.0)))?;
        let bad = |msg: &str| Err(InvalidSetting(format!("{unit}.{msg}")));
        match s.source {
            SourceKind::Http if s.http.urls.is_empty() => {
                bad("http.urls must list at least one URL")
            }
            SourceKind::Http if s.http.timeout_secs == 0 || s.http.max_body_bytes == 0 => {
                bad("http.timeout_secs and http.max_body_bytes must be positive")
            }
            SourceKind::Http if !format_fits(unit, s.http.format) => bad(&format!(
                "http.format {:?} carries no {unit} data",
                s.http.format
            )),
            SourceKind::Http
                if s.http.format == HttpFormat::OpenaqV3 && s.http.station_id.is_none() =>
            {
                bad("http.station_id is required with format openaq-v3")
            }
            SourceKind::File if s.file.dir.is_none() => {
                bad("file.dir is required with source file")
            }
            _ => Ok(()),
        }
    }
}

/// Whether an http format can feed `unit` (the generic ones feed every unit).
pub fn format_fits(unit: Unit, format: HttpFormat) -> bool {
    match format {
        HttpFormat::Ndjson | HttpFormat::Csv => true,
        HttpFormat::OpenaqV3 | HttpFormat::UciBeijingCsv => unit == Unit::Ecological,
        HttpFormat::EntsoeBeCsv => unit == Unit::Power,
        HttpFormat::MndotI94Csv => unit == Unit::Traffic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_use_the_documented_crons() {
        let s = RefreshSettings::default();
        assert!(s.validate().is_ok());
        assert_eq!(s.cron(Unit::Traffic), "0 * * * * *");
        assert_eq!(s.cron(Unit::Ecological), "0 */5 * * * *");
        assert_eq!(s.cron(Unit::Power), "0 */15 * * * *");
    }

    #[test]
    fn five_field_cron_and_missing_urls_are_rejected() {
        let mut s = RefreshSettings::default();
        s.traffic.cron = Some("* * * * *".into());
        assert!(s.validate().is_err());
        let mut s = RefreshSettings::default();
        s.power.source = SourceKind::Http;
        assert!(s.validate().is_err());
        s.power.http.urls = vec!["http://127.0.0.1:1/x".into()];
        s.power.http.format = HttpFormat::OpenaqV3;
        assert!(s.validate().is_err(), "OpenAQ carries no power data");
    }

    #[test]
    fn retention_defaults_and_zero_values() {
        let mut s = RefreshSettings::default();
        assert!(s.retention.enabled);
        assert_eq!(s.retention.keep_days, 30);
        s.retention.keep_days = 0;
        assert!(s.validate().is_err(), "0 days would prune the present");
        s.retention.enabled = false;
        assert!(s.validate().is_ok(), "values are unused when off");
        s.retention = RetentionSettings {
            batch_rows: 0,
            ..RetentionSettings::default()
        };
        assert!(s.validate().is_err());
    }

    #[test]
    fn epoch_must_be_a_monday_midnight() {
        let mut s = RefreshSettings::default();
        s.replay.epoch += chrono::Duration::days(1);
        assert!(s.validate().is_err());
    }
}
