//! Circuit keys for end-to-end tests: one key pair per (D, q), generated
//! once into the target directory and shared by every test and test
//! process, so the suite pays for the setup once.

use std::path::PathBuf;

use anyhow::Context;
use zkcity_circuits::keys::{write_proving_key, write_verifying_key};

/// `target/zk-test-keys` (beside the test binary's profile directory).
fn keys_root() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let target = exe
        .parent()
        .and_then(|d| d.parent())
        .and_then(|d| d.parent())
        .context("unexpected test binary location")?;
    Ok(target.join("zk-test-keys"))
}

/// Paths of the (proving, verifying) key files for depth `D` and `q` slot bits.
pub fn test_keys(depth: usize, slot_bits: usize) -> anyhow::Result<(PathBuf, PathBuf)> {
    // Tests of one process run on parallel threads and would share the
    // per-process temporary directory below: generate under a lock.
    static GENERATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = GENERATING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = keys_root()?.join(format!("d{depth}-q{slot_bits}"));
    let (pk, vk) = (dir.join("proving.key"), dir.join("verifying.key"));
    if pk.is_file() && vk.is_file() {
        return Ok((pk, vk));
    }
    // Generate beside it and rename the directory into place: concurrent
    // test processes never see half-written keys.
    let tmp = keys_root()?.join(format!("tmp-{}-{depth}-{slot_bits}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let (p, v) = zkcity_circuits::setup(depth, slot_bits, &mut rand::rngs::OsRng)?;
    write_proving_key(&tmp.join("proving.key"), &p)?;
    write_verifying_key(&tmp.join("verifying.key"), &v)?;
    if std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    anyhow::ensure!(
        pk.is_file() && vk.is_file(),
        "test keys missing in {}",
        dir.display()
    );
    Ok((pk, vk))
}
