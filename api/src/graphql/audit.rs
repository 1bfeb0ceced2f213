//! The audit log over GraphQL (DESIGN §6): entries as a Relay connection,
//! the signed checkpoint, inclusion and consistency proofs, the published
//! key, and the admin mutation `registerMember`. Thin resolvers over
//! [`zkcity_ledger::Ledger`]; none of these needs a membership proof.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use zkcity_audit::EntryKind;

use super::context::gql;
use super::error::ApiError;
use super::pagination::page_cost;
use zkcity_ledger::{Ledger, Receipt, StoredEntry};

/// The ledger service in schema data.
pub fn ledger<'a>(ctx: &Context<'a>) -> &'a Ledger {
    ctx.data_unchecked::<Ledger>()
}

/// Kind of an audit entry.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AuditEntryKind {
    /// An identity commitment was registered.
    Member,
    /// An anonymous query was accepted.
    Query,
}

/// One audit log entry. Hashes and field elements are lowercase hex of their
/// 32 big-endian bytes, as in the NDJSON export; the proof is base64.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEntry {
    pub index: i64,
    /// Unix milliseconds of the append.
    pub timestamp_ms: i64,
    pub kind: Option<AuditEntryKind>,
    /// Member: identity commitment.
    pub commitment: Option<String>,
    /// Query: membership root the proof used.
    pub root: Option<String>,
    /// Query: epoch.
    pub epoch: Option<i64>,
    /// Query: nullifier.
    pub nullifier: Option<String>,
    /// Query: query commitment `m`.
    pub m: Option<String>,
    /// Query: Groth16 proof, base64 of 128 bytes.
    pub proof: Option<String>,
    /// Previous entry's chain hash.
    pub prev: Option<String>,
    /// Canonical entry bytes (what the chain and the tree hash), hex.
    pub bytes: String,
    /// RFC 6962 leaf hash as stored in the tree.
    pub leaf_hash: Option<String>,
}

impl From<&StoredEntry> for AuditEntry {
    fn from(s: &StoredEntry) -> Self {
        let mut out = AuditEntry {
            index: s.row.idx,
            timestamp_ms: s.row.timestamp_ms,
            kind: None,
            commitment: None,
            root: None,
            epoch: None,
            nullifier: None,
            m: None,
            proof: None,
            prev: None,
            bytes: hex::encode(&s.row.bytes),
            leaf_hash: s.leaf_hash.map(hex::encode),
        };
        let Some(e) = &s.entry else { return out };
        out.prev = Some(hex::encode(e.prev));
        match &e.kind {
            EntryKind::Member { commitment } => {
                out.kind = Some(AuditEntryKind::Member);
                out.commitment = Some(hex::encode(commitment));
            }
            EntryKind::Query(q) => {
                out.kind = Some(AuditEntryKind::Query);
                out.root = Some(hex::encode(q.root));
                out.epoch = i64::try_from(q.epoch).ok();
                out.nullifier = Some(hex::encode(q.nullifier));
                out.m = Some(hex::encode(q.m));
                out.proof = Some(STANDARD.encode(q.proof));
            }
        }
        out
    }
}

/// An RFC 6962 inclusion proof (audit path), leaf side first.
#[derive(SimpleObject, Clone, Debug)]
pub struct InclusionProof {
    pub index: i64,
    pub tree_size: i64,
    pub leaf_hash: String,
    pub hashes: Vec<String>,
}

/// An RFC 6962 consistency proof between two tree sizes.
#[derive(SimpleObject, Clone, Debug)]
pub struct ConsistencyProof {
    pub from: i64,
    pub to: i64,
    pub hashes: Vec<String>,
}

/// Proof that an entry is in the log (DESIGN §5 receipt).
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditReceipt {
    pub index: i64,
    pub leaf_hash: String,
    pub tree_size: i64,
    /// Signed checkpoint note of `treeSize`.
    pub checkpoint: String,
    pub inclusion_proof: Vec<String>,
}

impl From<Receipt> for AuditReceipt {
    fn from(r: Receipt) -> Self {
        AuditReceipt {
            index: i64::try_from(r.index).unwrap_or(i64::MAX),
            leaf_hash: hex::encode(r.leaf_hash),
            tree_size: i64::try_from(r.tree_size).unwrap_or(i64::MAX),
            checkpoint: r.checkpoint,
            inclusion_proof: r.inclusion_proof.iter().map(hex::encode).collect(),
        }
    }
}

/// Extra fields of the audit log connection.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct AuditLogFields {
    /// Number of entries in the log.
    pub total_count: i64,
}

pub(crate) fn non_negative(name: &str, v: i64) -> Result<u64, ApiError> {
    u64::try_from(v).map_err(|_| ApiError::BadInput(format!("{name} must not be negative")))
}

/// Reads a cursor of these connections: the decimal index of the edge.
fn parse_index_cursor(cursor: &str) -> Result<u64, ApiError> {
    let ok = !cursor.is_empty() && cursor.len() <= 20 && cursor.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| cursor.parse().ok())
        .flatten()
        .ok_or(ApiError::BadCursor("expected the decimal index of an edge"))
}

/// Page size from `first` under the configured limits.
fn page_size(ctx: &Context<'_>, first: Option<i32>) -> Result<u64, ApiError> {
    let limits = gql(ctx).limits;
    match first {
        None => Ok(limits.default_size as u64),
        Some(n) if n < 0 => Err(ApiError::BadInput("first must not be negative".into())),
        Some(n) if n as usize > limits.max_size => Err(ApiError::PageTooLarge {
            requested: i64::from(n),
            max: limits.max_size,
        }),
        Some(n) => Ok(n as u64),
    }
}

/// The page `first`/`after` asks for in a connection whose cursors are
/// indexes (the log, the membership leaves): the index to start at, and the
/// page size.
pub(crate) fn index_page(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<(u64, u64), ApiError> {
    let size = page_size(ctx, first)?;
    let from = after
        .map(parse_index_cursor)
        .transpose()?
        .map_or(0, |i| i.saturating_add(1));
    Ok((from, size))
}

/// Audit log queries.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The log in index order. The cursor of an edge is its entry index.
    #[graphql(complexity = "page_cost(first, None, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, AuditEntry, AuditLogFields>> {
        let (from, size) = index_page(ctx, first, after.as_deref())?;
        let head = ledger(ctx).head().await.map_err(ApiError::from)?;
        let rows = if from < head.size {
            ledger(ctx)
                .entries(from, head.size, size)
                .await
                .map_err(ApiError::from)?
        } else {
            Vec::new()
        };
        let next = rows.last().map_or(from, |r| r.row.idx.max(0) as u64 + 1);
        let fields = AuditLogFields {
            total_count: i64::try_from(head.size).unwrap_or(i64::MAX),
        };
        let mut conn = Connection::with_additional_fields(from > 0, next < head.size, fields);
        conn.edges.extend(
            rows.iter()
                .map(|r| Edge::new(r.row.idx.to_string(), AuditEntry::from(r))),
        );
        Ok(conn)
    }

    /// One entry, or null beyond the end of the log.
    #[graphql(complexity = "crate::graphql::pagination::ROUND_TRIP + child_complexity")]
    async fn audit_entry(&self, ctx: &Context<'_>, index: i64) -> Result<Option<AuditEntry>> {
        let i = non_negative("index", index)?;
        let rows = ledger(ctx)
            .entries(i, i.saturating_add(1), 1)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.first().map(AuditEntry::from))
    }

    /// The published checkpoint (C2SP signed note text): with witnesses
    /// configured, the newest one a quorum of them cosigned, with their
    /// `cosignature/v1` lines; otherwise (and until one is) the current head.
    #[graphql(complexity = "crate::graphql::pagination::ROUND_TRIP + child_complexity")]
    async fn checkpoint(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(ledger(ctx).checkpoint().await.map_err(ApiError::from)?.note)
    }

    /// Inclusion proof of entry `index` in the tree of `treeSize` entries.
    #[graphql(complexity = "crate::graphql::pagination::ROUND_TRIP + child_complexity")]
    async fn inclusion_proof(
        &self,
        ctx: &Context<'_>,
        index: i64,
        tree_size: i64,
    ) -> Result<InclusionProof> {
        let (i, n) = (
            non_negative("index", index)?,
            non_negative("treeSize", tree_size)?,
        );
        let (leaf, path) = ledger(ctx)
            .inclusion_proof(i, n)
            .await
            .map_err(ApiError::from)?;
        Ok(InclusionProof {
            index,
            tree_size,
            leaf_hash: hex::encode(leaf),
            hashes: path.iter().map(hex::encode).collect(),
        })
    }

    /// Consistency proof from the tree of `from` entries to the tree of `to`.
    #[graphql(complexity = "crate::graphql::pagination::ROUND_TRIP + child_complexity")]
    async fn consistency_proof(
        &self,
        ctx: &Context<'_>,
        from: i64,
        to: i64,
    ) -> Result<ConsistencyProof> {
        let (a, b) = (non_negative("from", from)?, non_negative("to", to)?);
        let proof = ledger(ctx)
            .consistency_proof(a, b)
            .await
            .map_err(ApiError::from)?;
        Ok(ConsistencyProof {
            from,
            to,
            hashes: proof.iter().map(hex::encode).collect(),
        })
    }

    /// The log's verifier key `name+keyid+base64(0x01‖pubkey)`; pin it.
    async fn log_public_key(&self, ctx: &Context<'_>) -> String {
        ledger(ctx).verifier_key()
    }
}
