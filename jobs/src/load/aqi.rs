//! Air quality index under China's HJ 633-2012 ("Technical Regulation on
//! Ambient Air Quality Index"), the standard of the Beijing stations' own
//! publisher.
//!
//! What is computed, exactly:
//! - IAQI per pollutant by linear interpolation in HJ 633 Table 1:
//!   `IAQI = IAQI_lo + (IAQI_hi − IAQI_lo)(C − BP_lo)/(BP_hi − BP_lo)`.
//! - The dataset is hourly, so the 1-hour tables are used where HJ 633 has
//!   them (SO2, NO2, O3, CO). PM2.5 and PM10 have only 24-hour tables; they
//!   are applied to the hourly value, as China's real-time hourly AQI does.
//! - SO2 above 800 µg/m³: the 1-hour table ends there and HJ 633 note (1)
//!   says to report the 24-hour SO2 sub-index instead; only the hourly value
//!   exists, so the 24-hour table is applied to it.
//! - CO arrives in µg/m³ and HJ 633 tabulates mg/m³: divided by 1000 first.
//! - Above a table's top breakpoint HJ 633 defines no higher class: the
//!   IAQI is capped at 500 (read "500 or worse").
//! - HJ 633 §5.1: results are rounded *up* to integers (进位取整). Floating
//!   noise below 1e-9 is removed first so an exact breakpoint like PM2.5 = 35
//!   stays 50 and does not become 51.
//! - AQI = the largest IAQI among the pollutants measured that hour; `None`
//!   when none was measured. A missing pollutant does not count (the AQI may
//!   understate an hour whose PM2.5 reading is missing).
//! - Primary pollutant (HJ 633 §5.2): only when AQI > 50, the pollutant(s)
//!   with the largest IAQI; ties are joined with `,` in the order PM2.5,
//!   PM10, SO2, NO2, O3, CO.

/// Value of `aqi_standard` for every AQI this module computes.
pub const AQI_STANDARD: &str = "HJ 633-2012";

/// IAQI levels of HJ 633 Table 1.
const IAQI: [f64; 8] = [0.0, 50.0, 100.0, 150.0, 200.0, 300.0, 400.0, 500.0];
/// PM2.5 24-hour mean, µg/m³.
const PM25_24H: [f64; 8] = [0.0, 35.0, 75.0, 115.0, 150.0, 250.0, 350.0, 500.0];
/// PM10 24-hour mean, µg/m³.
const PM10_24H: [f64; 8] = [0.0, 50.0, 150.0, 250.0, 350.0, 420.0, 500.0, 600.0];
/// SO2 1-hour mean, µg/m³ (defined only up to 800).
const SO2_1H: [f64; 5] = [0.0, 150.0, 500.0, 650.0, 800.0];
/// SO2 24-hour mean, µg/m³ (the fallback of note (1)).
const SO2_24H: [f64; 8] = [0.0, 50.0, 150.0, 475.0, 800.0, 1600.0, 2100.0, 2620.0];
/// NO2 1-hour mean, µg/m³.
const NO2_1H: [f64; 8] = [0.0, 100.0, 200.0, 700.0, 1200.0, 2340.0, 3090.0, 3840.0];
/// O3 1-hour mean, µg/m³.
const O3_1H: [f64; 8] = [0.0, 160.0, 200.0, 300.0, 400.0, 800.0, 1000.0, 1200.0];
/// CO 1-hour mean, mg/m³.
const CO_1H: [f64; 8] = [0.0, 5.0, 10.0, 35.0, 60.0, 90.0, 120.0, 150.0];

/// The six pollutants of HJ 633, in the order used to break ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pollutant {
    Pm25,
    Pm10,
    So2,
    No2,
    O3,
    Co,
}

impl Pollutant {
    /// The code stored in `dominant_pollutant`.
    pub fn code(self) -> &'static str {
        match self {
            Pollutant::Pm25 => "PM2.5",
            Pollutant::Pm10 => "PM10",
            Pollutant::So2 => "SO2",
            Pollutant::No2 => "NO2",
            Pollutant::O3 => "O3",
            Pollutant::Co => "CO",
        }
    }
}

/// One hour's concentrations, all in µg/m³ (CO included), `None` if missing.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Concentrations {
    pub pm25: Option<f64>,
    pub pm10: Option<f64>,
    pub so2: Option<f64>,
    pub no2: Option<f64>,
    pub o3: Option<f64>,
    pub co: Option<f64>,
}

/// AQI of one hour and its primary pollutant(s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aqi {
    pub aqi: i32,
    /// HJ 633 primary pollutant; `None` when AQI ≤ 50.
    pub primary: Option<String>,
}

/// Individual AQI of `pollutant` at `ug_m3` µg/m³ (HJ 633 Table 1, see module docs).
pub fn iaqi(pollutant: Pollutant, ug_m3: f64) -> i32 {
    let value = match pollutant {
        Pollutant::Pm25 => interpolate(&PM25_24H, ug_m3),
        Pollutant::Pm10 => interpolate(&PM10_24H, ug_m3),
        Pollutant::So2 if ug_m3 > SO2_1H[SO2_1H.len() - 1] => interpolate(&SO2_24H, ug_m3),
        Pollutant::So2 => interpolate(&SO2_1H, ug_m3),
        Pollutant::No2 => interpolate(&NO2_1H, ug_m3),
        Pollutant::O3 => interpolate(&O3_1H, ug_m3),
        Pollutant::Co => interpolate(&CO_1H, ug_m3 / 1000.0),
    };
    // Rounded up per HJ 633 §5.1; the value is within 0..=500 so the cast is exact.
    (value - 1e-9).ceil().max(0.0) as i32
}

/// Linear interpolation in one breakpoint row; 500 above the top breakpoint.
fn interpolate(breakpoints: &[f64], c: f64) -> f64 {
    if c <= 0.0 {
        return 0.0;
    }
    for i in 1..breakpoints.len() {
        let (lo, hi) = (breakpoints[i - 1], breakpoints[i]);
        if c <= hi {
            return IAQI[i - 1] + (IAQI[i] - IAQI[i - 1]) * (c - lo) / (hi - lo);
        }
    }
    IAQI[IAQI.len() - 1]
}

/// AQI and primary pollutant of one hour; `None` when nothing was measured.
pub fn aqi(c: &Concentrations) -> Option<Aqi> {
    let measured = [
        (Pollutant::Pm25, c.pm25),
        (Pollutant::Pm10, c.pm10),
        (Pollutant::So2, c.so2),
        (Pollutant::No2, c.no2),
        (Pollutant::O3, c.o3),
        (Pollutant::Co, c.co),
    ];
    let subs: Vec<(Pollutant, i32)> = measured
        .iter()
        .filter_map(|(p, v)| v.map(|v| (*p, iaqi(*p, v))))
        .collect();
    let aqi = subs.iter().map(|(_, s)| *s).max()?;
    let primary = (aqi > 50).then(|| {
        let codes: Vec<&str> = subs
            .iter()
            .filter(|(_, s)| *s == aqi)
            .map(|(p, _)| p.code())
            .collect();
        codes.join(",")
    });
    Some(Aqi { aqi, primary })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_indices_hand_computed_from_table_1() {
        // PM2.5 485 in [350, 500]: 400 + 100·135/150 = 490.
        assert_eq!(iaqi(Pollutant::Pm25, 485.0), 490);
        // PM10 496 in [420, 500]: 300 + 100·76/80 = 395.
        assert_eq!(iaqi(Pollutant::Pm10, 496.0), 395);
        // SO2 8 in [0, 150]: 50·8/150 = 2.67 → rounded up to 3.
        assert_eq!(iaqi(Pollutant::So2, 8.0), 3);
        // NO2 121 in [100, 200]: 50 + 50·21/100 = 60.5 → 61.
        assert_eq!(iaqi(Pollutant::No2, 121.0), 61);
        // CO 6100 µg/m³ = 6.1 mg/m³ in [5, 10]: 50 + 50·1.1/5 = 61.
        assert_eq!(iaqi(Pollutant::Co, 6100.0), 61);
        // O3 4 in [0, 160]: 50·4/160 = 1.25 → 2.
        assert_eq!(iaqi(Pollutant::O3, 4.0), 2);
    }

    #[test]
    fn exact_breakpoints_are_not_rounded_past_their_level() {
        assert_eq!(iaqi(Pollutant::Pm25, 35.0), 50);
        assert_eq!(iaqi(Pollutant::Pm25, 75.0), 100);
        assert_eq!(iaqi(Pollutant::Co, 10_000.0), 100);
        assert_eq!(iaqi(Pollutant::Pm25, 0.0), 0);
    }

    #[test]
    fn so2_above_800_falls_back_to_the_24_hour_table() {
        assert_eq!(iaqi(Pollutant::So2, 800.0), 200);
        // 1000 in the 24-h row [800, 1600]: 200 + 100·200/800 = 225.
        assert_eq!(iaqi(Pollutant::So2, 1000.0), 225);
    }

    #[test]
    fn beyond_the_table_is_capped_at_500() {
        assert_eq!(iaqi(Pollutant::Pm25, 835.0), 500);
        assert_eq!(iaqi(Pollutant::Pm10, 994.0), 500);
    }

    #[test]
    fn aqi_is_the_max_and_names_the_primary_pollutant() {
        // The first row of the Beijing file (Aotizhongxin, 2017-01-01 00:00 CST).
        let c = Concentrations {
            pm25: Some(485.0),
            pm10: Some(496.0),
            so2: Some(8.0),
            no2: Some(121.0),
            co: Some(6100.0),
            o3: Some(4.0),
        };
        assert_eq!(
            aqi(&c),
            Some(Aqi {
                aqi: 490,
                primary: Some("PM2.5".into())
            })
        );
    }

    #[test]
    fn no_primary_pollutant_at_or_below_50_and_ties_are_joined() {
        let clean = Concentrations {
            pm25: Some(20.0),
            no2: Some(30.0),
            ..Default::default()
        };
        assert_eq!(
            aqi(&clean),
            Some(Aqi {
                aqi: 29,
                primary: None
            })
        );
        let tie = Concentrations {
            pm25: Some(75.0),
            pm10: Some(150.0),
            ..Default::default()
        };
        assert_eq!(
            aqi(&tie),
            Some(Aqi {
                aqi: 100,
                primary: Some("PM2.5,PM10".into())
            })
        );
    }

    #[test]
    fn missing_pollutants_are_skipped_and_none_measured_gives_none() {
        assert_eq!(aqi(&Concentrations::default()), None);
        let only_o3 = Concentrations {
            o3: Some(180.0),
            ..Default::default()
        };
        // O3 180 in [160, 200]: 50 + 50·20/40 = 75.
        assert_eq!(
            aqi(&only_o3),
            Some(Aqi {
                aqi: 75,
                primary: Some("O3".into())
            })
        );
    }
}
