//! Image tiles: the GraphQL type (metadata; the bytes are served at its
//! `url`), its filter and ordering.

use async_graphql::{ComplexObject, Context, Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::traffic::image_tile as tile;

use crate::gate::{now_secs, Gate};
use crate::graphql::error::ApiResult;
use crate::graphql::filters::{BoundingBox, TimeRange};
use crate::graphql::nodes::{FilterInput, Node, SortField};
use crate::graphql::pagination::Key;

/// A satellite/aerial image tile (STAC item properties).
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ImageTile {
    pub id: ID,
    pub sha256: String,
    /// Null when the source does not say when the image was taken.
    pub captured_at: Option<DateTime<Utc>>,
    /// WGS84 west, south, east, north.
    pub bbox: Vec<f64>,
    pub proj_epsg: Option<i32>,
    /// Ground sample distance, metres.
    pub gsd: f64,
    pub cloud_cover: Option<f64>,
    pub width: i32,
    pub height: i32,
    pub bands: i32,
    pub media_type: String,
    pub size_bytes: i64,
    pub platform: Option<String>,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

// Written out rather than with `from_model!`: `bbox` gathers four columns.
impl From<tile::Model> for ImageTile {
    fn from(m: tile::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            sha256: m.sha256,
            captured_at: m.captured_at,
            bbox: vec![m.bbox_west, m.bbox_south, m.bbox_east, m.bbox_north],
            proj_epsg: m.proj_epsg,
            gsd: m.gsd,
            cloud_cover: m.cloud_cover,
            width: m.width,
            height: m.height,
            bands: m.bands,
            media_type: m.media_type,
            size_bytes: m.size_bytes,
            platform: m.platform,
            source: m.source,
            ingested_at: m.ingested_at,
        }
    }
}

impl Node for ImageTile {
    type Entity = tile::Entity;
    const ID: Key<tile::Column> = Key::int(tile::Column::Id);
}

#[ComplexObject]
impl ImageTile {
    /// Where the bytes are served (relative to this server). When the
    /// traffic unit is gated the URL carries a capability, valid for up to
    /// ten minutes, that this accepted answer issued.
    async fn url(&self, ctx: &Context<'_>) -> String {
        let path = format!("/images/{}", self.sha256);
        match ctx.data_opt::<Gate>().and_then(Gate::image_capabilities) {
            Some(caps) => format!("{path}?cap={}", caps.issue(&self.sha256, now_secs())),
            None => path,
        }
    }
}

#[derive(InputObject, Default)]
pub struct ImageTileFilter {
    /// Tiles whose footprint touches this box.
    pub bbox: Option<BoundingBox>,
    /// On `capturedAt`.
    pub time: Option<TimeRange>,
    /// Cloud cover (%) at most this; tiles of unknown cover are excluded.
    pub max_cloud_cover: Option<f64>,
    /// Ground sample distance (m) at most this.
    pub max_gsd: Option<f64>,
}

impl FilterInput<tile::Entity> for ImageTileFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = Condition::all();
        if let Some(b) = &self.bbox {
            use tile::Column as T;
            c = c.add(b.intersects(
                (tile::Entity, T::BboxWest),
                (tile::Entity, T::BboxSouth),
                (tile::Entity, T::BboxEast),
                (tile::Entity, T::BboxNorth),
            )?);
        }
        if let Some(t) = &self.time {
            c = c.add(t.condition(tile::Column::CapturedAt)?);
        }
        if let Some(v) = self.max_cloud_cover {
            c = c.add(tile::Column::CloudCover.lte(v));
        }
        if let Some(v) = self.max_gsd {
            c = c.add(tile::Column::Gsd.lte(v));
        }
        Ok(c)
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum ImageTileOrderField {
    /// Ingestion order. (Capture time can be unknown, so it cannot key a
    /// cursor; filter on it with `time` instead.)
    #[default]
    Id,
    Gsd,
}

impl SortField<tile::Entity> for ImageTileOrderField {
    fn key(self) -> (&'static str, Key<tile::Column>) {
        match self {
            Self::Id => ("tile.id", Key::int(tile::Column::Id)),
            Self::Gsd => ("tile.gsd", Key::float(tile::Column::Gsd)),
        }
    }
}
