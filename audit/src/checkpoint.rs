//! C2SP tlog-checkpoint bodies (DESIGN §6, §8).
//!
//! ```text
//! <origin>\n<decimal tree size>\n<base64 root hash>\n
//! ```
//!
//! Parsing is strict: exactly these three lines, a canonical decimal size and
//! canonical padded base64 of 32 bytes. Extension lines are rejected because
//! this log never writes any, so a note carrying them was not made by it.

use crate::error::CheckpointError;
use crate::merkle::Hash;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// A tree head: the log's origin, its size and its RFC 6962 root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Log identity, the first line (e.g. `zkcity.example.org/audit`).
    pub origin: String,
    /// Number of entries.
    pub size: u64,
    /// RFC 6962 root of the first `size` entries.
    pub root: Hash,
}

impl Checkpoint {
    /// The note body `origin\nsize\nbase64(root)\n`, the text that gets signed.
    pub fn to_note_body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// Strictly parses a note body.
    pub fn parse(body: &str) -> Result<Checkpoint, CheckpointError> {
        let inner = body
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingFinalNewline)?;
        let lines: Vec<&str> = inner.split('\n').collect();
        let [origin, size, root] = lines[..] else {
            return Err(CheckpointError::WrongLineCount);
        };
        if origin.is_empty() || origin.chars().any(char::is_control) {
            return Err(CheckpointError::BadOrigin);
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size: parse_size(size)?,
            root: parse_root(root)?,
        })
    }
}

fn parse_size(s: &str) -> Result<u64, CheckpointError> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if !canonical {
        return Err(CheckpointError::BadSize);
    }
    s.parse().map_err(|_| CheckpointError::BadSize)
}

fn parse_root(s: &str) -> Result<Hash, CheckpointError> {
    let bytes = STANDARD.decode(s).map_err(|_| CheckpointError::BadRoot)?;
    let root: Hash = bytes.try_into().map_err(|_| CheckpointError::BadRoot)?;
    if STANDARD.encode(root) != s {
        return Err(CheckpointError::BadRoot);
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp() -> Checkpoint {
        Checkpoint {
            origin: "example.org/log".into(),
            size: 42,
            root: [7; 32],
        }
    }

    #[test]
    fn body_round_trips() {
        let body = cp().to_note_body();
        assert_eq!(
            body,
            format!("example.org/log\n42\n{}\n", STANDARD.encode([7u8; 32]))
        );
        assert_eq!(Checkpoint::parse(&body), Ok(cp()));
    }

    #[test]
    fn strict_parse_rejects_variants() {
        let root = STANDARD.encode([7u8; 32]);
        let bad = [
            (
                format!("o\n42\n{root}"),
                CheckpointError::MissingFinalNewline,
            ),
            (
                format!("o\n42\n{root}\next\n"),
                CheckpointError::WrongLineCount,
            ),
            ("o\n42\n".to_owned(), CheckpointError::WrongLineCount),
            (format!("\n42\n{root}\n"), CheckpointError::BadOrigin),
            (format!("o\r\n42\n{root}\n"), CheckpointError::BadOrigin),
            (format!("o\n042\n{root}\n"), CheckpointError::BadSize),
            (format!("o\n+42\n{root}\n"), CheckpointError::BadSize),
            (format!("o\n\n{root}\n"), CheckpointError::BadSize),
            (
                "o\n99999999999999999999\nAA==\n".to_owned(),
                CheckpointError::BadSize,
            ),
            ("o\n1\nAAAA\n".to_owned(), CheckpointError::BadRoot),
            (
                format!("o\n1\n{}\n", root.trim_end_matches('=')),
                CheckpointError::BadRoot,
            ),
        ];
        for (body, err) in bad {
            assert_eq!(Checkpoint::parse(&body), Err(err), "{body:?}");
        }
        assert_eq!(
            Checkpoint::parse(&format!("o\n0\n{root}\n")).map(|c| c.size),
            Ok(0)
        );
    }
}
