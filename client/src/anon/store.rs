//! The local receipt store of the privacy proxy: one file per accepted
//! query, `<dir>/<log index>.json`, holding the [`Opening`] (query,
//! variables, operation name, blinding `b`) with its verified receipt — the
//! same format as `zkcity query --receipt`, so `zkcity audit open` reads it
//! too. Whoever reads an opening learns which query this requester made, so
//! the directory is 0700 and each file 0600.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::AnonError;
use super::open::Opening;

/// A directory of openings keyed by log index.
#[derive(Debug, Clone)]
pub struct ReceiptStore {
    dir: PathBuf,
}

/// One stored receipt, as listed.
#[derive(Debug, Clone)]
pub struct Stored {
    pub index: u64,
    pub opening: Opening,
}

impl ReceiptStore {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, index: u64) -> PathBuf {
        self.dir.join(format!("{index}.json"))
    }

    /// Saves an opening that carries its receipt (refuses one without).
    pub fn save(&self, opening: &Opening) -> Result<u64, AnonError> {
        let index = opening
            .receipt
            .as_ref()
            .map(|r| r.index)
            .ok_or_else(|| AnonError::Receipt("no receipt to store".into()))?;
        create_private_dir(&self.dir)?;
        let path = self.path(index);
        let text = serde_json::to_vec_pretty(opening).map_err(|e| AnonError::bad_file(&path, e))?;
        let tmp = path.with_extension("json.tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(|e| AnonError::io(&tmp, e))?;
        file.write_all(&text)
            .and_then(|()| file.sync_all())
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| AnonError::io(&path, e))?;
        Ok(index)
    }

    /// The opening stored for log entry `index`.
    pub fn load(&self, index: u64) -> Result<Opening, AnonError> {
        Opening::load(&self.path(index))
    }

    /// Every stored opening, by log index; unreadable files are skipped.
    pub fn list(&self) -> Result<Vec<Stored>, AnonError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(AnonError::io(&self.dir, e)),
        };
        let mut out: Vec<Stored> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name();
                let index = name.to_str()?.strip_suffix(".json")?.parse().ok()?;
                let opening = Opening::load(&e.path()).ok()?;
                Some(Stored { index, opening })
            })
            .collect();
        out.sort_by_key(|s| s.index);
        Ok(out)
    }
}

fn create_private_dir(dir: &Path) -> Result<(), AnonError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| AnonError::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anon::receipt::Receipt;
    use crate::anon::text::QueryText;

    #[test]
    fn saves_lists_and_loads_private_files() -> Result<(), AnonError> {
        let dir = std::env::temp_dir().join(format!("zkcity-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = ReceiptStore::new(&dir);
        let text = QueryText {
            query: "{ stations { totalCount } }".into(),
            variables: None,
            operation_name: None,
        };
        let mut opening = Opening::new(&text, zkcity_circuits::Fr::from(7u64), None);
        assert!(store.save(&opening).is_err(), "needs a receipt");
        for index in [12, 3] {
            opening.receipt = Some(Receipt {
                index,
                leaf_hash: "00".repeat(32),
                checkpoint: String::new(),
                inclusion_proof: Vec::new(),
            });
            assert_eq!(store.save(&opening)?, index);
        }
        let listed: Vec<u64> = store.list()?.iter().map(|s| s.index).collect();
        assert_eq!(listed, [3, 12]);
        assert_eq!(store.load(12)?.query, text.query);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(
                mode(&dir.join("12.json")).map_err(|e| AnonError::io(&dir, e))?,
                0o600
            );
            assert_eq!(mode(&dir).map_err(|e| AnonError::io(&dir, e))?, 0o700);
        }
        Ok(())
    }
}
