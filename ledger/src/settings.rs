//! `[audit]` settings: the log's origin and key, the membership tree's
//! shape (DESIGN §4 `D`, `R`) and the append batch size.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

use crate::witness::WitnessesSettings;

/// Audit log and membership configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// Checkpoint origin and key name (C2SP: the key is named after the log).
    pub origin: String,
    /// Signer key file (Go `note` format). Generated with mode 0600 on first
    /// start when missing. Default: `log.key` beside the SQLite file.
    pub key_file: Option<PathBuf>,
    /// The signer key text itself (`PRIVATE+KEY+…`); takes precedence over `key_file`.
    pub key: Option<SecretString>,
    /// Where the signer remembers the largest checkpoint it signed per log,
    /// so it never signs a smaller or inconsistent one. Default: key file + `.signed`.
    pub signer_state_file: Option<PathBuf>,
    /// Membership tree depth `D`; fixed once the tree exists.
    pub membership_depth: usize,
    /// Number of recent membership roots a proof may use (`R`).
    pub recent_roots: usize,
    /// Most appends one transaction may carry (concurrent requests are batched).
    pub max_batch: usize,
    /// Entries per database page when exporting.
    pub export_page_size: usize,
    /// The witnesses that cosign the checkpoints, and their quorum.
    pub witnesses: WitnessesSettings,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            origin: "zkcity.local/log".into(),
            key_file: None,
            key: None,
            signer_state_file: None,
            membership_depth: 20,
            recent_roots: 64,
            max_batch: 256,
            export_page_size: 1000,
            witnesses: WitnessesSettings::default(),
        }
    }
}

impl AuditSettings {
    /// The key file path: configured, else `log.key` beside the SQLite file.
    pub fn key_path(&self, sqlite_path: &Path) -> PathBuf {
        self.key_file.clone().unwrap_or_else(|| {
            let dir = sqlite_path.parent().filter(|d| !d.as_os_str().is_empty());
            dir.map_or_else(|| PathBuf::from("log.key"), |d| d.join("log.key"))
        })
    }

    /// The signer state path: configured, else the key path with `.signed` appended.
    pub fn signer_state_path(&self, sqlite_path: &Path) -> PathBuf {
        self.signer_state_file.clone().unwrap_or_else(|| {
            let mut p = self.key_path(sqlite_path).into_os_string();
            p.push(".signed");
            PathBuf::from(p)
        })
    }

    /// Why these settings cannot be used, if they cannot.
    pub fn problem(&self) -> Option<&'static str> {
        let checks = [
            (
                self.origin.is_empty() || self.origin.contains(['\n', '+', ' ']),
                "audit.origin must be a non-empty key name without spaces, '+' or newlines",
            ),
            (
                !(1..=32).contains(&self.membership_depth),
                "audit.membership_depth must be in 1..=32",
            ),
            (
                self.recent_roots == 0,
                "audit.recent_roots must be at least 1",
            ),
            (
                !(1..=1024).contains(&self.max_batch),
                "audit.max_batch must be in 1..=1024",
            ),
            (
                !(1..=10_000).contains(&self.export_page_size),
                "audit.export_page_size must be in 1..=10000",
            ),
        ];
        checks.iter().find(|(bad, _)| *bad).map(|(_, msg)| *msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_key_sits_beside_the_database() {
        let s = AuditSettings::default();
        assert_eq!(s.problem(), None);
        assert_eq!(
            s.key_path(Path::new("data/zkcity.db")),
            PathBuf::from("data/log.key")
        );
        assert_eq!(
            s.signer_state_path(Path::new("data/zkcity.db")),
            PathBuf::from("data/log.key.signed")
        );
        assert_eq!(s.key_path(Path::new("zkcity.db")), PathBuf::from("log.key"));
    }

    #[test]
    fn bad_values_are_named() {
        let s = AuditSettings {
            origin: "a b".into(),
            ..Default::default()
        };
        assert!(s.problem().is_some());
        let s = AuditSettings {
            membership_depth: 0,
            ..Default::default()
        };
        assert!(s.problem().is_some());
    }
}
