//! The `file` source: ingest files dropped into a directory.
//!
//! Each run takes every regular file in the directory (sorted by name;
//! names starting with `.` or ending in `.part`/`.tmp` are ignored so a
//! producer can write under a temporary name and rename into place).
//! `*.ndjson`/`*.jsonl` are read as generic NDJSON, `*.csv` as generic CSV.
//! A file that cannot be read or parsed, is too large, or holds another
//! unit's rows is moved to `failed/` at once, with `failed/<name>.reason`
//! saying why; the others are written in the run's transaction and moved to
//! `processed/` only after it commits. If the run fails, they stay in place
//! and the next run takes them again (upserts make that harmless).

use std::path::{Path, PathBuf};

use super::{generic, FetchContext, Fetched, SourceError};
use crate::batch::Batch;
use crate::settings::FileSettings;
use crate::unit::Unit;

/// Watches one unit's directory.
pub struct FileSource {
    unit: Unit,
    dir: PathBuf,
    max_bytes: u64,
}

/// Files of a committed run, to be moved to `processed/`.
pub struct Processed {
    dir: PathBuf,
    files: Vec<PathBuf>,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> SourceError {
    SourceError::Io(format!("{what} {}: {e}", path.display()))
}

impl FileSource {
    /// Creates the directory and its `processed/` and `failed/` folders.
    pub fn new(unit: Unit, settings: &FileSettings) -> Result<Self, SourceError> {
        let dir = settings
            .dir
            .clone()
            .ok_or_else(|| SourceError::Io(format!("refresh.{unit}.file.dir is not set")))?;
        for sub in ["processed", "failed"] {
            let d = dir.join(sub);
            std::fs::create_dir_all(&d).map_err(|e| io("creating", &d, e))?;
        }
        Ok(Self {
            unit,
            dir,
            max_bytes: settings.max_file_bytes,
        })
    }

    /// Parses every waiting file; rejects bad ones.
    pub async fn fetch(&self, ctx: &FetchContext<'_>) -> Result<Fetched, SourceError> {
        let mut batch = Batch::default();
        let mut accepted = Vec::new();
        let mut rejected = Vec::new();
        for path in self.waiting().await? {
            match self.parse(&path, ctx).await {
                Ok(rows) => {
                    batch.extend(rows);
                    accepted.push(path);
                }
                Err(reason) => {
                    reject(&self.dir, &path, &reason).await?;
                    rejected.push(format!("{}: {reason}", file_name(&path)));
                }
            }
        }
        batch.dedup();
        let note =
            (!rejected.is_empty()).then(|| format!("moved to failed/: {}", rejected.join("; ")));
        Ok(Fetched {
            batch,
            cursor: None,
            note,
            on_commit: Some(Processed {
                dir: self.dir.clone(),
                files: accepted,
            }),
        })
    }

    /// Regular files waiting in the directory, by name.
    async fn waiting(&self) -> Result<Vec<PathBuf>, SourceError> {
        let mut entries = tokio::fs::read_dir(&self.dir)
            .await
            .map_err(|e| io("reading", &self.dir, e))?;
        let mut files = Vec::new();
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| io("reading", &self.dir, e))?
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_file = entry
                .file_type()
                .await
                .map(|t| t.is_file())
                .unwrap_or(false);
            if is_file
                && !name.starts_with('.')
                && !name.ends_with(".part")
                && !name.ends_with(".tmp")
            {
                files.push(entry.path());
            }
        }
        files.sort();
        Ok(files)
    }

    /// One file's rows, or why it is rejected.
    async fn parse(&self, path: &Path, ctx: &FetchContext<'_>) -> Result<Batch, String> {
        let size = tokio::fs::metadata(path)
            .await
            .map_err(|e| e.to_string())?
            .len();
        if size > self.max_bytes {
            return Err(format!(
                "{size} bytes exceeds the limit of {}",
                self.max_bytes
            ));
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = tokio::fs::read(path).await.map_err(|e| e.to_string())?;
        let label = format!("file:{}", file_name(path));
        let batch = match ext.as_str() {
            "ndjson" | "jsonl" => generic::parse_ndjson(&bytes, &label, ctx.now),
            "csv" => generic::parse_csv(&bytes, &label, ctx.now),
            other => {
                return Err(format!(
                    "unsupported extension `.{other}` (expected .ndjson, .jsonl or .csv)"
                ))
            }
        }
        .map_err(|e| e.to_string())?;
        match batch.foreign_table(self.unit) {
            Some(table) => Err(format!(
                "has `{table}` rows, which are not {} data",
                self.unit
            )),
            None => Ok(batch),
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `dir/sub/name`, or a time-suffixed name when that exists already.
fn destination(dir: &Path, sub: &str, path: &Path) -> PathBuf {
    let name = file_name(path);
    let target = dir.join(sub).join(&name);
    if target.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.f");
        dir.join(sub).join(format!("{name}.{stamp}"))
    } else {
        target
    }
}

/// Moves `path` to `failed/` and writes the reason beside it.
async fn reject(dir: &Path, path: &Path, reason: &str) -> Result<(), SourceError> {
    let target = destination(dir, "failed", path);
    tokio::fs::rename(path, &target)
        .await
        .map_err(|e| io("moving", path, e))?;
    let mut reason_path = target.into_os_string();
    reason_path.push(".reason");
    let reason_path = PathBuf::from(reason_path);
    tokio::fs::write(&reason_path, format!("{reason}\n"))
        .await
        .map_err(|e| io("writing", &reason_path, e))?;
    tracing::warn!(file = %path.display(), %reason, "feed file rejected");
    Ok(())
}

impl Processed {
    /// Moves the committed files to `processed/`. A failure here is logged:
    /// the rows are committed, and taking the file again would only rewrite
    /// the same rows.
    pub async fn complete(self) {
        for path in self.files {
            let target = destination(&self.dir, "processed", &path);
            if let Err(e) = tokio::fs::rename(&path, &target).await {
                tracing::error!(file = %path.display(), error = %e, "cannot move an ingested file to processed/");
            }
        }
    }

    /// How many files the run ingested.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no file was ingested.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
