//! What image processing accepts, refuses and strips.

use carmine_core::ErrorCode;
use carmine_media::MediaConfig;
use carmine_media::fixtures;
use carmine_media::process::{SourceFormat, process};

fn decoded(jpeg: &[u8]) -> image::DynamicImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).expect("our output is a JPEG")
}

#[test]
fn each_format_is_identified_by_its_bytes_and_re_encoded_at_two_sizes() {
    let config = MediaConfig::default();
    for (bytes, format) in [
        (fixtures::jpeg(3000, 1500), SourceFormat::Jpeg),
        (fixtures::png(3000, 1500), SourceFormat::Png),
        (fixtures::webp(3000, 1500), SourceFormat::Webp),
    ] {
        let processed = process(&bytes, &config).unwrap();
        assert_eq!(processed.source_format, format);
        assert_eq!((processed.detail.width, processed.detail.height), (1440, 720));
        assert_eq!((processed.grid.width, processed.grid.height), (540, 270));
        assert_eq!(decoded(&processed.detail.jpeg).width(), 1440);
        assert_eq!(decoded(&processed.grid.jpeg).height(), 270);
        assert!(processed.placeholder_color.starts_with('#') && processed.placeholder_color.len() == 7);
    }
}

#[test]
fn small_images_are_never_enlarged() {
    let processed = process(&fixtures::png(300, 400), &MediaConfig::default()).unwrap();
    assert_eq!((processed.detail.width, processed.detail.height), (300, 400));
    assert_eq!((processed.grid.width, processed.grid.height), (300, 400));
}

#[test]
fn orientation_is_applied_and_metadata_is_gone() {
    let marker = b"GPS 31.2304N 121.4737E secret";
    let bytes = fixtures::rotated_jpeg_with_metadata(200, 100, marker);
    let processed = process(&bytes, &MediaConfig::default()).unwrap();
    assert_eq!((processed.detail.width, processed.detail.height), (100, 200), "rotated upright");
    for jpeg in [&processed.detail.jpeg, &processed.grid.jpeg] {
        assert!(!jpeg.windows(4).any(|w| w == b"Exif"), "no EXIF");
        assert!(!jpeg.windows(3).any(|w| w == b"GPS"), "no GPS");
    }
}

#[test]
fn transparency_becomes_white_not_black() {
    let processed = process(&fixtures::transparent_png(64, 64), &MediaConfig::default()).unwrap();
    let pixel = decoded(&processed.detail.jpeg).to_rgb8().get_pixel(32, 32).0;
    assert!(pixel[0] > 240 && pixel[1] > 100 && pixel[1] < 160, "{pixel:?}");
}

#[test]
fn decompression_bombs_are_refused_from_the_header() {
    let error = process(&fixtures::png_bomb(65_535, 65_535), &MediaConfig::default()).unwrap_err();
    assert_eq!(error.code, ErrorCode::ImageTooLarge);
    let just_too_many_pixels = process(&fixtures::png_bomb(8_000, 6_000), &MediaConfig::default()).unwrap_err();
    assert_eq!(just_too_many_pixels.code, ErrorCode::ImageTooLarge);
}

#[test]
fn other_formats_and_impostors_are_refused() {
    let config = MediaConfig::default();
    assert_eq!(process(&fixtures::svg(), &config).unwrap_err().code, ErrorCode::UnsupportedImage);
    assert_eq!(process(b"GIF89a\x01\x00\x01\x00/*<script>*/", &config).unwrap_err().code, ErrorCode::UnsupportedImage);
    assert_eq!(process(b"", &config).unwrap_err().code, ErrorCode::UnsupportedImage);
    assert_eq!(process(b"<html><body>hi</body></html>", &config).unwrap_err().code, ErrorCode::UnsupportedImage);
}

#[test]
fn damaged_images_are_refused() {
    let config = MediaConfig::default();
    let png = fixtures::png(400, 400);
    assert_eq!(process(&png[..png.len() / 2], &config).unwrap_err().code, ErrorCode::ImageUndecodable);
    assert_eq!(process(&png[..40], &config).unwrap_err().code, ErrorCode::ImageUndecodable);
    let jpeg = fixtures::jpeg(400, 400);
    assert_eq!(process(&jpeg[..200], &config).unwrap_err().code, ErrorCode::ImageUndecodable);
    assert_eq!(process(b"\xFF\xD8\xFF\xE0garbage", &config).unwrap_err().code, ErrorCode::ImageUndecodable);
    assert_eq!(process(&png_header_with_zero_width(), &config).unwrap_err().code, ErrorCode::ImageUndecodable);
}

fn png_header_with_zero_width() -> Vec<u8> {
    fixtures::png_bomb(0, 10)
}

#[test]
fn a_polyglot_payload_never_reaches_the_output() {
    let mut polyglot = fixtures::jpeg(120, 80);
    polyglot.extend_from_slice(b"<script>alert(document.cookie)</script>PK\x03\x04");
    let processed = process(&polyglot, &MediaConfig::default()).unwrap();
    for jpeg in [&processed.detail.jpeg, &processed.grid.jpeg] {
        assert!(!jpeg.windows(7).any(|w| w == b"<script"));
    }
}
