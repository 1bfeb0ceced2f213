//! Per-epoch slots (DESIGN §4: `n = P(k, e, s)`, `s < 2^q`). A slot is
//! written to the state file, fsynced, *before* the request is sent, so a
//! crash or restart can skip a slot but never reuse a nullifier. A lock file
//! serializes concurrent `zkcity query` runs sharing one state directory.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::error::AnonError;

/// Next free slot per identity (keyed by its commitment) for one epoch.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SlotState {
    identities: BTreeMap<String, EpochSlot>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct EpochSlot {
    epoch: u64,
    next: u64,
}

/// Holds `<state>/slots.lock` while alive.
struct Lock(PathBuf);

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn lock(dir: &Path) -> Result<Lock, AnonError> {
    let path = dir.join("slots.lock");
    let start = Instant::now();
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => return Ok(Lock(path)),
            Err(e)
                if e.kind() == std::io::ErrorKind::AlreadyExists
                    && start.elapsed() < Duration::from_secs(30) =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(AnonError::io(&path, e)),
        }
    }
}

/// Reserves the next unused slot of `epoch` for `identity_key` and persists
/// the reservation durably before returning it.
pub fn reserve(
    dir: &Path,
    identity_key: &str,
    epoch: u64,
    slot_bits: usize,
) -> Result<u64, AnonError> {
    std::fs::create_dir_all(dir).map_err(|e| AnonError::io(dir, e))?;
    let _lock = lock(dir)?;
    let path = dir.join("slots.json");
    let mut state: SlotState = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| AnonError::bad_file(&path, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => SlotState::default(),
        Err(e) => return Err(AnonError::io(&path, e)),
    };
    let entry = state
        .identities
        .entry(identity_key.to_owned())
        .or_insert(EpochSlot { epoch, next: 0 });
    if entry.epoch > epoch {
        // A later epoch was used already (clock went back): never go back to
        // an epoch whose slots may have been spent.
        return Err(AnonError::RateLimited {
            epoch,
            slots: 1u64 << slot_bits,
        });
    }
    if entry.epoch < epoch {
        *entry = EpochSlot { epoch, next: 0 };
    }
    let slot = entry.next;
    if slot >= 1u64 << slot_bits {
        return Err(AnonError::RateLimited {
            epoch,
            slots: 1u64 << slot_bits,
        });
    }
    entry.next = slot + 1;
    write_durably(
        &path,
        &serde_json::to_vec_pretty(&state).map_err(|e| AnonError::bad_file(&path, e))?,
    )?;
    Ok(slot)
}

/// Gives back `slot` of `epoch` when the request using it never left the
/// machine (the connection to the server failed), so an unreachable server
/// costs no slot. Only the last reservation can be given back: a later one
/// may already be in flight.
pub fn release(dir: &Path, identity_key: &str, epoch: u64, slot: u64) -> Result<bool, AnonError> {
    let _lock = lock(dir)?;
    let path = dir.join("slots.json");
    let text = std::fs::read_to_string(&path).map_err(|e| AnonError::io(&path, e))?;
    let mut state: SlotState =
        serde_json::from_str(&text).map_err(|e| AnonError::bad_file(&path, e))?;
    let Some(entry) = state.identities.get_mut(identity_key) else {
        return Ok(false);
    };
    if entry.epoch != epoch || entry.next != slot + 1 {
        return Ok(false);
    }
    entry.next = slot;
    write_durably(
        &path,
        &serde_json::to_vec_pretty(&state).map_err(|e| AnonError::bad_file(&path, e))?,
    )?;
    Ok(true)
}

fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), AnonError> {
    let tmp = path.with_extension("json.tmp");
    // It names the identity's commitment and how often it asked: owner only.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&tmp).map_err(|e| AnonError::io(&tmp, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| AnonError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| AnonError::io(path, e))?;
    if let Some(parent) = path.parent() {
        if let Ok(d) = std::fs::File::open(parent) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_advance_persist_and_reset_per_epoch() -> Result<(), AnonError> {
        let dir = std::env::temp_dir().join(format!("zkcity-slots-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(reserve(&dir, "a", 10, 1)?, 0);
        assert_eq!(reserve(&dir, "a", 10, 1)?, 1);
        assert!(matches!(
            reserve(&dir, "a", 10, 1),
            Err(AnonError::RateLimited { .. })
        ));
        assert_eq!(reserve(&dir, "b", 10, 1)?, 0);
        assert_eq!(reserve(&dir, "a", 11, 1)?, 0);
        assert!(
            reserve(&dir, "a", 10, 1).is_err(),
            "never returns to an older epoch"
        );
        assert_eq!(reserve(&dir, "a", 11, 1)?, 1);
        assert!(!release(&dir, "a", 11, 0)?, "only the last reservation");
        assert!(release(&dir, "a", 11, 1)?);
        assert_eq!(reserve(&dir, "a", 11, 1)?, 1, "a released slot is reused");
        Ok(())
    }
}
