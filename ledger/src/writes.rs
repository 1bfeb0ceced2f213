//! Row writes of the append transaction: entries with their nullifiers,
//! tree nodes, and the head.

use sea_orm::sea_query::{
    Expr, MysqlQueryBuilder, PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryTrait, Set,
};
use zkcity_audit::{Entry, EntryKind, Hash, NodeId};
use zkcity_entities::audit::{audit_entry, audit_head, audit_node, nullifier};

use crate::error::LedgerResult;
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

/// Writes a batch in one round trip: its entries, the query entries'
/// nullifiers (the primary key is the database's own guard against reuse),
/// the new tree nodes, and the advanced head. The statements are rendered
/// with their values inlined by sea-query's builder for the backend (all
/// of them integers and bytes the writer made) and sent as one unprepared
/// string, which both PostgreSQL (a simple query) and SQLite run statement
/// by statement inside the caller's transaction.
pub async fn extend<C: ConnectionTrait>(
    conn: &C,
    entries: &[Entry],
    nodes: &[(NodeId, Hash)],
    size: u64,
    chain_head: &Hash,
    root: &Hash,
) -> LedgerResult<()> {
    let backend = conn.get_database_backend();
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
    let mut sql = Vec::new();
    for chunk in rows.chunks(1000) {
        sql.push(render(
            backend,
            audit_entry::Entity::insert_many(chunk.to_vec()).into_query(),
        ));
    }
    for chunk in used.chunks(1000) {
        sql.push(render(
            backend,
            nullifier::Entity::insert_many(chunk.to_vec()).into_query(),
        ));
    }
    for chunk in nodes.chunks(1000) {
        sql.push(render(
            backend,
            audit_node::Entity::insert_many(chunk.to_vec()).into_query(),
        ));
    }
    let head = audit_head::Entity::update_many()
        .col_expr(audit_head::Column::Size, Expr::value(to_i64(size)?))
        .col_expr(
            audit_head::Column::ChainHead,
            Expr::value(chain_head.to_vec()),
        )
        .col_expr(audit_head::Column::Root, Expr::value(root.to_vec()))
        .filter(audit_head::Column::Id.eq(HEAD_ID))
        .into_query();
    sql.push(render(backend, head));
    conn.execute_unprepared(&sql.join(";\n")).await?;
    Ok(())
}

/// One statement as SQL text with its values inlined for `backend`.
fn render(backend: DatabaseBackend, statement: impl QueryStatementWriter) -> String {
    match backend {
        DatabaseBackend::Postgres => statement.to_string(PostgresQueryBuilder),
        DatabaseBackend::Sqlite => statement.to_string(SqliteQueryBuilder),
        DatabaseBackend::MySql => statement.to_string(MysqlQueryBuilder),
    }
}
