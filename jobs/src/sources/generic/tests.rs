use super::*;
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

#[test]
fn ndjson_records_of_several_tables_become_rows() {
    let feed = concat!(
        r#"{"type":"station","id":"dongsi","name":"Dongsi","latitude":39.929,"longitude":116.417,"district":"Dongcheng"}"#,
        "\n",
        "\n",
        r#"{"type":"air_quality_observation","station_id":"dongsi","date_observed":"2017-01-01T00:00:00Z","pm25":491,"pm10":500,"no2":135,"so2":20,"co":7100,"o3":3}"#,
        "\n",
        r#"{"type":"clearing_price","market":"day-ahead","zone":"BE","interval_start":"2021-12-31T23:00:00Z","interval_end":"2022-01-01T00:00:00Z","price_per_mwh":82.02,"currency":"EUR","source":"entsoe:a44:belgium"}"#,
    );
    let batch = parse_ndjson(feed.as_bytes(), "http", now()).expect("valid feed");
    assert_eq!(batch.stations.len(), 1);
    assert_eq!(
        batch.clearing_prices[0].source,
        Set("entsoe:a44:belgium".to_owned())
    );
    let aq = &batch.air_quality[0];
    assert_eq!(aq.source, Set("http".to_owned()));
    // AQI computed with HJ 633 when the record gives none (PM2.5 491 µg/m³ → 500 band).
    assert!(matches!(aq.aqi, Set(Some(a)) if a >= 400), "{:?}", aq.aqi);
}

#[test]
fn csv_cells_are_typed_by_field_and_empty_cells_are_absent() {
    let feed = "type,segment_id,date_observed,period_s,intensity,congestion_level,occupancy\n\
                traffic_flow_observation,mndot-atr301-i94-wb,2018-09-30T23:00:00Z,3600,954,freeFlow,\n";
    let batch = parse_csv(feed.as_bytes(), "file", now()).expect("valid csv");
    let f = &batch.flows[0];
    assert_eq!(f.intensity, Set(954.0));
    assert_eq!(f.occupancy, Set(None));
    assert_eq!(f.congested, Set(false));
}

#[test]
fn bad_records_fail_with_their_line() {
    let cases: [(&str, &str); 5] = [
        ("{\"type\":\"station\"}\n", "line 1"),
        ("\n{\"type\":\"nonsense\"}\n", "line 2"),
        ("{\"type\":\"station\",\"id\":\"x\",\"name\":\"x\",\"latitude\":91,\"longitude\":0,\"district\":\"d\"}", "latitude"),
        ("{\"type\":\"station\",\"id\":\"x\",\"name\":\"x\",\"latitude\":1,\"longitude\":0,\"district\":\"d\",\"extra\":1}", "unknown field"),
        ("not json", "line 1"),
    ];
    for (feed, expected) in cases {
        let err = parse_ndjson(feed.as_bytes(), "http", now())
            .map(|b| b.len())
            .expect_err(feed);
        assert!(err.to_string().contains(expected), "{feed}: {err}");
    }
    let no_type = parse_csv(b"id,name\n1,2\n", "file", now()).map(|b| b.len());
    assert!(matches!(no_type, Err(SourceError::Malformed(m)) if m.contains("type")));
}

#[test]
fn inverted_intervals_and_bad_currencies_are_rejected() {
    let feed = r#"{"type":"market_transaction","trade_id":"t1","market":"intraday","zone":"BE","delivery_start":"2022-01-01T01:00:00Z","delivery_end":"2022-01-01T00:00:00Z","price_per_mwh":1,"currency":"EUR","traded_at":"2022-01-01T00:00:00Z"}"#;
    assert!(parse_ndjson(feed.as_bytes(), "http", now()).is_err());
    let feed = feed
        .replace("01:00:00Z\",\"delivery_end", "00:00:00Z\",\"delivery_end")
        .replace(
            "\"2022-01-01T00:00:00Z\",\"price",
            "\"2022-01-01T01:00:00Z\",\"price",
        )
        .replace("EUR", "euro");
    let err = parse_ndjson(feed.as_bytes(), "http", now())
        .map(|b| b.len())
        .expect_err("bad currency");
    assert!(err.to_string().contains("ISO 4217"), "{err}");
}
