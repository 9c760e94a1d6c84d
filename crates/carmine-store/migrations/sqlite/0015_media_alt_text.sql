-- What an image shows, in the uploader's words, for those who cannot see it.
ALTER TABLE media ADD COLUMN alt_text TEXT NOT NULL DEFAULT '';
