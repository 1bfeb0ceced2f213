//! The `zkcity` binary's exit codes are a contract for scripts: 0 done,
//! 1 could not run (including a mistyped command line), 2 only from
//! `zkcity audit verify` when the log failed verification.

use std::process::Command;

fn exit_code(args: &[&str]) -> anyhow::Result<Option<i32>> {
    let out = Command::new(env!("CARGO_BIN_EXE_zkcity"))
        .args(args)
        .output()?;
    Ok(out.status.code())
}

#[test]
fn usage_errors_exit_1_not_the_verifiers_2() -> anyhow::Result<()> {
    assert_eq!(
        exit_code(&["audit", "verify"])?,
        Some(1),
        "missing --log-key"
    );
    assert_eq!(exit_code(&["no-such-command"])?, Some(1));
    // Proofs are checked by default: a key, its hash or --skip-proofs is needed.
    assert_eq!(
        exit_code(&["audit", "verify", "--file", "x", "--log-key", "k"])?,
        Some(1),
        "no proof check chosen"
    );
    assert_eq!(
        exit_code(&[
            "audit",
            "verify",
            "--file",
            "x",
            "--log-key",
            "k",
            "--skip-proofs",
            "--verifying-key",
            "vk"
        ])?,
        Some(1),
        "--skip-proofs with a key"
    );
    assert_eq!(
        exit_code(&[
            "audit",
            "verify",
            "--file",
            "x",
            "--log-key",
            "k",
            "--epoch-seconds",
            "soon"
        ])?,
        Some(1)
    );
    Ok(())
}

#[test]
fn help_and_version_exit_0() -> anyhow::Result<()> {
    assert_eq!(exit_code(&["--help"])?, Some(0));
    assert_eq!(exit_code(&["--version"])?, Some(0));
    assert_eq!(exit_code(&["audit", "verify", "--help"])?, Some(0));
    Ok(())
}
