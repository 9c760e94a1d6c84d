-- A deleted image's files are removed from the media folder by the `media.purge` job;
-- this says when (NULL: still on disk).
ALTER TABLE media ADD COLUMN files_removed_at BIGINT;
CREATE INDEX media_deleted_files ON media (deleted_at) WHERE files_removed_at IS NULL;
