//! Query authorization the verifier can check without the Groth16 key:
//! "every query's root was a membership root at or before its entry"
//! (DESIGN §6). The membership tree is rebuilt from the log's `member`
//! entries with the circuits crate's own Poseidon tree, and every root it
//! ever had is remembered.

use std::collections::HashSet;

use zkcity_audit::{QueryAuthorizer, QueryFields};
use zkcity_circuits::{fr_from_bytes, fr_to_bytes, IncrementalTree};

/// Rebuilds the membership tree and checks each query's root against it.
#[derive(Debug)]
pub struct MembershipRoots {
    tree: IncrementalTree,
    roots: HashSet<[u8; 32]>,
}

impl MembershipRoots {
    /// For a tree of depth `D` (the server's `audit.membership_depth`).
    pub fn new(depth: usize) -> Result<MembershipRoots, zkcity_circuits::TreeError> {
        let tree = IncrementalTree::with_recent_roots(depth, 1)?;
        let roots = HashSet::from([fr_to_bytes(&tree.root())]);
        Ok(MembershipRoots { tree, roots })
    }

    /// Number of members seen.
    pub fn members(&self) -> u64 {
        self.tree.len()
    }
}

impl QueryAuthorizer for MembershipRoots {
    fn observe_member(&mut self, _index: u64, commitment: &[u8; 32]) -> Result<(), String> {
        let leaf = fr_from_bytes(commitment)
            .map_err(|e| format!("commitment is not a field element: {e}"))?;
        self.tree
            .append(leaf)
            .map_err(|e| format!("membership tree: {e}"))?;
        self.roots.insert(fr_to_bytes(&self.tree.root()));
        Ok(())
    }

    fn observe_query(&mut self, _index: u64, query: &QueryFields) -> Result<(), String> {
        if self.roots.contains(&query.root) {
            Ok(())
        } else {
            Err("its membership root was never a root of the tree at or before this entry".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(root: [u8; 32]) -> QueryFields {
        QueryFields {
            root,
            epoch: 1,
            nullifier: [1; 32],
            m: [2; 32],
            proof: [0; 128],
        }
    }

    #[test]
    fn accepts_past_roots_only() -> Result<(), Box<dyn std::error::Error>> {
        let mut a = MembershipRoots::new(4)?;
        let empty = fr_to_bytes(&IncrementalTree::new(4)?.root());
        a.observe_member(0, &fr_to_bytes(&zkcity_circuits::Fr::from(7u64)))?;
        let mut t = IncrementalTree::new(4)?;
        t.append(zkcity_circuits::Fr::from(7u64))?;
        assert!(a.observe_query(1, &query(fr_to_bytes(&t.root()))).is_ok());
        assert!(a.observe_query(2, &query(empty)).is_ok());
        assert!(a.observe_query(3, &query([9; 32])).is_err());
        Ok(())
    }
}
