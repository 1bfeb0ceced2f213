//! What a witness serves: its own key, its state file, and the logs it
//! witnesses, each an origin with the log's verifier key (tlog-witness:
//! "Each witness is configured with a list of supported log public keys").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use zkcity_audit::{LogVerifierKey, WitnessSigner};

use crate::error::WitnessError;

/// Default largest request body: a checkpoint with a few signatures and 63
/// proof lines is under 4 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024;

/// The witness's configuration.
#[derive(Debug, Clone)]
pub struct WitnessConfig {
    /// The witness's secret key file (`PRIVATE+KEY+name+id+base64(0x04‖seed)`).
    pub key_file: PathBuf,
    /// The durable per-origin state.
    pub state_file: PathBuf,
    /// Address to listen on, e.g. `127.0.0.1:7380`.
    pub listen: String,
    /// Verifier keys of the witnessed logs; each log's origin is its key name
    /// (as for zkcity logs, whose key is named after the origin).
    pub logs: Vec<String>,
    /// Largest request body; larger ones get 413.
    pub body_limit: usize,
}

/// The configuration, checked: the witness key loaded, the logs by origin.
#[derive(Debug)]
pub struct Loaded {
    pub signer: WitnessSigner,
    pub logs: BTreeMap<String, LogVerifierKey>,
}

impl WitnessConfig {
    /// Loads the key and parses every log key; two keys for one origin are refused.
    pub fn load(&self) -> Result<Loaded, WitnessError> {
        let signer = load_key(&self.key_file)?;
        let mut logs = BTreeMap::new();
        for text in &self.logs {
            let bad = |reason: String| WitnessError::LogKey {
                key: text.clone(),
                reason,
            };
            let key = LogVerifierKey::parse(text.trim()).map_err(|e| bad(e.to_string()))?;
            let origin = key.name().to_owned();
            if logs.insert(origin, key).is_some() {
                return Err(bad("another log key has the same origin".into()));
            }
        }
        Ok(Loaded { signer, logs })
    }
}

fn load_key(path: &Path) -> Result<WitnessSigner, WitnessError> {
    WitnessSigner::load(path).map_err(|e| WitnessError::Key {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// Creates a witness key file (mode 0600) named `name`; refuses to
/// overwrite an existing one. Returns the signer, whose verifier key the
/// operator publishes.
pub fn generate_key(path: &Path, name: &str) -> Result<WitnessSigner, WitnessError> {
    let bad = |reason: String| WitnessError::Key {
        path: path.to_owned(),
        reason,
    };
    let signer = WitnessSigner::generate(name).map_err(|e| bad(e.to_string()))?;
    signer.save(path).map_err(|e| bad(e.to_string()))?;
    Ok(signer)
}
