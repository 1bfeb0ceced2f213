//! C2SP tlog-witness `add-checkpoint` (DESIGN §6 amendment "Witnesses"):
//! the request body both sides write and read, the witness's decision over
//! it, and a verifier's quorum of cosignatures. Pure: the HTTP service and
//! its durable state live in `zkcity-witness`, the submitting side in
//! `zkcity-ledger`.
//!
//! Request body (tlog-witness "add-checkpoint"):
//!
//! ```text
//! old <size>\n
//! <base64 hash>\n        (0 to 63 consistency proof lines)
//! \n
//! <signed checkpoint note>
//! ```

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use thiserror::Error;

use crate::checkpoint::Checkpoint;
use crate::merkle::{verify_consistency, Hash};
use crate::note::{split_note, WitnessKey};

/// Most consistency proof lines a request may carry (tlog-witness).
pub const MAX_PROOF_LINES: usize = 63;
/// Content type of a 409 answer's body, the witness's size (tlog-witness).
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// A parsed `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size the submitter believes the witness last cosigned.
    pub old_size: u64,
    /// RFC 6962 consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub note: String,
}

/// Why a request body is malformed (answered 400 Bad Request).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    /// The body is not UTF-8.
    #[error("the body is not UTF-8")]
    NotUtf8,
    /// The first line is not `old <canonical decimal>`.
    #[error("the first line must be `old <size>`")]
    BadOldLine,
    /// A proof line is not base64 of 32 bytes.
    #[error("consistency proof line {0} is not base64 of 32 bytes")]
    BadProofLine(usize),
    /// More than 63 proof lines.
    #[error("more than {MAX_PROOF_LINES} consistency proof lines")]
    TooManyProofLines,
    /// No empty line before the checkpoint.
    #[error("missing the empty line before the checkpoint")]
    MissingSeparator,
}

impl AddCheckpoint {
    /// The request body.
    pub fn to_body(&self) -> String {
        let mut out = format!("old {}\n", self.old_size);
        for h in &self.proof {
            out.push_str(&STANDARD.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.note);
        out
    }

    /// Parses a request body strictly.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, RequestError> {
        let text = std::str::from_utf8(body).map_err(|_| RequestError::NotUtf8)?;
        let (old_line, mut rest) = text.split_once('\n').ok_or(RequestError::BadOldLine)?;
        let old_size = old_line
            .strip_prefix("old ")
            .and_then(canonical_u64)
            .ok_or(RequestError::BadOldLine)?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest
                .split_once('\n')
                .ok_or(RequestError::MissingSeparator)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(RequestError::TooManyProofLines);
            }
            proof.push(decode_hash(line).ok_or(RequestError::BadProofLine(proof.len()))?);
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            note: rest.to_owned(),
        })
    }
}

/// A decimal with no sign and no leading zero (except `0`).
pub fn canonical_u64(s: &str) -> Option<u64> {
    let ok =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    ok.then(|| s.parse().ok()).flatten()
}

fn decode_hash(line: &str) -> Option<Hash> {
    let bytes = STANDARD.decode(line).ok()?;
    let hash: Hash = bytes.try_into().ok()?;
    (STANDARD.encode(hash) == line).then_some(hash)
}

/// The tree head a witness last cosigned for one origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cosigned {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
}

/// Why a witness refuses a verified, well-formed request; each maps to the
/// status code tlog-witness prescribes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// 400: the old size is larger than the checkpoint's.
    #[error("old size {old} is larger than the checkpoint size {size}")]
    OldSizeTooLarge { old: u64, size: u64 },
    /// 409: the old size is not the size last cosigned (body: that size).
    #[error("the witness last cosigned size {current}, not {old}")]
    Conflict { old: u64, current: u64 },
    /// 409: same size as last cosigned, another root (a fork).
    #[error("size {size} was cosigned with another root")]
    RootConflict { size: u64 },
    /// 422: the consistency proof does not verify.
    #[error("the consistency proof from {old} to {size} does not verify")]
    BadProof { old: u64, size: u64 },
}

/// The witness's rule (tlog-witness "add-checkpoint", after the signature
/// check): `checkpoint` may be cosigned only if the request's old size is
/// the size last cosigned and the proof shows the new tree extends that one.
/// Returns the new state to persist before answering.
pub fn check_add(
    last: Option<Cosigned>,
    request: &AddCheckpoint,
    checkpoint: &Checkpoint,
) -> Result<Cosigned, Refusal> {
    let (old, size) = (request.old_size, checkpoint.size);
    if old > size {
        return Err(Refusal::OldSizeTooLarge { old, size });
    }
    let current = last.map_or(0, |c| c.size);
    if old != current {
        return Err(Refusal::Conflict { old, current });
    }
    let new = Cosigned {
        size,
        root: checkpoint.root,
    };
    let Some(last) = last.filter(|c| c.size > 0) else {
        // Nothing cosigned yet: the proof must be empty (tlog-witness).
        return match request.proof.is_empty() {
            true => Ok(new),
            false => Err(Refusal::BadProof { old, size }),
        };
    };
    if last.size == size && last.root != checkpoint.root {
        return Err(Refusal::RootConflict { size });
    }
    verify_consistency(
        last.size,
        size,
        &last.root,
        &checkpoint.root,
        &request.proof,
    )
    .map_err(|_| Refusal::BadProof { old, size })?;
    Ok(new)
}

/// Why a checkpoint lacks a quorum of cosignatures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the checkpoint carries valid cosignatures from {} of the {need} required witnesses{}", .valid.len(), describe(.problems))]
pub struct QuorumError {
    /// Witnesses whose cosignature verified.
    pub valid: Vec<String>,
    /// Cosignatures required.
    pub need: usize,
    /// Per pinned witness without a valid cosignature: its name and why.
    pub problems: Vec<(String, String)>,
}

fn describe(problems: &[(String, String)]) -> String {
    let parts: Vec<String> = problems
        .iter()
        .map(|(n, why)| format!("{n}: {why}"))
        .collect();
    match parts.is_empty() {
        true => String::new(),
        false => format!(" ({})", parts.join("; ")),
    }
}

/// Checks that `note` carries valid `cosignature/v1` lines from at least
/// `quorum` distinct keys of `witnesses` (DESIGN §6 amendment), returning
/// the names of those that cosigned. Lines of other keys are ignored.
pub fn verify_quorum(
    note: &str,
    witnesses: &[WitnessKey],
    quorum: usize,
) -> Result<Vec<String>, QuorumError> {
    let mut valid = Vec::new();
    let mut problems = Vec::new();
    let split = split_note(note);
    for w in witnesses {
        let result = match &split {
            Ok(_) => w.find(note),
            Err(e) => Err(e.clone()),
        };
        match result {
            Ok(_) if !valid.contains(&w.name().to_owned()) => valid.push(w.name().to_owned()),
            Ok(_) => {}
            Err(e) => problems.push((w.name().to_owned(), e.to_string())),
        }
    }
    if valid.len() >= quorum {
        return Ok(valid);
    }
    Err(QuorumError {
        valid,
        need: quorum,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{consistency_proof, leaf_hash, MemoryTree};
    use crate::note::WitnessSigner;
    use crate::LogSigner;

    fn tree(n: u64) -> MemoryTree {
        let mut t = MemoryTree::new();
        for i in 0..n {
            t.append(leaf_hash(&i.to_be_bytes()));
        }
        t
    }

    fn cp(t: &MemoryTree) -> Checkpoint {
        Checkpoint {
            origin: "o".into(),
            size: t.size(),
            root: t.root(),
        }
    }

    #[test]
    fn body_round_trips_and_rejects_garbage() {
        let req = AddCheckpoint {
            old_size: 3,
            proof: vec![[1; 32], [2; 32]],
            note: "o\n4\nroot\n\n— o sig\n".into(),
        };
        assert_eq!(AddCheckpoint::parse(req.to_body().as_bytes()), Ok(req));
        for bad in [
            "",
            "old 01\n\n",
            "old -1\n\n",
            "new 1\n\n",
            "old 1\nAAAA\n\n",
            "old 1\n",
        ] {
            assert!(AddCheckpoint::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let many = format!(
            "old 1\n{}\n",
            format!("{}\n", STANDARD.encode([0u8; 32])).repeat(64)
        );
        assert_eq!(
            AddCheckpoint::parse(many.as_bytes()),
            Err(RequestError::TooManyProofLines)
        );
    }

    #[test]
    fn witness_rule_follows_tlog_witness() {
        let (t5, t9) = (tree(5), tree(9));
        let proof = consistency_proof(5, 9, &t9).expect("proof");
        let head5 = Cosigned {
            size: 5,
            root: t5.root(),
        };
        let at5 = Some(head5);
        let req = |old, proof: Vec<Hash>| AddCheckpoint {
            old_size: old,
            proof,
            note: String::new(),
        };
        assert_eq!(check_add(None, &req(0, vec![]), &cp(&t5)), Ok(head5));
        assert_eq!(
            check_add(None, &req(0, vec![[0; 32]]), &cp(&t5)),
            Err(Refusal::BadProof { old: 0, size: 5 })
        );
        assert!(check_add(at5, &req(5, proof.clone()), &cp(&t9)).is_ok());
        assert_eq!(
            check_add(at5, &req(0, vec![]), &cp(&t9)),
            Err(Refusal::Conflict { old: 0, current: 5 })
        );
        assert_eq!(
            check_add(at5, &req(10, vec![]), &cp(&t9)),
            Err(Refusal::OldSizeTooLarge { old: 10, size: 9 })
        );
        assert_eq!(
            check_add(at5, &req(5, vec![]), &cp(&t9)),
            Err(Refusal::BadProof { old: 5, size: 9 })
        );
        let fork = Some(Cosigned {
            size: 5,
            root: [7; 32],
        });
        assert!(check_add(fork, &req(5, proof), &cp(&t9)).is_err());
        assert_eq!(
            check_add(fork, &req(5, vec![]), &cp(&t5)),
            Err(Refusal::RootConflict { size: 5 })
        );
    }

    #[test]
    fn quorum_counts_distinct_valid_cosigners() {
        let log = LogSigner::from_seed("o", [1; 32]).expect("log");
        let c = cp(&tree(3));
        let note = log.sign(&c).expect("sign");
        let ws: Vec<WitnessSigner> = (0..3u8)
            .map(|i| WitnessSigner::from_seed(&format!("w{i}"), [i + 10; 32]).expect("w"))
            .collect();
        let keys: Vec<WitnessKey> = ws.iter().map(WitnessSigner::verifier).collect();
        let body = c.to_note_body();
        let line = |i: usize| ws[i].cosign(&body, 100).expect("cosign");
        let two = format!("{note}{}{}{}", line(0), line(2), line(2));
        assert_eq!(
            verify_quorum(&two, &keys, 2),
            Ok(vec!["w0".into(), "w2".into()])
        );
        let err = verify_quorum(&two, &keys, 3).expect_err("short");
        assert_eq!(err.valid.len(), 2);
        assert!(err.to_string().contains("w1"), "{err}");
        assert!(verify_quorum(&note, &keys, 1).is_err());
    }
}
