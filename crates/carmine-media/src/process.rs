//! Turning untrusted bytes into two JPEGs we encoded ourselves. Pure and synchronous:
//! callers run it in `spawn_blocking`.

use std::io::Cursor;

use carmine_core::{Error, ErrorCode, Result};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use serde_json::json;

use crate::MediaConfig;

/// The formats we accept, named by their magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    Jpeg,
    Png,
    Webp,
}

impl SourceFormat {
    /// Identifies the format from the first bytes; the declared type and name are ignored.
    pub fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(SourceFormat::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(SourceFormat::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(SourceFormat::Webp)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Jpeg => "jpeg",
            SourceFormat::Png => "png",
            SourceFormat::Webp => "webp",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            SourceFormat::Jpeg => ImageFormat::Jpeg,
            SourceFormat::Png => ImageFormat::Png,
            SourceFormat::Webp => ImageFormat::WebP,
        }
    }
}

/// The two sizes every image is stored at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Fits the note page's carousel.
    Detail,
    /// A waterfall cover, two columns wide on a phone.
    Grid,
}

impl Variant {
    pub fn file_name(self) -> &'static str {
        match self {
            Variant::Detail => "detail.jpg",
            Variant::Grid => "grid.jpg",
        }
    }

    pub fn parse(name: &str) -> Option<Variant> {
        match name {
            "detail.jpg" => Some(Variant::Detail),
            "grid.jpg" => Some(Variant::Grid),
            _ => None,
        }
    }
}

pub struct Encoded {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Debug for Encoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Encoded({}×{}, {} bytes)", self.width, self.height, self.jpeg.len())
    }
}

#[derive(Debug)]
pub struct Processed {
    pub source_format: SourceFormat,
    pub detail: Encoded,
    pub grid: Encoded,
    /// `#rrggbb`: the image's average colour, painted while it loads.
    pub placeholder_color: String,
}

pub(crate) fn too_large(message: String) -> Error {
    Error::new(ErrorCode::ImageTooLarge).with_message(message)
}

fn undecodable(reason: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::ImageUndecodable).with_details(json!({ "reason": reason.to_string() }))
}

pub fn process(bytes: &[u8], config: &MediaConfig) -> Result<Processed> {
    let source_format = SourceFormat::sniff(bytes).ok_or_else(|| Error::new(ErrorCode::UnsupportedImage))?;
    let mut image = decode(bytes, source_format, config)?;
    if image.color().has_alpha() {
        image = DynamicImage::ImageRgb8(flatten_on_white(&image));
    }
    let detail = fit(&image, config.detail_edge_max, config.detail_edge_max);
    let grid = fit(&detail, config.grid_width_max, u32::MAX);
    let placeholder_color = average_color(&grid);
    Ok(Processed {
        source_format,
        detail: encode(&detail, config.jpeg_quality)?,
        grid: encode(&grid, config.jpeg_quality)?,
        placeholder_color,
    })
}

/// Reads the header first and refuses oversized images before decoding a pixel;
/// the decoder then runs under allocation limits as a second guard.
fn decode(bytes: &[u8], format: SourceFormat, config: &MediaConfig) -> Result<DynamicImage> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    let mut limits = Limits::default();
    limits.max_image_width = Some(config.dimension_max);
    limits.max_image_height = Some(config.dimension_max);
    limits.max_alloc = Some(config.decode_alloc_bytes_max);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| classify(e, config))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(undecodable("the image has no pixels"));
    }
    if width > config.dimension_max
        || height > config.dimension_max
        || u64::from(width) * u64::from(height) > config.pixels_max
    {
        return Err(too_large(format!(
            "{width}×{height} is too large: at most {} pixels a side and {} megapixels",
            config.dimension_max,
            config.pixels_max / 1_000_000
        )));
    }
    let orientation = decoder.orientation().map_err(undecodable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| classify(e, config))?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn classify(error: image::ImageError, config: &MediaConfig) -> Error {
    match error {
        image::ImageError::Limits(_) => too_large(format!(
            "the image is too large: at most {} pixels a side and {} megapixels",
            config.dimension_max,
            config.pixels_max / 1_000_000
        )),
        other => undecodable(other),
    }
}

/// Composites transparent pixels onto white (JPEG has no alpha; black would look broken).
fn flatten_on_white(image: &DynamicImage) -> RgbImage {
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

/// Scales down (never up) to fit in `width_max` × `height_max`, keeping the aspect ratio.
fn fit(image: &DynamicImage, width_max: u32, height_max: u32) -> DynamicImage {
    if image.width() <= width_max && image.height() <= height_max {
        return image.clone();
    }
    image.resize(width_max, height_max, FilterType::Triangle)
}

fn encode(image: &DynamicImage, quality: u8) -> Result<Encoded> {
    let rgb = image.to_rgb8();
    let mut jpeg = Vec::with_capacity((rgb.width() * rgb.height() / 4) as usize);
    JpegEncoder::new_with_quality(&mut jpeg, quality).encode_image(&rgb).map_err(Error::internal)?;
    Ok(Encoded { jpeg, width: rgb.width(), height: rgb.height() })
}

fn average_color(image: &DynamicImage) -> String {
    let rgb = image.to_rgb8();
    let count = u64::from(rgb.width()) * u64::from(rgb.height());
    let mut sums = [0u64; 3];
    for pixel in rgb.pixels() {
        for (sum, channel) in sums.iter_mut().zip(pixel.0) {
            *sum += u64::from(channel);
        }
    }
    let [r, g, b] = sums.map(|s| s / count.max(1));
    format!("#{r:02x}{g:02x}{b:02x}")
}
