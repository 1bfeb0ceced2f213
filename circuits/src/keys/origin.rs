//! Where a key pair came from, recorded in the key files so that provers
//! pick the right QAP reduction ([`crate::qap`]) and operators, clients and
//! auditors can see what the keys' soundness rests on (DESIGN §5 amendment
//! "Keys from a ceremony").
//!
//! # Encoding (key file version 2, after the 12-byte header)
//!
//! | bytes | content |
//! | --- | --- |
//! | 1 | kind: `1` single party, `2` ceremony |
//! | 32 | ceremony only: SHA-256 of the imported `.zkey` file |
//! | 64 | ceremony only: the zkey's circuit hash (snarkjs `csHash`, BLAKE2b-512) |
//! | 2 | ceremony only: number of phase-2 contributions, big-endian |
//! | … | per contribution: kind (`0` contribution, `1` random beacon), its 64-byte hash, name length (1 byte), UTF-8 name |

use crate::error::KeyError;
use crate::qap::Reduction;

/// Where a key pair came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KeyOrigin {
    /// `zkcity setup`: one party drew the secrets and can forge proofs if it kept them.
    #[default]
    SingleParty,
    /// Imported from a snarkjs Powers of Tau + phase-2 ceremony.
    Ceremony(Ceremony),
}

/// The public record of a ceremony's phase 2, as read from its `.zkey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    /// SHA-256 of the `.zkey` file that was imported.
    pub zkey_sha256: [u8; 32],
    /// snarkjs's hash of the initial (pre-contribution) circuit key, `csHash`.
    pub circuit_hash: [u8; 64],
    /// Phase-2 contributions in order, the beacon (if any) last.
    pub contributions: Vec<Contribution>,
}

/// One phase-2 contribution as snarkjs records and prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// The contributor's self-chosen name (may be empty).
    pub name: String,
    /// BLAKE2b-512 contribution hash, as `snarkjs zkey verify` prints it.
    pub hash: [u8; 64],
    /// Whether this is a random-beacon contribution rather than a party's.
    pub beacon: bool,
}

const SINGLE_PARTY: u8 = 1;
const CEREMONY: u8 = 2;
/// Longest name snarkjs can record (its length is one byte).
const MAX_NAME: usize = 255;

impl KeyOrigin {
    /// The QAP reduction proofs for keys of this origin must use.
    pub fn reduction(&self) -> Reduction {
        match self {
            KeyOrigin::SingleParty => Reduction::Libsnark,
            KeyOrigin::Ceremony(_) => Reduction::Circom,
        }
    }

    /// Short machine name: `single-party` or `ceremony`.
    pub fn kind(&self) -> &'static str {
        match self {
            KeyOrigin::SingleParty => "single-party",
            KeyOrigin::Ceremony(_) => "ceremony",
        }
    }

    /// Appends the version-2 origin block.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), KeyError> {
        let KeyOrigin::Ceremony(ceremony) = self else {
            out.push(SINGLE_PARTY);
            return Ok(());
        };
        out.push(CEREMONY);
        out.extend_from_slice(&ceremony.zkey_sha256);
        out.extend_from_slice(&ceremony.circuit_hash);
        let count = u16::try_from(ceremony.contributions.len())
            .map_err(|_| KeyError::Origin("more than 65535 contributions"))?;
        out.extend_from_slice(&count.to_be_bytes());
        for c in &ceremony.contributions {
            if c.name.len() > MAX_NAME {
                return Err(KeyError::Origin("contribution name longer than 255 bytes"));
            }
            out.push(u8::from(c.beacon));
            out.extend_from_slice(&c.hash);
            out.push(c.name.len() as u8);
            out.extend_from_slice(c.name.as_bytes());
        }
        Ok(())
    }

    /// Reads the version-2 origin block; returns the origin and the rest.
    pub(crate) fn decode(bytes: &[u8]) -> Result<(Self, &[u8]), KeyError> {
        let mut r = Reader(bytes);
        match r.byte()? {
            SINGLE_PARTY => Ok((KeyOrigin::SingleParty, r.0)),
            CEREMONY => {
                let zkey_sha256 = r.array::<32>()?;
                let circuit_hash = r.array::<64>()?;
                let count = u16::from_be_bytes(r.array::<2>()?);
                let mut contributions = Vec::with_capacity(usize::from(count));
                for _ in 0..count {
                    contributions.push(read_contribution(&mut r)?);
                }
                let ceremony = Ceremony {
                    zkey_sha256,
                    circuit_hash,
                    contributions,
                };
                Ok((KeyOrigin::Ceremony(ceremony), r.0))
            }
            _ => Err(KeyError::Origin("unknown origin kind")),
        }
    }
}

fn read_contribution(r: &mut Reader<'_>) -> Result<Contribution, KeyError> {
    let beacon = match r.byte()? {
        0 => false,
        1 => true,
        _ => return Err(KeyError::Origin("unknown contribution kind")),
    };
    let hash = r.array::<64>()?;
    let len = usize::from(r.byte()?);
    let name = std::str::from_utf8(r.take(len)?)
        .map_err(|_| KeyError::Origin("contribution name is not UTF-8"))?
        .to_owned();
    Ok(Contribution { name, hash, beacon })
}

/// A cursor that refuses to read past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], KeyError> {
        if self.0.len() < n {
            return Err(KeyError::Origin("origin block is truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn byte(&mut self) -> Result<u8, KeyError> {
        Ok(self.take(1)?[0])
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], KeyError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ceremony() -> KeyOrigin {
        KeyOrigin::Ceremony(Ceremony {
            zkey_sha256: [1; 32],
            circuit_hash: [2; 64],
            contributions: vec![
                Contribution {
                    name: "Alice — Rome".into(),
                    hash: [3; 64],
                    beacon: false,
                },
                Contribution {
                    name: String::new(),
                    hash: [4; 64],
                    beacon: true,
                },
            ],
        })
    }

    #[test]
    fn origins_round_trip_and_refuse_truncation_and_unknown_kinds() {
        for origin in [KeyOrigin::SingleParty, ceremony()] {
            let mut bytes = Vec::new();
            origin.encode(&mut bytes).expect("encode");
            bytes.push(0xAA);
            let (back, rest) = KeyOrigin::decode(&bytes).expect("decode");
            assert_eq!((back, rest), (origin, &[0xAA][..]));
        }
        let mut bytes = Vec::new();
        ceremony().encode(&mut bytes).expect("encode");
        for cut in 0..bytes.len() {
            assert!(KeyOrigin::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(KeyOrigin::decode(&[3]).is_err());
        assert_eq!(ceremony().reduction(), Reduction::Circom);
        assert_eq!(KeyOrigin::SingleParty.reduction(), Reduction::Libsnark);
    }
}
