//! `zkcity audit export`: copies a server's log to an NDJSON file and its
//! signed checkpoint to `<file>.checkpoint`, for offline verification with
//! `zkcity audit verify --file`.

use std::io::Write;
use std::path::{Path, PathBuf};

use futures::StreamExt;
use zkcity_audit::Checkpoint;

use super::error::ClientError;
use super::fetch::Server;
use super::progress::Progress;

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub server: String,
    /// First index (default 0).
    pub from: Option<u64>,
    /// End index, exclusive (default: the checkpoint's size).
    pub to: Option<u64>,
    pub out: PathBuf,
    pub progress: bool,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct ExportReport {
    pub from: u64,
    pub to: u64,
    pub entries: u64,
    pub checkpoint: Checkpoint,
    pub checkpoint_path: PathBuf,
}

/// Where the checkpoint of an export file is kept.
pub fn checkpoint_path(entries: &Path) -> PathBuf {
    let mut p = entries.as_os_str().to_owned();
    p.push(".checkpoint");
    PathBuf::from(p)
}

/// Reads a note's checkpoint body without checking the signature (the
/// verifier checks it later with the pinned key).
pub fn unverified_checkpoint(note: &str) -> Result<Checkpoint, ClientError> {
    let body = note
        .split_once("\n\n")
        .map(|(b, _)| format!("{b}\n"))
        .ok_or_else(|| ClientError::Checkpoint("not a signed note".into()))?;
    Checkpoint::parse(&body).map_err(|e| ClientError::Checkpoint(e.to_string()))
}

/// Writes entries `[from, to)` and the current signed checkpoint.
pub async fn export(opts: &ExportOptions) -> Result<ExportReport, ClientError> {
    let server = Server::new(&opts.server);
    let note = server.checkpoint().await?;
    let checkpoint = unverified_checkpoint(&note)?;
    let (from, to) = (opts.from.unwrap_or(0), opts.to.unwrap_or(checkpoint.size));
    let file = std::fs::File::create(&opts.out).map_err(|e| ClientError::io(&opts.out, e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut lines = Box::pin(server.export_lines(from, Some(to)).await?);
    let mut progress = Progress::new("export", to.saturating_sub(from), opts.progress);
    let mut entries = 0u64;
    while let Some(line) = lines.next().await {
        let line = line?;
        writeln!(out, "{line}").map_err(|e| ClientError::io(&opts.out, e))?;
        entries += 1;
        progress.tick(entries);
    }
    out.flush().map_err(|e| ClientError::io(&opts.out, e))?;
    let checkpoint_path = checkpoint_path(&opts.out);
    std::fs::write(&checkpoint_path, &note).map_err(|e| ClientError::io(&checkpoint_path, e))?;
    Ok(ExportReport {
        from,
        to,
        entries,
        checkpoint,
        checkpoint_path,
    })
}
