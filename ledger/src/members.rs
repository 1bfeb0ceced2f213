//! The membership tree in the database (DESIGN §4): Poseidon, depth `D`,
//! leaves are identity commitments in registration order, empty leaf 0.
//!
//! Instead of storing every node, the server keeps the tree's *frontier* —
//! for each height the last left node — as in the Tornado Cash / Semaphore
//! incremental tree. A registration reads that one row, does `D` hashes, and
//! writes the member, the new root and the frontier back: O(D) work, in the
//! append transaction. Clients rebuild the full tree (and their own path)
//! from the public list of leaves, so the server never learns whose path is
//! asked for.

use std::sync::Arc;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use zkcity_circuits::poseidon::hash2;
use zkcity_circuits::{fr_from_bytes, fr_to_bytes, Fr, IncrementalTree};
use zkcity_entities::audit::{member, membership_root, membership_state};

use crate::error::{AppendError, LedgerError, LedgerResult};
use crate::store::to_i64;

const STATE_ID: i32 = 1;

/// The roots of empty subtrees, `zeros[h]` for `h` in `0..=D`.
#[derive(Debug, Clone)]
pub struct Zeros(Arc<Vec<Fr>>);

impl Zeros {
    /// Computes the empty-subtree roots with the circuits crate's own tree,
    /// so the two can never disagree.
    pub fn new(depth: usize) -> LedgerResult<Zeros> {
        let tree = IncrementalTree::with_recent_roots(depth, 1)
            .map_err(|e| LedgerError::Key(e.to_string()))?;
        let zeros = (0..=depth)
            .map(|h| tree.zero_root(h))
            .collect::<Option<Vec<_>>>();
        zeros
            .map(|z| Zeros(Arc::new(z)))
            .ok_or_else(|| LedgerError::Corrupt("empty-subtree roots".into()))
    }

    /// Tree depth `D`.
    pub fn depth(&self) -> usize {
        self.0.len() - 1
    }
}

/// The running state of the membership tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontier {
    /// Number of leaves.
    pub size: u64,
    /// Current root.
    pub root: Fr,
    /// Last left node at each height.
    pub nodes: Vec<Fr>,
}

impl Frontier {
    /// The empty tree.
    pub fn empty(zeros: &Zeros) -> Frontier {
        let d = zeros.depth();
        Frontier {
            size: 0,
            root: zeros.0[d],
            nodes: zeros.0[..d].to_vec(),
        }
    }

    /// Appends `leaf`, returning its leaf index; `D` Poseidon hashes.
    pub fn append(&mut self, leaf: Fr, zeros: &Zeros) -> Result<u64, AppendError> {
        let depth = zeros.depth();
        if self.size >= 1u64 << depth {
            return Err(AppendError::MembershipFull);
        }
        let (mut idx, mut node) = (self.size, leaf);
        for h in 0..depth {
            node = if idx & 1 == 0 {
                self.nodes[h] = node;
                hash2(node, zeros.0[h])
            } else {
                hash2(self.nodes[h], node)
            };
            idx >>= 1;
        }
        self.root = node;
        self.size += 1;
        Ok(self.size - 1)
    }

    fn to_row(&self, depth: usize) -> LedgerResult<membership_state::ActiveModel> {
        Ok(membership_state::ActiveModel {
            id: Set(STATE_ID),
            depth: Set(i32::try_from(depth).map_err(|_| LedgerError::Corrupt("depth".into()))?),
            size: Set(to_i64(self.size)?),
            root: Set(fr_to_bytes(&self.root).to_vec()),
            frontier: Set(self.nodes.iter().flat_map(fr_to_bytes).collect()),
        })
    }

    fn from_row(row: &membership_state::Model, depth: usize) -> LedgerResult<Frontier> {
        if usize::try_from(row.depth).ok() != Some(depth) || row.frontier.len() != depth * 32 {
            return Err(LedgerError::Corrupt(format!(
                "the membership tree has depth {} but audit.membership_depth is {depth}",
                row.depth
            )));
        }
        let nodes = row
            .frontier
            .chunks_exact(32)
            .map(fr_at)
            .collect::<LedgerResult<Vec<_>>>()?;
        let size =
            u64::try_from(row.size).map_err(|_| LedgerError::Corrupt("membership size".into()))?;
        Ok(Frontier {
            size,
            root: fr_at(&row.root)?,
            nodes,
        })
    }
}

/// Decodes a stored 32-byte field element (canonical, never reduced).
pub fn fr_at(bytes: &[u8]) -> LedgerResult<Fr> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| LedgerError::Corrupt("field element length".into()))?;
    fr_from_bytes(&arr).map_err(|e| LedgerError::Corrupt(e.to_string()))
}

/// Creates the empty tree's state and its root (size 0) if missing, and
/// checks that an existing tree has the configured depth.
pub async fn ensure_state<C: ConnectionTrait>(conn: &C, zeros: &Zeros) -> LedgerResult<()> {
    let empty = Frontier::empty(zeros);
    membership_state::Entity::insert(empty.to_row(zeros.depth())?)
        .on_conflict(
            OnConflict::column(membership_state::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    let root = membership_root::ActiveModel {
        seq: Set(0),
        root: Set(fr_to_bytes(&empty.root).to_vec()),
        entry_idx: Set(None),
    };
    membership_root::Entity::insert(root)
        .on_conflict(
            OnConflict::column(membership_root::Column::Seq)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    load(conn, zeros.depth()).await.map(|_| ())
}

/// Reads the frontier (inside the append transaction, after the lock).
pub async fn load<C: ConnectionTrait>(conn: &C, depth: usize) -> LedgerResult<Frontier> {
    let row = membership_state::Entity::find_by_id(STATE_ID)
        .one(conn)
        .await?
        .ok_or_else(|| LedgerError::Corrupt("the membership state row is missing".into()))?;
    Frontier::from_row(&row, depth)
}

/// Which of `commitments` are registered already.
pub async fn existing<C: ConnectionTrait>(
    conn: &C,
    commitments: &[[u8; 32]],
) -> LedgerResult<Vec<[u8; 32]>> {
    if commitments.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<Vec<u8>> = commitments.iter().map(|c| c.to_vec()).collect();
    let rows = member::Entity::find()
        .filter(member::Column::Commitment.is_in(list))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.commitment.try_into().ok())
        .collect())
}

/// A registration to store: leaf index, commitment, log index, root after it.
pub struct NewMember {
    pub leaf_idx: u64,
    pub commitment: [u8; 32],
    pub entry_idx: u64,
    pub root: Fr,
}

/// Writes new members, their roots and the frontier (same transaction as the entries).
pub async fn store<C: ConnectionTrait>(
    conn: &C,
    added: &[NewMember],
    frontier: &Frontier,
    depth: usize,
) -> LedgerResult<()> {
    if added.is_empty() {
        return Ok(());
    }
    let mut members = Vec::with_capacity(added.len());
    let mut roots = Vec::with_capacity(added.len());
    for m in added {
        members.push(member::ActiveModel {
            leaf_idx: Set(to_i64(m.leaf_idx)?),
            commitment: Set(m.commitment.to_vec()),
            entry_idx: Set(to_i64(m.entry_idx)?),
        });
        roots.push(membership_root::ActiveModel {
            seq: Set(to_i64(m.leaf_idx + 1)?),
            root: Set(fr_to_bytes(&m.root).to_vec()),
            entry_idx: Set(Some(to_i64(m.entry_idx)?)),
        });
    }
    member::Entity::insert_many(members)
        .exec_without_returning(conn)
        .await?;
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        // Delivered to every listening server at commit (crate::roots).
        conn.execute(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT pg_notify($1, '')",
            [crate::roots::MEMBERS_CHANGED_CHANNEL.into()],
        ))
        .await?;
    }
    membership_root::Entity::insert_many(roots)
        .exec_without_returning(conn)
        .await?;
    membership_state::Entity::update(frontier.to_row(depth)?)
        .exec(conn)
        .await?;
    Ok(())
}

/// The last `count` roots, oldest first (the current root is last).
pub async fn recent_roots<C: ConnectionTrait>(conn: &C, count: u64) -> LedgerResult<Vec<Fr>> {
    let rows = membership_root::Entity::find()
        .order_by_desc(membership_root::Column::Seq)
        .limit(count)
        .all(conn)
        .await?;
    rows.iter().rev().map(|r| fr_at(&r.root)).collect()
}

/// Members with leaf index `>= after_leaf`, at most `limit`, in leaf order.
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    from_leaf: u64,
    limit: u64,
) -> LedgerResult<Vec<member::Model>> {
    Ok(member::Entity::find()
        .filter(member::Column::LeafIdx.gte(to_i64(from_leaf)?))
        .order_by_asc(member::Column::LeafIdx)
        .limit(limit)
        .all(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontier_matches_the_circuits_tree() -> Result<(), Box<dyn std::error::Error>> {
        let zeros = Zeros::new(5)?;
        let mut frontier = Frontier::empty(&zeros);
        let mut tree = IncrementalTree::new(5)?;
        assert_eq!(frontier.root, tree.root());
        for i in 1..=32u64 {
            let leaf = Fr::from(i * 7 + 3);
            assert_eq!(
                frontier.append(leaf, &zeros).map_err(|e| e.to_string())?,
                i - 1
            );
            tree.append(leaf)?;
            assert_eq!(frontier.root, tree.root(), "after {i} leaves");
        }
        assert!(matches!(
            frontier.append(Fr::from(99u64), &zeros),
            Err(AppendError::MembershipFull)
        ));
        Ok(())
    }

    #[test]
    fn frontier_row_round_trips_and_checks_depth() -> Result<(), Box<dyn std::error::Error>> {
        let zeros = Zeros::new(4)?;
        let mut f = Frontier::empty(&zeros);
        f.append(Fr::from(5u64), &zeros)
            .map_err(|e| e.to_string())?;
        let am = f.to_row(4)?;
        let row = membership_state::Model {
            id: STATE_ID,
            depth: 4,
            size: 1,
            root: am.root.clone().take().ok_or("root")?,
            frontier: am.frontier.clone().take().ok_or("frontier")?,
        };
        assert_eq!(Frontier::from_row(&row, 4)?, f);
        assert!(Frontier::from_row(&row, 5).is_err());
        Ok(())
    }
}
