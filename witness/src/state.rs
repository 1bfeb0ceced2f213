//! The witness's memory: per origin, the tree head it last cosigned. The
//! check of a request against it and the write of the new head happen under
//! one lock, and the file is replaced atomically and flushed to disk
//! (temporary file, `fsync`, `rename`, `fsync` of the directory) before the
//! cosignature is returned — tlog-witness "add-checkpoint": "The witness MUST
//! persist the new checkpoint before responding", atomically with the check.
//! So a witness never cosigns two inconsistent checkpoints for one origin,
//! even across a crash or a restart.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use zkcity_audit::witness::{check_add, AddCheckpoint, Cosigned, Refusal};
use zkcity_audit::Checkpoint;

use crate::error::WitnessError;

/// One origin's head on disk (root as hex).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Head {
    size: u64,
    root: String,
}

/// The state file: origin → last cosigned head.
#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    logs: BTreeMap<String, Head>,
}

/// The durable per-origin state.
#[derive(Debug)]
pub struct State {
    path: PathBuf,
    logs: Mutex<BTreeMap<String, Cosigned>>,
}

/// What [`State::add`] decided.
#[derive(Debug)]
pub enum Added {
    /// The new head is on disk: cosign it.
    Cosign(Cosigned),
    /// The request is refused; nothing changed.
    Refused(Refusal),
}

impl State {
    /// Loads the state file, or starts empty when it does not exist.
    pub fn open(path: &Path) -> Result<State, WitnessError> {
        let logs = match std::fs::read_to_string(path) {
            Ok(text) => parse(&text).map_err(|reason| WitnessError::State {
                path: path.to_owned(),
                reason,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(WitnessError::io(path, e)),
        };
        Ok(State {
            path: path.to_owned(),
            logs: Mutex::new(logs),
        })
    }

    /// The head last cosigned for `origin`.
    pub fn get(&self, origin: &str) -> Option<Cosigned> {
        self.logs.lock().ok()?.get(origin).copied()
    }

    /// Checks `request` against the head last cosigned for its origin and,
    /// if the checkpoint may be cosigned, writes the new head to disk — all
    /// under one lock. Blocking (it flushes to disk): call it off the async
    /// runtime.
    pub fn add(
        &self,
        request: &AddCheckpoint,
        checkpoint: &Checkpoint,
    ) -> Result<Added, WitnessError> {
        let mut logs = self.logs.lock().map_err(|_| WitnessError::Poisoned)?;
        let last = logs.get(&checkpoint.origin).copied();
        let new = match check_add(last, request, checkpoint) {
            Ok(new) => new,
            Err(refusal) => return Ok(Added::Refused(refusal)),
        };
        if last != Some(new) {
            let mut next = logs.clone();
            next.insert(checkpoint.origin.clone(), new);
            write_atomically(&self.path, &render(&next)?)?;
            *logs = next;
        }
        Ok(Added::Cosign(new))
    }
}

fn parse(text: &str) -> Result<BTreeMap<String, Cosigned>, String> {
    let file: File = serde_json::from_str(text).map_err(|e| e.to_string())?;
    file.logs
        .into_iter()
        .map(|(origin, h)| {
            let mut root = [0u8; 32];
            hex::decode_to_slice(&h.root, &mut root)
                .map_err(|e| format!("root of {origin}: {e}"))?;
            Ok((origin, Cosigned { size: h.size, root }))
        })
        .collect()
}

fn render(logs: &BTreeMap<String, Cosigned>) -> Result<Vec<u8>, WitnessError> {
    let file = File {
        logs: logs
            .iter()
            .map(|(o, c)| {
                let head = Head {
                    size: c.size,
                    root: hex::encode(c.root),
                };
                (o.clone(), head)
            })
            .collect(),
    };
    serde_json::to_vec_pretty(&file).map_err(|e| WitnessError::State {
        path: PathBuf::new(),
        reason: e.to_string(),
    })
}

/// Replaces `path` with `bytes` so that a crash leaves the old or the new
/// file, never a mix, and the new one is on disk when this returns.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WitnessError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = std::fs::File::create(&tmp).map_err(|e| WitnessError::io(&tmp, e))?;
    file.write_all(bytes)
        .map_err(|e| WitnessError::io(&tmp, e))?;
    file.sync_all().map_err(|e| WitnessError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| WitnessError::io(path, e))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| WitnessError::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(size: u64, root: u8) -> Checkpoint {
        Checkpoint {
            origin: "o".into(),
            size,
            root: [root; 32],
        }
    }

    fn req(old: u64) -> AddCheckpoint {
        AddCheckpoint {
            old_size: old,
            proof: vec![],
            note: String::new(),
        }
    }

    #[test]
    fn survives_a_restart_and_refuses_a_fork_after_it() -> Result<(), WitnessError> {
        let dir = std::env::temp_dir().join(format!("zkcity-witness-state-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| WitnessError::io(&dir, e))?;
        let path = dir.join("state.json");
        let state = State::open(&path)?;
        assert!(matches!(state.add(&req(0), &cp(4, 1))?, Added::Cosign(_)));
        let again = State::open(&path)?;
        assert_eq!(again.get("o").map(|c| c.size), Some(4));
        assert!(matches!(
            again.add(&req(4), &cp(4, 2))?,
            Added::Refused(Refusal::RootConflict { size: 4 })
        ));
        assert!(matches!(
            again.add(&req(0), &cp(9, 2))?,
            Added::Refused(Refusal::Conflict { old: 0, current: 4 })
        ));
        assert_eq!(State::open(&path)?.get("o").map(|c| c.root), Some([1; 32]));
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
