//! The pure and read-only steps of a batch: screening requests for
//! duplicates, chaining the new entries onto the head, and checking the
//! stored head before it is extended.

use std::collections::{HashMap, HashSet};

use sea_orm::{DatabaseTransaction, EntityTrait};
use zkcity_audit::merkle::tree_root;
use zkcity_audit::{Entry, EntryKind, Hash, NodeId};
use zkcity_circuits::fr_to_bytes;
use zkcity_entities::audit::audit_entry;

use crate::error::{AppendError, LedgerError};
use crate::members;
use crate::request::AppendRequest;
use crate::store::{self, Head};
use crate::writes;

/// Refuses duplicates: against the database and within the batch.
pub(super) async fn screen(
    txn: &DatabaseTransaction,
    requests: &[&AppendRequest],
) -> Result<Vec<Result<(), AppendError>>, LedgerError> {
    let commitments: Vec<[u8; 32]> = requests
        .iter()
        .filter_map(|r| {
            if let AppendRequest::Member(c) = r {
                Some(fr_to_bytes(c))
            } else {
                None
            }
        })
        .collect();
    let nullifiers: Vec<[u8; 32]> = requests
        .iter()
        .filter_map(|r| {
            if let AppendRequest::Query(q) = r {
                Some(q.nullifier)
            } else {
                None
            }
        })
        .collect();
    let mut taken_members: HashSet<[u8; 32]> = members::existing(txn, &commitments)
        .await?
        .into_iter()
        .collect();
    let mut taken_nullifiers: HashSet<[u8; 32]> = writes::used_nullifiers(txn, &nullifiers)
        .await?
        .into_iter()
        .collect();
    Ok(requests
        .iter()
        .map(|r| match r {
            AppendRequest::Member(c) => {
                let bytes = fr_to_bytes(c);
                if bytes == [0u8; 32] {
                    Err(AppendError::ZeroCommitment)
                } else if !taken_members.insert(bytes) {
                    Err(AppendError::DuplicateMember)
                } else {
                    Ok(())
                }
            }
            AppendRequest::Query(q) => {
                if taken_nullifiers.insert(q.nullifier) {
                    Ok(())
                } else {
                    Err(AppendError::NullifierReused)
                }
            }
        })
        .collect())
}

/// The head's last entry row (`None` for an empty log), read once per
/// batch: its timestamp bounds the new ones and [`check_head`] checks it.
pub(super) async fn last_entry(
    txn: &DatabaseTransaction,
    head: &Head,
) -> Result<Option<audit_entry::Model>, LedgerError> {
    let Some(last) = head.size.checked_sub(1) else {
        return Ok(None);
    };
    let row = audit_entry::Entity::find_by_id(store::to_i64(last)?)
        .one(txn)
        .await?
        .ok_or_else(|| LedgerError::Corrupt(format!("entry {last} is missing")))?;
    Ok(Some(row))
}

/// The newest entry's timestamp, which the next entries must not precede
/// (DESIGN §6 amendment); `i64::MIN` for an empty log. Read from the entry's
/// bytes, the log's source of truth.
pub(super) fn last_timestamp(last: Option<&audit_entry::Model>) -> Result<i64, LedgerError> {
    let Some(row) = last else {
        return Ok(i64::MIN);
    };
    Entry::from_bytes(&row.bytes)
        .map(|e| e.timestamp_ms)
        .map_err(|_| LedgerError::Corrupt(format!("entry {} is undecodable", row.idx)))
}

/// The entries of the accepted requests, chained onto the head and stamped
/// `max(now, not_before)`: a clock stepping back never makes time in the log
/// go backwards (DESIGN §6 amendment).
pub(super) fn build_entries(
    head: &Head,
    requests: &[&AppendRequest],
    accepted: &[usize],
    not_before: i64,
) -> Vec<Entry> {
    let now = chrono::Utc::now().timestamp_millis().max(not_before);
    let mut prev = head.chain_head;
    accepted
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let kind = match requests[i] {
                AppendRequest::Member(c) => EntryKind::Member {
                    commitment: fr_to_bytes(c),
                },
                AppendRequest::Query(q) => EntryKind::Query(q.clone()),
            };
            let entry = Entry {
                index: head.size + k as u64,
                timestamp_ms: now,
                kind,
                prev,
            };
            prev = entry.chain_hash();
            entry
        })
        .collect()
}

/// Refuses to extend a head that disagrees with its tree or its last entry.
/// `nodes` must hold the root plan of the head's size and the last leaf.
pub(super) fn check_head(
    head: &Head,
    last: Option<&audit_entry::Model>,
    nodes: &HashMap<NodeId, Hash>,
) -> Result<(), LedgerError> {
    if tree_root(head.size, nodes)? != head.root {
        return Err(LedgerError::Corrupt(
            "the stored head root disagrees with the stored tree".into(),
        ));
    }
    let Some(index) = head.size.checked_sub(1) else {
        return Ok(());
    };
    let ok = last.is_some_and(|row| {
        zkcity_audit::chain_hash_of(&row.bytes) == head.chain_head
            && nodes.get(&NodeId::leaf(index)) == Some(&zkcity_audit::merkle::leaf_hash(&row.bytes))
    });
    if !ok {
        return Err(LedgerError::Corrupt(format!(
            "entry {index} disagrees with the stored head"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use zkcity_audit::{merkle::empty_root, GENESIS_PREV};
    use zkcity_circuits::Fr;

    use super::*;

    fn empty_head() -> Head {
        Head {
            size: 0,
            chain_head: GENESIS_PREV,
            root: empty_root(),
            log_id: vec![0; 16],
        }
    }

    #[test]
    fn entries_are_stamped_no_earlier_than_the_last_one() {
        let requests = [
            AppendRequest::Member(Fr::from(3u64)),
            AppendRequest::Member(Fr::from(4u64)),
        ];
        let refs: Vec<&AppendRequest> = requests.iter().collect();
        // A previous entry stamped an hour ahead (a clock that stepped back since).
        let ahead = chrono::Utc::now().timestamp_millis() + 3_600_000;
        let entries = build_entries(&empty_head(), &refs, &[0, 1], ahead);
        assert!(entries.iter().all(|e| e.timestamp_ms == ahead));
        // Otherwise the clock's time.
        let before = chrono::Utc::now().timestamp_millis();
        let entries = build_entries(&empty_head(), &refs, &[1], i64::MIN);
        assert_eq!(entries.len(), 1);
        assert!(entries[0].timestamp_ms >= before);
        assert_eq!(entries[0].prev, GENESIS_PREV);
    }
}
