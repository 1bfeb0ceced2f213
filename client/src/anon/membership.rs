//! Rebuilding the membership tree locally from every leaf (DESIGN §4): the
//! client finds its own leaf and path without telling the server which one
//! it is, and proves against a root the server accepts.

use zkcity_circuits::{parse_fr, Fr, IncrementalTree, MerklePath};

use super::error::AnonError;
use super::server::ZkServer;

/// The tree and this identity's place in it.
pub struct Membership {
    pub tree: IncrementalTree,
    pub index: u64,
    pub path: MerklePath,
    pub root: Fr,
}

/// Downloads all leaves, rebuilds the tree of depth `depth`, and finds `commitment`.
pub async fn rebuild(
    server: &ZkServer,
    depth: usize,
    commitment: Fr,
) -> Result<Membership, AnonError> {
    let leaves = server.membership_leaves().await?;
    tokio::task::spawn_blocking(move || from_leaves(&leaves, depth, commitment))
        .await
        .map_err(|e| AnonError::Protocol(e.to_string()))?
}

/// Builds the tree from decimal leaves (canonical only).
pub fn from_leaves(
    leaves: &[String],
    depth: usize,
    commitment: Fr,
) -> Result<Membership, AnonError> {
    let values = leaves
        .iter()
        .map(|s| parse_fr(s).map_err(|e| AnonError::Protocol(format!("membership leaf: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let mut tree = IncrementalTree::with_recent_roots(depth, 1)
        .map_err(|e| AnonError::Protocol(e.to_string()))?;
    tree.extend(&values)
        .map_err(|e| AnonError::Protocol(e.to_string()))?;
    let index = tree
        .index_of(&commitment)
        .ok_or_else(|| AnonError::NotMember(commitment.to_string()))?;
    let path = tree
        .path(index)
        .map_err(|e| AnonError::Protocol(e.to_string()))?;
    let root = tree.root();
    Ok(Membership {
        tree,
        index,
        path,
        root,
    })
}
