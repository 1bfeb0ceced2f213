//! Nullifiers this process has seen spent, so a replay is refused from
//! memory, before its proof is verified or the database is asked.
//!
//! Only a *yes* is decided here: a nullifier not in the set goes on to the
//! pairing check and then to the append transaction, which is the authority
//! (it refuses a nullifier already in the log, from any process). A replay
//! of another process's nullifier therefore costs one verification here,
//! once: its refusal is remembered too. Only the current and the previous
//! epoch can be accepted (older ones are `STALE_EPOCH` before this), so
//! older epochs are forgotten, and the set is capped: past the cap, new
//! nullifiers are simply not remembered (the append still decides).

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use zkcity_circuits::{fr_to_bytes, Fr};

/// At 32 bytes plus the table's overhead, about 80 MB at the cap.
const MAX_REMEMBERED: usize = 1_000_000;

#[derive(Default)]
pub struct SpentNullifiers {
    by_epoch: Mutex<BTreeMap<u64, HashSet<[u8; 32]>>>,
}

impl SpentNullifiers {
    /// Whether `nullifier` is known spent in `epoch`.
    pub fn contains(&self, epoch: u64, nullifier: &Fr) -> bool {
        let key = fr_to_bytes(nullifier);
        self.by_epoch
            .lock()
            .is_ok_and(|m| m.get(&epoch).is_some_and(|s| s.contains(&key)))
    }

    /// Remembers `nullifier` as spent in `epoch`; forgets epochs before
    /// `epoch - 1`.
    pub fn insert(&self, epoch: u64, nullifier: &Fr) {
        let Ok(mut map) = self.by_epoch.lock() else {
            return;
        };
        let keep_from = epoch.saturating_sub(1);
        map.retain(|e, _| *e >= keep_from);
        if map.values().map(HashSet::len).sum::<usize>() >= MAX_REMEMBERED {
            return;
        }
        map.entry(epoch).or_default().insert(fr_to_bytes(nullifier));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_per_epoch_and_forgets_old_epochs() {
        let spent = SpentNullifiers::default();
        let n = Fr::from(7u64);
        assert!(!spent.contains(10, &n));
        spent.insert(10, &n);
        assert!(spent.contains(10, &n));
        assert!(
            !spent.contains(11, &n),
            "another epoch, another nullifier space"
        );
        spent.insert(11, &Fr::from(8u64));
        assert!(spent.contains(10, &n), "the previous epoch is kept");
        spent.insert(12, &Fr::from(9u64));
        assert!(!spent.contains(10, &n), "two epochs back is forgotten");
    }
}
