//! Audit log and membership tables (DESIGN §4, §6). Hashes and field
//! elements are raw 32-byte binary columns (`bytea` / `blob`). The head and
//! membership-state rows are created by the server on first start (they hold
//! a random log id and the tree depth from configuration).
use sea_orm_migration::prelude::*;

use crate::{index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AuditEntry {
    Table,
    Idx,
    TimestampMs,
    Kind,
    Bytes,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditNode {
    Table,
    Level,
    Idx,
    Hash,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditHead {
    Table,
    Id,
    Size,
    ChainHead,
    Root,
    LogId,
}

#[derive(DeriveIden, Clone, Copy)]
#[allow(clippy::enum_variant_names)] // the column is named like its table
enum Nullifier {
    Table,
    Nullifier,
    EntryIdx,
    Epoch,
}

#[derive(DeriveIden, Clone, Copy)]
enum Member {
    Table,
    LeafIdx,
    Commitment,
    EntryIdx,
}

#[derive(DeriveIden, Clone, Copy)]
enum MembershipState {
    Table,
    Id,
    Depth,
    Size,
    Root,
    Frontier,
}

#[derive(DeriveIden, Clone, Copy)]
enum MembershipRoot {
    Table,
    Seq,
    Root,
    EntryIdx,
}

fn bytes(col: impl IntoIden) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.binary().not_null();
    c
}

fn big(col: impl IntoIden) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.big_integer().not_null();
    c
}

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table(AuditEntry::Table)
            .if_not_exists()
            .col(big(AuditEntry::Idx).primary_key())
            .col(big(AuditEntry::TimestampMs))
            .col(ColumnDef::new(AuditEntry::Kind).small_integer().not_null())
            .col(bytes(AuditEntry::Bytes))
            .to_owned(),
        Table::create()
            .table(AuditNode::Table)
            .if_not_exists()
            .col(ColumnDef::new(AuditNode::Level).small_integer().not_null())
            .col(big(AuditNode::Idx))
            .col(bytes(AuditNode::Hash))
            .primary_key(Index::create().col(AuditNode::Level).col(AuditNode::Idx))
            .to_owned(),
        Table::create()
            .table(AuditHead::Table)
            .if_not_exists()
            .col(
                ColumnDef::new(AuditHead::Id)
                    .integer()
                    .not_null()
                    .primary_key(),
            )
            .col(big(AuditHead::Size))
            .col(bytes(AuditHead::ChainHead))
            .col(bytes(AuditHead::Root))
            .col(bytes(AuditHead::LogId))
            .to_owned(),
        Table::create()
            .table(Nullifier::Table)
            .if_not_exists()
            .col(bytes(Nullifier::Nullifier).primary_key())
            .col(big(Nullifier::EntryIdx))
            .col(big(Nullifier::Epoch))
            .to_owned(),
        Table::create()
            .table(Member::Table)
            .if_not_exists()
            .col(big(Member::LeafIdx).primary_key())
            .col(bytes(Member::Commitment))
            .col(big(Member::EntryIdx))
            .to_owned(),
        Table::create()
            .table(MembershipState::Table)
            .if_not_exists()
            .col(
                ColumnDef::new(MembershipState::Id)
                    .integer()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(MembershipState::Depth).integer().not_null())
            .col(big(MembershipState::Size))
            .col(bytes(MembershipState::Root))
            .col(bytes(MembershipState::Frontier))
            .to_owned(),
        Table::create()
            .table(MembershipRoot::Table)
            .if_not_exists()
            .col(big(MembershipRoot::Seq).primary_key())
            .col(bytes(MembershipRoot::Root))
            .col(ColumnDef::new(MembershipRoot::EntryIdx).big_integer())
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            m.create_table(table).await?;
        }
        m.create_index(unique(
            Member::Table,
            "ux_member_commitment",
            &["commitment"],
        ))
        .await?;
        m.create_index(index(
            MembershipRoot::Table,
            "ix_membership_root_root",
            &["root"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let names = [
            "membership_root",
            "membership_state",
            "member",
            "nullifier",
            "audit_head",
            "audit_node",
            "audit_entry",
        ];
        for table in names {
            m.drop_table(
                Table::drop()
                    .table(Alias::new(table))
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
