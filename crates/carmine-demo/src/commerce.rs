//! The demo's shops: each verified brand or merchant organization opens a store (a
//! free-shipping template, a remote-region template, a warehouse), lists products
//! in its category with Chinese and English names, options, prices, stock and the
//! category's pictures, and about a fifth of the notes in those categories tag one
//! of them — pinned on the note's first picture — so a reader can go from a note to
//! a product and back. Written through the store's modules with the events the
//! commerce context would append (ADR 0009).

use carmine_core::event::DomainEvent;
use carmine_core::{Error, Id, Result, Timestamp};
use carmine_store::products::{self, ProductRow, SkuRow};
use carmine_store::stores::{self, StoreSettings, TemplateRow};
use carmine_store::{Db, categories, product_tags};

use crate::rng::Rng;

/// A demo category's products: (category slug, option name, option values, products
/// as (title, base price in fen, words a note about it mentions — none: any note in
/// the category may show it)).
struct Shelf {
    slug: &'static str,
    option: &'static str,
    values: &'static [&'static str],
    products: &'static [(&'static str, i64, &'static [&'static str])],
}

fn shelf_of(category: usize) -> &'static Shelf {
    &SHELVES[category]
}

/// Whether a note (its title, lower-cased) is about a product with these words.
fn mentions(text: &str, words: &[&str]) -> bool {
    words.is_empty() || words.iter().any(|w| text.contains(w))
}

/// By the demo's content category (护肤, 穿搭, 美食, 旅行, 家居).
const SHELVES: [Shelf; 5] = [
    Shelf {
        slug: "skincare",
        option: "规格 Size",
        values: &["30ml", "50ml"],
        products: &[
            ("修护精华 Repair serum", 19_900, &["精华", "serum", "retinol"]),
            ("氨基酸洁面 Gentle cleanser", 8_900, &["洁面", "toner"]),
            ("清透防晒乳 SPF50 sunscreen", 15_800, &["防晒", "spf"]),
            ("保湿面霜 Moisture cream", 23_900, &["面霜", "秋冬护肤"]),
            ("舒缓面膜 Calming mask", 6_900, &["面膜", "焕亮"]),
            ("卸妆油 Cleansing oil", 12_900, &["卸妆", "night routine"]),
        ],
    },
    Shelf {
        slug: "womenswear",
        option: "尺码 Size",
        values: &["S", "M", "L"],
        products: &[
            ("亚麻衬衫 Linen shirt", 29_900, &["衬衫", "通勤"]),
            ("羊毛开衫 Wool cardigan", 45_900, &["针织衫", "毛衣", "capsule"]),
            ("直筒牛仔裤 Straight jeans", 35_900, &["牛仔裤", "小个子"]),
            ("风衣 Trench coat", 89_900, &["风衣", "trench", "大衣"]),
        ],
    },
    Shelf {
        slug: "tea_coffee",
        option: "口味 Flavour",
        values: &["原味 Classic", "桂花 Osmanthus"],
        products: &[
            ("明前龙井 Longjing green tea", 16_800, &["龙井", "hangzhou", "杭州"]),
            ("冷萃咖啡 Cold brew", 5_900, &["咖啡"]),
            ("白茶饼 White tea cake", 26_800, &["白茶"]),
            ("手工贝果 Bagels ×6", 4_800, &["贝果", "早午餐", "brunch", "早餐"]),
            ("桂花糕 Osmanthus cakes", 3_900, &["甜点", "烘焙"]),
        ],
    },
    Shelf {
        slug: "outdoor_gear",
        option: "颜色 Colour",
        values: &["雾蓝 Mist blue", "沙色 Sand"],
        products: &[("轻量背包 Day pack", 39_900, &[]), ("折叠水壶 Foldable bottle", 6_900, &[])],
    },
    Shelf {
        slug: "decor",
        option: "颜色 Colour",
        values: &["奶白 Cream", "燕麦 Oat", "墨绿 Forest"],
        products: &[
            ("陶瓷花瓶 Ceramic vase", 12_900, &["玄关", "北欧风", "改造"]),
            ("亚麻抱枕 Linen cushion", 8_900, &["sofa", "客厅", "cozy"]),
            ("香薰蜡烛 Scented candle", 9_900, &["床头", "warm light", "治愈"]),
            ("藤编收纳篮 Rattan basket", 7_900, &["收纳", "衣柜", "抽屉"]),
            ("阅读落地灯 Reading lamp", 45_900, &["reading", "书桌", "desk"]),
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

/// A store: (org id, demo category, store id, its products as (id, the words a note
/// about it mentions)).
type Store = (Id, usize, Id, Vec<(Id, &'static [&'static str])>);

/// A public note the shops may tag: (note, author, who posted it, demo category, first
/// picture, its title lower-cased: what it is about).
pub(crate) type TaggableNote = (Id, Id, Id, usize, Option<Id>, String);

/// Opens the stores and lists their products; tags notes `(note, author, posted by,
/// category, first picture)` with them.
pub(crate) async fn seed(
    db: &Db,
    rng: &mut Rng,
    orgs: &[(Id, Id, usize, &'static str, &'static str)],
    pool: &[Vec<Id>],
    notes: &[TaggableNote],
) -> Result<Shops> {
    let mut shops = Shops::default();
    let tree = categories::list(&mut *db.reader().await?).await?;
    let mut opened: Vec<Store> = Vec::new();
    let mut tx = db.begin().await?;
    for &(org_id, owner, category, name, kind) in orgs {
        let (store_type, description, brand) = if kind == "brand" {
            let latin: Vec<&str> = name.split_whitespace().filter(|w| w.is_ascii()).collect();
            (
                "brand_official",
                "品牌官方店铺，正品保障，48 小时内发货。The brand's own store: genuine goods, shipped within 48 hours.",
                latin.join(" "),
            )
        } else {
            (
                "authorised_reseller",
                "品牌授权经销，正品保障，48 小时内发货。An authorised reseller: genuine goods, shipped within 48 hours.",
                String::new(),
            )
        };
        let settings = StoreSettings {
            name,
            description,
            store_type,
            logo_media_id: pool[category].first().copied(),
            banner_media_id: pool[category].get(1).copied(),
            return_days: 7,
            return_policy: if shelf_of(category).slug == "skincare" {
                "已拆封的个护用品不支持无理由退货。Opened personal-care items cannot be returned without a reason."
            } else {
                "定制商品与已拆封的食品不支持无理由退货。Custom-made goods and opened food cannot be returned without a reason."
            },
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
        let shelf = shelf_of(category);
        let category_id = tree
            .iter()
            .find(|c| c.slug == shelf.slug)
            .map(|c| c.id)
            .ok_or_else(|| Error::internal("a demo category is missing"))?;
        let mut listed = Vec::new();
        for (n, (title, price, _)) in shelf.products.iter().enumerate() {
            let row = ProductRow {
                category_id,
                title,
                description: "用心挑选的好物，细节见图。\nCarefully chosen; the pictures show the details.",
                brand: &brand,
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
            listed.push((product_id, shelf.products[n].2));
            shops.products += 1;
        }
        opened.push((org_id, category, store_id, listed));
        shops.stores += 1;
    }
    tx.commit().await?;

    // Notes that mention a shop's product tag it (about half of them), pinned: a
    // serum under a note about serums, never under one about sunscreen.
    let mut tx = db.begin().await?;
    for (note, author, posted_by, category, picture, text) in notes {
        let fitting: Vec<(&Store, Id)> = opened
            .iter()
            .filter(|s| s.1 == *category)
            .flat_map(|s| s.3.iter().filter(|(_, words)| mentions(text, words)).map(move |(id, _)| (s, *id)))
            .collect();
        if fitting.is_empty() || !rng.chance(50) {
            continue;
        }
        let (store, product) = *rng.pick(&fitting);
        let pin = picture.map(|p| (p, 200 + rng.below(600) as i64, 250 + rng.below(500) as i64));
        let tag = product_tags::TagRow { product_id: product, pin, affiliate: *author != store.0 };
        product_tags::replace(&mut tx, *note, *posted_by, &[tag]).await?;
        tx.emit(DomainEvent::NoteProductsTagged { note_id: *note, count: 1 }).await?;
        shops.tagged_notes += 1;
    }
    tx.commit().await?;
    Ok(shops)
}

/// What the demo's shops offer now: each store a "¥20 off ¥199" coupon, each brand's
/// first product a flash sale (20 units at 80%, one per member), and the platform a
/// "¥10 off ¥99" welcome coupon the printed log-ins already hold. Returns
/// (coupons, sales).
pub(crate) async fn offers(db: &Db, now: Timestamp, owner: Id, holders: &[Id]) -> Result<(usize, usize)> {
    use carmine_store::{coupons, sales};
    let mut tx = db.begin().await?;
    let open = stores::list(tx.conn(), "open", None, 100).await?;
    let (mut issued, mut on_sale) = (0, 0);
    let month = now.plus_seconds(30 * 86_400);
    for store in &open {
        let coupon = coupons::CouponRow {
            store_id: Some(store.id),
            name: "满199减20 ¥20 off ¥199",
            kind: "fixed",
            amount_minor: Some(2_000),
            percent_bps: None,
            cap_minor: None,
            min_spend_minor: 19_900,
            starts_at: now.plus_seconds(-86_400),
            ends_at: month,
            per_member_limit: 1,
            quantity: Some(500),
        };
        let coupon_id = coupons::insert(&mut tx, &coupon, owner).await?;
        tx.emit(DomainEvent::CouponIssued { coupon_id, store_id: Some(store.id) }).await?;
        issued += 1;
        if store.store_type != "brand_official" {
            continue;
        }
        // The newest product with a variant in stock.
        let mut found = None;
        for product in products::list_for_store(tx.conn(), store.id, "active", None, None, 10).await? {
            let stock = products::stock(tx.conn(), product.id).await?;
            let in_stock = products::skus(tx.conn(), product.id)
                .await?
                .into_iter()
                .find(|sku| !sku.archived && stock.iter().any(|s| s.sku_id == sku.id && s.on_hand - s.reserved >= 20));
            if let Some(sku) = in_stock {
                found = Some(sku);
                break;
            }
        }
        let Some(sku) = found else { continue };
        let sale = sales::SaleRow {
            sku_id: sku.id,
            store_id: store.id,
            price_minor: (sku.price_minor * 4 / 5 / 100).max(1) * 100,
            quantity: 20,
            per_member_limit: 1,
            starts_at: now.plus_seconds(-3_600),
            ends_at: now.plus_seconds(7 * 86_400),
        };
        let sale_id = sales::insert(&mut tx, &sale, owner).await?;
        tx.emit(DomainEvent::SaleChanged { sale_id, sku_id: sku.id }).await?;
        on_sale += 1;
    }
    let welcome = coupons::CouponRow {
        store_id: None,
        name: "新人券 Welcome ¥10 off ¥99",
        kind: "fixed",
        amount_minor: Some(1_000),
        percent_bps: None,
        cap_minor: None,
        min_spend_minor: 9_900,
        starts_at: now.plus_seconds(-86_400),
        ends_at: month,
        per_member_limit: 1,
        quantity: None,
    };
    let welcome_id = coupons::insert(&mut tx, &welcome, owner).await?;
    tx.emit(DomainEvent::CouponIssued { coupon_id: welcome_id, store_id: None }).await?;
    issued += 1;
    for holder in holders {
        if coupons::count_claim(&mut tx, welcome_id).await? {
            coupons::insert_claim(&mut tx, welcome_id, *holder).await?;
            tx.emit(DomainEvent::CouponClaimed { coupon_id: welcome_id, user_id: *holder }).await?;
        }
    }
    tx.commit().await?;
    Ok((issued, on_sale))
}
