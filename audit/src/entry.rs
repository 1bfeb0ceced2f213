//! Audit log entries and their canonical bytes (DESIGN §6).
//!
//! The bytes are fixed width and big-endian so that every implementation
//! (server, client, third-party verifier) hashes exactly the same octets:
//!
//! ```text
//! "zkcity/audit/v1" 0x00 | u64 index | i64 unix ms | u8 kind | fields | prev (32)
//! member (kind 1): commitment (32)
//! query  (kind 2): root (32) | epoch u64 | nullifier (32) | m (32) | proof (128)
//! ```

use crate::error::EntryError;
use crate::merkle::{leaf_hash, Hash};
use sha2::{Digest, Sha256};

/// Domain tag that starts every entry's bytes, including its 0x00 terminator.
pub const DOMAIN_TAG: &[u8] = b"zkcity/audit/v1\0";
/// Kind byte of a member entry.
pub const KIND_MEMBER: u8 = 1;
/// Kind byte of a query entry.
pub const KIND_QUERY: u8 = 2;
/// Length of a compressed Groth16 proof over BN254 (DESIGN §5).
pub const PROOF_LEN: usize = 128;

const HEADER_LEN: usize = DOMAIN_TAG.len() + 8 + 8 + 1;
/// Exact byte length of a member entry.
pub const MEMBER_LEN: usize = HEADER_LEN + 32 + 32;
/// Exact byte length of a query entry.
pub const QUERY_LEN: usize = HEADER_LEN + 32 + 8 + 32 + 32 + PROOF_LEN + 32;

/// The public inputs and proof of one anonymous query (DESIGN §4).
///
/// Field elements are 32-byte big-endian; their range is checked by the
/// circuits crate, not here, because the log only stores and hashes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryFields {
    /// Membership root the proof was made against.
    pub root: [u8; 32],
    /// Epoch number `e`.
    pub epoch: u64,
    /// Nullifier `n = P(k, e, s)`.
    pub nullifier: [u8; 32],
    /// Query commitment `m = P(d, b)`.
    pub m: [u8; 32],
    /// Compressed Groth16 proof.
    pub proof: [u8; PROOF_LEN],
}

/// What an entry records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// An identity commitment was registered (kind byte 1).
    Member {
        /// Identity commitment `c = P(k, t)`.
        commitment: [u8; 32],
    },
    /// An anonymous query was accepted (kind byte 2).
    Query(QueryFields),
}

impl EntryKind {
    /// The kind byte written into the entry bytes.
    pub fn byte(&self) -> u8 {
        match self {
            EntryKind::Member { .. } => KIND_MEMBER,
            EntryKind::Query(_) => KIND_QUERY,
        }
    }

    /// The kind's name as used in JSON (`member` or `query`).
    pub fn name(&self) -> &'static str {
        match self {
            EntryKind::Member { .. } => "member",
            EntryKind::Query(_) => "query",
        }
    }
}

/// One audit log entry (DESIGN §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the log: 0, 1, 2, … without gaps.
    pub index: u64,
    /// Time of the append, unix milliseconds.
    pub timestamp_ms: i64,
    /// What the entry records.
    pub kind: EntryKind,
    /// Chain hash of the previous entry; 32 zero bytes for entry 0.
    pub prev: Hash,
}

impl Entry {
    /// Canonical bytes of the entry (DESIGN §6): what the chain and the tree hash.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(DOMAIN_TAG);
        out.extend_from_slice(&self.index.to_be_bytes());
        out.extend_from_slice(&self.timestamp_ms.to_be_bytes());
        out.push(self.kind.byte());
        match &self.kind {
            EntryKind::Member { commitment } => out.extend_from_slice(commitment),
            EntryKind::Query(q) => {
                out.extend_from_slice(&q.root);
                out.extend_from_slice(&q.epoch.to_be_bytes());
                out.extend_from_slice(&q.nullifier);
                out.extend_from_slice(&q.m);
                out.extend_from_slice(&q.proof);
            }
        }
        out.extend_from_slice(&self.prev);
        out
    }

    /// Length of [`Entry::to_bytes`] for this entry's kind.
    pub fn encoded_len(&self) -> usize {
        match self.kind {
            EntryKind::Member { .. } => MEMBER_LEN,
            EntryKind::Query(_) => QUERY_LEN,
        }
    }

    /// Strictly decodes canonical bytes: exact length per kind, known kind,
    /// correct domain tag. Decoding then re-encoding yields the same bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Entry, EntryError> {
        if bytes.len() < HEADER_LEN {
            return Err(EntryError::TooShort { len: bytes.len() });
        }
        let mut r = Reader { bytes, pos: 0 };
        if r.take(DOMAIN_TAG.len()) != DOMAIN_TAG {
            return Err(EntryError::BadDomainTag);
        }
        let index = u64::from_be_bytes(r.array());
        let timestamp_ms = i64::from_be_bytes(r.array());
        let kind_byte = r.array::<1>()[0];
        let (name, expected) = match kind_byte {
            KIND_MEMBER => ("member", MEMBER_LEN),
            KIND_QUERY => ("query", QUERY_LEN),
            other => return Err(EntryError::UnknownKind(other)),
        };
        if bytes.len() != expected {
            return Err(EntryError::BadLength {
                kind: name,
                expected,
                found: bytes.len(),
            });
        }
        let kind = if kind_byte == KIND_MEMBER {
            EntryKind::Member {
                commitment: r.array(),
            }
        } else {
            EntryKind::Query(QueryFields {
                root: r.array(),
                epoch: u64::from_be_bytes(r.array()),
                nullifier: r.array(),
                m: r.array(),
                proof: r.array(),
            })
        };
        let prev = r.array();
        Ok(Entry {
            index,
            timestamp_ms,
            kind,
            prev,
        })
    }

    /// Chain hash `SHA-256(entry bytes)` (DESIGN §6); the next entry's `prev`.
    pub fn chain_hash(&self) -> Hash {
        chain_hash_of(&self.to_bytes())
    }

    /// RFC 6962 leaf hash `SHA-256(0x00 || entry bytes)` (DESIGN §6).
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.to_bytes())
    }
}

/// Chain hash of already-encoded entry bytes.
pub fn chain_hash_of(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// The `prev` of entry 0: 32 zero bytes (DESIGN §6).
pub const GENESIS_PREV: Hash = [0u8; 32];

/// Cursor over input whose total length was checked beforehand.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        // Callers check the total length first; `get` keeps this panic-free anyway.
        let end = (self.pos + n).min(self.bytes.len());
        let slice = self.bytes.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        slice
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let slice = self.take(N);
        out[..slice.len()].copy_from_slice(slice);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> Entry {
        Entry {
            index: 7,
            timestamp_ms: -5,
            kind: EntryKind::Member {
                commitment: [0xab; 32],
            },
            prev: [0x11; 32],
        }
    }

    fn query() -> Entry {
        Entry {
            index: u64::MAX,
            timestamp_ms: 1_700_000_000_000,
            kind: EntryKind::Query(QueryFields {
                root: [1; 32],
                epoch: 0x0102_0304_0506_0708,
                nullifier: [2; 32],
                m: [3; 32],
                proof: [4; PROOF_LEN],
            }),
            prev: [5; 32],
        }
    }

    #[test]
    fn layout_is_fixed_width_big_endian() {
        let b = member().to_bytes();
        assert_eq!(b.len(), MEMBER_LEN);
        assert_eq!(&b[..16], b"zkcity/audit/v1\0");
        assert_eq!(&b[16..24], &[0, 0, 0, 0, 0, 0, 0, 7]);
        assert_eq!(&b[24..32], &(-5i64).to_be_bytes());
        assert_eq!(b[32], 1);
        assert_eq!(&b[33..65], &[0xab; 32]);
        assert_eq!(&b[65..97], &[0x11; 32]);
        let q = query().to_bytes();
        assert_eq!(q.len(), QUERY_LEN);
        assert_eq!(q[32], 2);
        assert_eq!(&q[65..73], &[1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn round_trips() {
        for e in [member(), query()] {
            let b = e.to_bytes();
            assert_eq!(Entry::from_bytes(&b), Ok(e.clone()));
        }
    }

    #[test]
    fn strict_decoding_rejects_malformed_bytes() {
        let b = member().to_bytes();
        let mut longer = b.clone();
        longer.push(0);
        assert!(matches!(
            Entry::from_bytes(&longer),
            Err(EntryError::BadLength { .. })
        ));
        assert!(matches!(
            Entry::from_bytes(&b[..b.len() - 1]),
            Err(EntryError::BadLength { .. })
        ));
        assert!(matches!(
            Entry::from_bytes(&b[..10]),
            Err(EntryError::TooShort { .. })
        ));
        let mut tag = b.clone();
        tag[15] = b'x';
        assert_eq!(Entry::from_bytes(&tag), Err(EntryError::BadDomainTag));
        let mut kind = b.clone();
        kind[32] = 3;
        assert_eq!(Entry::from_bytes(&kind), Err(EntryError::UnknownKind(3)));
        // A member-length body claiming to be a query.
        kind[32] = 2;
        assert!(matches!(
            Entry::from_bytes(&kind),
            Err(EntryError::BadLength { .. })
        ));
        assert!(Entry::from_bytes(&[]).is_err());
    }

    #[test]
    fn hashes_are_domain_separated() {
        let e = member();
        let b = e.to_bytes();
        assert_eq!(e.chain_hash(), <[u8; 32]>::from(Sha256::digest(&b)));
        let mut prefixed = vec![0u8];
        prefixed.extend_from_slice(&b);
        assert_eq!(e.leaf_hash(), <[u8; 32]>::from(Sha256::digest(&prefixed)));
        assert_ne!(e.leaf_hash(), e.chain_hash());
    }
}
