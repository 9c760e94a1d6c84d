//! The demo's shops: each verified brand or merchant organization opens a store (a
//! free-shipping template, a remote-region template, a warehouse), lists products
//! in its category with Chinese and English names, options, prices, stock and the
//! category's pictures, and about a fifth of the notes in those categories tag one
//! of them — pinned on the note's first picture — so a reader can go from a note to
//! a product and back. Written through the store's modules with the events the
//! commerce context would append (ADR 0009).

use carmine_core::event::DomainEvent;
use carmine_core::{Error, Id, Result};
use carmine_store::products::{self, ProductRow, SkuRow};
use carmine_store::stores::{self, StoreSettings, TemplateRow};
use carmine_store::{Db, categories, product_tags};

use crate::rng::Rng;

/// A demo category's products: (category slug, option name, option values, products
/// as (title, brand line, base price in fen)).
struct Shelf {
    slug: &'static str,
    option: &'static str,
    values: &'static [&'static str],
    products: &'static [(&'static str, i64)],
}

/// By the demo's content category (护肤, 穿搭, 美食, 旅行, 家居).
const SHELVES: [Shelf; 5] = [
    Shelf {
        slug: "skincare",
        option: "规格 Size",
        values: &["30ml", "50ml"],
        products: &[
            ("修护精华 Repair serum", 19_900),
            ("氨基酸洁面 Gentle cleanser", 8_900),
            ("清透防晒乳 SPF50 sunscreen", 15_800),
            ("保湿面霜 Moisture cream", 23_900),
            ("舒缓面膜 Calming mask", 6_900),
            ("卸妆油 Cleansing oil", 12_900),
        ],
    },
    Shelf {
        slug: "womenswear",
        option: "尺码 Size",
        values: &["S", "M", "L"],
        products: &[
            ("亚麻衬衫 Linen shirt", 29_900),
            ("羊毛开衫 Wool cardigan", 45_900),
            ("直筒牛仔裤 Straight jeans", 35_900),
            ("风衣 Trench coat", 89_900),
        ],
    },
    Shelf {
        slug: "tea_coffee",
        option: "口味 Flavour",
        values: &["原味 Classic", "桂花 Osmanthus"],
        products: &[
            ("明前龙井 Longjing green tea", 16_800),
            ("冷萃咖啡 Cold brew", 5_900),
            ("白茶饼 White tea cake", 26_800),
            ("手工贝果 Bagels ×6", 4_800),
            ("桂花糕 Osmanthus cakes", 3_900),
        ],
    },
    Shelf {
        slug: "outdoor_gear",
        option: "颜色 Colour",
        values: &["雾蓝 Mist blue", "沙色 Sand"],
        products: &[("轻量背包 Day pack", 39_900), ("折叠水壶 Foldable bottle", 6_900)],
    },
    Shelf {
        slug: "decor",
        option: "颜色 Colour",
        values: &["奶白 Cream", "燕麦 Oat", "墨绿 Forest"],
        products: &[
            ("陶瓷花瓶 Ceramic vase", 12_900),
            ("亚麻抱枕 Linen cushion", 8_900),
            ("香薰蜡烛 Scented candle", 9_900),
            ("藤编收纳篮 Rattan basket", 7_900),
            ("阅读落地灯 Reading lamp", 45_900),
        ],
    },
];

/// What the shops seeded.
#[derive(Debug, Default)]
pub(crate) struct Shops {
    pub stores: usize,
    pub products: usize,
    pub tagged_notes: usize,
}

/// A store: (org id, demo category, store id, its products' ids).
type Store = (Id, usize, Id, Vec<Id>);

/// Opens the stores and lists their products; tags notes `(note, author, posted by,
/// category, first picture)` with them.
pub(crate) async fn seed(
    db: &Db,
    rng: &mut Rng,
    orgs: &[(Id, Id, usize, &'static str, &'static str)],
    pool: &[Vec<Id>],
    notes: &[(Id, Id, Id, usize, Option<Id>)],
) -> Result<Shops> {
    let mut shops = Shops::default();
    let tree = categories::list(&mut *db.reader().await?).await?;
    let mut opened: Vec<Store> = Vec::new();
    let mut tx = db.begin().await?;
    for &(org_id, owner, category, name, kind) in orgs {
        let store_type = if kind == "brand" { "brand_official" } else { "authorised_reseller" };
        let settings = StoreSettings {
            name,
            description: "官方店铺 · official store. 正品保障，48 小时内发货 · genuine goods, shipped within 48 hours.",
            store_type,
            logo_media_id: pool[category].first().copied(),
            banner_media_id: pool[category].get(1).copied(),
            return_days: 7,
            return_policy: "定制商品与已拆封的个护用品不支持无理由退货。Custom-made goods and opened personal-care items cannot be returned without a reason.",
        };
        let store_id = stores::insert(&mut tx, org_id, &settings).await?;
        let free = TemplateRow { name: "包邮 Free shipping", default_fee_minor: 0, free_over_minor: None, fees: &[] };
        let template = stores::insert_template(&mut tx, store_id, &free).await?;
        stores::set_default_template(&mut tx, store_id, template).await?;
        let remote = [("CN-XJ".to_owned(), Some(2_000)), ("CN-XZ".to_owned(), Some(2_000)), ("world".to_owned(), None)];
        let far = TemplateRow {
            name: "偏远地区 Remote regions",
            default_fee_minor: 800,
            free_over_minor: Some(9_900),
            fees: &remote,
        };
        stores::insert_template(&mut tx, store_id, &far).await?;
        let warehouse = stores::insert_warehouse(&mut tx, store_id, "上海仓 Shanghai", 1).await?;
        tx.emit(DomainEvent::StoreOpened { store_id, org_id }).await?;
        let shelf = &SHELVES[category];
        let category_id = tree
            .iter()
            .find(|c| c.slug == shelf.slug)
            .map(|c| c.id)
            .ok_or_else(|| Error::internal("a demo category is missing"))?;
        let mut listed = Vec::new();
        for (n, (title, price)) in shelf.products.iter().enumerate() {
            let row = ProductRow {
                category_id,
                title,
                description: "用心挑选的好物，细节见图。\nCarefully chosen; the pictures show the details.",
                brand: name.split_whitespace().last().unwrap_or(name),
                attributes: "[]",
                options: &serde_json::json!([{ "name": shelf.option, "values": shelf.values }]).to_string(),
                status: "active",
                returnable: shelf.slug != "skincare" || n % 2 == 0,
                shipping_template_id: None,
                affiliate_bps: if n % 2 == 0 { 500 } else { 0 },
                cross_border: false,
                origin_country: None,
                trade_mode: None,
                customs_warehouse_code: None,
                hs_code: None,
                declared_value_minor: None,
                certificate_media_id: None,
                certificate_status: "none",
                currency: "CNY",
            };
            let product_id = products::insert(&mut tx, store_id, owner, &row).await?;
            let pictures: Vec<Id> = (0..3)
                .map(|k| pool[category][(n * 3 + k) % pool[category].len()])
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            products::set_media(&mut tx, product_id, &pictures).await?;
            for (position, value) in shelf.values.iter().enumerate() {
                let price_minor = price + position as i64 * price / 5 / 100 * 100;
                let code = format!(
                    "{}-{:03}-{}",
                    &name.chars().filter(char::is_ascii_alphabetic).take(3).collect::<String>().to_uppercase(),
                    n + 1,
                    position + 1
                );
                let sku = SkuRow {
                    code: &code,
                    option_key: value,
                    price_minor,
                    compare_at_minor: (n % 3 == 0).then_some(price_minor + price_minor / 4 / 100 * 100),
                    currency: "CNY",
                    weight_grams: 200 + 100 * position as i64,
                    position: position as i64,
                };
                let sku_id = products::insert_sku(&mut tx, product_id, store_id, &sku).await?;
                products::record_price(&mut tx, sku_id, price_minor, sku.compare_at_minor).await?;
                let units = if rng.chance(15) { 0 } else { 5 + rng.below(200) as i64 };
                products::set_stock(&mut tx, sku_id, warehouse, units).await?;
            }
            products::refresh_listing(&mut tx, product_id).await?;
            tx.emit(DomainEvent::ProductChanged { product_id, store_id, status: "active".to_owned() }).await?;
            listed.push(product_id);
            shops.products += 1;
        }
        opened.push((org_id, category, store_id, listed));
        shops.stores += 1;
    }
    tx.commit().await?;

    // About a fifth of the notes in a shop's category tag one of its products, pinned.
    let mut tx = db.begin().await?;
    for &(note, author, posted_by, category, picture) in notes {
        let shops_here: Vec<&Store> = opened.iter().filter(|s| s.1 == category).collect();
        if shops_here.is_empty() || !rng.chance(20) {
            continue;
        }
        let store = rng.pick(&shops_here);
        let product = *rng.pick(&store.3);
        let pin = picture.map(|p| (p, 200 + rng.below(600) as i64, 250 + rng.below(500) as i64));
        let tag = product_tags::TagRow { product_id: product, pin, affiliate: author != store.0 };
        product_tags::replace(&mut tx, note, posted_by, &[tag]).await?;
        tx.emit(DomainEvent::NoteProductsTagged { note_id: note, count: 1 }).await?;
        shops.tagged_notes += 1;
    }
    tx.commit().await?;
    Ok(shops)
}
