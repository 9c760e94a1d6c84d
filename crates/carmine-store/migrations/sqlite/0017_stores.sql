-- Commerce I (carmine-commerce, ADR 0024): the operator's product category tree with
-- commission rates, and stores — one per verified brand or merchant organization —
-- with their shipping templates and warehouses.

-- The platform's category tree. The defaults below follow the published rates
-- (ADR 0024): 5% apparel, personal care and pets; 4% beauty; 2% fresh food;
-- 5% where the published table is silent. A sub-category starts at its parent's rate.
-- Ids below 10,000 are the seeded defaults; the application's ids are far larger.
CREATE TABLE categories (
    id              BIGINT PRIMARY KEY,
    parent_id       BIGINT REFERENCES categories (id),
    slug            TEXT   NOT NULL,
    name_en         TEXT   NOT NULL,
    name_zh         TEXT   NOT NULL,
    commission_bps  BIGINT NOT NULL CHECK (commission_bps BETWEEN 0 AND 10000),
    position        BIGINT NOT NULL DEFAULT 0,
    archived_at     BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CONSTRAINT categories__slug_key UNIQUE (slug)
);
CREATE INDEX categories_parent ON categories (parent_id, position, id);

INSERT INTO categories (id, parent_id, slug, name_en, name_zh, commission_bps, position, created_at, updated_at) VALUES
    (1, NULL, 'apparel', 'Apparel', '服饰', 500, 1, 0, 0),
    (2, NULL, 'beauty', 'Beauty', '美妆', 400, 2, 0, 0),
    (3, NULL, 'personal_care', 'Personal care', '个护清洁', 500, 3, 0, 0),
    (4, NULL, 'pets', 'Pets', '宠物', 500, 4, 0, 0),
    (5, NULL, 'fresh_food', 'Fresh food', '生鲜', 200, 5, 0, 0),
    (6, NULL, 'food', 'Food & drink', '食品饮料', 500, 6, 0, 0),
    (7, NULL, 'home', 'Home', '家居', 500, 7, 0, 0),
    (8, NULL, 'electronics', 'Electronics', '数码', 500, 8, 0, 0),
    (9, NULL, 'sports', 'Sports & outdoors', '运动户外', 500, 9, 0, 0),
    (10, NULL, 'baby', 'Mother & baby', '母婴', 500, 10, 0, 0),
    (101, 1, 'womenswear', 'Womenswear', '女装', 500, 1, 0, 0),
    (102, 1, 'menswear', 'Menswear', '男装', 500, 2, 0, 0),
    (103, 1, 'shoes', 'Shoes', '鞋靴', 500, 3, 0, 0),
    (104, 1, 'bags', 'Bags & accessories', '箱包配饰', 500, 4, 0, 0),
    (201, 2, 'skincare', 'Skincare', '护肤', 400, 1, 0, 0),
    (202, 2, 'makeup', 'Makeup', '彩妆', 400, 2, 0, 0),
    (203, 2, 'fragrance', 'Fragrance', '香水', 400, 3, 0, 0),
    (301, 3, 'hair_care', 'Hair care', '洗发护发', 500, 1, 0, 0),
    (302, 3, 'body_care', 'Body care', '身体护理', 500, 2, 0, 0),
    (303, 3, 'oral_care', 'Oral care', '口腔护理', 500, 3, 0, 0),
    (401, 4, 'pet_food', 'Pet food', '宠物食品', 500, 1, 0, 0),
    (402, 4, 'pet_supplies', 'Pet supplies', '宠物用品', 500, 2, 0, 0),
    (501, 5, 'fruit', 'Fruit', '水果', 200, 1, 0, 0),
    (502, 5, 'seafood', 'Seafood', '海鲜水产', 200, 2, 0, 0),
    (503, 5, 'meat_eggs', 'Meat & eggs', '肉禽蛋', 200, 3, 0, 0),
    (601, 6, 'snacks', 'Snacks', '零食', 500, 1, 0, 0),
    (602, 6, 'tea_coffee', 'Tea & coffee', '茶与咖啡', 500, 2, 0, 0),
    (701, 7, 'kitchen', 'Kitchen', '厨具', 500, 1, 0, 0),
    (702, 7, 'decor', 'Decor', '家居装饰', 500, 2, 0, 0),
    (703, 7, 'bedding', 'Bedding', '床品', 500, 3, 0, 0),
    (801, 8, 'phones', 'Phones', '手机', 500, 1, 0, 0),
    (802, 8, 'audio', 'Audio', '耳机音响', 500, 2, 0, 0),
    (803, 8, 'cameras', 'Cameras', '相机', 500, 3, 0, 0),
    (901, 9, 'sportswear', 'Sportswear', '运动服饰', 500, 1, 0, 0),
    (902, 9, 'outdoor_gear', 'Outdoor gear', '户外装备', 500, 2, 0, 0),
    (1001, 10, 'baby_care', 'Baby care', '婴童用品', 500, 1, 0, 0),
    (1002, 10, 'toys', 'Toys', '玩具', 500, 2, 0, 0);

-- A store: one per organization (the store's followers are the organization's).
-- `score_centi` is the store score × 100, shown to buyers; it starts at the neutral
-- 450 (4.50: below the 4.7 that earns faster settlement, above any warning) until
-- reviews and after-sales (Commerce II) move it.
CREATE TABLE stores (
    id                    BIGINT PRIMARY KEY,
    org_id                BIGINT NOT NULL REFERENCES orgs (id),
    name                  TEXT   NOT NULL,
    description           TEXT   NOT NULL DEFAULT '',
    store_type            TEXT   NOT NULL
                          CHECK (store_type IN ('brand_official', 'authorised_reseller', 'cross_border')),
    logo_media_id         BIGINT REFERENCES media (id),
    banner_media_id       BIGINT REFERENCES media (id),
    return_days           BIGINT NOT NULL DEFAULT 7 CHECK (return_days BETWEEN 0 AND 30),
    return_policy         TEXT   NOT NULL DEFAULT '',
    score_centi           BIGINT NOT NULL DEFAULT 450 CHECK (score_centi BETWEEN 0 AND 500),
    status                TEXT   NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'suspended')),
    suspended_reason      TEXT,
    suspended_at          BIGINT,
    default_template_id   BIGINT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    CONSTRAINT stores__org_id_key UNIQUE (org_id)
);
CREATE INDEX stores_status ON stores (status, id);

-- Shipping: a template's default fee applies to every region it does not list; a
-- listed region has its own fee, or NULL: the template does not deliver there.
-- Regions are ISO 3166-2:CN codes ('CN-BJ'…) and 'world' for the rest of the world.
CREATE TABLE shipping_templates (
    id                 BIGINT PRIMARY KEY,
    store_id           BIGINT NOT NULL REFERENCES stores (id),
    name               TEXT   NOT NULL,
    default_fee_minor  BIGINT NOT NULL CHECK (default_fee_minor >= 0),
    free_over_minor    BIGINT CHECK (free_over_minor IS NULL OR free_over_minor > 0),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX shipping_templates_store ON shipping_templates (store_id, id);

CREATE TABLE shipping_fees (
    template_id  BIGINT NOT NULL REFERENCES shipping_templates (id),
    region       TEXT   NOT NULL,
    fee_minor    BIGINT CHECK (fee_minor IS NULL OR fee_minor >= 0),
    PRIMARY KEY (template_id, region)
);

-- Where stock is kept. Checkout reserves a whole line from the first warehouse, by
-- `priority` (lowest first), that can cover it.
CREATE TABLE warehouses (
    id          BIGINT PRIMARY KEY,
    store_id    BIGINT NOT NULL REFERENCES stores (id),
    name        TEXT   NOT NULL,
    priority    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT warehouses__store_id_key UNIQUE (store_id, priority)
);
