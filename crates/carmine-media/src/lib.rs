//! The media context: image uploads.
//!
//! An upload is identified by its magic bytes (never its declared type or name),
//! decoded under pixel and memory limits (decompression bombs are refused before any
//! pixel is decoded), oriented, and re-encoded as JPEG at a detail and a grid size —
//! so nothing of the original file (EXIF, GPS, a polyglot payload) is ever served.
//! Files live in the media folder; the `media` row describes them.
//!
//! Must never: serve a byte it did not encode itself, or decode on the async runtime.

pub mod config;
#[cfg(feature = "testing")]
pub mod fixtures;
pub mod process;
pub mod purge;
pub mod storage;

use std::sync::Arc;

use carmine_core::event::DomainEvent;
use carmine_core::secret::random_token;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::Db;
use carmine_store::media::{self, MediaRecord, NewMedia};

pub use config::MediaConfig;
pub use process::Variant;
pub use storage::MediaStorage;

/// An image processed and written to the media folder, not yet recorded.
pub struct Prepared {
    pub id: Id,
    url_key: String,
    source_bytes: i64,
    processed: process::Processed,
}

/// The media service: one per process, cheap to clone.
#[derive(Clone)]
pub struct Media {
    db: Db,
    config: Arc<MediaConfig>,
    storage: MediaStorage,
    /// At most `concurrent_decodes_max` images decoded at once.
    decodes: Arc<tokio::sync::Semaphore>,
    /// Decodes running now, and the most ever at once (observability and tests).
    decoding: Arc<(std::sync::atomic::AtomicUsize, std::sync::atomic::AtomicUsize)>,
}

impl Media {
    pub fn new(db: Db, config: MediaConfig, storage: MediaStorage) -> Self {
        let decodes = Arc::new(tokio::sync::Semaphore::new(config.concurrent_decodes_max.max(1)));
        Media { db, config: Arc::new(config), storage, decodes, decoding: Arc::default() }
    }

    pub fn config(&self) -> &MediaConfig {
        &self.config
    }

    pub fn storage(&self) -> &MediaStorage {
        &self.storage
    }

    /// The most images this process has decoded at once.
    pub fn concurrent_decodes_peak(&self) -> usize {
        self.decoding.1.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Checks the member's daily quota, processes the image off the async runtime,
    /// writes both variants, then records the upload (and its event) in one transaction.
    /// Says what the owner's image shows (one line, at most [`ALT_TEXT_CHARS_MAX`]
    /// characters; empty clears it). Someone else's image is `media_not_found`.
    pub async fn describe(&self, owner_id: Id, media_id: Id, alt_text: &str) -> Result<()> {
        let alt_text =
            carmine_core::text::bounded_text("alt_text", alt_text, 0, carmine_core::limits::ALT_TEXT_CHARS_MAX, false)?;
        let mut tx = self.db.begin().await?;
        if !carmine_store::media::set_alt_text(&mut tx, media_id, owner_id, &alt_text).await? {
            return Err(Error::new(ErrorCode::MediaNotFound));
        }
        tx.emit(DomainEvent::MediaDescribed { media_id }).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn upload(&self, owner_id: Id, bytes: Vec<u8>) -> Result<MediaRecord> {
        self.check_quota(owner_id, bytes.len() as i64).await?;
        let prepared = self.prepare(bytes).await?;
        let record = async {
            let mut tx = self.db.begin().await?;
            self.record(&mut tx, owner_id, &prepared).await?;
            let record = media::get(tx.conn(), prepared.id).await?.ok_or_else(|| Error::internal("media vanished"))?;
            tx.commit().await?;
            Ok::<_, Error>(record)
        }
        .await;
        if record.is_err() {
            self.discard(&prepared).await;
        }
        record
    }

    /// Processes an image off the async runtime and writes both variants to the media
    /// folder under a new id; nothing refers to it until [`Media::record`] commits
    /// (importers record many in one transaction; no daily quota applies).
    pub async fn prepare(&self, bytes: Vec<u8>) -> Result<Prepared> {
        let config = self.config.clone();
        if bytes.len() > config.upload_bytes_max {
            return Err(process::too_large(format!("an upload may be at most {} MiB", config.upload_bytes_max >> 20)));
        }
        let source_bytes = bytes.len() as i64;
        let _turn = self.decodes.acquire().await.map_err(Error::internal)?;
        let decoding = self.decoding.clone();
        let processed = tokio::task::spawn_blocking(move || {
            use std::sync::atomic::Ordering;
            let now = decoding.0.fetch_add(1, Ordering::SeqCst) + 1;
            decoding.1.fetch_max(now, Ordering::SeqCst);
            let processed = process::process(&bytes, &config);
            decoding.0.fetch_sub(1, Ordering::SeqCst);
            processed
        })
        .await
        .map_err(Error::internal)??;
        let id = self.db.new_id();
        self.storage.write(id, Variant::Detail, &processed.detail.jpeg).await?;
        self.storage.write(id, Variant::Grid, &processed.grid.jpeg).await?;
        Ok(Prepared { id, url_key: random_token(12), source_bytes, processed })
    }

    /// Records a prepared image as `owner_id`'s, with its event, inside `tx`.
    pub async fn record(&self, tx: &mut carmine_store::Tx, owner_id: Id, prepared: &Prepared) -> Result<()> {
        let processed = &prepared.processed;
        media::insert(
            tx,
            &NewMedia {
                id: prepared.id,
                owner_id,
                url_key: &prepared.url_key,
                source_format: processed.source_format.as_str(),
                source_bytes: prepared.source_bytes,
                width: i64::from(processed.detail.width),
                height: i64::from(processed.detail.height),
                grid_width: i64::from(processed.grid.width),
                grid_height: i64::from(processed.grid.height),
                stored_bytes: (processed.detail.jpeg.len() + processed.grid.jpeg.len()) as i64,
                placeholder_color: &processed.placeholder_color,
            },
        )
        .await?;
        tx.emit(DomainEvent::MediaUploaded { media_id: prepared.id, owner_id }).await?;
        Ok(())
    }

    /// Removes a prepared image's files (its transaction did not commit).
    pub async fn discard(&self, prepared: &Prepared) {
        self.storage.remove(prepared.id).await;
    }

    async fn check_quota(&self, owner_id: Id, incoming_bytes: i64) -> Result<()> {
        let since = self.db.now().plus_seconds(-24 * 3600);
        let (uploads, bytes) = media::usage_since(&mut *self.db.reader().await?, owner_id, since).await?;
        if uploads >= self.config.daily_uploads_max || bytes + incoming_bytes > self.config.daily_bytes_max {
            return Err(Error::new(ErrorCode::UploadQuotaExceeded).with_details(serde_json::json!({
                "uploads_per_day": self.config.daily_uploads_max,
                "bytes_per_day": self.config.daily_bytes_max,
            })));
        }
        Ok(())
    }

    /// Removes the files of deleted images now (after a deletion commits); what fails
    /// here is left to the `media.purge` job.
    pub async fn purge_deleted(&self) {
        let purged = async {
            let mut tx = self.db.begin().await?;
            purge::purge_in(&mut tx, &self.storage).await?;
            tx.commit().await?;
            Ok::<(), Error>(())
        };
        if let Err(e) = purged.await {
            tracing::warn!(error = %e, "removing deleted images' files failed; the media.purge job retries");
        }
    }

    pub async fn get(&self, id: Id) -> Result<MediaRecord> {
        media::get(&mut *self.db.reader().await?, id).await?.ok_or_else(|| Error::new(ErrorCode::MediaNotFound))
    }

    /// The JPEG bytes of a variant, if `url_key` matches (URLs are unguessable).
    pub async fn read(&self, id: Id, url_key: &str, variant: Variant) -> Result<Vec<u8>> {
        let record = self.get(id).await?;
        if !carmine_core::secret::constant_time_eq(record.url_key.as_bytes(), url_key.as_bytes()) {
            return Err(Error::new(ErrorCode::MediaNotFound));
        }
        self.storage.read(id, variant).await
    }
}
