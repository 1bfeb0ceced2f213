//! The verifier's state file: the last verified checkpoint of one log,
//! keyed by the origin and pinned key the *user* gave (DESIGN §8: never by
//! what the server reports), plus a sidecar `<state>.leaves` with the leaf
//! hashes verified so far, so a fork is named at its first differing entry.
//! Both are written atomically (temporary file, then rename).

use std::path::{Path, PathBuf};

use zkcity_audit::{Hash, LogVerifierKey, SavedState, TrustedState};

use super::error::ClientError;

/// What a previous run left for this log.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    /// The checkpoint verified last time.
    pub state: Option<TrustedState>,
    /// Its leaf hashes, if the sidecar is present.
    pub leaves: Option<Vec<Hash>>,
}

fn leaves_path(state: &Path) -> PathBuf {
    let mut p = state.as_os_str().to_owned();
    p.push(".leaves");
    PathBuf::from(p)
}

fn state_err(path: &Path, reason: impl Into<String>) -> ClientError {
    ClientError::State {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Reads the state for `origin` + `key`; a missing file is a first run. A
/// file saved for another log or key is refused rather than overwritten.
pub fn load(path: &Path, origin: &str, key: &LogVerifierKey) -> Result<Previous, ClientError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Previous::default()),
        Err(e) => return Err(ClientError::io(path, e)),
    };
    let saved: SavedState =
        serde_json::from_str(&text).map_err(|e| state_err(path, e.to_string()))?;
    let Some(state) = saved.for_log(origin, key).cloned() else {
        return Err(state_err(
            path,
            format!(
                "saved for log {:?} with key {}, not this one",
                saved.origin, saved.log_key
            ),
        ));
    };
    let leaves = match std::fs::read(leaves_path(path)) {
        Ok(bytes) if bytes.len() % 32 == 0 => Some(
            bytes
                .chunks_exact(32)
                .map(|c| c.try_into().unwrap_or([0u8; 32]))
                .collect(),
        ),
        Ok(_) => {
            return Err(state_err(
                path,
                "the .leaves sidecar is not a whole number of hashes",
            ))
        }
        Err(_) => None,
    };
    Ok(Previous {
        state: Some(state),
        leaves,
    })
}

/// Saves the verified state and its leaves.
pub fn save(
    path: &Path,
    origin: &str,
    key: &LogVerifierKey,
    state: &TrustedState,
    leaves: &[Hash],
) -> Result<(), ClientError> {
    let saved = SavedState {
        origin: origin.to_owned(),
        log_key: key.to_string(),
        state: state.clone(),
    };
    let json = serde_json::to_vec_pretty(&saved).map_err(|e| state_err(path, e.to_string()))?;
    let flat: Vec<u8> = leaves.iter().flatten().copied().collect();
    write_atomic(&leaves_path(path), &flat)?;
    write_atomic(path, &json)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| ClientError::io(dir, e))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| ClientError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| ClientError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkcity_audit::LogSigner;

    #[test]
    fn round_trip_and_refuses_another_log() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("zkcity-client-state-{}", std::process::id()));
        let path = dir.join("state.json");
        let key = LogSigner::from_seed("a.example/log", [1; 32])?.verifier();
        let other = LogSigner::from_seed("a.example/log", [2; 32])?.verifier();
        assert!(load(&path, "a.example/log", &key)?.state.is_none());
        let st = TrustedState {
            size: 2,
            root: [3; 32],
            chain_head: [4; 32],
        };
        save(&path, "a.example/log", &key, &st, &[[1; 32], [2; 32]])?;
        let prev = load(&path, "a.example/log", &key)?;
        assert_eq!(prev.state, Some(st));
        assert_eq!(prev.leaves, Some(vec![[1; 32], [2; 32]]));
        assert!(matches!(
            load(&path, "a.example/log", &other),
            Err(ClientError::State { .. })
        ));
        assert!(matches!(
            load(&path, "b.example/log", &key),
            Err(ClientError::State { .. })
        ));
        Ok(())
    }
}
