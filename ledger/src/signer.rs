//! The log's Ed25519 key and the rule that it never signs a checkpoint
//! smaller than, or inconsistent with, one it signed before (DESIGN §8).
//!
//! The key comes from configuration or a Go-format key file, generated with
//! mode 0600 on first start. What the signer signed is remembered per log
//! (the head row's random `log_id`) in a small JSON file beside the key, not
//! in the database it protects: a database restored from an old backup keeps
//! its `log_id` but not its size, so the signer refuses to sign for it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use zkcity_audit::{Checkpoint, Hash, LogSigner};

use crate::error::{LedgerError, LedgerResult};
use crate::settings::AuditSettings;

/// Logs remembered per state file; the oldest entries are dropped beyond this.
const REMEMBERED_LOGS: usize = 256;

/// The largest checkpoint signed for one log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SignedJson", into = "SignedJson")]
pub struct Signed {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
}

/// [`Signed`] on disk: the root as hex.
#[derive(Serialize, Deserialize)]
struct SignedJson {
    size: u64,
    root: String,
}

impl From<Signed> for SignedJson {
    fn from(s: Signed) -> Self {
        SignedJson {
            size: s.size,
            root: hex::encode(s.root),
        }
    }
}

impl TryFrom<SignedJson> for Signed {
    type Error = String;
    fn try_from(j: SignedJson) -> Result<Self, String> {
        let mut root = [0u8; 32];
        hex::decode_to_slice(&j.root, &mut root).map_err(|e| e.to_string())?;
        Ok(Signed { size: j.size, root })
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Memory {
    /// `hex(log_id)` → largest checkpoint signed.
    logs: BTreeMap<String, Signed>,
}

/// The signer plus its memory.
#[derive(Debug)]
pub struct LogKey {
    signer: LogSigner,
    state_path: PathBuf,
    memory: Mutex<Memory>,
}

impl LogKey {
    /// A secret derived from the log key for `label` (see
    /// `LogSigner::derive_secret`), e.g. the image capability MAC key.
    pub fn derive_secret(&self, label: &str) -> [u8; 32] {
        self.signer.derive_secret(label)
    }

    /// Loads the configured key, or generates and saves one (mode 0600).
    pub fn open(settings: &AuditSettings, sqlite_path: &Path) -> LedgerResult<LogKey> {
        let signer = match &settings.key {
            Some(text) => LogSigner::from_key_file(text.expose_secret()).map_err(key_err)?,
            None => load_or_generate(&settings.key_path(sqlite_path), &settings.origin)?,
        };
        if signer.name() != settings.origin {
            return Err(LedgerError::Key(format!(
                "the key is named {:?} but audit.origin is {:?}; the checkpoint origin must be the key name",
                signer.name(),
                settings.origin
            )));
        }
        let state_path = settings.signer_state_path(sqlite_path);
        let memory = read_memory(&state_path)?;
        Ok(LogKey {
            signer,
            state_path,
            memory: Mutex::new(memory),
        })
    }

    /// The published verifier key `name+keyid+key`.
    pub fn verifier_key(&self) -> String {
        self.signer.verifier_key()
    }

    /// Checkpoint origin (the key name).
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The largest checkpoint signed for `log_id`, if any.
    pub fn remembered(&self, log_id: &[u8]) -> Option<Signed> {
        self.memory
            .lock()
            .ok()?
            .logs
            .get(&hex::encode(log_id))
            .copied()
    }

    /// Whether [`Self::sign`] would accept `(size, root)`; run inside the
    /// append transaction so a refused batch is rolled back, not committed.
    /// `shown` is as for [`Self::sign`].
    pub fn check(
        &self,
        log_id: &[u8],
        size: u64,
        root: Hash,
        shown: Option<Signed>,
    ) -> LedgerResult<()> {
        check_extends(self.remembered(log_id).as_ref(), size, root, shown)
    }

    /// Signs `(size, root)` for `log_id`. `shown` is the stored root at the
    /// size the caller saw remembered ([`Self::remembered`], size 0 if none:
    /// the empty tree is a prefix of every tree), or `None` if the log holds
    /// no such prefix; a checkpoint is signed only if the log still extends
    /// what was signed. If another signature moved the memory since the
    /// caller looked, this returns [`LedgerError::SignerMoved`] and the
    /// caller shows the new prefix (see `super::prefix`).
    pub fn sign(
        &self,
        log_id: &[u8],
        size: u64,
        root: Hash,
        shown: Option<Signed>,
    ) -> LedgerResult<String> {
        let mut memory = self
            .memory
            .lock()
            .map_err(|_| LedgerError::Key("signer state poisoned".into()))?;
        let id = hex::encode(log_id);
        check_extends(memory.logs.get(&id), size, root, shown)?;
        let cp = Checkpoint {
            origin: self.signer.name().to_owned(),
            size,
            root,
        };
        let note = self.signer.sign(&cp).map_err(key_err)?;
        if memory.logs.get(&id).is_none_or(|p| p.size < size) {
            memory.logs.insert(id, Signed { size, root });
            prune(&mut memory);
            write_memory(&self.state_path, &memory)?;
        }
        Ok(note)
    }
}

/// The rule of DESIGN §8 for one remembered checkpoint.
fn check_extends(
    prev: Option<&Signed>,
    size: u64,
    root: Hash,
    shown: Option<Signed>,
) -> LedgerResult<()> {
    let Some(prev) = prev else {
        return Ok(());
    };
    if size < prev.size {
        return Err(LedgerError::SignerRefused(format!(
            "the log has {size} entries but a checkpoint of size {} was signed before (rolled back?)",
            prev.size
        )));
    }
    let prefix = match shown {
        _ if size == prev.size => root,
        Some(s) if s.size == prev.size => s.root,
        Some(_) => return Err(LedgerError::SignerMoved),
        None => return Err(differs(prev)),
    };
    if prefix != prev.root {
        return Err(differs(prev));
    }
    Ok(())
}

fn differs(prev: &Signed) -> LedgerError {
    LedgerError::SignerRefused(format!(
        "the log's first {} entries differ from the checkpoint signed before (altered?)",
        prev.size
    ))
}

fn prune(memory: &mut Memory) {
    while memory.logs.len() > REMEMBERED_LOGS {
        // Logs are keyed by random ids, so dropping the first is arbitrary
        // but bounded; a deployment has one log per key.
        let Some(first) = memory.logs.keys().next().cloned() else {
            break;
        };
        memory.logs.remove(&first);
    }
}

fn key_err(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Key(e.to_string())
}

/// Loads the key file, or creates it. Several servers starting at once race
/// benignly: `save` refuses to overwrite, and the loser loads the winner's key.
fn load_or_generate(path: &Path, origin: &str) -> LedgerResult<LogSigner> {
    if path.exists() {
        return load_retrying(path);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| LedgerError::Key(format!("creating {}: {e}", dir.display())))?;
    }
    let signer = LogSigner::generate(origin).map_err(key_err)?;
    match signer.save(path) {
        Ok(()) => {
            tracing::info!(path = %path.display(), key = %signer.verifier_key(), "generated the audit log key");
            Ok(signer)
        }
        Err(_) if path.exists() => load_retrying(path),
        Err(e) => Err(LedgerError::Key(format!("saving {}: {e}", path.display()))),
    }
}

/// Reads a key file, retrying briefly in case another process is writing it.
fn load_retrying(path: &Path) -> LedgerResult<LogSigner> {
    let mut last = None;
    for _ in 0..20 {
        match LogSigner::load(path) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    Err(LedgerError::Key(format!(
        "reading {}: {}",
        path.display(),
        last.map(|e| e.to_string()).unwrap_or_default()
    )))
}

fn read_memory(path: &Path) -> LedgerResult<Memory> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            LedgerError::Key(format!(
                "signer state {} is unreadable: {e}",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Memory::default()),
        Err(e) => Err(LedgerError::Key(format!("reading {}: {e}", path.display()))),
    }
}

/// Writes the memory atomically (temporary file, then rename).
fn write_memory(path: &Path, memory: &Memory) -> LedgerResult<()> {
    let json = serde_json::to_vec(memory).map_err(key_err)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, json)
        .map_err(|e| LedgerError::Key(format!("writing {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| LedgerError::Key(format!("renaming to {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_in(dir: &Path) -> LedgerResult<LogKey> {
        let settings = AuditSettings {
            key_file: Some(dir.join("log.key")),
            ..Default::default()
        };
        LogKey::open(&settings, Path::new("unused.db"))
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("zkcity-signer-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn generates_a_0600_key_once_and_reloads_it() -> LedgerResult<()> {
        let dir = temp_dir("gen");
        let a = key_in(&dir)?;
        let b = key_in(&dir)?;
        assert_eq!(a.verifier_key(), b.verifier_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("log.key"))
                .map_err(key_err)?
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        Ok(())
    }

    #[test]
    fn never_signs_smaller_or_inconsistent_and_remembers_across_restarts() -> LedgerResult<()> {
        let dir = temp_dir("rule");
        let key = key_in(&dir)?;
        let log = b"log-1";
        let empty = Some(Signed {
            size: 0,
            root: [0; 32],
        });
        key.sign(log, 5, [5; 32], empty)?;
        assert!(
            key.sign(log, 5, [5; 32], None).is_ok(),
            "same checkpoint again"
        );
        assert!(matches!(
            key.sign(log, 4, [4; 32], None),
            Err(LedgerError::SignerRefused(_))
        ));
        assert!(matches!(
            key.sign(log, 5, [6; 32], None),
            Err(LedgerError::SignerRefused(_))
        ));
        let shown = |root| Some(Signed { size: 5, root });
        assert!(matches!(
            key.sign(log, 7, [7; 32], shown([9; 32])),
            Err(LedgerError::SignerRefused(_))
        ));
        assert!(matches!(
            key.sign(log, 7, [7; 32], None),
            Err(LedgerError::SignerRefused(_))
        ));
        assert!(
            matches!(
                key.sign(log, 7, [7; 32], empty),
                Err(LedgerError::SignerMoved)
            ),
            "a prefix of another size than remembered is stale, not a refusal"
        );
        key.sign(log, 7, [7; 32], shown([5; 32]))?;
        assert!(
            key.sign(b"other-log", 1, [1; 32], None).is_ok(),
            "another log has its own memory"
        );
        let reopened = key_in(&dir)?;
        assert_eq!(
            reopened.remembered(log),
            Some(Signed {
                size: 7,
                root: [7; 32]
            })
        );
        assert!(matches!(
            reopened.sign(log, 6, [6; 32], None),
            Err(LedgerError::SignerRefused(_))
        ));
        Ok(())
    }

    #[test]
    fn key_name_must_be_the_origin() {
        let dir = temp_dir("name");
        let _ = key_in(&dir);
        let settings = AuditSettings {
            key_file: Some(dir.join("log.key")),
            origin: "other.example/log".into(),
            ..Default::default()
        };
        assert!(matches!(
            LogKey::open(&settings, Path::new("x.db")),
            Err(LedgerError::Key(_))
        ));
    }
}
