//! What the demo community talks about, in Chinese and English.

pub struct Category {
    pub topic: &'static str,
    pub palette: [[u8; 3]; 3],
    pub titles: &'static [&'static str],
    pub lines: &'static [&'static str],
    pub topics: &'static [&'static str],
}

pub const CATEGORIES: &[Category] = &[
    Category {
        topic: "护肤",
        palette: [[250, 214, 214], [244, 164, 180], [255, 240, 230]],
        titles: &[
            "秋冬护肤清单",
            "敏感肌亲测好用",
            "My night routine",
            "平价精华红黑榜",
            "SPF without pilling",
            "一周焕亮计划",
            "干皮救星面霜",
            "Retinol 101",
        ],
        lines: &[
            "用了一个月，皮肤真的稳定了很多。",
            "Texture is light and it layers well under makeup.",
            "敏感肌友好，没有刺激感 👍",
            "价格不到两百，性价比很高。",
            "Patch test first if your skin is reactive!",
            "早C晚A坚持下来效果明显。",
            "包装很可爱，出差带着也方便。",
        ],
        topics: &["护肤", "skincare", "敏感肌", "好物分享", "beauty"],
    },
    Category {
        topic: "穿搭",
        palette: [[221, 214, 200], [120, 140, 160], [60, 60, 70]],
        titles: &[
            "通勤穿搭一周不重样",
            "小个子显高秘诀",
            "Capsule wardrobe",
            "秋天的第一件风衣",
            "Thrift haul",
            "法式慵懒风",
            "OOTD 雨天也要美美的",
        ],
        lines: &[
            "大衣是去年买的，今年搭配新毛衣又是新感觉。",
            "Neutral colours make everything easy to mix.",
            "身高158，穿M码刚好。",
            "鞋子是关键，一双乐福鞋走天下。",
            "Tuck the front only — instant waistline.",
            "配饰选金色更显气色。",
        ],
        topics: &["穿搭", "ootd", "通勤", "fashion", "小个子"],
    },
    Category {
        topic: "美食",
        palette: [[245, 200, 120], [200, 90, 50], [250, 240, 210]],
        titles: &[
            "上海宝藏小馆",
            "10分钟快手早餐",
            "Best dumplings ever",
            "周末烘焙：巴斯克芝士",
            "一人食晚餐",
            "Hotpot night at home",
            "咖啡店探店合集",
        ],
        lines: &[
            "人均80，分量超足。",
            "The broth is rich but not greasy.",
            "排队半小时，值得！",
            "Recipe below: flour, butter, a lot of patience.",
            "老板很热情，还送了小甜点。",
            "下次还要来吃招牌菜。",
        ],
        topics: &["美食", "探店", "food", "烘焙", "一人食"],
    },
    Category {
        topic: "旅行",
        palette: [[120, 180, 220], [90, 150, 110], [240, 220, 180]],
        titles: &[
            "大理三天两夜攻略",
            "Kyoto in autumn",
            "小众海岛推荐",
            "川西自驾避坑指南",
            "Weekend in Hangzhou",
            "云南慢旅行",
            "Bali's quiet beaches",
        ],
        lines: &[
            "住在古城边上，晚上散步很舒服。",
            "Go early — by 9am the crowds arrive.",
            "路况不错，但记得带厚外套。",
            "Local buses are cheap and reliable.",
            "日落的时候整片天空都是粉色的。",
            "民宿老板推荐的小路超美。",
        ],
        topics: &["旅行", "travel", "攻略", "自驾", "周末去哪儿"],
    },
    Category {
        topic: "家居",
        palette: [[230, 225, 215], [150, 170, 140], [190, 160, 130]],
        titles: &[
            "出租屋改造前后",
            "Small balcony garden",
            "收纳神器合集",
            "北欧风客厅",
            "Cozy reading corner",
            "厨房清洁小技巧",
        ],
        lines: &[
            "花了不到一千块，整个房间焕然一新。",
            "Plants that survive even if you forget them.",
            "抽屉分隔盒真的太好用了。",
            "Warm light changes everything.",
            "原木色家具搭配绿植很治愈。",
        ],
        topics: &["家居", "收纳", "home", "租房改造", "好物分享"],
    },
];

pub const GIVEN: &[&str] = &[
    "xiaohong", "lanlan", "meimei", "tingting", "yuki", "lily", "amy", "jason", "chen", "wei", "mia", "leo", "anna",
    "kai", "zoe", "jun", "nina", "hao", "ivy", "ray",
];
pub const FAMILY: &[&str] =
    &["li", "wang", "zhang", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "lin", "sun"];
pub const DISPLAY: &[&str] = &[
    "小红", "蓝蓝", "美美", "婷婷", "Yuki", "Lily 陈", "Amy", "Jason", "阿晨", "小伟", "Mia", "Leo 李", "安娜", "Kai",
    "Zoe", "俊俊", "Nina", "浩浩", "Ivy", "Ray",
];
pub const CITIES: &[&str] = &["上海", "北京", "杭州", "成都", "广州", "深圳", "Shanghai", "London", "Singapore"];
pub const COMMENTS: &[&str] = &[
    "好看！",
    "求链接～",
    "Saved for later 🙌",
    "这个颜色好温柔",
    "去过，真的很美",
    "Thanks for sharing!",
    "学到了",
    "同款已下单",
    "How long did it take?",
    "太治愈了",
    "收藏了收藏了",
    "Love this!",
];
/// (handle, name, kind, the category it posts about — an index into [`CATEGORIES`]).
pub const BRANDS: &[(&str, &str, &str, usize)] = &[
    ("glow_lab", "光之实验室 Glow Lab", "brand", 0),
    ("urban_thread", "Urban Thread 城市织物", "brand", 1),
    ("tea_house", "山茶茶馆 Tea House", "merchant", 2),
    ("wander_co", "Wander & Co 漫游", "agency", 3),
    ("nest_home", "Nest 栖居家居", "brand", 4),
    ("bao_kitchen", "包包厨房 Bao Kitchen", "merchant", 2),
];

/// More titles than the fixed lists: a category's subjects in a few shapes, so a
/// reader's feed rarely meets the same title twice.
pub const SUBJECTS: [&[&str]; 5] = [
    &["精华", "面霜", "防晒", "卸妆油", "面膜", "Toner", "Serum", "唇膏"],
    &["风衣", "针织衫", "牛仔裤", "乐福鞋", "衬衫", "Blazer", "Trench", "半裙"],
    &["牛肉面", "生煎", "咖啡", "早午餐", "火锅", "小笼包", "Ramen", "Brunch", "贝果"],
    &["大理", "京都", "厦门", "川西", "杭州", "Lisbon", "Bali", "青岛", "Seoul"],
    &["书桌", "阳台", "玄关", "衣柜", "厨房", "Sofa nook", "Desk", "床头"],
];
pub const SHAPES: [&[&str]; 5] = [
    &["{s}空瓶记", "{s}｜敏感肌实测", "一周{s}打卡", "My {s} routine", "{s}平替合集", "{s}怎么选"],
    &["{s}的三种穿法", "{s}｜通勤一周", "How I style {s}", "{s}不踩雷", "今天穿{s}"],
    &["{s}｜人均80", "在家做{s}", "Best {s} in town", "{s}探店笔记", "早起吃{s}", "{s}一人食"],
    &["{s}三天两夜", "{s}｜小众路线", "{s} in 48 hours", "{s}慢旅行", "去{s}避开人潮"],
    &["{s}改造前后", "{s}收纳思路", "My {s} setup", "{s}｜租房也能美", "{s}好物清单"],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_fit_the_title_limit() {
        for category in CATEGORIES {
            for title in category.titles {
                assert!(title.chars().count() <= carmine_core::limits::NOTE_TITLE_CHARS_MAX, "{title}");
            }
        }
        for (subjects, shapes) in SUBJECTS.iter().zip(SHAPES) {
            for subject in *subjects {
                for shape in shapes {
                    let title = shape.replace("{s}", subject);
                    assert!(title.chars().count() <= carmine_core::limits::NOTE_TITLE_CHARS_MAX, "{title}");
                }
            }
        }
    }

    #[test]
    fn display_names_go_with_their_log_ins() {
        assert_eq!(GIVEN.len(), DISPLAY.len());
        assert_eq!(GIVEN.iter().position(|g| *g == "lanlan").map(|i| DISPLAY[i]), Some("蓝蓝"));
    }
}
