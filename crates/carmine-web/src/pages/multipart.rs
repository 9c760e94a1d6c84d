//! Reading a page's multipart form (the forms with files, so they work without
//! JavaScript): every part in order, the named file parts as bytes, the rest as text,
//! with the errors every such form answers — `unsupported_media_type` for a body that
//! is not multipart, `malformed_request` for a broken one, `payload_too_large` past
//! the route's body limit.

use axum::extract::Multipart;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use carmine_core::{Error, ErrorCode};

/// One part of a form.
pub(crate) enum Part {
    Text(String),
    /// A file part's bytes (empty when no file was chosen).
    File(Vec<u8>),
}

/// The parts of a multipart form in order, as (name, part); parts named in `files`
/// are read as bytes.
pub(crate) async fn read(
    multipart: Result<Multipart, MultipartRejection>,
    files: &[&str],
) -> Result<Vec<(String, Part)>, Error> {
    let mut multipart = multipart.map_err(|_| Error::new(ErrorCode::UnsupportedMediaType))?;
    let unreadable = |e: MultipartError| Error::new(ErrorCode::MalformedRequest).with_message(e.body_text());
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        let part = if files.contains(&name.as_str()) {
            let bytes =
                field.bytes().await.map_err(|e| Error::new(ErrorCode::PayloadTooLarge).with_message(e.body_text()))?;
            Part::File(bytes.to_vec())
        } else {
            Part::Text(field.text().await.map_err(unreadable)?)
        };
        parts.push((name, part));
    }
    Ok(parts)
}
