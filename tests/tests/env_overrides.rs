//! Settings from the environment: `[refresh]` comes from the same layers
//! as the rest (`ZKCITY_REFRESH__TRAFFIC__CRON` and friends), and bad values
//! stop the start.
//!
//! A binary of its own: environment variables are process-wide, and the
//! end-to-end binary starts server processes that would inherit them. Its
//! tests run one at a time under [`Env`], which clears every `ZKCITY_*`
//! variable before and after, so none sees another's.

use zkcity_api::config::Settings;
use zkcity_jobs::settings::{HttpFormat, SourceKind};

/// The environment, held by one test at a time and left without `ZKCITY_*`
/// variables when it is done (a failed assertion included).
struct Env(#[allow(dead_code)] std::sync::MutexGuard<'static, ()>);

impl Env {
    fn take() -> Self {
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let guard = LOCK
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        clear_zkcity_vars();
        Env(guard)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        clear_zkcity_vars();
    }
}

fn clear_zkcity_vars() {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ZKCITY_") {
            std::env::remove_var(key);
        }
    }
}

#[test]
fn refresh_settings_come_from_env_and_bad_ones_are_rejected() -> anyhow::Result<()> {
    let _env = Env::take();
    std::env::set_var("ZKCITY_REFRESH__TRAFFIC__CRON", "*/10 * * * * *");
    std::env::set_var("ZKCITY_REFRESH__POWER__ENABLED", "false");
    std::env::set_var("ZKCITY_REFRESH__ECOLOGICAL__SOURCE", "http");
    std::env::set_var(
        "ZKCITY_REFRESH__ECOLOGICAL__HTTP__URLS",
        "[\"https://api.openaq.org/v3/sensors/1/measurements\"]",
    );
    std::env::set_var("ZKCITY_REFRESH__ECOLOGICAL__HTTP__FORMAT", "openaq-v3");
    std::env::set_var("ZKCITY_REFRESH__ECOLOGICAL__HTTP__STATION_ID", "dongsi");
    let s = Settings::load(None)?;
    assert_eq!(s.refresh.cron(zkcity_jobs::Unit::Traffic), "*/10 * * * * *");
    assert!(!s.refresh.power.enabled);
    assert_eq!(s.refresh.cron(zkcity_jobs::Unit::Power), "0 */15 * * * *");
    assert_eq!(s.refresh.ecological.source, SourceKind::Http);
    assert_eq!(s.refresh.ecological.http.format, HttpFormat::OpenaqV3);
    assert_eq!(s.refresh.ecological.http.urls.len(), 1);

    // Five fields (no seconds) is not the scheduler's format.
    std::env::set_var("ZKCITY_REFRESH__TRAFFIC__CRON", "*/10 * * * *");
    let err = Settings::load(None)
        .map(|_| ())
        .expect_err("five-field cron");
    assert!(err.to_string().contains("cron"), "{err}");
    std::env::set_var("ZKCITY_REFRESH__TRAFFIC__CRON", "0 * * * * *");
    std::env::set_var("ZKCITY_REFRESH__TRAFFIC__CRONN", "0 * * * * *");
    assert!(Settings::load(None).is_err(), "unknown keys are errors");
    Ok(())
}

#[test]
fn retention_settings_come_from_env_and_bad_ones_are_rejected() -> anyhow::Result<()> {
    let _env = Env::take();
    std::env::set_var("ZKCITY_REFRESH__RETENTION__KEEP_DAYS", "7");
    std::env::set_var("ZKCITY_REFRESH__RETENTION__BATCH_ROWS", "250");
    let s = Settings::load(None)?;
    assert!(s.refresh.retention.enabled);
    assert_eq!(s.refresh.retention.keep_days, 7);
    assert_eq!(s.refresh.retention.batch_rows, 250);
    assert_eq!(s.refresh.retention.max_batches, 10);

    std::env::set_var("ZKCITY_REFRESH__RETENTION__KEEP_DAYS", "0");
    let err = Settings::load(None).map(|_| ()).expect_err("keep_days 0");
    assert!(err.to_string().contains("retention"), "{err}");
    std::env::set_var("ZKCITY_REFRESH__RETENTION__ENABLED", "false");
    assert!(!Settings::load(None)?.refresh.retention.enabled);
    Ok(())
}
