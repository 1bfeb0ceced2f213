//! DataLoader for relations a page did not join in (an observation looked up
//! by id, or a page whose connection selects the relation only through a
//! path the look-ahead does not follow), so 500 such observations cost one
//! query for their stations rather than 500.
//!
//! Each request has its own loader ([`RequestLoader`](super::context::RequestLoader)),
//! reading on the request's route: the replica the rest of the request reads,
//! or the reserved pool once the gate admitted it; like every public read it
//! moves to the primary when its replica fails (`ReadPool::run`).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use zkcity_entities::ecological::station;
use zkcity_entities::traffic::road_segment;

use super::context::ReadRoute;
use super::error::ApiError;

/// Loads rows keyed by their string primary key.
pub struct EntityLoader {
    route: ReadRoute,
}

/// Key of a station row.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StationKey(pub String);

/// Key of a road-segment row.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SegmentKey(pub String);

impl EntityLoader {
    /// A loader reading on `route`.
    pub fn new(route: ReadRoute) -> Self {
        Self { route }
    }

    /// Rows of `E` whose string primary key `id` is among `keys`.
    async fn by_id<E>(
        &self,
        id: E::Column,
        keys: impl Iterator<Item = String>,
    ) -> Result<Vec<E::Model>, Arc<ApiError>>
    where
        E: EntityTrait,
    {
        let ids: Vec<String> = keys.collect();
        let ids = &ids;
        self.route
            .run(|db| async move {
                E::find()
                    .filter(id.is_in(ids.iter().cloned()))
                    .all(&db)
                    .await
            })
            .await
            .map_err(|e| Arc::new(ApiError::from(e)))
    }
}

impl Loader<StationKey> for EntityLoader {
    type Value = station::Model;
    type Error = Arc<ApiError>;

    async fn load(
        &self,
        keys: &[StationKey],
    ) -> Result<HashMap<StationKey, Self::Value>, Self::Error> {
        let keys = keys.iter().map(|k| k.0.clone());
        let rows = self
            .by_id::<station::Entity>(station::Column::Id, keys)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (StationKey(r.id.clone()), r))
            .collect())
    }
}

impl Loader<SegmentKey> for EntityLoader {
    type Value = road_segment::Model;
    type Error = Arc<ApiError>;

    async fn load(
        &self,
        keys: &[SegmentKey],
    ) -> Result<HashMap<SegmentKey, Self::Value>, Self::Error> {
        let keys = keys.iter().map(|k| k.0.clone());
        let rows = self
            .by_id::<road_segment::Entity>(road_segment::Column::Id, keys)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (SegmentKey(r.id.clone()), r))
            .collect())
    }
}
