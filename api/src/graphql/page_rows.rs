//! How a page's statement is read into rows: a table's own rows, or each
//! with the row it points to joined in.
//!
//! An observation's station (or segment) used to come from the batching
//! loader after the page: a second statement per request, built, sent,
//! planned and decoded, plus the loader's batching window. When a query
//! selects that relation, the page's statement now joins it instead
//! (`LEFT JOIN`, sea-orm's `find_also_related`), so the page, its relation
//! and on a first page its `totalCount` are one round trip. Both readers
//! share the pagination in [`paginate`](super::pagination::paginate): only
//! the row type differs.

use std::future::Future;
use std::marker::PhantomData;

use sea_orm::sea_query::{SelectStatement, SimpleExpr};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryResult, QuerySelect, Related, Select,
};

/// Name of the page query's extra column holding the filter's row count.
const TOTAL_COLUMN: &str = "zkcity_total_count";

/// A row of a first page with the count of every row the filter selects.
pub struct Counted<R> {
    pub row: R,
    pub total: i64,
}

/// Reads a page's statement (`window`: filter, cursor bound, order, limit
/// already applied) into rows of `E`.
pub trait PageRows<E: EntityTrait>: Send + Sync {
    /// One row of the page: at least `E`'s model, which its cursor is made of.
    type Row: Send + Sync;

    /// The table's own model in `row`.
    fn model(row: &Self::Row) -> &E::Model;

    /// The rows of `window`.
    fn rows<C: ConnectionTrait>(
        &self,
        db: &C,
        window: Select<E>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, DbErr>> + Send;

    /// The rows of `window`, each with the value of the scalar subquery
    /// `count` evaluated once in the same statement.
    fn counted<C: ConnectionTrait>(
        &self,
        db: &C,
        window: Select<E>,
        count: SelectStatement,
    ) -> impl Future<Output = Result<Vec<Counted<Self::Row>>, DbErr>> + Send;
}

/// The table's own rows.
pub struct OwnRows;

impl<E> PageRows<E> for OwnRows
where
    E: EntityTrait,
    E::Model: Sync,
{
    type Row = E::Model;

    fn model(row: &E::Model) -> &E::Model {
        row
    }

    async fn rows<C: ConnectionTrait>(
        &self,
        db: &C,
        window: Select<E>,
    ) -> Result<Vec<E::Model>, DbErr> {
        window.all(db).await
    }

    async fn counted<C: ConnectionTrait>(
        &self,
        db: &C,
        window: Select<E>,
        count: SelectStatement,
    ) -> Result<Vec<Counted<E::Model>>, DbErr> {
        window
            .expr_as(subquery(count), TOTAL_COLUMN)
            .into_model::<Counted<E::Model>>()
            .all(db)
            .await
    }
}

/// Each row with the row of `P` it points to. sea-orm decodes the joined
/// row leniently (`None` for a row it cannot decode as well as for a missing
/// one); both are ruled out here by the foreign key and the migrations'
/// column types, which the entities mirror.
pub struct WithParent<P>(PhantomData<fn() -> P>);

impl<P> Default for WithParent<P> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<E, P> PageRows<E> for WithParent<P>
where
    E: EntityTrait + Related<P>,
    E::Model: Sync,
    P: EntityTrait,
    P::Model: Sync,
{
    type Row = (E::Model, Option<P::Model>);

    fn model(row: &Self::Row) -> &E::Model {
        &row.0
    }

    async fn rows<C: ConnectionTrait>(
        &self,
        db: &C,
        window: Select<E>,
    ) -> Result<Vec<Self::Row>, DbErr> {
        window.find_also_related(P::default()).all(db).await
    }

    async fn counted<C: ConnectionTrait>(
        &self,
        db: &C,
        window: Select<E>,
        count: SelectStatement,
    ) -> Result<Vec<Counted<Self::Row>>, DbErr> {
        // The joined statement names `E`'s columns `A_…` and `P`'s `B_…`;
        // the count column, added after, keeps its own name.
        let rows = window
            .find_also_related(P::default())
            .expr_as(subquery(count), TOTAL_COLUMN)
            .into_model::<Counted<E::Model>, P::Model>()
            .all(db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(own, parent)| Counted {
                row: (own.row, parent),
                total: own.total,
            })
            .collect())
    }
}

fn subquery(count: SelectStatement) -> SimpleExpr {
    SimpleExpr::SubQuery(None, Box::new(count.into_sub_query_statement()))
}

impl<M: FromQueryResult> FromQueryResult for Counted<M> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            row: M::from_query_result(res, pre)?,
            // Unprefixed whatever the row's prefix: it is added after a
            // join has renamed the row's columns.
            total: res.try_get("", TOTAL_COLUMN)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering as Atomic;

    use sea_orm::DatabaseConnection;
    use zkcity_entities::ecological::{air_quality_observation as aq, station};

    use super::*;
    use crate::graphql::filters::SortDirection;
    use crate::graphql::pagination::{paginate, Key, Ordering, Page, PageArgs, PageLimits};
    use crate::graphql::test_fixture::{count_statements, fixture};

    /// The first page of four readings with `totalCount`, read by `reader`;
    /// also how many statements it took.
    async fn first_page<R: PageRows<aq::Entity>>(
        db: &mut DatabaseConnection,
        reader: &R,
    ) -> anyhow::Result<(Page<R::Row>, usize)> {
        let statements = count_statements(db);
        let ordering = Ordering::new(
            ("t", Key::time(aq::Column::DateObserved)),
            Key::int(aq::Column::Id),
            SortDirection::Asc,
        );
        let limits = PageLimits {
            default_size: 4,
            max_size: 10,
        };
        let args = PageArgs::new(Some(4), None, None, None);
        let page = paginate(
            db,
            aq::Entity::find(),
            ordering,
            &args,
            limits,
            true,
            reader,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        Ok((page, statements.load(Atomic::Relaxed)))
    }

    #[tokio::test]
    async fn a_first_page_its_parents_and_its_count_are_one_statement() -> anyhow::Result<()> {
        let mut f = fixture().await?;
        let reader = WithParent::<station::Entity>::default();
        let (joined, statements) = first_page(&mut f.db, &reader).await?;
        assert_eq!(statements, 1, "page, stations and count in one statement");
        assert_eq!(joined.total_count, 6);
        let (own, _) = first_page(&mut f.db, &OwnRows).await?;
        assert_eq!(own.total_count, 6);
        assert!(own.has_next_page && joined.has_next_page);
        // The same rows with the same cursors, each with its own station.
        assert_eq!(joined.edges.len(), 4);
        for ((cursor, (row, parent)), (own_cursor, own_row)) in joined.edges.iter().zip(&own.edges)
        {
            assert_eq!((cursor, row), (own_cursor, own_row));
            let parent = parent.as_ref().map(|s| (s.id.as_str(), s.name.clone()));
            let id = row.station_id.as_str();
            assert_eq!(parent, Some((id, format!("{id} station"))));
        }
        Ok(())
    }
}
