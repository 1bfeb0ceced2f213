//! A checkpoint the log signed and submitted to its witnesses (DESIGN §6
//! amendment "Witnesses"): the log's own signed note, kept so the
//! checkpoint can be published with its cosignatures later.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_checkpoint")]
pub struct Model {
    /// Tree size.
    #[sea_orm(primary_key, auto_increment = false)]
    pub size: i64,
    /// RFC 6962 root (32 bytes).
    pub root: Vec<u8>,
    /// The log-signed note text.
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
