//! Text-free pictures that read as photographs of what each category is about,
//! rendered procedurally (no files to license): products on a shelf (skincare),
//! garments on a rail (fashion), a plate on a table seen from above (food), a
//! landscape with mountains and water (travel), a room with a window, sofa and
//! plant (home). Soft light, shadows and grain keep them from looking flat. A fixed
//! pool is rendered once per seed and reused across notes.

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

type Colour = [f32; 3];

fn colour(rgb: [u8; 3]) -> Colour {
    [f32::from(rgb[0]), f32::from(rgb[1]), f32::from(rgb[2])]
}

fn mix(a: Colour, b: Colour, t: f32) -> Colour {
    let t = t.clamp(0.0, 1.0);
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

fn shade(c: Colour, k: f32) -> Colour {
    [c[0] * k, c[1] * k, c[2] * k]
}

/// A canvas of floating-point pixels, painted in layers.
struct Canvas {
    w: usize,
    h: usize,
    px: Vec<Colour>,
}

impl Canvas {
    fn new(w: u32, h: u32) -> Canvas {
        Canvas { w: w as usize, h: h as usize, px: vec![[0.0; 3]; (w * h) as usize] }
    }

    /// Paints every pixel where `cover(x, y)` (0…1, the shape's coverage) is positive.
    /// The shape's extent is found on a coarse grid first (every shape here is wider
    /// than its step), so only its neighbourhood is painted pixel by pixel.
    fn paint(&mut self, cover: impl Fn(f32, f32) -> f32, fill: impl Fn(f32, f32) -> Colour) {
        const STEP: usize = 4;
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for y in (0..self.h).step_by(STEP) {
            for x in (0..self.w).step_by(STEP) {
                if cover(x as f32, y as f32) > 0.0 {
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                }
            }
        }
        if x0 > x1 {
            return;
        }
        let (x0, y0) = (x0.saturating_sub(STEP), y0.saturating_sub(STEP));
        let (x1, y1) = ((x1 + STEP).min(self.w - 1), (y1 + STEP).min(self.h - 1));
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (fx, fy) = (x as f32, y as f32);
                let a = cover(fx, fy);
                if a > 0.0 {
                    let p = &mut self.px[y * self.w + x];
                    *p = mix(*p, fill(fx, fy), a);
                }
            }
        }
    }

    fn background(&mut self, fill: impl Fn(f32, f32) -> Colour) {
        self.paint(|_, _| 1.0, fill);
    }

    fn finish(self, rng: &mut Rng) -> RgbImage {
        let (w, h) = (self.w as f32, self.h as f32);
        let mut grain = rng.below(1 << 16) as u32 | 1;
        RgbImage::from_fn(self.w as u32, self.h as u32, |x, y| {
            let p = self.px[y as usize * self.w + x as usize];
            // Vignette and grain: light falls off towards the corners, like a lens.
            let (dx, dy) = (x as f32 / w - 0.5, y as f32 / h - 0.5);
            let vignette = 1.0 - 0.35 * (dx * dx + dy * dy);
            grain ^= grain << 13;
            grain ^= grain >> 17;
            grain ^= grain << 5;
            let noise = (grain % 9) as f32 - 4.0;
            let c = |v: f32| (v * vignette + noise).clamp(0.0, 255.0) as u8;
            Rgb([c(p[0]), c(p[1]), c(p[2])])
        })
    }
}

/// Coverage of a rounded rectangle, anti-aliased over a pixel.
fn rounded(x: f32, y: f32, (x0, y0, x1, y1): (f32, f32, f32, f32), r: f32) -> f32 {
    let r = r.min((x1 - x0) / 2.0).min((y1 - y0) / 2.0).max(0.0);
    let cx = x.clamp(x0 + r, x1 - r);
    let cy = y.clamp(y0 + r, y1 - r);
    let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt() - r;
    (0.5 - d).clamp(0.0, 1.0)
}

/// Coverage of an ellipse, anti-aliased.
fn ellipse(x: f32, y: f32, (cx, cy): (f32, f32), (rx, ry): (f32, f32)) -> f32 {
    let d = (((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2)).sqrt();
    ((1.0 - d) * rx.min(ry) + 0.5).clamp(0.0, 1.0)
}

/// A soft shadow under something: darker at the centre, fading out.
fn shadow(x: f32, y: f32, (cx, cy): (f32, f32), (rx, ry): (f32, f32)) -> f32 {
    let d = (((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2)).sqrt();
    (0.45 * (1.0 - d)).clamp(0.0, 0.45)
}

pub fn picture(category: usize, palette: &[[u8; 3]; 3], seed: u64) -> Picture {
    let mut rng = Rng::new(seed);
    let (width, height) = SHAPES[rng.below(SHAPES.len())];
    let mut canvas = Canvas::new(width, height);
    let [a, b, c] = palette.map(colour);
    let (w, h) = (width as f32, height as f32);
    match category % 5 {
        0 => products(&mut canvas, &mut rng, (a, b, c), (w, h)),
        1 => garments(&mut canvas, &mut rng, (a, b, c), (w, h)),
        2 => plate(&mut canvas, &mut rng, (a, b, c), (w, h)),
        3 => landscape(&mut canvas, &mut rng, (a, b, c), (w, h)),
        _ => room(&mut canvas, &mut rng, (a, b, c), (w, h)),
    }
    let image = canvas.finish(&mut rng);
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

type Palette = (Colour, Colour, Colour);

/// Skincare: bottles and jars on a shelf against a soft wall, lit from the left.
fn products(canvas: &mut Canvas, rng: &mut Rng, (a, b, c): Palette, (w, h): (f32, f32)) {
    let shelf = h * (0.62 + rng.below(12) as f32 / 100.0);
    let wall = mix(c, [255.0; 3], 0.3);
    canvas.background(|x, y| {
        if y < shelf {
            mix(wall, shade(wall, 0.86), x / w)
        } else {
            mix(shade(a, 0.9), shade(a, 0.7), (y - shelf) / (h - shelf))
        }
    });
    let count = 2 + rng.below(3);
    let slot = w / (count as f32 + 1.0);
    for i in 0..count {
        let cx = slot * (i as f32 + 1.0) + (rng.below(40) as f32 - 20.0);
        let body = *rng.pick(&[a, b, shade(b, 0.8), mix(a, b, 0.5)]);
        let tall = rng.chance(60);
        let (bw, bh) = if tall { (w * 0.11, h * 0.32) } else { (w * 0.16, h * 0.13) };
        let top = shelf - bh;
        canvas.paint(|x, y| shadow(x, y, (cx + bw * 0.3, shelf + 6.0), (bw * 0.9, h * 0.025)), |_, _| [20.0; 3]);
        canvas.paint(
            |x, y| rounded(x, y, (cx - bw / 2.0, top, cx + bw / 2.0, shelf), if tall { bw * 0.25 } else { bw * 0.15 }),
            |x, _| mix(shade(body, 1.12), shade(body, 0.78), (x - (cx - bw / 2.0)) / bw),
        );
        // Cap or lid, and a label band.
        let (cw, ch) = if tall { (bw * 0.55, bh * 0.18) } else { (bw * 1.02, bh * 0.32) };
        let cap = *rng.pick(&[[40.0, 40.0, 45.0], [235.0, 235.0, 235.0], [200.0, 170.0, 120.0]]);
        canvas.paint(
            |x, y| rounded(x, y, (cx - cw / 2.0, top - ch, cx + cw / 2.0, top + 2.0), cw * 0.12),
            |x, _| mix(shade(cap, 1.1), shade(cap, 0.8), (x - cx + cw / 2.0) / cw),
        );
        let band = top + bh * 0.35;
        canvas.paint(
            |x, y| rounded(x, y, (cx - bw / 2.0 + 3.0, band, cx + bw / 2.0 - 3.0, band + bh * 0.28), 2.0) * 0.85,
            |_, _| [248.0, 246.0, 240.0],
        );
        // A highlight down the lit side.
        canvas.paint(
            |x, y| rounded(x, y, (cx - bw * 0.38, top + bh * 0.08, cx - bw * 0.3, shelf - bh * 0.1), 3.0) * 0.5,
            |_, _| [255.0; 3],
        );
    }
}

/// Fashion: garments hanging from a rail against a wall, a floor beneath.
fn garments(canvas: &mut Canvas, rng: &mut Rng, (a, b, c): Palette, (w, h): (f32, f32)) {
    let floor = h * 0.82;
    let wall = mix(a, [255.0; 3], 0.2);
    canvas.background(|x, y| {
        if y < floor {
            mix(wall, shade(wall, 0.88), y / floor * 0.5 + x / w * 0.3)
        } else {
            mix(shade(c, 1.6), shade(c, 1.2), (y - floor) / (h - floor))
        }
    });
    let rail = h * 0.16;
    canvas.paint(|x, y| rounded(x, y, (w * 0.06, rail - 4.0, w * 0.94, rail + 4.0), 4.0), |_, _| [60.0, 60.0, 64.0]);
    let count = 3 + rng.below(3);
    let slot = w * 0.84 / count as f32;
    for i in 0..count {
        let cx = w * 0.08 + slot * (i as f32 + 0.5);
        let cloth = *rng.pick(&[b, c, shade(b, 1.25), mix(b, c, 0.5), [235.0, 228.0, 215.0]]);
        let length = h * (0.42 + rng.below(22) as f32 / 100.0);
        let shoulders = slot * 0.46;
        let hem = shoulders * (1.0 + rng.below(30) as f32 / 100.0);
        let top = rail + h * 0.05;
        // Hanger hook.
        canvas.paint(
            |x, y| {
                ellipse(x, y, (cx, rail + h * 0.02), (6.0, h * 0.03))
                    - ellipse(x, y, (cx, rail + h * 0.02), (3.0, h * 0.02))
            },
            |_, _| [90.0; 3],
        );
        canvas
            .paint(|x, y| shadow(x, y, (cx + 14.0, top + length * 0.5), (hem * 1.05, length * 0.55)), |_, _| [30.0; 3]);
        canvas.paint(
            |x, y| {
                if y < top || y > top + length {
                    return 0.0;
                }
                let t = (y - top) / length;
                let half = shoulders + (hem - shoulders) * t;
                (half - (x - cx).abs() + 0.5).clamp(0.0, 1.0)
            },
            |x, y| {
                let folds = ((x - cx) / 9.0).sin() * 0.04 + 1.0;
                shade(
                    mix(shade(cloth, 1.08), shade(cloth, 0.82), (x - cx + hem) / (2.0 * hem)),
                    folds * (1.0 - 0.1 * (y - top) / length),
                )
            },
        );
    }
}

/// Food: a plate seen from above on a wooden table, chopsticks and a cup beside it.
fn plate(canvas: &mut Canvas, rng: &mut Rng, (a, b, c): Palette, (w, h): (f32, f32)) {
    let wood = mix(shade(b, 0.55), [120.0, 80.0, 50.0], 0.5);
    let grain_f = 0.02 + rng.below(10) as f32 / 1000.0;
    canvas.background(|x, y| {
        let g = ((y * grain_f + (x * 0.003).sin() * 3.0).sin() * 0.5 + 0.5) * 0.18;
        shade(wood, 0.9 + g)
    });
    let (cx, cy) = (w * (0.45 + rng.below(10) as f32 / 100.0), h * (0.5 + rng.below(8) as f32 / 100.0));
    let r = w.min(h) * 0.34;
    canvas.paint(|x, y| shadow(x, y, (cx + 14.0, cy + 18.0), (r * 1.08, r * 1.08)), |_, _| [10.0; 3]);
    canvas.paint(
        |x, y| ellipse(x, y, (cx, cy), (r, r)),
        |x, y| mix([250.0; 3], [225.0, 225.0, 220.0], ((x - cx) + (y - cy)) / (2.0 * r) + 0.5),
    );
    canvas.paint(|x, y| ellipse(x, y, (cx, cy), (r * 0.78, r * 0.78)), |_, _| [242.0, 240.0, 235.0]);
    // The food: a few overlapping pieces in the category's warm colours, with garnish.
    for _ in 0..(4 + rng.below(5)) {
        let angle = rng.below(360) as f32 / 57.3;
        let dist = r * 0.42 * (rng.below(100) as f32 / 100.0);
        let (px, py) = (cx + angle.cos() * dist, cy + angle.sin() * dist);
        let pr = r * (0.16 + rng.below(14) as f32 / 100.0);
        let food = *rng.pick(&[a, b, mix(a, b, 0.5), shade(a, 0.85)]);
        canvas.paint(
            |x, y| ellipse(x, y, (px, py), (pr, pr * 0.82)),
            |x, y| mix(shade(food, 1.12), shade(food, 0.75), ((x - px) + (y - py)) / (2.0 * pr) + 0.5),
        );
    }
    for _ in 0..6 {
        let (gx, gy) =
            (cx + (rng.below(100) as f32 - 50.0) / 100.0 * r, cy + (rng.below(100) as f32 - 50.0) / 100.0 * r);
        canvas.paint(|x, y| ellipse(x, y, (gx, gy), (7.0, 5.0)), |_, _| [70.0, 140.0, 60.0]);
    }
    // Chopsticks to the right, a cup in a corner.
    let sx = cx + r * 1.12;
    canvas.paint(|x, y| rounded(x, y, (sx, cy - r, sx + 9.0, cy + r), 4.0), |_, _| shade(c, 0.6));
    canvas.paint(|x, y| rounded(x, y, (sx + 16.0, cy - r * 0.95, sx + 25.0, cy + r * 1.05), 4.0), |_, _| shade(c, 0.6));
    let (ux, uy, ur) = (w * 0.14, h * 0.14, w.min(h) * 0.1);
    canvas.paint(|x, y| ellipse(x, y, (ux, uy), (ur, ur)), |_, _| [245.0, 245.0, 240.0]);
    canvas.paint(|x, y| ellipse(x, y, (ux, uy), (ur * 0.78, ur * 0.78)), |_, _| [120.0, 70.0, 40.0]);
}

/// Travel: a sky, the sun, ridges of mountains fading into the distance, water below.
fn landscape(canvas: &mut Canvas, rng: &mut Rng, (a, b, c): Palette, (w, h): (f32, f32)) {
    let horizon = h * (0.55 + rng.below(15) as f32 / 100.0);
    let evening = rng.chance(40);
    let (top, low) =
        if evening { ([70.0, 90.0, 150.0], [250.0, 180.0, 140.0]) } else { (shade(a, 0.85), mix(a, [255.0; 3], 0.6)) };
    canvas.background(|_, y| {
        if y < horizon {
            mix(top, low, y / horizon)
        } else {
            mix(shade(a, 0.7), shade(a, 0.45), (y - horizon) / (h - horizon))
        }
    });
    let (sx, sy) = (w * (0.2 + rng.below(60) as f32 / 100.0), horizon * (0.3 + rng.below(30) as f32 / 100.0));
    let sun = if evening { [255.0, 210.0, 150.0] } else { [255.0, 250.0, 230.0] };
    canvas.paint(|x, y| ellipse(x, y, (sx, sy), (w * 0.22, w * 0.22)) * 0.25, |_, _| sun);
    canvas.paint(|x, y| ellipse(x, y, (sx, sy), (w * 0.06, w * 0.06)), |_, _| sun);
    for layer in 0..3 {
        let depth = layer as f32 / 3.0;
        let base = horizon - h * (0.02 + 0.05 * (2 - layer) as f32);
        let height = h * (0.22 - 0.05 * layer as f32);
        let (f1, f2, p) =
            (0.004 + rng.below(6) as f32 / 1000.0, 0.013 + rng.below(10) as f32 / 1000.0, rng.below(600) as f32);
        let ridge = mix(mix(shade(b, 0.6), low, 0.55 - depth * 0.45), shade(b, 0.5), depth * 0.6);
        canvas.paint(
            |x, y| {
                let crest = base - height * (0.55 + 0.3 * ((x + p) * f1).sin() + 0.15 * ((x + p) * f2).sin());
                (y - crest + 0.5).clamp(0.0, 1.0) * if y > horizon + 2.0 { 0.0 } else { 1.0 }
            },
            |_, y| shade(ridge, 1.0 - 0.15 * (y - base + height) / height),
        );
    }
    // Water: the sky reflected, with ripples.
    canvas.paint(
        |_, y| if y > horizon { 1.0 } else { 0.0 },
        |x, y| {
            let ripple = ((y * 0.35 + (x * 0.05).sin() * 2.0).sin() * 0.5 + 0.5) * 0.12;
            shade(mix(low, shade(c, 0.55), (y - horizon) / (h - horizon)), 0.85 + ripple)
        },
    );
}

/// Home: a corner of a room — wall, floor boards, a bright window, a sofa and a plant.
fn room(canvas: &mut Canvas, rng: &mut Rng, (a, b, c): Palette, (w, h): (f32, f32)) {
    let floor = h * 0.7;
    canvas.background(|x, y| {
        if y < floor {
            mix(shade(a, 1.02), shade(a, 0.86), x / w)
        } else {
            let board = if ((x + (y - floor) * 0.6) / 70.0) as i32 % 2 == 0 { 1.0 } else { 0.93 };
            shade(mix(c, shade(c, 0.8), (y - floor) / (h - floor)), board)
        }
    });
    let (wx0, wx1) = (w * (0.52 + rng.below(10) as f32 / 100.0), w * 0.9);
    let (wy0, wy1) = (h * 0.1, floor * 0.72);
    canvas.paint(|x, y| rounded(x, y, (wx0 - 8.0, wy0 - 8.0, wx1 + 8.0, wy1 + 8.0), 3.0), |_, _| [245.0, 242.0, 236.0]);
    canvas.paint(
        |x, y| rounded(x, y, (wx0, wy0, wx1, wy1), 2.0),
        |_, y| mix([200.0, 225.0, 245.0], [250.0, 250.0, 245.0], (y - wy0) / (wy1 - wy0)),
    );
    canvas.paint(
        |x, y| rounded(x, y, ((wx0 + wx1) / 2.0 - 3.0, wy0, (wx0 + wx1) / 2.0 + 3.0, wy1), 1.0),
        |_, _| [245.0, 242.0, 236.0],
    );
    // Light from the window on the floor.
    canvas.paint(
        |x, y| {
            if y > floor { ((1.0 - ((x - (wx0 + wx1) / 2.0) / (w * 0.3)).abs()) * 0.22).clamp(0.0, 0.22) } else { 0.0 }
        },
        |_, _| [255.0, 250.0, 235.0],
    );
    // Sofa.
    let (sx0, sx1) = (w * 0.06, w * (0.58 + rng.below(8) as f32 / 100.0));
    let seat = floor + h * 0.02;
    let sofa = *rng.pick(&[b, shade(b, 0.8), [200.0, 190.0, 175.0]]);
    canvas.paint(
        |x, y| shadow(x, y, ((sx0 + sx1) / 2.0, seat + h * 0.08), ((sx1 - sx0) * 0.55, h * 0.03)),
        |_, _| [20.0; 3],
    );
    canvas.paint(
        |x, y| rounded(x, y, (sx0, seat - h * 0.22, sx1, seat - h * 0.06), 18.0),
        |_, y| shade(sofa, 0.9 + 0.1 * (y / h)),
    );
    canvas.paint(
        |x, y| rounded(x, y, (sx0 - 10.0, seat - h * 0.1, sx1 + 10.0, seat + h * 0.06), 14.0),
        |_, _| shade(sofa, 1.05),
    );
    let cushion = *rng.pick(&[[230.0, 200.0, 120.0], [240.0, 240.0, 235.0], shade(c, 0.9)]);
    canvas.paint(
        |x, y| rounded(x, y, (sx0 + 20.0, seat - h * 0.2, sx0 + 20.0 + w * 0.12, seat - h * 0.09), 12.0),
        |_, _| cushion,
    );
    // A plant in a pot at the end of the sofa.
    let (px, pot_top) = (sx1 + w * 0.08, floor + h * 0.02);
    canvas.paint(
        |x, y| rounded(x, y, (px - w * 0.045, pot_top, px + w * 0.045, pot_top + h * 0.1), 8.0),
        |_, _| [225.0, 215.0, 200.0],
    );
    for _ in 0..9 {
        let (lx, ly) = (
            px + (rng.below(100) as f32 - 50.0) / 100.0 * w * 0.12,
            pot_top - rng.below(100) as f32 / 100.0 * h * 0.22,
        );
        canvas.paint(
            |x, y| ellipse(x, y, (lx, ly), (w * 0.035, h * 0.02)),
            |x, _| mix([60.0, 130.0, 70.0], [40.0, 95.0, 50.0], (x - lx) / (w * 0.07) + 0.5),
        );
    }
}

fn encode(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 82).encode_image(image).expect("in-memory JPEG encoding");
    out
}
