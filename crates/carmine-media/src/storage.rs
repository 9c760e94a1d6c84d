//! The media folder: `media/{id}/{variant}.jpg` under the data directory. Writes go
//! to a temporary file renamed into place, so a reader never sees half an image.
//! (An S3-compatible store is the scale-out path; it would replace this type.)

use std::path::PathBuf;

use carmine_core::{Error, ErrorCode, Id, Result};

use crate::Variant;

#[derive(Clone, Debug)]
pub struct MediaStorage {
    root: PathBuf,
}

impl MediaStorage {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        MediaStorage { root: root.into() }
    }

    fn dir(&self, id: Id) -> PathBuf {
        self.root.join(id.to_string())
    }

    pub async fn write(&self, id: Id, variant: Variant, jpeg: &[u8]) -> Result<()> {
        let dir = self.dir(id);
        tokio::fs::create_dir_all(&dir).await.map_err(Error::internal)?;
        let final_path = dir.join(variant.file_name());
        let temporary = dir.join(format!(".{}.tmp", variant.file_name()));
        tokio::fs::write(&temporary, jpeg).await.map_err(Error::internal)?;
        tokio::fs::rename(&temporary, &final_path).await.map_err(Error::internal)?;
        Ok(())
    }

    pub async fn read(&self, id: Id, variant: Variant) -> Result<Vec<u8>> {
        match tokio::fs::read(self.dir(id).join(variant.file_name())).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::new(ErrorCode::MediaNotFound)),
            Err(e) => Err(Error::internal(e)),
        }
    }

    /// Best effort: the files of an upload that did not commit, or of a deleted image.
    pub async fn remove(&self, id: Id) {
        match tokio::fs::remove_dir_all(self.dir(id)).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(media_id = %id, error = %e, "could not remove an image's files"),
        }
    }

    /// Whether an image's files are on disk.
    pub fn exists(&self, id: Id) -> bool {
        self.dir(id).exists()
    }
}
