//! The demo's purchase history: members (the printed log-ins among them) bought from
//! the shops over the past weeks — paid, shipped, received and settled — and reviewed
//! about two thirds of what they bought, in Chinese or English. Written as finished
//! history through `carmine_orders::imported` (the importer's rules; no payment, no
//! stock), so product pages show reviews and ratings, stores their scores, and the
//! log-ins an order list from their first visit.

use std::collections::HashSet;

use carmine_core::money::Currency;
use carmine_core::{Id, Result, Timestamp};
use carmine_orders::AddressInput;
use carmine_orders::imported::{LineImport, OrderImport, ReviewImport, import_order};
use carmine_store::{Db, products, stores};

use crate::rng::Rng;

const DAY: i64 = 86_400;
const REGIONS: &[(&str, &str)] = &[
    ("CN-SH", "静安区南京西路 1266 号 12 楼"),
    ("CN-BJ", "朝阳区三里屯路 19 号院 3 号楼"),
    ("CN-GD", "南山区科技园中区 8 栋 502"),
    ("CN-ZJ", "西湖区文三路 478 号 2 单元"),
    ("CN-SC", "锦江区春熙路 88 号 1806"),
];
const CARRIERS: &[&str] = &["sf", "jd", "zto", "ems"];
/// By stars (1 to 5): what buyers wrote.
const REVIEWS_ZH: [&[&str]; 5] = [
    &["和图片差别很大，已经联系客服了。"],
    &["做工一般，有点失望，希望改进。"],
    &["还可以，物流稍慢，东西中规中矩。"],
    &["质量不错，包装很用心，会回购。", "用了一周，效果挺明显的，推荐。"],
    &[
        "真的超出预期！质感很好，朋友都问链接 ✨",
        "第二次回购了，一如既往地好用，物流也快。",
        "看了博主的笔记来买的，没有踩雷，颜色很正。",
        "包装精致，送人也很体面，很满意 👍",
    ],
];
const REVIEWS_EN: [&[&str]; 5] = [
    &["Looks nothing like the photos. Contacted the store."],
    &["The finish is a bit rough. Expected better."],
    &["It's fine. Delivery was slow, the item is okay."],
    &["Good quality and carefully packed. Would buy again.", "Used it for a week — works as described."],
    &[
        "Better than I hoped — lovely texture, friends keep asking where it's from ✨",
        "My second one already. Fast delivery too.",
        "Bought it after reading a note about it. No regrets, the colour is spot on.",
    ],
];

/// A sellable variant: (store, product, variant code, price).
type Offer = (Id, Id, String, i64);

/// Writes the history for `buyers` (the first ones get more orders); returns
/// (orders, reviews).
pub(crate) async fn seed(db: &Db, rng: &mut Rng, buyers: &[Id], now: Timestamp) -> Result<(usize, usize)> {
    let mut offers: Vec<Offer> = Vec::new();
    {
        let mut conn = db.reader().await?;
        for store in stores::list(&mut conn, "open", None, 100).await? {
            for product in products::list_for_store(&mut conn, store.id, "active", None, None, 30).await? {
                if let Some(sku) = products::skus(&mut conn, product.id).await?.into_iter().find(|s| !s.archived) {
                    offers.push((store.id, product.id, sku.code, sku.price_minor));
                }
            }
        }
    }
    if offers.is_empty() {
        return Ok((0, 0));
    }
    let mut reviewed: HashSet<(Id, Id)> = HashSet::new();
    let mut history = Vec::new();
    for (n, buyer) in buyers.iter().enumerate() {
        // One address per buyer, as an address book keeps it.
        let (region, detail) = REGIONS[n % REGIONS.len()];
        let recipient = ["林小红", "Amy Lin", "王美美", "陈思远", "Leo Zhang"][n % 5];
        let phone = format!("1{}{:09}", 3 + n % 7, 10_013_800 + n);
        let count = if n < 3 { 3 } else { 1 + rng.below(2) };
        for _ in 0..count {
            let (store_id, first, code, price) = rng.pick(&offers).clone();
            let mut lines = vec![(first, code, price)];
            // Sometimes a second product of the same shop.
            if rng.chance(25) {
                let (s, p, c, price) = rng.pick(&offers).clone();
                if s == store_id && p != first {
                    lines.push((p, c, price));
                }
            }
            let english = rng.chance(30);
            // Placed 6 to 26 days ago; settled at least a day ago.
            let placed = now.plus_seconds(-(6 + rng.below(21) as i64) * DAY - rng.below(12 * 3_600) as i64);
            let shipped = placed.plus_seconds(3_600 + rng.below(30 * 3_600) as i64);
            let received = shipped.plus_seconds(2 * DAY + rng.below(2 * DAY as usize) as i64);
            let settled = received.plus_seconds(DAY);
            let lines = lines
                .into_iter()
                .map(|(product_id, sku_code, price)| {
                    let review = (rng.chance(65) && reviewed.insert((*buyer, product_id))).then(|| {
                        let stars = [5, 5, 5, 5, 4, 4, 3, 2, 1][rng.below(9)];
                        let texts = if english { REVIEWS_EN[stars - 1] } else { REVIEWS_ZH[stars - 1] };
                        ReviewImport {
                            rating: stars as i64,
                            body: rng.pick(texts).to_string(),
                            created_at: received.plus_seconds(rng.below(20 * 3_600) as i64),
                        }
                    });
                    LineImport {
                        product_id,
                        sku_code,
                        quantity: 1,
                        unit_price_minor: price,
                        discount_minor: 0,
                        note_id: None,
                        review,
                    }
                })
                .collect::<Vec<_>>();
            let carrier = *rng.pick(CARRIERS);
            let prefix = match carrier {
                "sf" => "SF",
                "jd" => "JDV",
                "zto" => "7",
                _ => "E",
            };
            history.push(OrderImport {
                buyer: *buyer,
                store_id,
                status: "settled".to_owned(),
                address: AddressInput {
                    recipient: recipient.to_owned(),
                    phone: phone.clone(),
                    region: region.to_owned(),
                    detail: detail.to_owned(),
                    is_default: false,
                },
                shipment: Some((
                    carrier.to_owned(),
                    format!("{prefix}{}", 4_021_000_000_000u64 + rng.below(999_999) as u64),
                )),
                shipping_minor: 0,
                placed_at: placed,
                paid_at: Some(placed.plus_seconds(120)),
                shipped_at: Some(shipped),
                received_at: Some(received),
                settled_at: Some(settled),
                lines,
            });
        }
    }
    // Oldest first: order ids follow the order they are written in, and lists go by id.
    history.sort_by_key(|order| order.placed_at);
    let reviews = history.iter().flat_map(|o| &o.lines).filter(|l| l.review.is_some()).count();
    for order in &history {
        let mut tx = db.begin().await?;
        import_order(&mut tx, Currency::CNY, order).await?;
        tx.commit().await?;
    }
    Ok((history.len(), reviews))
}
