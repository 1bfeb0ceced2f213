//! Reads over the stored log: the head row, node hashes, entry pages, and
//! RFC 6962 proofs. Every proof is a pure plan (`zkcity_audit::merkle`), one
//! `SELECT` of O(log n) node rows, then a pure assembly — never a scan.

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use zkcity_audit::merkle::{
    consistency_proof, consistency_proof_plan, empty_root, inclusion_proof, inclusion_proof_plan,
    tree_root, tree_root_plan,
};
use zkcity_audit::{Entry, EntryRecord, Hash, NodeId, GENESIS_PREV};
use zkcity_entities::audit::{audit_entry, audit_head, audit_node};

use crate::error::{LedgerError, LedgerResult};

/// Primary key of the single head row.
pub(crate) const HEAD_ID: i32 = 1;

/// The log head as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Number of entries.
    pub size: u64,
    /// Chain hash of the last entry.
    pub chain_head: Hash,
    /// RFC 6962 root of the entries.
    pub root: Hash,
    /// Random id of this log instance (keys the signer's memory).
    pub log_id: Vec<u8>,
}

/// One stored entry: the row as it is, its decoding, and its stored leaf hash.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    /// The raw row.
    pub row: audit_entry::Model,
    /// The entry decoded from `row.bytes`, if the bytes decode.
    pub entry: Option<Entry>,
    /// The level-0 node of the Merkle tree for this index, if stored.
    pub leaf_hash: Option<Hash>,
}

impl StoredEntry {
    /// The NDJSON export record. Index, timestamp and kind come from their own
    /// columns and the fields from the bytes, so a verifier sees any
    /// disagreement between them (each column is checked, DESIGN §6).
    pub fn to_record(&self) -> EntryRecord {
        let mut rec = match &self.entry {
            Some(e) => EntryRecord::from_entry(e),
            None => EntryRecord {
                index: 0,
                timestamp_ms: 0,
                kind: String::new(),
                commitment: None,
                root: None,
                epoch: None,
                nullifier: None,
                m: None,
                proof: None,
                prev: String::new(),
                bytes: None,
                leaf_hash: None,
            },
        };
        rec.index = u64::try_from(self.row.idx).unwrap_or(u64::MAX);
        rec.timestamp_ms = self.row.timestamp_ms;
        rec.kind = kind_name(self.row.kind).to_owned();
        rec.bytes = Some(hex::encode(&self.row.bytes));
        rec.leaf_hash = self.leaf_hash.map(hex::encode);
        rec
    }
}

/// The JSON kind name of a stored kind byte.
pub fn kind_name(kind: i16) -> &'static str {
    match kind {
        1 => "member",
        2 => "query",
        _ => "unknown",
    }
}

pub(crate) fn hash32(bytes: &[u8], what: &str) -> LedgerResult<Hash> {
    bytes
        .try_into()
        .map_err(|_| LedgerError::Corrupt(format!("{what} is {} bytes, not 32", bytes.len())))
}

pub(crate) fn to_i64(v: u64) -> LedgerResult<i64> {
    i64::try_from(v).map_err(|_| LedgerError::OutOfRange(format!("{v} is too large")))
}

fn to_u64(v: i64, what: &str) -> LedgerResult<u64> {
    u64::try_from(v).map_err(|_| LedgerError::Corrupt(format!("{what} is negative")))
}

/// Creates the head row of an empty log if there is none (idempotent, safe
/// when several servers start at once).
pub async fn ensure_head<C: ConnectionTrait>(conn: &C) -> LedgerResult<()> {
    let log_id: [u8; 16] = rand::random();
    let row = audit_head::ActiveModel {
        id: Set(HEAD_ID),
        size: Set(0),
        chain_head: Set(GENESIS_PREV.to_vec()),
        root: Set(empty_root().to_vec()),
        log_id: Set(log_id.to_vec()),
    };
    audit_head::Entity::insert(row)
        .on_conflict(
            OnConflict::column(audit_head::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Reads the head row.
pub async fn read_head<C: ConnectionTrait>(conn: &C) -> LedgerResult<Head> {
    let row = audit_head::Entity::find_by_id(HEAD_ID)
        .one(conn)
        .await?
        .ok_or_else(|| LedgerError::Corrupt("the audit head row is missing".into()))?;
    head_from_row(row)
}

pub(crate) fn head_from_row(row: audit_head::Model) -> LedgerResult<Head> {
    Ok(Head {
        size: to_u64(row.size, "head size")?,
        chain_head: hash32(&row.chain_head, "head chain hash")?,
        root: hash32(&row.root, "head root")?,
        log_id: row.log_id,
    })
}

/// Reads the given node rows; ids without a row are absent from the map.
pub async fn fetch_nodes<C: ConnectionTrait>(
    conn: &C,
    ids: &[NodeId],
) -> LedgerResult<HashMap<NodeId, Hash>> {
    let mut by_level: BTreeMap<u8, Vec<i64>> = BTreeMap::new();
    for id in ids {
        by_level
            .entry(id.level)
            .or_default()
            .push(to_i64(id.index)?);
    }
    if by_level.is_empty() {
        return Ok(HashMap::new());
    }
    let mut any = Condition::any();
    for (level, idxs) in by_level {
        any = any.add(
            Condition::all()
                .add(audit_node::Column::Level.eq(i16::from(level)))
                .add(audit_node::Column::Idx.is_in(idxs)),
        );
    }
    let rows = audit_node::Entity::find().filter(any).all(conn).await?;
    rows.into_iter()
        .map(|r| {
            let level =
                u8::try_from(r.level).map_err(|_| LedgerError::Corrupt("bad node level".into()))?;
            let id = NodeId {
                level,
                index: to_u64(r.idx, "node index")?,
            };
            Ok((id, hash32(&r.hash, "node hash")?))
        })
        .collect()
}

/// The stored hashes of nodes `{ level, first … first + count - 1 }` in
/// index order: one range read on the node table's primary key (a C2SP
/// tile, DESIGN §6 amendment), never a scan. Fewer than `count` when the
/// tree has not grown that far.
pub async fn level_range<C: ConnectionTrait>(
    conn: &C,
    level: u8,
    first: u64,
    count: u64,
) -> LedgerResult<Vec<Hash>> {
    let (lo, hi) = (to_i64(first)?, to_i64(first.saturating_add(count))?);
    let rows = audit_node::Entity::find()
        .filter(audit_node::Column::Level.eq(i16::from(level)))
        .filter(audit_node::Column::Idx.gte(lo))
        .filter(audit_node::Column::Idx.lt(hi))
        .order_by_asc(audit_node::Column::Idx)
        .limit(count)
        .all(conn)
        .await?;
    rows.iter().map(|r| hash32(&r.hash, "node hash")).collect()
}

/// Root of the first `size` entries, folded from stored nodes.
pub async fn root_at<C: ConnectionTrait>(conn: &C, size: u64) -> LedgerResult<Hash> {
    let nodes = fetch_nodes(conn, &tree_root_plan(size)).await?;
    Ok(tree_root(size, &nodes)?)
}

/// Checks `to <= head.size`, the bound every proof request must respect.
fn within_log(head: &Head, size: u64) -> LedgerResult<()> {
    if size > head.size {
        return Err(LedgerError::OutOfRange(format!(
            "tree size {size} exceeds the log size {}",
            head.size
        )));
    }
    Ok(())
}

/// Inclusion proof of entry `index` in the tree of `size` entries.
pub async fn inclusion<C: ConnectionTrait>(
    conn: &C,
    index: u64,
    size: u64,
) -> LedgerResult<(Hash, Vec<Hash>)> {
    within_log(&read_head(conn).await?, size)?;
    let mut plan = inclusion_proof_plan(index, size)?;
    plan.push(NodeId::leaf(index));
    let nodes = fetch_nodes(conn, &plan).await?;
    let leaf = *nodes
        .get(&NodeId::leaf(index))
        .ok_or_else(|| LedgerError::Corrupt(format!("leaf {index} missing")))?;
    Ok((leaf, inclusion_proof(index, size, &nodes)?))
}

/// Consistency proof between the trees of `from` and `to` entries.
pub async fn consistency<C: ConnectionTrait>(
    conn: &C,
    from: u64,
    to: u64,
) -> LedgerResult<Vec<Hash>> {
    within_log(&read_head(conn).await?, to)?;
    let nodes = fetch_nodes(conn, &consistency_proof_plan(from, to)?).await?;
    Ok(consistency_proof(from, to, &nodes)?)
}

/// Entries `[from, to)` in index order, at most `limit`, with their leaf hashes.
pub async fn entries<C: ConnectionTrait>(
    conn: &C,
    from: u64,
    to: u64,
    limit: u64,
) -> LedgerResult<Vec<StoredEntry>> {
    let (lo, hi) = (to_i64(from)?, to_i64(to)?);
    let rows = audit_entry::Entity::find()
        .filter(audit_entry::Column::Idx.gte(lo))
        .filter(audit_entry::Column::Idx.lt(hi))
        .order_by_asc(audit_entry::Column::Idx)
        .limit(limit)
        .all(conn)
        .await?;
    let Some(last) = rows.last().map(|r| r.idx) else {
        return Ok(Vec::new());
    };
    let first = rows.first().map_or(lo, |r| r.idx);
    let leaves = audit_node::Entity::find()
        .filter(audit_node::Column::Level.eq(0i16))
        .filter(audit_node::Column::Idx.between(first, last))
        .all(conn)
        .await?;
    let leaves: HashMap<i64, Vec<u8>> = leaves.into_iter().map(|n| (n.idx, n.hash)).collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let leaf_hash = leaves
                .get(&row.idx)
                .and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok());
            let entry = Entry::from_bytes(&row.bytes).ok();
            StoredEntry {
                row,
                entry,
                leaf_hash,
            }
        })
        .collect())
}
