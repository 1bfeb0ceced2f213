//! `[refresh]` settings come from the same layers as the rest:
//! `ZKCITY_REFRESH__TRAFFIC__CRON` and friends; bad values stop the start.

use zkcity_api::config::Settings;
use zkcity_jobs::settings::{HttpFormat, SourceKind};

#[test]
fn refresh_settings_come_from_env_and_bad_ones_are_rejected() -> anyhow::Result<()> {
    // One test in this binary: environment variables are process-wide.
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
