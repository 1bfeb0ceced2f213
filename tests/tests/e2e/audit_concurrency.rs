//! Two real `zkcity serve` processes appending to one PostgreSQL log at
//! once (DESIGN §6, §8): the log stays linear, gap-free and
//! verifiable, and a SIGKILL in the middle of the load leaves no half entry.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use zkcity_tests::audit::{self as a, failure, register_with, spawn_process, ADMIN_TOKEN};
use zkcity_tests::TestDatabase;

/// `workers` concurrent clients each registering `per_worker` fresh
/// commitments from `base` on; returns how many succeeded.
async fn load(
    address: String,
    base: u64,
    workers: u64,
    per_worker: u64,
    stop_on_error: bool,
) -> u64 {
    let ok = Arc::new(AtomicU64::new(0));
    let tasks = (0..workers).map(|w| {
        let (address, ok) = (address.clone(), ok.clone());
        tokio::spawn(async move {
            for i in 0..per_worker {
                let c = base + w * per_worker + i;
                match register_with(&address, Some(ADMIN_TOKEN), &c.to_string()).await {
                    Ok(body) if body.get("errors").is_none() => {
                        ok.fetch_add(1, Ordering::SeqCst);
                    }
                    _ if stop_on_error => return,
                    _ => {}
                }
            }
        })
    });
    futures::future::join_all(tasks).await;
    ok.load(Ordering::SeqCst)
}

async fn db_counts(url: &str) -> anyhow::Result<[i64; 6]> {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(url).await?;
    let mut out = [0i64; 6];
    let queries = [
        "SELECT COUNT(*) FROM audit_entry",
        "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entry",
        "SELECT size FROM audit_head",
        "SELECT COUNT(*) FROM member",
        "SELECT size FROM membership_state",
        "SELECT COUNT(*) FROM audit_node WHERE level = 0",
    ];
    for (slot, q) in out.iter_mut().zip(queries) {
        let row = db
            .query_one(Statement::from_string(db.get_database_backend(), q))
            .await?;
        *slot = row
            .ok_or_else(|| anyhow::anyhow!("no row"))?
            .try_get_by_index::<i64>(0)?;
    }
    Ok(out)
}

#[tokio::test]
async fn two_processes_append_one_gap_free_log() -> anyhow::Result<()> {
    let dir = a::temp_dir("two-procs")?;
    let db = TestDatabase::create_empty().await?;
    let first = spawn_process(&db.url, &dir, "a").await?;
    let second = spawn_process(&db.url, &dir, "b").await?;
    let (workers, per) = (8, 40);
    let started = Instant::now();
    let (x, y) = tokio::join!(
        load(first.address.clone(), 1_000_000, workers, per, true),
        load(second.address.clone(), 2_000_000, workers, per, true)
    );
    let elapsed = started.elapsed();
    let total = (2 * workers * per) as i64;
    assert_eq!((x + y) as i64, total);
    println!(
        "two processes: {total} registrations in {:.2} s = {:.0}/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(
        db_counts(&db.url).await?,
        [total; 6],
        "entries, max idx + 1, head, members, tree size, leaves"
    );
    let outcome = a::verify_server(&second.address, &a::log_key(&dir)?, None).await?;
    assert_eq!(failure(&outcome), None);
    Ok(())
}

#[tokio::test]
async fn sigkill_in_the_middle_of_the_load_leaves_no_half_entry() -> anyhow::Result<()> {
    let dir = a::temp_dir("sigkill")?;
    let db = TestDatabase::create_empty().await?;
    let mut victim = spawn_process(&db.url, &dir, "victim").await?;
    let survivor = spawn_process(&db.url, &dir, "survivor").await?;
    let victim_load = tokio::spawn(load(victim.address.clone(), 1_000_000, 8, 200, false));
    let survivor_load = tokio::spawn(load(survivor.address.clone(), 2_000_000, 8, 40, true));
    // Kill once the victim is busy appending.
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    while db_counts(&db.url).await?[0] < 100 && Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    victim.child.start_kill()?;
    victim.child.wait().await?;
    let killed_at = db_counts(&db.url).await?[0];
    let victim_ok = victim_load.await?;
    let survivor_ok = survivor_load.await?;
    assert_eq!(survivor_ok, 320, "the surviving server keeps appending");
    let counts = db_counts(&db.url).await?;
    assert!(
        counts.iter().all(|&c| c == counts[0]),
        "no half entry or gap: {counts:?}"
    );
    assert!(
        counts[0] as u64 >= victim_ok + survivor_ok,
        "every acknowledged append is in the log"
    );
    println!(
        "killed at {killed_at} entries; final {} (victim acknowledged {victim_ok})",
        counts[0]
    );

    // A restarted server carries on the same log.
    let restarted = spawn_process(&db.url, &dir, "restarted").await?;
    assert_eq!(
        load(restarted.address.clone(), 3_000_000, 2, 10, true).await,
        20
    );
    let key = a::log_key(&dir)?;
    let state = dir.join("state.json");
    assert_eq!(
        failure(&a::verify_server(&restarted.address, &key, Some(&state)).await?),
        None
    );
    assert_eq!(
        failure(&a::verify_server(&survivor.address, &key, Some(&state)).await?),
        None
    );
    Ok(())
}
