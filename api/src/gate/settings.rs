//! `[zk]` settings: the circuit's key files, slot bits, epoch length, and
//! which data units need a proof (DESIGN §4, §5). The membership depth `D`
//! and the accepted-roots window `R` are the ledger's (`[audit]`), so the
//! tree the gate checks against and the circuit can never disagree.

use std::path::PathBuf;

use serde::Deserialize;

use super::policy::Unit;

/// Anonymous-query configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ZkSettings {
    /// Groth16 proving key file (served to clients at `GET /keys/proving.key`).
    pub proving_key: PathBuf,
    /// Groth16 verifying key file (served at `GET /keys/verifying.key`).
    pub verifying_key: PathBuf,
    /// Slot bits `q` of the circuit (DESIGN §4, default 10).
    pub slot_bits: usize,
    /// Epoch length in seconds (DESIGN §4, default 3600).
    pub epoch_seconds: u64,
    /// Run a single-party setup at start when both key files are missing, so
    /// a first `cargo run` works. Production disables this and installs keys
    /// from a ceremony (see the circuits crate's "Trusted setup").
    pub generate_missing_keys: bool,
    /// Which units need a proof.
    pub require_proof: UnitPolicy,
}

/// Per-unit policy: `true` means every operation touching the unit must
/// carry a valid `extensions.zkcity` (DESIGN §5: by default every data unit).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnitPolicy {
    pub traffic: bool,
    pub power: bool,
    pub ecological: bool,
}

impl Default for UnitPolicy {
    fn default() -> Self {
        Self {
            traffic: true,
            power: true,
            ecological: true,
        }
    }
}

impl UnitPolicy {
    /// Whether `unit` needs a proof.
    pub fn requires(&self, unit: Unit) -> bool {
        match unit {
            Unit::Traffic => self.traffic,
            Unit::Power => self.power,
            Unit::Ecological => self.ecological,
        }
    }
}

impl Default for ZkSettings {
    fn default() -> Self {
        Self {
            proving_key: PathBuf::from("data/keys/proving.key"),
            verifying_key: PathBuf::from("data/keys/verifying.key"),
            slot_bits: 10,
            epoch_seconds: 3600,
            generate_missing_keys: true,
            require_proof: UnitPolicy::default(),
        }
    }
}

impl ZkSettings {
    /// Why these settings cannot be used, if they cannot.
    pub fn problem(&self) -> Option<&'static str> {
        if !(1..=32).contains(&self.slot_bits) {
            return Some("zk.slot_bits must be in 1..=32");
        }
        if self.epoch_seconds == 0 {
            return Some("zk.epoch_seconds must be at least 1");
        }
        None
    }

    /// The current epoch `e = floor(unix_seconds / epoch_seconds)` (DESIGN §4).
    pub fn current_epoch(&self) -> u64 {
        super::now_secs() / self.epoch_seconds.max(1)
    }
}
