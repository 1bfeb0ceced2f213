//! Showing the signer that the log extends what it signed (DESIGN §8).
//!
//! The signer remembers the largest checkpoint it signed per log; to sign a
//! larger one it must be shown the stored root at the remembered size. The
//! memory can move between reading it and signing (the writer and a
//! `checkpoint` reader sign concurrently), so the root shown is recomputed
//! for the new size and the signature tried again. Stored tree nodes below
//! a committed size never change, so reading them outside the append
//! transaction is sound.

use sea_orm::ConnectionTrait;
use zkcity_audit::merkle::{tree_root, tree_root_plan};

use crate::error::{LedgerError, LedgerResult};
use crate::signer::{LogKey, Signed};
use crate::store;

/// Tries before giving up: the memory moves at most once per concurrent
/// signature, so this is reached only under pathological contention.
const ATTEMPTS: usize = 8;

/// Runs `op` (a check or a signature by `key`) with the stored root at the
/// size the signer remembers for `log_id`. Nodes are read from `conn` for
/// sizes up to `stored` (the tree size whose nodes `conn` holds); `known` is
/// a root the caller already computed, used when its size is the one needed.
pub(crate) async fn showing_prefix<C, T>(
    conn: &C,
    key: &LogKey,
    log_id: &[u8],
    stored: u64,
    known: Option<Signed>,
    op: impl Fn(Option<Signed>) -> LedgerResult<T>,
) -> LedgerResult<T>
where
    C: ConnectionTrait,
{
    for _ in 0..ATTEMPTS {
        let size = key.remembered(log_id).map_or(0, |s| s.size);
        let shown = if size > stored {
            None
        } else if let Some(k) = known.filter(|k| k.size == size) {
            Some(k)
        } else {
            Some(stored_root(conn, size).await?)
        };
        match op(shown) {
            Err(LedgerError::SignerMoved) => continue,
            other => return other,
        }
    }
    Err(LedgerError::SignerRefused(
        "the signer's memory kept moving under concurrent signatures".into(),
    ))
}

/// The stored tree's root at `size`.
pub(crate) async fn stored_root<C: ConnectionTrait>(conn: &C, size: u64) -> LedgerResult<Signed> {
    let nodes = store::fetch_nodes(conn, &tree_root_plan(size)).await?;
    let root = tree_root(size, &nodes)?;
    Ok(Signed { size, root })
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::path::PathBuf;

    use zkcity_audit::merkle::empty_root;
    use zkcity_circuits::Fr;

    use super::*;
    use crate::{AuditSettings, Ledger, QueryAppend};
    use zkcity_migrations::{Migrator, MigratorTrait};

    fn temp_dir(name: &str) -> anyhow::Result<PathBuf> {
        let dir = std::env::temp_dir().join(format!("zkcity-prefix-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// A log of `n` query entries in a fresh SQLite file.
    async fn ledger_with(dir: &std::path::Path, n: u64) -> anyhow::Result<Ledger> {
        let sqlite_path = dir.join("zkcity.db");
        let url = format!("sqlite://{}?mode=rwc", sqlite_path.display());
        let db = sea_orm::Database::connect(url).await?;
        Migrator::up(&db, None).await?;
        let settings = AuditSettings {
            key_file: Some(dir.join("log.key")),
            ..Default::default()
        };
        let ledger = Ledger::start(db, &settings, &sqlite_path).await?;
        let root = ledger.membership().await?.root;
        for i in 0..n {
            let q = QueryAppend {
                root,
                epoch: 1,
                nullifier: Fr::from(1 + i),
                m: Fr::from(i),
                proof: [1; 128],
            };
            ledger.append_query(q).await?;
        }
        Ok(ledger)
    }

    /// A second signer over the log's key with an empty memory of its own,
    /// so an interleaving can be staged: it has signed nothing for the log.
    fn fresh_signer(dir: &std::path::Path) -> LedgerResult<LogKey> {
        let settings = AuditSettings {
            key_file: Some(dir.join("log.key")),
            signer_state_file: Some(dir.join("other.signed")),
            ..Default::default()
        };
        LogKey::open(&settings, &dir.join("zkcity.db"))
    }

    /// The race CI once hit: the signer's memory moves (another signature)
    /// between reading it and signing; the signature must then be retried
    /// with the root at the new size, not refused as an altered log.
    #[tokio::test]
    async fn a_signature_racing_another_is_retried_with_the_new_prefix() -> anyhow::Result<()> {
        let dir = temp_dir("race")?;
        let ledger = ledger_with(&dir, 5).await?;
        let head = ledger.head().await?;
        let db = ledger.db();
        let key = fresh_signer(&dir)?;
        let at3 = stored_root(db, 3).await?;
        let calls = Cell::new(0);
        let note = showing_prefix(db, &key, &head.log_id, head.size, None, |shown| {
            calls.set(calls.get() + 1);
            if calls.get() == 1 {
                assert_eq!(shown.map(|s| s.size), Some(0));
                key.sign(&head.log_id, 3, at3.root, shown)?;
            }
            key.sign(&head.log_id, head.size, head.root, shown)
        })
        .await?;
        assert_eq!(calls.get(), 2, "one stale attempt, then the retry");
        assert!(note.contains(&format!("\n{}\n", head.size)));
        assert_eq!(key.remembered(&head.log_id).map(|s| s.size), Some(5));
        Ok(())
    }

    /// The retry is no loophole: a log that does not extend what was signed
    /// is still refused.
    #[tokio::test]
    async fn a_log_that_does_not_extend_the_signed_prefix_is_refused() -> anyhow::Result<()> {
        let dir = temp_dir("refuse")?;
        let ledger = ledger_with(&dir, 4).await?;
        let head = ledger.head().await?;
        let db = ledger.db();
        let key = fresh_signer(&dir)?;
        let empty = Some(Signed {
            size: 0,
            root: empty_root(),
        });
        key.sign(&head.log_id, 2, [7; 32], empty)?;
        let signed = showing_prefix(db, &key, &head.log_id, head.size, None, |shown| {
            key.sign(&head.log_id, head.size, head.root, shown)
        })
        .await;
        assert!(
            matches!(signed, Err(LedgerError::SignerRefused(_))),
            "{signed:?}"
        );
        Ok(())
    }
}
