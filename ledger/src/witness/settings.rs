//! `[audit.witnesses]`: the witnesses the log submits its checkpoints to
//! and how many must cosign one before it is published (DESIGN §6
//! amendment "Witnesses").
//!
//! ```toml
//! [audit.witnesses]
//! quorum = 2
//! [[audit.witnesses.list]]
//! name = "w1"                                   # metric label; [A-Za-z0-9._-]
//! key = "witness.example/w1+1a2b3c4d+BH…"       # its cosignature/v1 verifier key
//! url = "https://witness.example/w1"            # submission prefix
//! ```

use serde::Deserialize;
use zkcity_audit::WitnessKey;

/// The witnesses and the quorum.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WitnessesSettings {
    /// Cosignatures a checkpoint needs before it is published (1..=list size).
    pub quorum: usize,
    /// Longest wait for one witness's answer.
    pub timeout_ms: u64,
    /// First retry delay after a failure; doubles per failure.
    pub retry_ms: u64,
    /// Longest retry delay.
    pub max_retry_ms: u64,
    /// The witnesses; empty: checkpoints are published uncosigned.
    pub list: Vec<WitnessEntry>,
}

impl Default for WitnessesSettings {
    fn default() -> Self {
        Self {
            quorum: 0,
            timeout_ms: 5_000,
            retry_ms: 250,
            max_retry_ms: 30_000,
            list: Vec::new(),
        }
    }
}

/// One witness.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WitnessEntry {
    /// Short name for metrics and logs (a bounded label set: from config only).
    pub name: String,
    /// The witness's verifier key `name+keyid+base64(0x04‖key)`.
    pub key: String,
    /// The witness's submission prefix; `/add-checkpoint` is appended.
    pub url: String,
}

impl WitnessesSettings {
    /// Whether any witness is configured.
    pub fn enabled(&self) -> bool {
        !self.list.is_empty()
    }

    /// The parsed keys, in configuration order, or why the settings are unusable.
    pub fn keys(&self) -> Result<Vec<WitnessKey>, String> {
        let mut names = std::collections::HashSet::new();
        let mut keys = Vec::with_capacity(self.list.len());
        for w in &self.list {
            let label_ok = !w.name.is_empty()
                && w.name.len() <= 64
                && w.name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !label_ok || !names.insert(w.name.as_str()) {
                return Err(format!(
                    "audit.witnesses: name {:?} must be unique, 1-64 of [A-Za-z0-9._-]",
                    w.name
                ));
            }
            if !(w.url.starts_with("http://") || w.url.starts_with("https://")) {
                return Err(format!("audit.witnesses.{}: url must be http(s)", w.name));
            }
            let key = WitnessKey::parse(&w.key)
                .map_err(|e| format!("audit.witnesses.{}: key: {e}", w.name))?;
            keys.push(key);
        }
        if self.enabled() && !(1..=self.list.len()).contains(&self.quorum) {
            return Err(format!(
                "audit.witnesses.quorum must be in 1..={}",
                self.list.len()
            ));
        }
        if self.timeout_ms == 0 || self.retry_ms == 0 || self.max_retry_ms < self.retry_ms {
            return Err("audit.witnesses: timeout_ms and retry_ms must be positive, max_retry_ms ≥ retry_ms".into());
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, key: &str) -> WitnessEntry {
        WitnessEntry {
            name: name.into(),
            key: key.into(),
            url: "http://127.0.0.1:1".into(),
        }
    }

    #[test]
    fn validates_names_keys_and_quorum() {
        let w = zkcity_audit::WitnessSigner::from_seed("w.example/a", [1; 32]).expect("w");
        let key = w.verifier().to_string();
        let mut s = WitnessesSettings {
            quorum: 1,
            list: vec![entry("a", &key)],
            ..Default::default()
        };
        assert_eq!(s.keys().map(|k| k.len()), Ok(1));
        s.quorum = 2;
        assert!(s.keys().is_err());
        s.quorum = 1;
        s.list.push(entry("a", &key));
        assert!(s.keys().is_err(), "duplicate name");
        s.list = vec![entry("bad name", &key)];
        assert!(s.keys().is_err());
        s.list = vec![entry("a", "not-a-key")];
        assert!(s.keys().is_err());
        assert_eq!(WitnessesSettings::default().keys().map(|k| k.len()), Ok(0));
    }
}
