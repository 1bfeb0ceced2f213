//! Traffic unit: road segments, flow observations, road-condition reports,
//! image tiles and the flow aggregate.

use async_graphql::{
    ComplexObject, Context, Enum, InputObject, Json, Object, Result, SimpleObject, ID,
};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::traffic::{
    flow_observation as flow, image_tile as tile, road_condition_report as report,
    road_segment as segment,
};

use super::aggregates::{self, col, AggregateSpec, Stats};
use super::context::{gql, loader};
use super::error::ApiResult;
use super::filters::{in_list, with_parent, BoundingBox, SortDirection, TimeBucket, TimeRange};
use super::loaders::SegmentKey;
use super::nodes::{
    find, from_model, list, parse_id, FilterInput, Node, NodeConnection, OrderInput,
};
use super::pagination::{page_cost, Key, Ordering, PageArgs};

/// A directed stretch of road.
#[derive(SimpleObject, Clone)]
pub struct RoadSegment {
    pub id: ID,
    pub name: String,
    pub district: String,
    pub road_class: String,
    /// GeoJSON LineString (WGS84).
    pub geometry: Json<serde_json::Value>,
    pub free_flow_speed_kmh: f64,
    pub capacity_veh_h: f64,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(segment::Model => RoadSegment {
    id, name, district, road_class, geometry, free_flow_speed_kmh, capacity_veh_h, source,
    ingested_at,
});

impl Node for RoadSegment {
    type Entity = segment::Entity;
}

/// Aggregated flow on a segment over `periodS` seconds from `dateObserved`.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TrafficFlowObservation {
    pub id: ID,
    pub segment_id: String,
    pub date_observed: DateTime<Utc>,
    pub period_s: i32,
    /// km/h; modelled from intensity when `speedEstimated`.
    pub average_vehicle_speed: Option<f64>,
    pub speed_estimated: bool,
    /// Vehicles per hour.
    pub intensity: f64,
    pub occupancy: Option<f64>,
    /// DATEX II trafficStatus.
    pub congestion_level: String,
    pub congested: bool,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(flow::Model => TrafficFlowObservation {
    id, segment_id, date_observed, period_s, average_vehicle_speed, speed_estimated, intensity,
    occupancy, congestion_level, congested, source, ingested_at,
});

impl Node for TrafficFlowObservation {
    type Entity = flow::Entity;
}

#[ComplexObject]
impl TrafficFlowObservation {
    /// The segment measured.
    async fn segment(&self, ctx: &Context<'_>) -> Result<Option<RoadSegment>> {
        let row = loader(ctx)
            .load_one(SegmentKey(self.segment_id.clone()))
            .await
            .map_err(super::error::shared)?;
        Ok(row.map(RoadSegment::from))
    }
}

/// A road-condition broadcast (DATEX II situation record).
#[derive(SimpleObject, Clone)]
pub struct RoadConditionReport {
    pub id: ID,
    pub situation_id: String,
    pub category: String,
    pub severity: String,
    pub segment_id: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    pub valid_from: DateTime<Utc>,
    pub valid_to: Option<DateTime<Utc>>,
    pub description: String,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(report::Model => RoadConditionReport {
    id, situation_id, category, severity, segment_id, latitude, longitude, valid_from, valid_to,
    description, source, ingested_at,
});

impl Node for RoadConditionReport {
    type Entity = report::Entity;
}

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
}

#[ComplexObject]
impl ImageTile {
    /// Where the bytes are served (relative to this server).
    async fn url(&self) -> String {
        format!("/images/{}", self.sha256)
    }
}

#[derive(InputObject, Default)]
pub struct RoadSegmentFilter {
    pub ids: Option<Vec<String>>,
    pub district: Option<String>,
    /// Segments whose extent touches this box.
    pub bbox: Option<BoundingBox>,
}

impl FilterInput<segment::Entity> for RoadSegmentFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), segment::Column::Id, &self.ids);
        if let Some(d) = &self.district {
            c = c.add(segment::Column::District.eq(d.clone()));
        }
        if let Some(b) = &self.bbox {
            use segment::Column as S;
            c = c.add(b.intersects(
                (segment::Entity, S::MinLon),
                (segment::Entity, S::MinLat),
                (segment::Entity, S::MaxLon),
                (segment::Entity, S::MaxLat),
            )?);
        }
        Ok(c)
    }
}

#[derive(InputObject, Default)]
pub struct TrafficFlowFilter {
    pub segment_ids: Option<Vec<String>>,
    /// Segments in this district.
    pub district: Option<String>,
    /// Segments touching this box.
    pub bbox: Option<BoundingBox>,
    /// On `dateObserved`.
    pub time: Option<TimeRange>,
    /// Intensity (vehicles/h) at least this.
    pub min_intensity: Option<f64>,
    pub congestion_levels: Option<Vec<String>>,
    pub congested: Option<bool>,
}

impl FilterInput<flow::Entity> for TrafficFlowFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), flow::Column::SegmentId, &self.segment_ids);
        if self.district.is_some() || self.bbox.is_some() {
            let segs = RoadSegmentFilter {
                ids: None,
                district: self.district.clone(),
                bbox: self.bbox.clone(),
            };
            c = c.add(with_parent(
                flow::Column::SegmentId,
                segment::Column::Id,
                segs.condition()?,
            ));
        }
        if let Some(t) = &self.time {
            c = c.add(t.condition(flow::Column::DateObserved)?);
        }
        if let Some(v) = self.min_intensity {
            c = c.add(flow::Column::Intensity.gte(v));
        }
        c = in_list(c, flow::Column::CongestionLevel, &self.congestion_levels);
        if let Some(v) = self.congested {
            c = c.add(flow::Column::Congested.eq(v));
        }
        Ok(c)
    }
}

#[derive(InputObject, Default)]
pub struct RoadConditionFilter {
    pub categories: Option<Vec<String>>,
    pub severities: Option<Vec<String>>,
    pub segment_ids: Option<Vec<String>>,
    /// Reports located inside this box.
    pub bbox: Option<BoundingBox>,
    /// On `validFrom`.
    pub time: Option<TimeRange>,
    /// Reports valid at this instant.
    pub active_at: Option<DateTime<Utc>>,
}

impl FilterInput<report::Entity> for RoadConditionFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), report::Column::Category, &self.categories);
        c = in_list(c, report::Column::Severity, &self.severities);
        c = in_list(c, report::Column::SegmentId, &self.segment_ids);
        if let Some(b) = &self.bbox {
            c = c.add(b.contains(report::Column::Latitude, report::Column::Longitude)?);
        }
        if let Some(t) = &self.time {
            c = c.add(t.condition(report::Column::ValidFrom)?);
        }
        if let Some(at) = self.active_at {
            c = c.add(report::Column::ValidFrom.lte(at)).add(
                Condition::any()
                    .add(report::Column::ValidTo.is_null())
                    .add(report::Column::ValidTo.gt(at)),
            );
        }
        Ok(c)
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
pub enum RoadSegmentOrderField {
    #[default]
    Id,
    Name,
}

#[derive(InputObject, Default)]
pub struct RoadSegmentOrder {
    #[graphql(default)]
    pub field: RoadSegmentOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrderInput<segment::Entity> for RoadSegmentOrder {
    fn ordering(&self) -> Ordering<segment::Column> {
        use segment::Column as S;
        let sort = match self.field {
            RoadSegmentOrderField::Id => ("segment.id", Key::text(S::Id)),
            RoadSegmentOrderField::Name => ("segment.name", Key::text(S::Name)),
        };
        Ordering::new(sort, Key::text(S::Id), self.direction)
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum TrafficFlowOrderField {
    #[default]
    DateObserved,
    Intensity,
}

#[derive(InputObject, Default)]
pub struct TrafficFlowOrder {
    #[graphql(default)]
    pub field: TrafficFlowOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrderInput<flow::Entity> for TrafficFlowOrder {
    fn ordering(&self) -> Ordering<flow::Column> {
        use flow::Column as F;
        let sort = match self.field {
            TrafficFlowOrderField::DateObserved => {
                ("flow.dateObserved", Key::time(F::DateObserved))
            }
            TrafficFlowOrderField::Intensity => ("flow.intensity", Key::float(F::Intensity)),
        };
        Ordering::new(sort, Key::int(F::Id), self.direction)
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum RoadConditionOrderField {
    #[default]
    ValidFrom,
}

#[derive(InputObject, Default)]
pub struct RoadConditionOrder {
    #[graphql(default)]
    pub field: RoadConditionOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrderInput<report::Entity> for RoadConditionOrder {
    fn ordering(&self) -> Ordering<report::Column> {
        use report::Column as R;
        let sort = match self.field {
            RoadConditionOrderField::ValidFrom => ("report.validFrom", Key::time(R::ValidFrom)),
        };
        Ordering::new(sort, Key::int(R::Id), self.direction)
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

#[derive(InputObject, Default)]
pub struct ImageTileOrder {
    #[graphql(default)]
    pub field: ImageTileOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrderInput<tile::Entity> for ImageTileOrder {
    fn ordering(&self) -> Ordering<tile::Column> {
        use tile::Column as T;
        let sort = match self.field {
            ImageTileOrderField::Id => ("tile.id", Key::int(T::Id)),
            ImageTileOrderField::Gsd => ("tile.gsd", Key::float(T::Gsd)),
        };
        Ordering::new(sort, Key::int(T::Id), self.direction)
    }
}

/// Traffic on one segment over one bucket.
#[derive(SimpleObject)]
pub struct TrafficBucket {
    pub segment_id: String,
    pub bucket_start: DateTime<Utc>,
    pub observations: i64,
    /// km/h.
    pub speed: Stats,
    /// Vehicles per hour.
    pub intensity: Stats,
    /// Share (0..1) of observations flagged `congested`.
    pub congestion_share: Option<f64>,
}

/// Traffic queries.
#[derive(Default)]
pub struct TrafficQuery;

#[Object]
impl TrafficQuery {
    /// Road segments.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn road_segments(
        &self,
        ctx: &Context<'_>,
        filter: Option<RoadSegmentFilter>,
        order_by: Option<RoadSegmentOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<RoadSegment>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One road segment by id.
    async fn road_segment(&self, ctx: &Context<'_>, id: ID) -> Result<Option<RoadSegment>> {
        find(ctx, id.0).await
    }

    /// Traffic-flow observations.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn traffic_flow_observations(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrafficFlowFilter>,
        order_by: Option<TrafficFlowOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<TrafficFlowObservation>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One flow observation by id.
    async fn traffic_flow_observation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<TrafficFlowObservation>> {
        find(ctx, parse_id(&id)?).await
    }

    /// Road-condition broadcasts.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn road_condition_reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<RoadConditionFilter>,
        order_by: Option<RoadConditionOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<RoadConditionReport>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One road-condition report by id.
    async fn road_condition_report(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<RoadConditionReport>> {
        find(ctx, parse_id(&id)?).await
    }

    /// Satellite/aerial image tiles (metadata; bytes at `url`).
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn image_tiles(
        &self,
        ctx: &Context<'_>,
        filter: Option<ImageTileFilter>,
        order_by: Option<ImageTileOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<ImageTile>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One image tile by id.
    async fn image_tile(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ImageTile>> {
        find(ctx, parse_id(&id)?).await
    }

    /// Speed, intensity and congestion share per segment and hour or day,
    /// ordered by segment then time.
    #[graphql(complexity = 100)]
    async fn traffic_aggregate(
        &self,
        ctx: &Context<'_>,
        bucket: TimeBucket,
        filter: Option<TrafficFlowFilter>,
    ) -> Result<Vec<TrafficBucket>> {
        let g = gql(ctx);
        let table = "traffic_flow_observation";
        let measures = [
            ("speed", col(table, "average_vehicle_speed")),
            ("intensity", col(table, "intensity")),
        ];
        let share = format!(
            "AVG(CASE WHEN {} THEN 1.0 ELSE 0.0 END)",
            col(table, "congested")
        );
        let spec = AggregateSpec {
            from: Query::select().from(flow::Entity).to_owned(),
            key_sql: &col(table, "segment_id"),
            time_sql: &col(table, "date_observed"),
            measures: &measures,
            extra: &[("congestion_share", share)],
            condition: filter.unwrap_or_default().condition()?,
            bucket,
            max_buckets: g.max_buckets,
        };
        let rows = aggregates::run(&g.db, spec).await?;
        Ok(rows
            .into_iter()
            .map(|r| TrafficBucket {
                speed: r.stats.get("speed").copied().unwrap_or_default(),
                intensity: r.stats.get("intensity").copied().unwrap_or_default(),
                congestion_share: r.extra.get("congestion_share").copied().flatten(),
                segment_id: r.key,
                bucket_start: r.bucket_start,
                observations: r.count,
            })
            .collect())
    }
}
