//! Witnessed checkpoints in the database: the log-signed note of every
//! checkpoint submitted, each witness's verified cosignature line, and the
//! published checkpoint — the largest size that `quorum` configured
//! witnesses cosigned, with their lines appended to the log's note.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use zkcity_audit::Checkpoint;
use zkcity_entities::audit::{audit_checkpoint, audit_cosignature};

use crate::error::{LedgerError, LedgerResult};
use crate::service::SignedCheckpoint;
use crate::store::{hash32, to_i64};

/// Keeps the log's note of a checkpoint about to be submitted (idempotent).
pub async fn save_checkpoint<C: ConnectionTrait>(
    db: &C,
    cp: &SignedCheckpoint,
) -> LedgerResult<()> {
    let row = audit_checkpoint::ActiveModel {
        size: Set(to_i64(cp.checkpoint.size)?),
        root: Set(cp.checkpoint.root.to_vec()),
        note: Set(cp.note.clone()),
    };
    audit_checkpoint::Entity::insert(row)
        .on_conflict(
            OnConflict::column(audit_checkpoint::Column::Size)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Keeps a verified cosignature line of `witness` over `checkpoint`.
pub async fn save_cosignature<C: ConnectionTrait>(
    db: &C,
    witness: &str,
    checkpoint: &Checkpoint,
    line: &str,
) -> LedgerResult<()> {
    let row = audit_cosignature::ActiveModel {
        witness: Set(witness.to_owned()),
        size: Set(to_i64(checkpoint.size)?),
        root: Set(checkpoint.root.to_vec()),
        line: Set(line.to_owned()),
    };
    audit_cosignature::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                audit_cosignature::Column::Witness,
                audit_cosignature::Column::Size,
            ])
            .update_column(audit_cosignature::Column::Line)
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The largest size each witness cosigned, as far as this database knows.
pub async fn cosigned_sizes<C: ConnectionTrait>(db: &C) -> LedgerResult<HashMap<String, u64>> {
    let rows: Vec<(String, i64)> = audit_cosignature::Entity::find()
        .select_only()
        .column(audit_cosignature::Column::Witness)
        .column_as(audit_cosignature::Column::Size.max(), "size")
        .group_by(audit_cosignature::Column::Witness)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(w, s)| Some((w, u64::try_from(s).ok()?)))
        .collect())
}

/// The published checkpoint: the largest size cosigned by at least
/// `quorum` of `witnesses`, its note followed by their lines in the order
/// given. `None` when no checkpoint reached the quorum.
pub async fn published<C: ConnectionTrait>(
    db: &C,
    witnesses: &[String],
    quorum: usize,
) -> LedgerResult<Option<SignedCheckpoint>> {
    let size: Option<i64> = audit_cosignature::Entity::find()
        .select_only()
        .column(audit_cosignature::Column::Size)
        .filter(audit_cosignature::Column::Witness.is_in(witnesses.iter().cloned()))
        .group_by(audit_cosignature::Column::Size)
        .having(
            Expr::expr(Expr::col(audit_cosignature::Column::Witness).count()).gte(quorum as i64),
        )
        .order_by_desc(audit_cosignature::Column::Size)
        .into_tuple()
        .one(db)
        .await?;
    let Some(size) = size else { return Ok(None) };
    let Some(cp) = audit_checkpoint::Entity::find_by_id(size).one(db).await? else {
        return Err(LedgerError::Corrupt(format!(
            "checkpoint {size} is cosigned but not stored"
        )));
    };
    let lines: HashMap<String, String> = audit_cosignature::Entity::find()
        .filter(audit_cosignature::Column::Size.eq(size))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.root == cp.root)
        .map(|r| (r.witness, r.line))
        .collect();
    let mut note = cp.note.clone();
    for w in witnesses {
        if let Some(line) = lines.get(w) {
            note.push_str(line);
        }
    }
    let checkpoint = zkcity_audit::note::split_note(&cp.note)
        .ok()
        .and_then(|(text, _)| Checkpoint::parse(text).ok())
        .ok_or_else(|| LedgerError::Corrupt(format!("stored checkpoint {size} does not parse")))?;
    hash32(&cp.root, "checkpoint root")?;
    Ok(Some(SignedCheckpoint { checkpoint, note }))
}

/// Forgets checkpoints and cosignatures older than the published `size`.
pub async fn prune_below<C: ConnectionTrait>(db: &C, size: u64) -> LedgerResult<()> {
    let size = to_i64(size)?;
    audit_cosignature::Entity::delete_many()
        .filter(audit_cosignature::Column::Size.lt(size))
        .exec(db)
        .await?;
    audit_checkpoint::Entity::delete_many()
        .filter(audit_checkpoint::Column::Size.lt(size))
        .exec(db)
        .await?;
    Ok(())
}
