//! The generator's shops (model v2, `docs/generator-model.md`): one store per 50
//! members, each of a shop organization owned by a creator; one product per 5 notes,
//! spread over the stores by a heavy tail; product tags on about 20 % of published
//! notes, drawn from the note's topic cluster with a heavy tail of appeal (a few
//! products are in many notes). Drawn from its own SplitMix64 stream, so the model
//! v1 files (members, notes, engagement) are byte-identical to before.

use std::collections::BTreeMap;
use std::path::Path;

use carmine_core::Timestamp;

use crate::format::{self, Organization};
use crate::generate::{CLUSTERS, Note, Out, Rng, Scale, Weighted};

/// Salt of the commerce stream ("commerce" in ASCII).
const STREAM: u64 = 0x636F_6D6D_6572_6365;

/// Categories of the seeded tree that sell to each cluster, in `CLUSTERS` order.
const CATEGORIES: [&[&str]; 12] = [
    &["201", "202", "203"],
    &["101", "102", "103", "104"],
    &["601", "602", "501"],
    &["104", "902"],
    &["701", "702", "703"],
    &["901", "902"],
    &["801", "802", "803"],
    &["401", "402"],
    &["1001", "1002"],
    &["702", "602"],
    &["803", "104"],
    &["902", "901"],
];
/// A cluster's typical price in fen (the median of a log-normal).
const PRICE_MEDIANS: [f64; 12] = [
    19_900.0, 29_900.0, 6_900.0, 39_900.0, 15_900.0, 25_900.0, 99_900.0, 12_900.0, 15_900.0, 5_900.0, 89_900.0,
    45_900.0,
];
const ADJECTIVES_ZH: &[&str] = &["经典款", "新款", "限定", "轻奢", "基础款", "升级版", "便携装", "家庭装"];
const ADJECTIVES_EN: &[&str] = &["Classic", "New", "Limited", "Essential", "Pro", "Mini", "Travel size", "Family pack"];
const COLOURS: &[&str] = &["黑色 Black", "白色 White", "奶油色 Cream", "雾霾蓝 Haze blue", "樱花粉 Sakura"];
const SIZES: &[&str] = &["S", "M", "L", "XL"];
const ORIGINS: &[&str] = &["JP", "KR", "FR", "US", "AU", "DE", "IT", "NZ"];
const AFFILIATE_RATES: &[i64] = &[300, 500, 800, 1000, 1500];

/// A shop organization and what its store sells.
pub(crate) struct Shop {
    pub(crate) organization: Organization,
    cluster: usize,
}

/// The shop organizations: drawn without randomness (so model v1's stream is
/// untouched), each owned by a creator, half brands and half merchants.
pub(crate) fn shops(scale: &Scale, creators: &[usize], created_at: Timestamp) -> Vec<Shop> {
    (0..scale.members / 50)
        .map(|n| {
            let cluster = n % CLUSTERS.len();
            let owner = creators.get((n * 7 + 3) % creators.len().max(1)).copied().unwrap_or(0);
            let c = &CLUSTERS[cluster];
            Shop {
                organization: Organization {
                    id: format!("shop{n}"),
                    handle: format!("{}_shop{n}", c.en.replace(' ', "_")),
                    name: format!("{}好物 {} shop {n}", c.zh, c.en),
                    kind: if n % 2 == 0 { "brand" } else { "merchant" }.to_owned(),
                    description: format!("{}好物精选 · {} picks", c.zh, c.en),
                    owner: format!("u{owner}"),
                    members: Vec::new(),
                    created_at,
                },
                cluster,
            }
        })
        .collect()
}

/// What purchases are drawn from: each product's store, whether it is on sale, and
/// its variants' codes and prices; each tagging note's products.
pub(crate) struct Catalogue {
    pub(crate) products: Vec<Sellable>,
    /// (note index, product numbers it tags).
    pub(crate) tags: Vec<(usize, Vec<u32>)>,
    /// Each product's appeal (0 for products not on sale).
    pub(crate) appeal: Vec<f64>,
}

pub(crate) struct Sellable {
    pub(crate) store: usize,
    pub(crate) active: bool,
    pub(crate) variants: Vec<(String, i64)>,
}

/// Writes `stores.jsonl`, `products.jsonl` and `product_tags.jsonl`; returns what
/// purchases are drawn from.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write(
    dir: &Path,
    seed: u64,
    scale: &Scale,
    shops: &[Shop],
    notes: &[Note],
    start: Timestamp,
    counts: &mut BTreeMap<String, u64>,
    progress: bool,
) -> Result<Catalogue, String> {
    let mut rng = Rng(seed ^ STREAM);
    let mut catalogue = Catalogue { products: Vec::new(), tags: Vec::new(), appeal: Vec::new() };
    let day = 86_400_000_000i64;
    // Stores.
    let mut warehouses = Vec::with_capacity(shops.len());
    let mut cross_border = Vec::with_capacity(shops.len());
    let mut out = Out::create(dir, "stores.jsonl", shops.len(), progress)?;
    for shop in shops {
        let brand = shop.organization.kind == "brand";
        let store_type = match (brand, rng.chance(0.2)) {
            (true, _) => "brand_official",
            (false, true) => "cross_border",
            (false, false) => "authorised_reseller",
        };
        let mut templates = vec![format::ShippingTemplate {
            name: "包邮 Free shipping".to_owned(),
            default_fee: 0,
            free_over: None,
            fees: BTreeMap::new(),
        }];
        if rng.chance(0.5) {
            templates.push(format::ShippingTemplate {
                name: "偏远地区 Remote regions".to_owned(),
                default_fee: 0,
                free_over: Some(9_900),
                fees: [("CN-XZ".to_owned(), None), ("CN-XJ".to_owned(), Some(2_000)), ("world".to_owned(), None)]
                    .into_iter()
                    .collect(),
            });
        }
        let names = if rng.chance(0.3) { vec!["主仓 Main", "华东仓 East"] } else { vec!["主仓 Main"] };
        warehouses.push(names.len());
        cross_border.push(store_type == "cross_border");
        out.write(&format::Store {
            id: format!("s{}", shop.organization.id),
            organization: shop.organization.id.clone(),
            name: shop.organization.name.chars().take(40).collect(),
            description: shop.organization.description.clone(),
            store_type: store_type.to_owned(),
            logo: None,
            banner: None,
            return_days: if rng.chance(0.1) { 0 } else { 7 },
            return_policy: String::new(),
            default_template: 0,
            shipping_templates: templates,
            warehouses: names.into_iter().map(str::to_owned).collect(),
            suspended: None,
            created_at: Timestamp(start.micros() - day),
        })?;
    }
    out.finish(counts)?;

    // Products, over the stores by a heavy tail.
    let product_count = scale.notes / 5;
    let by_size = Weighted::new(shops.iter().map(|_| rng.pareto(1.2)));
    let mut taggable: Vec<Vec<(u32, f64)>> = vec![Vec::new(); CLUSTERS.len()];
    let mut out = Out::create(dir, "products.jsonl", product_count, progress)?;
    for n in 0..product_count {
        if shops.is_empty() {
            break;
        }
        let s = by_size.draw(&mut rng);
        let cluster = shops[s].cluster;
        let c = &CLUSTERS[cluster];
        let english = rng.chance(0.3);
        let title = if english {
            format!("{} {} {n}", rng.pick(ADJECTIVES_EN), rng.pick(c.nouns_en))
        } else {
            format!("{}{} {n}", rng.pick(c.nouns_zh), rng.pick(ADJECTIVES_ZH))
        };
        let base = PRICE_MEDIANS[cluster] * (0.6 * rng.normal()).exp();
        let price = ((base / 100.0).round() as i64 * 100).clamp(100, 10_000_000);
        let shape = rng.unit();
        let options: Vec<format::ProductOption> = if shape < 0.3 {
            Vec::new()
        } else {
            let colours = 2 + rng.below(3);
            let mut options = vec![format::ProductOption {
                name: "颜色 Colour".to_owned(),
                values: pick_values(&mut rng, COLOURS, colours),
            }];
            if shape > 0.8 {
                options.push(format::ProductOption {
                    name: "尺码 Size".to_owned(),
                    values: SIZES.iter().map(|s| s.to_string()).collect(),
                });
            }
            options
        };
        let combinations: Vec<Vec<String>> = options.iter().fold(vec![Vec::new()], |acc, option| {
            acc.iter()
                .flat_map(|prefix| {
                    option.values.iter().map(move |value| {
                        let mut next = prefix.clone();
                        next.push(value.clone());
                        next
                    })
                })
                .collect()
        });
        let compare_at = rng.chance(0.3).then(|| price / 100 * 120);
        let variants = combinations
            .into_iter()
            .enumerate()
            .map(|(i, values)| format::ProductVariant {
                options: values,
                code: format!("G{n}-{}", i + 1),
                price: price + 100 * (i as i64 % 3),
                compare_at: compare_at.map(|c| c + 100 * (i as i64 % 3)),
                weight_grams: 100 + rng.below(2_000) as i64,
                stock: (0..warehouses[s]).map(|_| if rng.chance(0.1) { 0 } else { rng.below(300) as i64 }).collect(),
            })
            .collect();
        let status = match rng.unit() {
            u if u < 0.95 => "active",
            u if u < 0.98 => "archived",
            _ => "draft",
        };
        let mut appeal = 0.0;
        if status != "draft" {
            appeal = rng.pareto(1.3);
            taggable[cluster].push((n as u32, appeal));
        }
        catalogue.appeal.push(if status == "active" { appeal } else { 0.0 });
        let product = format::Product {
            id: format!("p{n}"),
            store: format!("s{}", shops[s].organization.id),
            category: rng.pick(CATEGORIES[cluster]).to_string(),
            title,
            description: format!("{}精选好物,细节见图。Picked for {} lovers.", c.zh, c.en),
            brand: shops[s].organization.name.chars().take(40).collect(),
            attributes: Vec::new(),
            options,
            variants,
            images: Vec::new(),
            status: status.to_owned(),
            returnable: !rng.chance(0.05),
            shipping_template: None,
            affiliate_bps: if rng.chance(0.4) { 0 } else { *rng.pick(AFFILIATE_RATES) },
            currency: None,
            cross_border: cross_border[s].then(|| format::CrossBorder {
                origin_country: rng.pick(ORIGINS).to_string(),
                trade_mode: if rng.chance(0.6) { "bonded_warehouse" } else { "direct_mail" }.to_owned(),
                warehouse_code: None,
                hs_code: None,
                declared_value: Some(price / 2),
                certificate: None,
                certificate_status: None,
            }),
            created_at: Timestamp(start.micros() - day + rng.below(20 * 3_600) as i64 * 1_000_000),
        };
        catalogue.products.push(Sellable {
            store: s,
            active: status == "active",
            variants: product.variants.iter().map(|v| (v.code.clone(), v.price)).collect(),
        });
        out.write(&product)?;
    }
    out.finish(counts)?;

    // Tags on ~20 % of published notes: 1–3 products of the note's cluster, by appeal.
    let appeal: Vec<Weighted> = taggable.iter().map(|pool| Weighted::new(pool.iter().map(|(_, a)| *a))).collect();
    let mut out = Out::create(dir, "product_tags.jsonl", notes.len() / 5, progress)?;
    for (n, note) in notes.iter().enumerate() {
        if !note.published || !rng.chance(0.2) {
            continue;
        }
        // A cluster no shop sells to (small scales) borrows the next one's products.
        let Some(cluster) =
            (0..CLUSTERS.len()).map(|k| (note.cluster + k) % CLUSTERS.len()).find(|c| !taggable[*c].is_empty())
        else {
            continue;
        };
        let mut chosen: Vec<u32> = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let product = taggable[cluster][appeal[cluster].draw(&mut rng)].0;
            if !chosen.contains(&product) {
                chosen.push(product);
            }
        }
        out.write(&format::ProductTags {
            note: format!("n{n}"),
            tags: chosen.iter().map(|p| format::ProductTag { product: format!("p{p}"), pin: None }).collect(),
            created_at: Timestamp(note.at),
        })?;
        catalogue.tags.push((n, chosen));
    }
    out.finish(counts)?;
    Ok(catalogue)
}

/// `count` distinct values of `from`, in its order.
fn pick_values(rng: &mut Rng, from: &[&str], count: usize) -> Vec<String> {
    let start = rng.below(from.len());
    let mut values: Vec<usize> = (0..count.min(from.len())).map(|i| (start + i) % from.len()).collect();
    values.sort_unstable();
    values.into_iter().map(|i| from[i].to_owned()).collect()
}
