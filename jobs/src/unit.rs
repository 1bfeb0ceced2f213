//! The three data units of DESIGN §3 as a validated type, so a unit name from
//! configuration, the API or the run log is checked once at the boundary.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A data unit refreshed by its own job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Road segments, flow observations, road-condition reports, image tiles.
    Traffic,
    /// Market transactions and clearing prices.
    Power,
    /// Stations, air-quality observations, emission reports.
    Ecological,
}

impl Unit {
    /// Every unit, in a fixed order.
    pub const ALL: [Unit; 3] = [Unit::Traffic, Unit::Power, Unit::Ecological];

    /// The name stored in `refresh_run.unit` and used in metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Traffic => "traffic",
            Unit::Power => "power",
            Unit::Ecological => "ecological",
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A unit name that is none of the three.
#[derive(Debug, thiserror::Error)]
#[error("unknown data unit `{0}` (expected traffic, power or ecological)")]
pub struct UnknownUnit(pub String);

impl FromStr for Unit {
    type Err = UnknownUnit;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Unit::ALL
            .into_iter()
            .find(|u| u.as_str() == s)
            .ok_or_else(|| UnknownUnit(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_fail() {
        for unit in Unit::ALL {
            assert_eq!(unit.as_str().parse::<Unit>().ok(), Some(unit));
        }
        assert!("Traffic".parse::<Unit>().is_err());
        assert!("".parse::<Unit>().is_err());
    }
}
