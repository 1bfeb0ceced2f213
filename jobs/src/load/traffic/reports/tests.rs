use super::*;
use crate::load::traffic::parse_hours;
use chrono::TimeZone;

const HEADER: &str = "holiday,temp,rain_1h,snow_1h,clouds_all,weather_main,weather_description,date_time,traffic_volume\n";

fn utc(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
        .single()
        .expect("valid")
}

fn reports(rows: &str) -> Vec<road_condition_report::ActiveModel> {
    let hours = parse_hours(format!("{HEADER}{rows}").as_bytes()).expect("parse");
    road_condition_reports(&hours, utc(2025, 1, 1, 0)).expect("reports")
}

fn text(v: &sea_orm::ActiveValue<String>) -> &str {
    v.try_as_ref().map(String::as_str).unwrap_or_default()
}

#[test]
fn condition_and_amount_severities() {
    let c = |main: &str, description: &str| Condition {
        main: main.into(),
        description: description.into(),
    };
    assert_eq!(
        condition_severity(&c("Snow", "heavy snow")),
        Some(Severity::Highest)
    );
    assert_eq!(
        condition_severity(&c("Snow", "light snow")),
        Some(Severity::Medium)
    );
    assert_eq!(
        condition_severity(&c("Snow", "sleet")),
        Some(Severity::High)
    );
    assert_eq!(
        condition_severity(&c("Thunderstorm", "proximity thunderstorm")),
        Some(Severity::High)
    );
    assert_eq!(condition_severity(&c("Rain", "light rain")), None);
    assert_eq!(
        condition_severity(&c("Rain", "freezing rain")),
        Some(Severity::Highest)
    );
    assert_eq!(condition_severity(&c("Mist", "mist")), Some(Severity::Low));
    assert_eq!(condition_severity(&c("Drizzle", "drizzle")), None);
    assert_eq!(amount_severity(2.4, 0.0), None);
    assert_eq!(amount_severity(2.5, 0.0), Some(Severity::Medium));
    assert_eq!(amount_severity(8.0, 0.0), Some(Severity::High));
    assert_eq!(amount_severity(55.63, 0.0), Some(Severity::Highest));
    // The file's 9831.3 mm is a recording error: ignored.
    assert_eq!(amount_severity(9831.3, 0.0), None);
    assert_eq!(amount_severity(0.0, 0.25), Some(Severity::Medium));
}

#[test]
fn a_run_of_snow_hours_becomes_one_weather_report() {
    let rows = reports(
        "None,270,0,0,90,Clouds,overcast clouds,2016-01-05 05:00:00,900\n\
         None,270,0,0,90,Snow,light snow,2016-01-05 06:00:00,2000\n\
         None,270,0,0.3,90,Snow,heavy snow,2016-01-05 07:00:00,3000\n\
         None,270,0,0,90,Mist,mist,2016-01-05 07:00:00,3000\n\
         None,270,0,0,90,Clear,sky is clear,2016-01-05 08:00:00,3000\n",
    );
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.category, Set("weather".to_owned()));
    assert_eq!(r.severity, Set("highest".to_owned()));
    // 06:00 CST = 12:00 UTC; the run ends after the 07:00 hour.
    assert_eq!(r.valid_from, Set(utc(2016, 1, 5, 12)));
    assert_eq!(r.valid_to, Set(Some(utc(2016, 1, 5, 14))));
    assert_eq!(
        r.situation_id,
        Set("mndot-atr301-weather-2016010512".to_owned())
    );
    assert_eq!(
        text(&r.description),
        "Weather on I-94 westbound at MnDOT ATR 301: light snow, heavy snow, mist; snow up to 0.3 mm/h (OpenWeatherMap)"
    );
    assert_eq!(r.segment_id, Set(Some(SEGMENT_ID.to_owned())));
}

#[test]
fn a_gap_in_the_hours_splits_runs() {
    let rows = reports(
        "None,280,0,0,90,Fog,fog,2016-05-05 05:00:00,900\n\
         None,280,0,0,90,Fog,fog,2016-05-05 07:00:00,900\n",
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].severity, Set("medium".to_owned()));
}

#[test]
fn holiday_report_covers_the_local_day() {
    let rows = reports("Labor Day,288.78,0.0,0.0,0,Clear,Sky is Clear,2013-09-02 00:00:00,1041\n");
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.category, Set("event".to_owned()));
    assert_eq!(r.severity, Set("low".to_owned()));
    // 2013-09-02 00:00 CDT = 05:00 UTC, to the next local midnight.
    assert_eq!(r.valid_from, Set(utc(2013, 9, 2, 5)));
    assert_eq!(r.valid_to, Set(Some(utc(2013, 9, 3, 5))));
    assert_eq!(
        r.situation_id,
        Set("mndot-atr301-holiday-20130902".to_owned())
    );
    assert_eq!(
        text(&r.description),
        "Holiday traffic on I-94 westbound at MnDOT ATR 301: Labor Day"
    );
}

#[test]
fn congested_hours_become_a_congestion_report() {
    let rows = reports(
        "None,290,0,0,0,Clear,sky is clear,2016-06-01 06:00:00,5000\n\
         None,290,0,0,0,Clear,sky is clear,2016-06-01 07:00:00,7280\n\
         None,290,0,0,0,Clear,sky is clear,2016-06-01 08:00:00,6000\n\
         None,290,0,0,0,Clear,sky is clear,2016-06-01 09:00:00,4000\n",
    );
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.category, Set("congestion".to_owned()));
    // 7280 / 6750 = 1.08 > 1 → high.
    assert_eq!(r.severity, Set("high".to_owned()));
    assert_eq!(r.valid_from, Set(utc(2016, 6, 1, 12)));
    assert_eq!(r.valid_to, Set(Some(utc(2016, 6, 1, 14))));
    assert!(
        text(&r.description).contains("up to 7280 vehicles/h (V/C 1.08)"),
        "{:?}",
        r.description
    );
}
