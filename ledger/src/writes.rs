//! Row writes of the append transaction: entries with their nullifiers,
//! tree nodes, and the head.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use zkcity_audit::{Entry, EntryKind, Hash, NodeId};
use zkcity_entities::audit::{audit_entry, audit_head, audit_node, nullifier};

use crate::error::{LedgerError, LedgerResult};
use crate::store::{to_i64, HEAD_ID};

/// Which of `nullifiers` were used before.
pub async fn used_nullifiers<C: ConnectionTrait>(
    conn: &C,
    nullifiers: &[[u8; 32]],
) -> LedgerResult<Vec<[u8; 32]>> {
    if nullifiers.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<Vec<u8>> = nullifiers.iter().map(|n| n.to_vec()).collect();
    let rows = nullifier::Entity::find()
        .filter(nullifier::Column::Nullifier.is_in(list))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.nullifier.try_into().ok())
        .collect())
}

/// Inserts the entries, the query entries' nullifiers (the primary key is
/// the database's own guard against reuse) and the new tree nodes.
pub async fn insert_entries<C: ConnectionTrait>(
    conn: &C,
    entries: &[Entry],
    nodes: &[(NodeId, Hash)],
) -> LedgerResult<()> {
    let mut rows = Vec::with_capacity(entries.len());
    let mut used = Vec::new();
    for e in entries {
        rows.push(audit_entry::ActiveModel {
            idx: Set(to_i64(e.index)?),
            timestamp_ms: Set(e.timestamp_ms),
            kind: Set(i16::from(e.kind.byte())),
            bytes: Set(e.to_bytes()),
        });
        if let EntryKind::Query(q) = &e.kind {
            used.push(nullifier::ActiveModel {
                nullifier: Set(q.nullifier.to_vec()),
                entry_idx: Set(to_i64(e.index)?),
                epoch: Set(to_i64(q.epoch)?),
            });
        }
    }
    for chunk in rows.chunks(1000) {
        audit_entry::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    for chunk in used.chunks(1000) {
        nullifier::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    let nodes = nodes
        .iter()
        .map(|(id, hash)| {
            Ok(audit_node::ActiveModel {
                level: Set(i16::from(id.level)),
                idx: Set(to_i64(id.index)?),
                hash: Set(hash.to_vec()),
            })
        })
        .collect::<LedgerResult<Vec<_>>>()?;
    for chunk in nodes.chunks(1000) {
        audit_node::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Advances the head row.
pub async fn update_head<C: ConnectionTrait>(
    conn: &C,
    size: u64,
    chain_head: &Hash,
    root: &Hash,
) -> LedgerResult<()> {
    let res = audit_head::Entity::update_many()
        .col_expr(audit_head::Column::Size, Expr::value(to_i64(size)?))
        .col_expr(
            audit_head::Column::ChainHead,
            Expr::value(chain_head.to_vec()),
        )
        .col_expr(audit_head::Column::Root, Expr::value(root.to_vec()))
        .filter(audit_head::Column::Id.eq(HEAD_ID))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(LedgerError::Corrupt("the audit head row is missing".into()));
    }
    Ok(())
}
