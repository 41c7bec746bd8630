//! Where the writer stores its batches: the trait, and Postgres behind it.

use crate::{
    model::NewRejected,
    store::{
        StoreError,
        batch::{Rows, Stored},
    },
};
use sqlx::PgPool;
use std::future::Future;

/// Where batches are stored: Postgres, or a scripted store in unit tests.
pub trait BatchStore: Send + Sync + 'static {
    /// Writes one batch atomically.
    fn write(
        &self,
        id: i64,
        rows: Rows<'_>,
        rejected: &[NewRejected],
    ) -> impl Future<Output = Result<Stored, StoreError>> + Send;

    /// What batch `id` stored, if it committed.
    fn committed(&self, id: i64) -> impl Future<Output = Result<Option<Stored>, StoreError>> + Send;
}

/// A feed's batches in Postgres, written under its lease.
pub struct PgBatches {
    pub db: PgPool,
    pub feed_id: i64,
    /// The lease token every batch is fenced with.
    pub fence: Option<i64>,
    /// How long a publisher id is remembered.
    pub id_window: std::time::Duration,
}

impl BatchStore for PgBatches {
    async fn write(&self, id: i64, rows: Rows<'_>, rejected: &[NewRejected]) -> Result<Stored, StoreError> {
        let batch = crate::store::batch::NewBatch { id, fence: self.fence, rows, rejected, id_window: self.id_window };
        crate::store::batch::write(&self.db, self.feed_id, &batch).await
    }

    async fn committed(&self, id: i64) -> Result<Option<Stored>, StoreError> {
        crate::store::batch::committed(&self.db, self.feed_id, id).await
    }
}
