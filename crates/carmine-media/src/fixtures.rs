//! Images for tests (feature `testing`): valid files in each format, and the hostile
//! ones an upload must refuse or neutralise.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder, RgbImage, RgbaImage};

/// A `width`×`height` gradient, so resizing and colours are visible.
pub fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width.max(1)) as u8, (y * 255 / height.max(1)) as u8, 128])
    })
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90).encode_image(&gradient(width, height)).unwrap();
    out
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = gradient(width, height);
    let mut out = Vec::new();
    PngEncoder::new(&mut out).write_image(image.as_raw(), width, height, ExtendedColorType::Rgb8).unwrap();
    out
}

/// A half-transparent red PNG: must come out pink-on-white, not black.
pub fn transparent_png(width: u32, height: u32) -> Vec<u8> {
    let image = RgbaImage::from_pixel(width, height, image::Rgba([255, 0, 0, 128]));
    let mut out = Vec::new();
    PngEncoder::new(&mut out).write_image(image.as_raw(), width, height, ExtendedColorType::Rgba8).unwrap();
    out
}

pub fn webp(width: u32, height: u32) -> Vec<u8> {
    let image = gradient(width, height);
    let mut out = Cursor::new(Vec::new());
    WebPEncoder::new_lossless(&mut out).write_image(image.as_raw(), width, height, ExtendedColorType::Rgb8).unwrap();
    out.into_inner()
}

/// A JPEG whose EXIF says "rotate 90° clockwise" (orientation 6), followed by a
/// segment carrying `marker` — standing in for GPS data that must never be served.
pub fn rotated_jpeg_with_metadata(width: u32, height: u32, marker: &[u8]) -> Vec<u8> {
    let plain = jpeg(width, height);
    // APP1 "Exif": big-endian TIFF header, one IFD entry: Orientation (0x0112) SHORT = 6.
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    exif.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
    let mut out = vec![0xFF, 0xD8];
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&[0xFF, 0xED]); // APP13, where cameras and editors put more metadata
    out.extend_from_slice(&((marker.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(marker);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A well-formed PNG whose header claims `width`×`height` but whose data is a few
/// bytes: a decompression bomb, which must be refused from the header alone.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = width.to_be_bytes().to_vec();
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    for (kind, data) in
        [(b"IHDR", header), (b"IDAT", vec![0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]), (b"IEND", vec![])]
    {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(&data);
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    out
}

/// An SVG (with a script) saved under a `.png` name.
pub fn svg() -> Vec<u8> {
    br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#.to_vec()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
