//! RFC 6962 §2.1 hashing: leaf `SHA-256(0x00 || d)`, node `SHA-256(0x01 || l || r)`.

use sha2::{Digest, Sha256};

/// A SHA-256 output: leaf, node, root or chain hash.
pub type Hash = [u8; 32];

/// Leaf hash of `data` (RFC 6962 §2.1: `MTH({d}) = SHA-256(0x00 || d)`).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// Interior node hash (RFC 6962 §2.1: `SHA-256(0x01 || left || right)`).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Root of the empty tree (RFC 6962 §2.1: `MTH({}) = SHA-256()`).
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Largest power of two strictly below `n` (the RFC 6962 split point `k`); `n >= 2`.
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Reference root straight from the recursive RFC 6962 §2.1 definition, over
/// leaf hashes. O(n): for tests and cross-checks, never for storage.
pub fn root_from_leaves(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [one] => *one,
        _ => {
            let k = split_point(leaves.len() as u64) as usize;
            node_hash(
                &root_from_leaves(&leaves[..k]),
                &root_from_leaves(&leaves[k..]),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_largest_power_below() {
        for (n, k) in [
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 4),
            (7, 4),
            (8, 4),
            (9, 8),
            (63, 32),
            (28937, 16384),
        ] {
            assert_eq!(split_point(n), k, "n={n}");
        }
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
