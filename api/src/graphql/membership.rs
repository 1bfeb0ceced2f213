//! The membership tree over GraphQL (DESIGN §4): public `membership` so any
//! client rebuilds the tree (and its own path) from the leaves without
//! revealing which leaf it is, and the admin mutation `registerMember`.
//! Field elements are canonical decimal strings, as on the wire (DESIGN §5).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, Result, SimpleObject};
use zkcity_circuits::{fr_to_decimal, parse_fr};

use super::audit::{index_page, ledger, AuditReceipt};
use super::error::ApiError;
use super::pagination::page_cost;
use crate::auth::require_admin;
use zkcity_ledger::members::fr_at;

/// One leaf of the membership tree.
#[derive(SimpleObject, Clone, Debug)]
pub struct MemberLeaf {
    /// Leaf position (registration order).
    pub index: i64,
    /// Identity commitment, decimal.
    pub commitment: String,
    /// Log index of the `member` entry that registered it.
    pub entry_index: i64,
}

/// The membership tree: enough to rebuild it locally.
pub struct Membership;

#[Object]
impl Membership {
    /// Tree depth `D`.
    async fn depth(&self, ctx: &Context<'_>) -> i32 {
        ledger(ctx).settings().membership_depth as i32
    }

    /// Number of registered members.
    #[graphql(complexity = "crate::graphql::pagination::ROUND_TRIP + child_complexity")]
    async fn size(&self, ctx: &Context<'_>) -> Result<i64> {
        let info = ledger(ctx).membership().await.map_err(ApiError::from)?;
        Ok(i64::try_from(info.size).unwrap_or(i64::MAX))
    }

    /// Current root, decimal.
    #[graphql(complexity = "crate::graphql::pagination::ROUND_TRIP + child_complexity")]
    async fn root(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(fr_to_decimal(
            &ledger(ctx).membership().await.map_err(ApiError::from)?.root,
        ))
    }

    /// The last `R` roots a proof may use, oldest first (the current root is last).
    #[graphql(complexity = "crate::graphql::pagination::ROUND_TRIP + child_complexity")]
    async fn roots(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let roots = ledger(ctx).recent_roots().await.map_err(ApiError::from)?;
        Ok(roots.iter().map(fr_to_decimal).collect())
    }

    /// Leaves in order. The cursor of an edge is its leaf index.
    #[graphql(complexity = "page_cost(first, None, child_complexity)")]
    async fn leaves(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, MemberLeaf>> {
        let (from, size) = index_page(ctx, first, after.as_deref())?;
        let rows = ledger(ctx)
            .members(from, size.saturating_add(1))
            .await
            .map_err(ApiError::from)?;
        let more = rows.len() as u64 > size;
        let mut conn = Connection::new(from > 0, more);
        for row in rows.into_iter().take(size as usize) {
            let commitment = fr_to_decimal(&fr_at(&row.commitment).map_err(ApiError::from)?);
            let leaf = MemberLeaf {
                index: row.leaf_idx,
                commitment,
                entry_index: row.entry_idx,
            };
            conn.edges.push(Edge::new(row.leaf_idx.to_string(), leaf));
        }
        Ok(conn)
    }
}

/// Public membership queries.
#[derive(Default)]
pub struct MembershipQuery;

#[Object]
impl MembershipQuery {
    /// The membership tree (DESIGN §4).
    async fn membership(&self) -> Membership {
        Membership
    }
}

/// A registration's result.
#[derive(SimpleObject, Clone, Debug)]
pub struct MemberRegistration {
    /// Leaf index of the new member.
    pub leaf_index: i64,
    /// Membership root right after it, decimal.
    pub root: String,
    /// The `member` entry's receipt.
    pub receipt: AuditReceipt,
}

/// Admin mutations of the audit log.
#[derive(Default)]
pub struct AuditMutation;

#[Object]
impl AuditMutation {
    /// Registers an identity commitment (canonical decimal, non-zero, new):
    /// appends a `member` entry and updates the membership tree in one
    /// transaction. Requires the admin bearer token.
    async fn register_member(
        &self,
        ctx: &Context<'_>,
        identity_commitment: String,
    ) -> Result<MemberRegistration> {
        require_admin(ctx)?;
        let commitment = parse_fr(&identity_commitment).map_err(|e| ApiError::Coded {
            code: "NON_CANONICAL_FIELD_ELEMENT",
            message: format!("identityCommitment: {e}"),
        })?;
        let added = ledger(ctx)
            .register_member(commitment)
            .await
            .map_err(ApiError::from)?;
        Ok(MemberRegistration {
            leaf_index: i64::try_from(added.leaf_index).unwrap_or(i64::MAX),
            root: fr_to_decimal(&added.root),
            receipt: added.receipt.into(),
        })
    }
}
