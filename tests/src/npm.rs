//! Test tooling from npm, pinned by a lockfile in the repository: installed
//! with `npm ci` the first time a test needs it (as `.ci/run` does), so the
//! README's test command works in a checkout where `.ci/run` never ran.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Packages installed by this process, so `npm ci` runs once per directory.
static INSTALLED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// `tests/<name>`, holding package.json and package-lock.json.
pub fn package_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// Makes sure `tests/<name>/node_modules/<probe>` exists, running `npm ci`
/// there if it does not; returns the package directory.
pub fn ensure_installed(name: &str, probe: &str) -> anyhow::Result<PathBuf> {
    let dir = package_dir(name);
    // One install at a time: two tests racing `npm ci` in one directory
    // would delete each other's node_modules.
    let mut done = INSTALLED
        .lock()
        .map_err(|_| anyhow::anyhow!("npm install lock poisoned"))?;
    if done.contains(&dir) || dir.join("node_modules").join(probe).exists() {
        return Ok(dir);
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .output()
        .map_err(|e| anyhow::anyhow!("running npm ci in {}: {e}", dir.display()))?;
    anyhow::ensure!(
        out.status.success(),
        "npm ci in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    done.push(dir.clone());
    Ok(dir)
}
