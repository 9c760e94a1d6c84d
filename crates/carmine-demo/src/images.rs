//! Text-free pictures in a category's colours: soft gradients with a few shapes.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, Rgb, RgbImage};

use crate::rng::Rng;

pub struct Picture {
    pub detail: Vec<u8>,
    pub detail_size: (u32, u32),
    pub grid: Vec<u8>,
    pub grid_size: (u32, u32),
    pub placeholder: String,
}

const SHAPES: [(u32, u32); 4] = [(720, 960), (720, 720), (720, 540), (720, 900)];

pub fn picture(palette: &[[u8; 3]; 3], seed: u64) -> Picture {
    let mut rng = Rng::new(seed);
    let (width, height) = SHAPES[rng.below(SHAPES.len())];
    let [a, b, c] = *palette;
    let circles: Vec<(f32, f32, f32, [u8; 3])> = (0..3)
        .map(|_| {
            let color = *rng.pick(&[a, b, c, [255, 255, 255]]);
            (rng.below(width as usize) as f32, rng.below(height as usize) as f32, 60.0 + rng.below(220) as f32, color)
        })
        .collect();
    let image = RgbImage::from_fn(width, height, |x, y| {
        let t = (x as f32 / width as f32 + y as f32 / height as f32) / 2.0;
        let mut pixel = [0u8; 3];
        for i in 0..3 {
            pixel[i] = (f32::from(a[i]) * (1.0 - t) + f32::from(b[i]) * t) as u8;
        }
        for (cx, cy, r, color) in &circles {
            let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
            if d < *r {
                let k = 0.55 * (1.0 - d / r);
                for i in 0..3 {
                    pixel[i] = (f32::from(pixel[i]) * (1.0 - k) + f32::from(color[i]) * k) as u8;
                }
            }
        }
        Rgb(pixel)
    });
    let grid = DynamicImage::ImageRgb8(image.clone()).resize(540, u32::MAX, FilterType::Triangle).to_rgb8();
    let mid = image.get_pixel(width / 2, height / 2).0;
    Picture {
        detail: encode(&image),
        detail_size: (width, height),
        grid_size: (grid.width(), grid.height()),
        grid: encode(&grid),
        placeholder: format!("#{:02x}{:02x}{:02x}", mid[0], mid[1], mid[2]),
    }
}

fn encode(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80).encode_image(image).expect("in-memory JPEG encoding");
    out
}
