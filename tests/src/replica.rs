//! A real PostgreSQL streaming replica of the test cluster, for the
//! scale-out tests (tests/tests/e2e/replica.rs): `pg_basebackup -R` copies
//! the whole cluster (so every test database is on it) into a temporary
//! directory, and a second `postgres` on a free port streams from the
//! primary through its own replication slot. Dropping the [`Replica`] stops
//! it (`pg_ctl stop -m immediate`), removes its directory and drops its slot.
//!
//! Needs the PostgreSQL server binaries of the primary's major version
//! (`/usr/lib/postgresql/<major>/bin`, or `ZKCITY_TEST_PG_BIN`) and a
//! `replication` line in the primary's pg_hba.conf allowing 127.0.0.1
//! (`bash .ci/run` adds `host replication all 127.0.0.1/32 trust`). When
//! either is missing, [`Replica::start`] fails and says what to do: a test
//! that needs a replica never passes without one.
//!
//! PostgreSQL refuses to run as root; run as root (CI), the server tools run
//! as the `postgres` user through `runuser`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

use crate::pg_server;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Directory and slot names start with these, followed by `<pid>_<n>`, so
/// the leftovers of a killed test process can be found and removed.
const DIR_PREFIX: &str = "zkcity-replica-";
const SLOT_PREFIX: &str = "zk_replica_";

/// Primary settings a hot standby must match or exceed (PostgreSQL 15
/// manual §27.4.5), copied into the replica's configuration.
const MATCHED_SETTINGS: &[&str] = &[
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
];

/// A running streaming replica of the test cluster.
pub struct Replica {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    slot: String,
    running: bool,
}

impl Replica {
    /// Base-backs-up the test cluster and starts the copy as a streaming
    /// standby on a free port.
    pub async fn start() -> anyhow::Result<Self> {
        let primary = crate::admin().await?;
        remove_stale(&primary).await?;
        check_replication_allowed(&primary).await?;
        let bin = server_bin_dir(&primary).await?;
        let mut conf = String::new();
        for name in MATCHED_SETTINGS {
            conf.push_str(&format!("{name} = {}\n", show(&primary, name).await?));
        }
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{pid}-{n}"));
        let slot = format!("{SLOT_PREFIX}{pid}_{n}");
        let port = free_port()?;
        let mut replica = Self {
            dir,
            bin,
            port,
            slot,
            running: false,
        };
        let started = Instant::now();
        replica.base_backup().await?;
        replica.configure(&conf)?;
        replica.pg_ctl_start().await?;
        replica.running = true;
        eprintln!(
            "replica on port {port}: base backup and start took {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(replica)
    }

    /// URL of database `name` on the replica.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// A connection to the replica's `postgres` database.
    pub async fn connect(&self) -> anyhow::Result<DatabaseConnection> {
        Database::connect(self.url("postgres"))
            .await
            .context("connecting to the replica")
    }

    /// Waits until the replica has replayed everything the primary had
    /// written when this was called (`pg_current_wal_lsn()` on the primary
    /// against `pg_last_wal_replay_lsn()` here).
    pub async fn wait_caught_up(&self, within: Duration) -> anyhow::Result<()> {
        let primary = crate::admin().await?;
        let target = text(&primary, "SELECT pg_current_wal_lsn()::text").await?;
        let replica = self.connect().await?;
        let sql =
            format!("SELECT (pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '{target}') >= 0)::text");
        let deadline = Instant::now() + within;
        loop {
            if text(&replica, &sql).await? == "true" {
                return Ok(());
            }
            if Instant::now() > deadline {
                let at = text(&replica, "SELECT pg_last_wal_replay_lsn()::text").await?;
                bail!("the replica replayed up to {at}, not {target}, within {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Pauses WAL replay: the replica keeps answering, with the data of the
    /// moment replay stopped.
    pub async fn pause_replay(&self) -> anyhow::Result<()> {
        let replica = self.connect().await?;
        replica
            .execute_unprepared("SELECT pg_wal_replay_pause()")
            .await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while text(&replica, "SELECT pg_get_wal_replay_pause_state()").await? != "paused" {
            anyhow::ensure!(Instant::now() < deadline, "replay did not pause");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// Resumes WAL replay.
    pub async fn resume_replay(&self) -> anyhow::Result<()> {
        self.connect()
            .await?
            .execute_unprepared("SELECT pg_wal_replay_resume()")
            .await?;
        Ok(())
    }

    /// Stops the replica at once (`pg_ctl stop -m immediate`: open sessions
    /// are cut, as when its machine dies).
    pub async fn stop_immediately(&mut self) -> anyhow::Result<()> {
        let (bin, dir) = (self.bin.clone(), self.dir.clone());
        tokio::task::spawn_blocking(move || pg_ctl_stop(&bin, &dir)).await??;
        self.running = false;
        Ok(())
    }

    async fn base_backup(&self) -> anyhow::Result<()> {
        let mut cmd = as_postgres(&self.bin.join("pg_basebackup"));
        cmd.arg("--dbname")
            .arg(pg_server())
            .arg("--pgdata")
            .arg(&self.dir)
            .args(["--write-recovery-conf", "--wal-method=stream"])
            .args(["--checkpoint=fast", "--no-sync", "--create-slot", "--slot"])
            .arg(&self.slot);
        run(cmd, "pg_basebackup").await.context(
            "making the replica; if this says \"no pg_hba.conf entry for replication connection\", \
             add `host replication all 127.0.0.1/32 trust` to the primary's pg_hba.conf and \
             reload (bash .ci/run does)",
        )
    }

    /// The base backup holds no server configuration (Debian keeps it in
    /// /etc/postgresql); the replica gets its own.
    fn configure(&self, matched: &str) -> anyhow::Result<()> {
        let dir = self.dir.display();
        let conf = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\n\
             hot_standby = on\nshared_buffers = 32MB\nfsync = off\n{matched}",
            port = self.port
        );
        std::fs::write(self.dir.join("postgresql.conf"), conf)?;
        std::fs::write(
            self.dir.join("pg_hba.conf"),
            "local all all trust\nhost all all 127.0.0.1/32 trust\n",
        )?;
        std::fs::write(self.dir.join("pg_ident.conf"), "")?;
        Ok(())
    }

    async fn pg_ctl_start(&self) -> anyhow::Result<()> {
        let mut cmd = as_postgres(&self.bin.join("pg_ctl"));
        cmd.arg("--pgdata")
            .arg(&self.dir)
            .arg("--log")
            .arg(self.dir.join("server.log"))
            .args(["--wait", "--timeout=60", "start"]);
        if let Err(e) = run(cmd, "pg_ctl start").await {
            let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            bail!("{e:#}\nreplica server log:\n{log}");
        }
        Ok(())
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        if self.running {
            let _ = pg_ctl_stop(&self.bin, &self.dir);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        let slot = self.slot.clone();
        // Drop runs inside the test's runtime; a side thread with its own
        // runtime drops the slot (as `TestDatabase`'s drop does).
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(primary) = crate::admin().await {
                        let _ = drop_slot(&primary, &slot).await;
                    }
                });
            }
        })
        .join();
    }
}

/// A `Command` for a PostgreSQL server tool, as the `postgres` user when
/// this process runs as root.
fn as_postgres(tool: &Path) -> Command {
    if running_as_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(tool);
        cmd
    } else {
        Command::new(tool)
    }
}

fn running_as_root() -> bool {
    // The effective uid is the second number of /proc/self/status's `Uid:`.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Runs `cmd` off the runtime's threads; fails with its output when it fails.
async fn run(mut cmd: Command, what: &'static str) -> anyhow::Result<()> {
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await?
        .with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn pg_ctl_stop(bin: &Path, dir: &Path) -> anyhow::Result<()> {
    let out = as_postgres(&bin.join("pg_ctl"))
        .arg("--pgdata")
        .arg(dir)
        .args(["--mode=immediate", "--wait", "stop"])
        .output()
        .context("running pg_ctl stop")?;
    anyhow::ensure!(
        out.status.success(),
        "pg_ctl stop failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// The server tools of the primary's major version.
async fn server_bin_dir(primary: &DatabaseConnection) -> anyhow::Result<PathBuf> {
    let dir = match std::env::var_os("ZKCITY_TEST_PG_BIN") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let version: u32 = show(primary, "server_version_num").await?.parse()?;
            PathBuf::from(format!("/usr/lib/postgresql/{}/bin", version / 10_000))
        }
    };
    for tool in ["pg_basebackup", "pg_ctl", "postgres"] {
        if !dir.join(tool).is_file() {
            bail!(
                "the replica test needs the PostgreSQL server tools of the primary's version, \
                 and {} is missing: install the postgresql server package or set \
                 ZKCITY_TEST_PG_BIN to their directory",
                dir.join(tool).display()
            );
        }
    }
    Ok(dir)
}

/// Fails with what to change when the primary cannot feed a replica.
async fn check_replication_allowed(primary: &DatabaseConnection) -> anyhow::Result<()> {
    let level = show(primary, "wal_level").await?;
    anyhow::ensure!(
        level == "replica" || level == "logical",
        "the primary's wal_level is {level}; a streaming replica needs `replica`"
    );
    let senders: u32 = show(primary, "max_wal_senders").await?.parse()?;
    anyhow::ensure!(
        senders >= 2,
        "the primary's max_wal_senders is {senders}; need 2 or more"
    );
    let rules = text(
        primary,
        "SELECT count(*)::text FROM pg_hba_file_rules \
         WHERE 'replication' = ANY(database) AND error IS NULL",
    )
    .await?;
    let hba = show(primary, "hba_file").await?;
    anyhow::ensure!(
        rules != "0",
        "{hba} allows no replication connection, so no replica can be made: add \
         `host replication all 127.0.0.1/32 trust` and reload PostgreSQL \
         (bash .ci/run does this)"
    );
    Ok(())
}

/// Stops and removes replicas of dead test processes and drops their slots
/// (an abandoned slot would make the primary keep WAL forever).
async fn remove_stale(primary: &DatabaseConnection) -> anyhow::Result<()> {
    let alive = |pid: Option<u32>| pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix(DIR_PREFIX) else {
                continue;
            };
            if !alive(rest.split('-').next().and_then(|p| p.parse().ok())) {
                if let Ok(bin) = server_bin_dir(primary).await {
                    let _ = pg_ctl_stop(&bin, &entry.path());
                }
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let rows = primary
        .query_all(Statement::from_string(
            primary.get_database_backend(),
            format!("SELECT slot_name::text FROM pg_replication_slots WHERE slot_name LIKE '{SLOT_PREFIX}%'"),
        ))
        .await?;
    for row in rows {
        let slot: String = row.try_get_by_index(0)?;
        let pid = slot
            .strip_prefix(SLOT_PREFIX)
            .and_then(|r| r.split('_').next())
            .and_then(|p| p.parse().ok());
        if !alive(pid) {
            drop_slot(primary, &slot).await?;
        }
    }
    Ok(())
}

/// Drops `slot` once its walsender has noticed the replica is gone.
async fn drop_slot(primary: &DatabaseConnection, slot: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let of_slot = format!("FROM pg_replication_slots WHERE slot_name = '{slot}'");
    loop {
        primary
            .execute_unprepared(&format!(
                "SELECT pg_drop_replication_slot(slot_name) {of_slot} AND NOT active"
            ))
            .await?;
        if text(primary, &format!("SELECT count(*)::text {of_slot}")).await? == "0" {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "replication slot {slot} is still in use"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A setting of `db`.
async fn show(db: &DatabaseConnection, name: &str) -> anyhow::Result<String> {
    text(db, &format!("SELECT current_setting('{name}')")).await
}

/// The one text value `sql` returns.
async fn text(db: &DatabaseConnection, sql: &str) -> anyhow::Result<String> {
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .with_context(|| format!("no row from {sql}"))?;
    Ok(row.try_get_by_index::<String>(0)?)
}

/// A port nothing listens on now.
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
