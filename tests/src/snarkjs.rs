//! snarkjs from npm, pinned by `tests/snarkjs/package-lock.json`, for the
//! ceremony tests: installs it once (`npm ci`, as `.ci/run` does) and runs
//! a small but real Groth16 ceremony for the circuit, as
//! circuits/README.md "Trusted setup" tells a city to run one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;

/// The snarkjs CLI script, after `npm ci` if it is not installed yet.
fn cli() -> anyhow::Result<PathBuf> {
    let dir = crate::npm::ensure_installed("snarkjs", "snarkjs/build/cli.cjs")?;
    Ok(dir.join("node_modules/snarkjs/build/cli.cjs"))
}

/// The result of one `snarkjs` command.
#[derive(Debug)]
pub struct SnarkjsRun {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `snarkjs <args>` in `dir` (blocking).
pub fn snarkjs(dir: &Path, args: &[&str]) -> anyhow::Result<SnarkjsRun> {
    let out = Command::new("node")
        .arg(cli()?)
        .args(args)
        .current_dir(dir)
        .output()
        .context("running node (is Node.js installed?)")?;
    Ok(SnarkjsRun {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Runs `snarkjs <args>` and fails unless it succeeds.
pub fn snarkjs_ok(dir: &Path, args: &[&str]) -> anyhow::Result<SnarkjsRun> {
    let run = snarkjs(dir, args)?;
    anyhow::ensure!(run.ok, "snarkjs {}: {run:?}", args.join(" "));
    Ok(run)
}

/// A finished ceremony's files, in `dir`.
#[derive(Debug, Clone)]
pub struct Ceremony {
    pub dir: PathBuf,
    /// Phase 1, prepared for phase 2 (`pot_final.ptau`).
    pub ptau: PathBuf,
    /// `groth16 setup` output, before any phase-2 contribution.
    pub initial_zkey: PathBuf,
    /// After two contributions and the beacon, verified.
    pub final_zkey: PathBuf,
    /// What `snarkjs zkey verify` printed.
    pub verify_output: String,
    /// Wall time of the whole ceremony.
    pub seconds: f64,
}

/// The ceremony of circuits/README.md "Trusted setup" for the circuit
/// exported to `r1cs`, in `dir`: Powers of Tau 2^13 with two contributions,
/// phase 2 prepared, `groth16 setup`, two phase-2 contributions, a beacon,
/// and `zkey verify` against the R1CS and the transcript.
pub fn run_ceremony(dir: &Path, r1cs: &Path) -> anyhow::Result<Ceremony> {
    let start = Instant::now();
    let r1cs = r1cs.to_string_lossy();
    let steps: [&[&str]; 9] = [
        &["powersoftau", "new", "bn128", "13", "pot_0.ptau"],
        &[
            "powersoftau",
            "contribute",
            "pot_0.ptau",
            "pot_1.ptau",
            "--name=Phase 1 first",
            "-e=first party's entropy",
        ],
        &[
            "powersoftau",
            "contribute",
            "pot_1.ptau",
            "pot_2.ptau",
            "--name=Phase 1 second",
            "-e=second party's entropy",
        ],
        &[
            "powersoftau",
            "prepare",
            "phase2",
            "pot_2.ptau",
            "pot_final.ptau",
        ],
        &[
            "groth16",
            "setup",
            &r1cs,
            "pot_final.ptau",
            "circuit_0.zkey",
        ],
        &[
            "zkey",
            "contribute",
            "circuit_0.zkey",
            "circuit_1.zkey",
            "--name=Water authority",
            "-e=entropy of the water authority",
        ],
        &[
            "zkey",
            "contribute",
            "circuit_1.zkey",
            "circuit_2.zkey",
            "--name=Civic hackers",
            "-e=entropy of the civic hackers",
        ],
        &[
            "zkey",
            "beacon",
            "circuit_2.zkey",
            "circuit_final.zkey",
            "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "10",
            "-n=Final beacon",
        ],
        &[
            "zkey",
            "verify",
            &r1cs,
            "pot_final.ptau",
            "circuit_final.zkey",
        ],
    ];
    let mut verify_output = String::new();
    for step in steps {
        let run = snarkjs_ok(dir, step)?;
        verify_output = run.stdout;
    }
    anyhow::ensure!(
        verify_output.contains("ZKey Ok!"),
        "zkey verify: {verify_output}"
    );
    std::fs::write(dir.join(VERIFY_OUTPUT), &verify_output)?;
    Ok(Ceremony::in_dir(
        dir,
        verify_output,
        start.elapsed().as_secs_f64(),
    ))
}

impl Ceremony {
    /// The files [`run_ceremony`] leaves in `dir`.
    fn in_dir(dir: &Path, verify_output: String, seconds: f64) -> Self {
        Ceremony {
            dir: dir.to_owned(),
            ptau: dir.join("pot_final.ptau"),
            initial_zkey: dir.join("circuit_0.zkey"),
            final_zkey: dir.join("circuit_final.zkey"),
            verify_output,
            seconds,
        }
    }
}

/// Where [`run_ceremony`] keeps what `zkey verify` printed.
const VERIFY_OUTPUT: &str = "zkey_verify.txt";

/// A finished ceremony in `dir` (from an earlier [`run_ceremony`]), if any:
/// lets a developer iterate on the ceremony tests without redoing it
/// (`ZKCITY_TEST_CEREMONY_DIR`). CI never sets it.
pub fn finished_ceremony(dir: &Path) -> Option<Ceremony> {
    let verify_output = std::fs::read_to_string(dir.join(VERIFY_OUTPUT)).ok()?;
    let ceremony = Ceremony::in_dir(dir, verify_output, 0.0);
    let complete = [&ceremony.ptau, &ceremony.initial_zkey, &ceremony.final_zkey]
        .iter()
        .all(|p| p.is_file());
    (complete && ceremony.verify_output.contains("ZKey Ok!")).then_some(ceremony)
}

/// The contribution hashes `snarkjs zkey verify` printed, oldest first, as
/// lowercase hex (it prints them newest first, each as four lines of
/// 8-digit groups).
pub fn printed_contribution_hashes(verify_output: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut lines = verify_output.lines();
    while let Some(line) = lines.next() {
        if !line.contains("contribution #") {
            continue;
        }
        let hash: String = lines
            .by_ref()
            .take(4)
            .flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .filter(|w| w.len() == 8 && w.chars().all(|c| c.is_ascii_hexdigit()))
            .collect();
        hashes.push(hash.to_lowercase());
    }
    hashes.reverse();
    hashes
}
