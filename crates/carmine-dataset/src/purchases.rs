//! The generator's purchases (model v3, `docs/generator-model.md`): finished orders
//! of members at the shops, most of them through a note that tags the product (its
//! writer earns the affiliate rate), with reviews on about a third of the lines.
//! Drawn from its own SplitMix64 stream, so the model v2 files are byte-identical to
//! before.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use carmine_core::Timestamp;

use crate::commerce::{Catalogue, Shop};
use crate::format;
use crate::generate::{Note, Out, Rng, Scale, Weighted};

/// Salt of the purchases stream ("purchase" in ASCII).
const STREAM: u64 = 0x7075_7263_6861_7365;
const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;
/// Regions orders go to, weighted roughly by online shoppers.
const REGIONS: &[(&str, f64, &str)] = &[
    ("CN-GD", 14.0, "天河区体育西路 191 号"),
    ("CN-ZJ", 10.0, "西湖区文三路 90 号"),
    ("CN-JS", 10.0, "鼓楼区中山北路 30 号"),
    ("CN-SH", 9.0, "长宁区愚园路 1088 号"),
    ("CN-BJ", 8.0, "朝阳区建国路 88 号"),
    ("CN-SD", 6.0, "市南区香港中路 8 号"),
    ("CN-SC", 6.0, "武侯区人民南路四段 11 号"),
    ("CN-FJ", 5.0, "思明区湖滨南路 57 号"),
    ("CN-HB", 5.0, "洪山区珞喻路 129 号"),
    ("CN-HK", 1.0, "Flat 5, 18 Nathan Road, Kowloon"),
];
const RECIPIENTS: &[&str] = &["王女士", "李先生", "张小姐", "刘同学", "陈先生", "Amy Zhang", "Leo Chen"];
const CARRIERS: &[&str] = &["sf", "jd", "zto", "ems"];
const REVIEWS_ZH: [&[&str]; 5] = [
    &["和描述不符,很失望", "质量太差了,不推荐"],
    &["一般般,做工有点粗糙", "颜色和图片差别有点大"],
    &["还行,中规中矩", "物流有点慢,东西还可以"],
    &["挺好的,包装很用心", "质量不错,性价比高"],
    &["非常满意,已经回购了 👍", "物流超快,和博主推荐的一样好用", "质量很好,细节满分 ✨"],
];
const REVIEWS_EN: [&[&str]; 5] = [
    &["Not as described. Disappointed.", "Poor quality, would not buy again."],
    &["Just okay, the finish is a bit rough.", "The colour is quite different from the photos."],
    &["Fine for the price.", "Slow delivery, the item itself is okay."],
    &["Nice, carefully packed.", "Good quality for the money."],
    &["Love it, already bought a second one!", "Fast delivery, exactly as the note said.", "Great quality ✨"],
];

/// Writes `orders.jsonl`: about one order per two members.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write(
    dir: &Path,
    seed: u64,
    scale: &Scale,
    shops: &[Shop],
    notes: &[Note],
    catalogue: &Catalogue,
    (start, end): (Timestamp, Timestamp),
    counts: &mut BTreeMap<String, u64>,
    progress: bool,
) -> Result<(), String> {
    let mut rng = Rng(seed ^ STREAM);
    let wanted = scale.members / 2;
    let mut out = Out::create(dir, "orders.jsonl", wanted, progress)?;
    // An order settles at most 11 days after it was placed; history ends before `end`.
    let last_placed = end.micros() - 11 * DAY;
    let tags: Vec<&(usize, Vec<u32>)> =
        catalogue.tags.iter().filter(|(note, _)| notes[*note].at < last_placed).collect();
    let on_sale = |p: &u32| catalogue.products[*p as usize].active;
    let direct = Weighted::new(catalogue.appeal.iter().copied());
    let shoppers = Weighted::new((0..scale.members).map(|_| rng.pareto(1.5)));
    let ratings = Weighted::new([3.0, 4.0, 8.0, 20.0, 65.0].into_iter());
    let regions = Weighted::new(REGIONS.iter().map(|r| r.1));
    let mut reviewed: HashSet<(usize, u32)> = HashSet::new();
    let has_sellable = catalogue.appeal.iter().any(|a| *a > 0.0);
    let mut attempts = 0;
    let mut orders: Vec<format::Order> = Vec::with_capacity(wanted);
    while orders.len() < wanted && attempts < wanted * 20 && has_sellable && !shops.is_empty() {
        attempts += 1;
        let buyer = shoppers.draw(&mut rng);
        // 80 % come through a note's tag, the rest straight from the shop.
        let (product, note, placed) = if !tags.is_empty() && rng.chance(0.8) {
            let (note, products) = tags[rng.below(tags.len())];
            let Some(product) = products.iter().copied().filter(on_sale).nth(rng.below(products.len())) else {
                continue;
            };
            let placed = notes[*note].at + (rng.exponential(2.0 * 24.0) * HOUR as f64) as i64;
            (product, Some(*note), placed)
        } else {
            let placed = start.micros() + (rng.unit() * (last_placed - start.micros()) as f64) as i64;
            (direct.draw(&mut rng) as u32, None, placed)
        };
        let writer = note.map(|n| notes[n].author);
        if placed >= last_placed || !on_sale(&product) || writer == Some(buyer) {
            continue;
        }
        let item = &catalogue.products[product as usize];
        let mut products = vec![product];
        // 15 % add a second product of the same shop.
        if rng.chance(0.15) {
            let other = direct.draw(&mut rng) as u32;
            if other != product && catalogue.products[other as usize].store == item.store {
                products.push(other);
            }
        }
        let cancelled = rng.chance(0.08);
        let paid = placed + (rng.exponential(3.0).min(60.0) * 60e6) as i64;
        let shipped = paid + (rng.exponential(20.0).min(72.0) * HOUR as f64) as i64 + HOUR;
        let received = shipped + 2 * DAY + rng.below(48) as i64 * HOUR;
        let settled = received + 4 * DAY + HOUR;
        let english = rng.chance(0.3);
        let mut lines = Vec::with_capacity(products.len());
        for (i, p) in products.iter().enumerate() {
            let (code, price) = rng.pick(&catalogue.products[*p as usize].variants).clone();
            let quantity = match rng.unit() {
                u if u < 0.8 => 1,
                u if u < 0.95 => 2,
                _ => 3,
            };
            // 20 % used a coupon: 5–10 % off.
            let discount = if rng.chance(0.2) { price * quantity * (5 + rng.below(6) as i64) / 100 } else { 0 };
            let review = (!cancelled && rng.chance(0.35) && reviewed.insert((buyer, *p))).then(|| {
                let stars = ratings.draw(&mut rng);
                let texts = if english { REVIEWS_EN[stars] } else { REVIEWS_ZH[stars] };
                format::LineReview {
                    rating: stars as i64 + 1,
                    body: rng.pick(texts).to_string(),
                    created_at: Timestamp(received + (rng.exponential(24.0) * HOUR as f64) as i64 % (4 * DAY)),
                }
            });
            lines.push(format::OrderLine {
                product: format!("p{p}"),
                variant: code,
                quantity,
                unit_price: price,
                discount,
                note: note.filter(|_| i == 0).map(|n| format!("n{n}")),
                review,
            });
        }
        let (region, _, detail) = REGIONS[regions.draw(&mut rng)];
        let phone = if region == "CN-HK" {
            (50_000_000 + rng.below(40_000_000)).to_string()
        } else {
            format!("1{}{:09}", 3 + rng.below(7), rng.below(1_000_000_000))
        };
        let when = |t: i64| Some(Timestamp(t)).filter(|_| !cancelled);
        orders.push(format::Order {
            id: String::new(),
            buyer: format!("u{buyer}"),
            store: format!("s{}", shops[item.store].organization.id),
            status: if cancelled { "cancelled" } else { "settled" }.to_owned(),
            address: format::OrderAddress {
                recipient: rng.pick(RECIPIENTS).to_string(),
                phone,
                region: region.to_owned(),
                detail: detail.to_owned(),
            },
            lines,
            shipping: 0,
            carrier: (!cancelled).then(|| rng.pick(CARRIERS).to_string()),
            tracking_no: (!cancelled).then(String::new),
            placed_at: Timestamp(placed),
            paid_at: when(paid),
            shipped_at: when(shipped),
            received_at: when(received),
            settled_at: when(settled),
        });
    }
    // Oldest first: an import gives ids in file order, and order lists go by id.
    orders.sort_by_key(|o| o.placed_at);
    for (n, mut order) in orders.into_iter().enumerate() {
        order.id = format!("o{n}");
        if let Some(tracking) = order.tracking_no.as_mut() {
            *tracking = format!("{}{n:012}", order.carrier.as_deref().unwrap_or("x").to_ascii_uppercase());
        }
        out.write(&order)?;
    }
    out.finish(counts)
}
