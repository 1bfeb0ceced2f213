//! Belgian day-ahead prices (ENTSO-E A44) → `clearing_price` and
//! `market_transaction` rows.
//!
//! Rules:
//! - `time` (`01jan2022 00:00:00`) is Europe/Brussels wall-clock time of the
//!   delivery hour's start. Autumn's repeated hour appears twice in the file
//!   (e.g. two `30oct2022 02:00:00` rows): the first occurrence is the CEST
//!   hour (00:00 UTC), the second the CET hour (01:00 UTC). A third
//!   occurrence is an error. Spring's skipped hour is present with an empty
//!   price and is skipped like every empty price; a skipped local time that
//!   carries a price is an error.
//! - `DAM_price` is EUR/kWh stored as float32 (`.0820199966430664`); ×1000
//!   gives EUR/MWh, rounded to 0.01 — the resolution ENTSO-E publishes
//!   day-ahead prices in — which removes the float32 noise (82.02, not
//!   82.0199966…). Empty prices are skipped, never invented.
//! - Interval: start → start + 1 h; market `day-ahead`, zone `BE`, `EUR`.
//! - The source has no trades, so each clearing result is also stored as
//!   the zone's cleared "transaction" for that hour: `trade_id`
//!   `BE-DA-<UTC start yyyymmddHH>`, `volume_mwh` = None, and `traded_at` =
//!   the SDAC gate closure when the price was set, 12:00 Europe/Brussels on
//!   the day before the (Brussels) delivery day.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Europe::Brussels;
use sea_orm::ActiveValue::{NotSet, Set};
use zkcity_entities::power::{clearing_price, market_transaction};

use super::time::{is_ambiguous, to_utc, Fold};
use super::{CsvFile, ParseError};

/// `source` of every power row.
pub const SOURCE: &str = "entsoe:a44:belgium";
/// Market name of the Single Day-Ahead Coupling auction.
pub const MARKET: &str = "day-ahead";
/// Bidding zone of the file.
pub const ZONE: &str = "BE";
/// Currency of every price.
pub const CURRENCY: &str = "EUR";
/// Format of the `time` column (month abbreviations are lowercase in the file).
const TIME_FORMAT: &str = "%d%b%Y %H:%M:%S";

/// Rows derived from the price file.
#[derive(Debug, Default)]
pub struct PowerRows {
    pub prices: Vec<clearing_price::ActiveModel>,
    pub transactions: Vec<market_transaction::ActiveModel>,
    /// Rows whose price was empty (not yet published, or the DST gap hour).
    pub skipped_empty: usize,
}

/// One cleared hour before it becomes rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClearedHour {
    pub start: DateTime<Utc>,
    pub price_eur_mwh: f64,
}

/// Parses the price CSV into clearing prices and matching transactions.
pub fn parse_day_ahead(bytes: &[u8], ingested_at: DateTime<Utc>) -> Result<PowerRows, ParseError> {
    let (hours, skipped_empty) = parse_hours(bytes)?;
    let mut rows = PowerRows {
        skipped_empty,
        ..Default::default()
    };
    for hour in hours {
        rows.prices.push(clearing_price(&hour, ingested_at));
        rows.transactions.push(transaction(&hour, ingested_at)?);
    }
    Ok(rows)
}

/// The file's priced hours in file order, and how many empty prices were skipped.
pub fn parse_hours(bytes: &[u8]) -> Result<(Vec<ClearedHour>, usize), ParseError> {
    let mut file = CsvFile::open(bytes)?;
    let (time_col, price_col) = (file.column("time")?, file.column("DAM_price")?);
    let mut occurrences: HashMap<NaiveDateTime, u8> = HashMap::new();
    let mut seen = HashSet::new();
    let (mut hours, mut skipped) = (Vec::new(), 0);
    for row in file.rows() {
        let row = row?;
        let text = row.text(time_col)?;
        let local =
            NaiveDateTime::parse_from_str(text, TIME_FORMAT).map_err(|_| ParseError::Time {
                line: row.line,
                value: text.to_owned(),
                format: TIME_FORMAT,
            })?;
        // Count occurrences before skipping empties, so the second autumn
        // 02:00 is CET even when the first one had no price.
        let n = occurrences.entry(local).or_insert(0);
        *n += 1;
        let fold = match (*n, is_ambiguous(Brussels, local)) {
            (1, _) => Fold::Earlier,
            (2, true) => Fold::Later,
            _ => {
                return Err(ParseError::DuplicateTime {
                    line: row.line,
                    value: text.to_owned(),
                })
            }
        };
        let Some(kwh) = row.optional_number(price_col, "")? else {
            skipped += 1;
            continue;
        };
        let start = to_utc(Brussels, local, fold, row.line)?;
        if !seen.insert(start) {
            return Err(ParseError::DuplicateTime {
                line: row.line,
                value: text.to_owned(),
            });
        }
        hours.push(ClearedHour {
            start,
            price_eur_mwh: eur_per_mwh(kwh),
        });
    }
    Ok((hours, skipped))
}

/// EUR/kWh → EUR/MWh at the published 0.01 resolution.
fn eur_per_mwh(eur_per_kwh: f64) -> f64 {
    (eur_per_kwh * 100_000.0).round() / 100.0
}

fn clearing_price(hour: &ClearedHour, ingested_at: DateTime<Utc>) -> clearing_price::ActiveModel {
    clearing_price::ActiveModel {
        id: NotSet,
        market: Set(MARKET.to_owned()),
        zone: Set(ZONE.to_owned()),
        interval_start: Set(hour.start),
        interval_end: Set(hour.start + Duration::hours(1)),
        price_per_mwh: Set(hour.price_eur_mwh),
        currency: Set(CURRENCY.to_owned()),
        source: Set(SOURCE.to_owned()),
        ingested_at: Set(ingested_at),
    }
}

fn transaction(
    hour: &ClearedHour,
    ingested_at: DateTime<Utc>,
) -> Result<market_transaction::ActiveModel, ParseError> {
    Ok(market_transaction::ActiveModel {
        id: NotSet,
        trade_id: Set(trade_id(hour.start)),
        market: Set(MARKET.to_owned()),
        zone: Set(ZONE.to_owned()),
        delivery_start: Set(hour.start),
        delivery_end: Set(hour.start + Duration::hours(1)),
        price_per_mwh: Set(hour.price_eur_mwh),
        currency: Set(CURRENCY.to_owned()),
        volume_mwh: Set(None),
        traded_at: Set(gate_closure(hour.start)?),
        source: Set(SOURCE.to_owned()),
        ingested_at: Set(ingested_at),
    })
}

/// `BE-DA-<UTC start yyyymmddHH>`: unique per zone and delivery hour.
pub fn trade_id(start: DateTime<Utc>) -> String {
    format!("{ZONE}-DA-{}", start.format("%Y%m%d%H"))
}

/// 12:00 Brussels time on the day before the delivery hour's Brussels date.
pub fn gate_closure(delivery_start: DateTime<Utc>) -> Result<DateTime<Utc>, ParseError> {
    let delivery_day = delivery_start.with_timezone(&Brussels).date_naive();
    let auction_day = delivery_day.pred_opt().unwrap_or(delivery_day);
    let noon = auction_day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
    // Noon is never inside a DST transition in Brussels (they happen at 02:00/03:00).
    to_utc(Brussels, noon, Fold::Earlier, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn first_row_with_crlf_and_leading_dot_price() {
        let (hours, skipped) =
            parse_hours(b"time,DAM_price\r\n01jan2022 00:00:00,.0820199966430664\r\n")
                .expect("parse");
        assert_eq!(skipped, 0);
        // 00:00 CET = 23:00 UTC the day before; 0.08202 EUR/kWh = 82.02 EUR/MWh.
        assert_eq!(
            hours,
            vec![ClearedHour {
                start: utc(2021, 12, 31, 23, 0),
                price_eur_mwh: 82.02
            }]
        );
    }

    #[test]
    fn autumn_repeated_hour_first_is_cest_second_is_cet() {
        let csv = b"time,DAM_price\r\n30oct2022 01:00:00,.1004899978637695\r\n30oct2022 02:00:00,.1002200012207031\r\n30oct2022 02:00:00,.0999300003051758\r\n30oct2022 03:00:00,.0983600006103516\r\n";
        let (hours, _) = parse_hours(csv).expect("parse");
        let starts: Vec<_> = hours.iter().map(|h| h.start).collect();
        assert_eq!(
            starts,
            vec![
                utc(2022, 10, 29, 23, 0),
                utc(2022, 10, 30, 0, 0),
                utc(2022, 10, 30, 1, 0),
                utc(2022, 10, 30, 2, 0)
            ]
        );
        assert_eq!(hours[1].price_eur_mwh, 100.22);
        assert_eq!(hours[2].price_eur_mwh, 99.93);
    }

    #[test]
    fn spring_gap_row_is_skipped_when_empty_and_an_error_when_priced() {
        let csv = b"time,DAM_price\r\n27mar2022 01:00:00,.2219299926757813\r\n27mar2022 02:00:00,\r\n27mar2022 03:00:00,.2140200042724609\r\n";
        let (hours, skipped) = parse_hours(csv).expect("parse");
        assert_eq!(skipped, 1);
        assert_eq!(hours[0].start, utc(2022, 3, 27, 0, 0));
        assert_eq!(hours[1].start, utc(2022, 3, 27, 1, 0));
        let priced = b"time,DAM_price\r\n27mar2022 02:00:00,.2\r\n";
        assert!(matches!(
            parse_hours(priced),
            Err(ParseError::NonexistentLocalTime { line: 2, .. })
        ));
    }

    #[test]
    fn negative_prices_are_kept_and_bad_rows_name_their_line() {
        let (hours, _) =
            parse_hours(b"time,DAM_price\n29oct2023 01:00:00,-.0010700000524521\n").expect("parse");
        assert_eq!(hours[0].price_eur_mwh, -1.07);
        let bad = parse_hours(b"time,DAM_price\n01jan2022 00:00:00,.1\n2022-01-01 01:00,.1\n");
        assert!(
            matches!(bad, Err(ParseError::Time { line: 3, .. })),
            "{bad:?}"
        );
        let dup = parse_hours(b"time,DAM_price\n01jan2022 05:00:00,.1\n01jan2022 05:00:00,.1\n");
        assert!(
            matches!(dup, Err(ParseError::DuplicateTime { line: 3, .. })),
            "{dup:?}"
        );
    }

    #[test]
    fn transactions_carry_trade_id_and_gate_closure() {
        let rows = parse_day_ahead(
            b"time,DAM_price\n01jan2022 00:00:00,.05\n",
            utc(2025, 1, 1, 0, 0),
        )
        .expect("parse");
        let tx = &rows.transactions[0];
        assert_eq!(tx.trade_id, Set("BE-DA-2021123123".to_owned()));
        // Delivery day 2022-01-01 (Brussels) → auction 2021-12-31 12:00 CET = 11:00 UTC.
        assert_eq!(tx.traded_at, Set(utc(2021, 12, 31, 11, 0)));
        assert_eq!(tx.volume_mwh, Set(None));
        assert_eq!(rows.prices[0].interval_end, Set(utc(2022, 1, 1, 0, 0)));
        // Summer delivery: 12:00 CEST = 10:00 UTC.
        assert_eq!(
            gate_closure(utc(2022, 7, 1, 22, 0)).expect("gate"),
            utc(2022, 7, 1, 10, 0)
        );
    }
}
