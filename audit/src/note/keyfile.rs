//! Signer key files in the format of Go's `golang.org/x/mod/sumdb/note`:
//! `PRIVATE+KEY+name+hex(keyid)+base64(0x01 ‖ Ed25519 seed)`.

use super::{key_id, split_key_of, LogSigner, ALG_ED25519, PRIVATE_PREFIX};
use crate::error::NoteError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::path::Path;

impl LogSigner {
    /// The secret key file text `PRIVATE+KEY+name+hex(keyid)+base64(0x01‖seed)\n`.
    pub fn to_key_file(&self) -> String {
        let id = key_id(&self.name, &self.signing_key.verifying_key());
        encode_private(&self.name, ALG_ED25519, id, self.signing_key.as_bytes())
    }

    /// Parses a secret key file (one trailing newline allowed), checking its key id.
    pub fn from_key_file(text: &str) -> Result<LogSigner, NoteError> {
        let (name, id, seed) = decode_private(text, ALG_ED25519)?;
        let signer = LogSigner::from_seed(name, seed)?;
        if key_id(name, &signer.signing_key.verifying_key()) != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(signer)
    }

    /// Reads a key file written by [`LogSigner::save`].
    pub fn load(path: &Path) -> Result<LogSigner, NoteError> {
        let text = std::fs::read_to_string(path).map_err(|e| NoteError::Io(e.to_string()))?;
        LogSigner::from_key_file(&text)
    }

    /// Writes the key file with mode 0600 (see [`write_secret_file`]).
    pub fn save(&self, path: &Path) -> Result<(), NoteError> {
        write_secret_file(path, self.to_key_file().as_bytes())
            .map_err(|e| NoteError::Io(e.to_string()))
    }
}

/// `PRIVATE+KEY+name+hex(keyid)+base64(alg ‖ seed)\n`, Go's key file shape.
pub(crate) fn encode_private(name: &str, alg: u8, id: [u8; 4], seed: &[u8; 32]) -> String {
    let mut raw = vec![alg];
    raw.extend_from_slice(seed);
    format!(
        "{PRIVATE_PREFIX}{name}+{}+{}\n",
        hex::encode(id),
        STANDARD.encode(raw)
    )
}

/// Splits a key file of signature type `alg` into name, key id and seed
/// (one trailing newline allowed); the caller checks the key id.
pub(crate) fn decode_private(text: &str, alg: u8) -> Result<(&str, [u8; 4], [u8; 32]), NoteError> {
    let line = text.strip_suffix('\n').unwrap_or(text);
    let rest = line
        .strip_prefix(PRIVATE_PREFIX)
        .ok_or(NoteError::MalformedKey)?;
    let (name, id, seed) = split_key_of(rest, alg)?;
    let seed: [u8; 32] = seed.try_into().map_err(|_| NoteError::MalformedKey)?;
    Ok((name, id, seed))
}

/// Writes `contents` to a new file readable only by its owner (mode 0600).
/// Refuses to overwrite an existing file, so a key is never silently replaced.
pub fn write_secret_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::Checkpoint;

    #[test]
    fn key_file_round_trips_and_debug_hides_key() {
        let signer = LogSigner::from_seed("log", [3; 32]).expect("signer");
        let file = signer.to_key_file();
        assert!(file.starts_with("PRIVATE+KEY+log+"));
        let back = LogSigner::from_key_file(&file).expect("parse");
        assert_eq!(back.verifier_key(), signer.verifier_key());
        assert!(!format!("{signer:?}").contains(&hex::encode([3u8; 32])));
        assert!(format!("{signer:?}").contains("redacted"));
        assert!(LogSigner::generate("bad name").is_err());
        let injected = Checkpoint {
            origin: "o\n99".into(),
            size: 1,
            root: [0; 32],
        };
        assert!(signer.sign(&injected).is_err());
        assert!(LogSigner::from_key_file(&file.replace("+log+", "+lag+")).is_err());
    }

    #[test]
    fn secret_file_is_owner_only() {
        let dir = std::env::temp_dir().join(format!("zkcity-audit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("log.key");
        let _ = std::fs::remove_file(&path);
        let signer = LogSigner::from_seed("log", [4; 32]).expect("signer");
        signer.save(&path).expect("save");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            signer.save(&path).is_err(),
            "existing key must not be overwritten"
        );
        assert_eq!(
            LogSigner::load(&path).expect("load").verifier_key(),
            signer.verifier_key()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
