//! Which read failures a replica may hand to the primary. A read is
//! idempotent, so running it again elsewhere is safe; but only a failure of
//! the *replica* justifies that: a bad filter fails the same way on the
//! primary and must reach the client as it is.

use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr};

/// How a failed read on a replica is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFailure {
    /// The connection failed (refused, reset, pool timed out, server shutting
    /// down): the replica leaves the rotation and the read runs on the primary.
    Connection,
    /// A standby cancelled the statement because replay needed its rows
    /// ("conflict with recovery"): the read runs on the primary, the replica
    /// stays in rotation.
    RecoveryConflict,
    /// Anything else (bad SQL, a constraint, a decoding error): the primary
    /// would fail the same way, so the error goes to the client.
    Query,
}

/// An error a public read can end with, classified for [`ReadFailure`].
pub trait ClassifyRead {
    /// How this failure is handled when it came from a replica.
    fn read_failure(&self) -> ReadFailure;
}

impl ClassifyRead for DbErr {
    fn read_failure(&self) -> ReadFailure {
        match self {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => ReadFailure::Connection,
            DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => {
                classify_sqlx(e)
            }
            _ => ReadFailure::Query,
        }
    }
}

fn classify_sqlx(err: &sqlx::Error) -> ReadFailure {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => ReadFailure::Connection,
        sqlx::Error::Database(db) => db
            .code()
            .map_or(ReadFailure::Query, |code| classify_sqlstate(&code)),
        _ => ReadFailure::Query,
    }
}

/// PostgreSQL SQLSTATEs (PostgreSQL 15 manual, Appendix A).
fn classify_sqlstate(code: &str) -> ReadFailure {
    match code {
        // Class 08 connection exception; 57P01 admin_shutdown (what
        // `pg_ctl stop -m fast|immediate` tells open sessions), 57P02
        // crash_shutdown, 57P03 cannot_connect_now (starting or stopping);
        // 53300 too_many_connections.
        c if c.starts_with("08") => ReadFailure::Connection,
        "57P01" | "57P02" | "57P03" | "53300" => ReadFailure::Connection,
        // What a hot standby raises when replay conflicts with a query
        // (§27.4.2 "Handling Query Conflicts"): serialization_failure,
        // deadlock_detected (buffer pin), database_dropped.
        "40001" | "40P01" | "57P04" => ReadFailure::RecoveryConflict,
        _ => ReadFailure::Query,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ConnAcquireErr;

    #[test]
    fn pool_and_io_failures_are_connection_failures() {
        let timed_out = DbErr::ConnectionAcquire(ConnAcquireErr::Timeout);
        assert_eq!(timed_out.read_failure(), ReadFailure::Connection);
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        let io = DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::Io(reset)));
        assert_eq!(io.read_failure(), ReadFailure::Connection);
        let closed = DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::PoolClosed));
        assert_eq!(closed.read_failure(), ReadFailure::Connection);
    }

    #[test]
    fn sql_errors_are_not_retried() {
        let bad = DbErr::Query(RuntimeErr::Internal("syntax error".into()));
        assert_eq!(bad.read_failure(), ReadFailure::Query);
        assert_eq!(
            DbErr::RecordNotFound("x".into()).read_failure(),
            ReadFailure::Query
        );
        let decode = DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::RowNotFound));
        assert_eq!(decode.read_failure(), ReadFailure::Query);
    }

    #[test]
    fn sqlstates() {
        assert_eq!(classify_sqlstate("57P01"), ReadFailure::Connection);
        assert_eq!(classify_sqlstate("08006"), ReadFailure::Connection);
        assert_eq!(classify_sqlstate("40001"), ReadFailure::RecoveryConflict);
        assert_eq!(classify_sqlstate("42703"), ReadFailure::Query);
        assert_eq!(classify_sqlstate("22P02"), ReadFailure::Query);
    }
}
