//! Removing deleted images from the media folder. Deleting a note (or erasing its
//! author) marks its images deleted in the same transaction, so the server stops
//! serving them at once; their files are removed right after the commit (best effort)
//! and by `media.purge`, a job every minute that removes what is left, so files never
//! outlive their rows by more than a minute or two.

use std::time::Duration;

use carmine_core::Result;
use carmine_jobs::{BoxFuture, JobHandler};
use carmine_store::jobs::JobRecord;
use carmine_store::{Tx, media};

use crate::storage::MediaStorage;

/// Deleted images purged per run.
const PURGE_BATCH: i64 = 500;

/// Removes the files of up to [`PURGE_BATCH`] deleted images and records it in `tx`;
/// returns how many.
pub async fn purge_in(tx: &mut Tx, storage: &MediaStorage) -> Result<usize> {
    let ids = media::deleted_with_files(tx.conn(), PURGE_BATCH).await?;
    for &id in &ids {
        storage.remove(id).await;
        media::mark_files_removed(tx, id).await?;
    }
    Ok(ids.len())
}

/// `media.purge`, every minute.
pub struct Purge {
    pub storage: MediaStorage,
}

impl JobHandler for Purge {
    fn kind(&self) -> &'static str {
        "media.purge"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(60))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let purged = purge_in(tx, &self.storage).await?;
            if purged > 0 {
                tracing::info!(purged, "removed the files of deleted images");
            }
            Ok(())
        })
    }
}
