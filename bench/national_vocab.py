"""The tables bench/national_catalog.py draws its synthetic municipalities and plans from.

Prefectures are real (code, name, and the real number of municipalities, cities and designated cities in each:
1,741 in all, the 23 special wards of Tokyo included); everything else is a pool of plausible parts — place names,
departments and their duties, programmes per item of 社会福祉法第106条の4第2項, operators, meetings, challenges — each
linked to the needs of the thesaurus (data/thesaurus/needs.ttl) the plan's words support. ``{k}`` in a label is the
municipality's kind (市, 町, 村, 区): 市民課, 町営住宅.
"""

from __future__ import annotations

import random

# code, name, English name, municipalities (special wards included), cities (designated included), designated cities
PREFECTURES = [
    (1, "北海道", "Hokkaido", 179, 35, 1),
    (2, "青森県", "Aomori Prefecture", 40, 10, 0),
    (3, "岩手県", "Iwate Prefecture", 33, 14, 0),
    (4, "宮城県", "Miyagi Prefecture", 35, 14, 1),
    (5, "秋田県", "Akita Prefecture", 25, 13, 0),
    (6, "山形県", "Yamagata Prefecture", 35, 13, 0),
    (7, "福島県", "Fukushima Prefecture", 59, 13, 0),
    (8, "茨城県", "Ibaraki Prefecture", 44, 32, 0),
    (9, "栃木県", "Tochigi Prefecture", 25, 14, 0),
    (10, "群馬県", "Gunma Prefecture", 35, 12, 0),
    (11, "埼玉県", "Saitama Prefecture", 63, 40, 1),
    (12, "千葉県", "Chiba Prefecture", 54, 37, 1),
    (13, "東京都", "Tokyo Metropolis", 62, 26, 0),
    (14, "神奈川県", "Kanagawa Prefecture", 33, 19, 3),
    (15, "新潟県", "Niigata Prefecture", 30, 20, 1),
    (16, "富山県", "Toyama Prefecture", 15, 10, 0),
    (17, "石川県", "Ishikawa Prefecture", 19, 11, 0),
    (18, "福井県", "Fukui Prefecture", 17, 9, 0),
    (19, "山梨県", "Yamanashi Prefecture", 27, 13, 0),
    (20, "長野県", "Nagano Prefecture", 77, 19, 0),
    (21, "岐阜県", "Gifu Prefecture", 42, 21, 0),
    (22, "静岡県", "Shizuoka Prefecture", 35, 23, 2),
    (23, "愛知県", "Aichi Prefecture", 54, 38, 1),
    (24, "三重県", "Mie Prefecture", 29, 14, 0),
    (25, "滋賀県", "Shiga Prefecture", 19, 13, 0),
    (26, "京都府", "Kyoto Prefecture", 26, 15, 1),
    (27, "大阪府", "Osaka Prefecture", 43, 33, 2),
    (28, "兵庫県", "Hyogo Prefecture", 41, 29, 1),
    (29, "奈良県", "Nara Prefecture", 39, 12, 0),
    (30, "和歌山県", "Wakayama Prefecture", 30, 9, 0),
    (31, "鳥取県", "Tottori Prefecture", 19, 4, 0),
    (32, "島根県", "Shimane Prefecture", 19, 8, 0),
    (33, "岡山県", "Okayama Prefecture", 27, 15, 1),
    (34, "広島県", "Hiroshima Prefecture", 23, 14, 1),
    (35, "山口県", "Yamaguchi Prefecture", 19, 13, 0),
    (36, "徳島県", "Tokushima Prefecture", 24, 8, 0),
    (37, "香川県", "Kagawa Prefecture", 17, 8, 0),
    (38, "愛媛県", "Ehime Prefecture", 20, 11, 0),
    (39, "高知県", "Kochi Prefecture", 34, 11, 0),
    (40, "福岡県", "Fukuoka Prefecture", 60, 29, 2),
    (41, "佐賀県", "Saga Prefecture", 20, 10, 0),
    (42, "長崎県", "Nagasaki Prefecture", 21, 13, 0),
    (43, "熊本県", "Kumamoto Prefecture", 45, 14, 1),
    (44, "大分県", "Oita Prefecture", 18, 14, 0),
    (45, "宮崎県", "Miyazaki Prefecture", 26, 9, 0),
    (46, "鹿児島県", "Kagoshima Prefecture", 43, 19, 0),
    (47, "沖縄県", "Okinawa Prefecture", 41, 11, 0),
]
WARDS = {13: 23}  # the special wards (特別区) of Tokyo: numbers 101–123

FIRST = [
    (k, r)
    for k, r in (
        p.split(":")
        for p in (
            "高:taka 北:kita 南:minami 東:higashi 西:nishi 大:o 小:ko 中:naka 上:kami 下:shimo 山:yama 川:kawa 田:ta 野:no "
            "原:hara 森:mori 松:matsu 桜:sakura 若:waka 岩:iwa 石:ishi 白:shira 赤:aka 青:ao 黒:kuro 長:naga 広:hiro 富:tomi "
            "豊:toyo 福:fuku 吉:yoshi 美:mi 朝:asa 日:hi 月:tsuki 星:hoshi 花:hana 柳:yanagi 杉:sugi 梅:ume 竹:take 菊:kiku "
            "鶴:tsuru 亀:kame 鹿:shika 熊:kuma 江:e 浜:hama 島:shima 沢:sawa 宮:miya 城:shiro 寺:tera 倉:kura 谷:tani "
            "平:hira 岡:oka 井:i 泉:izumi 滝:taki 門:kado 丸:maru 清:kiyo 玉:tama 金:kane 久:ku 千:chi 八:ya 三:mi"
        ).split()
    )
]
SECOND = [
    (k, r)
    for k, r in (
        p.split(":")
        for p in (
            "田:ta 川:kawa 野:no 原:hara 山:yama 沢:sawa 島:shima 崎:saki 浜:hama 浦:ura 岡:oka 井:i 津:tsu 谷:ya 里:sato "
            "見:mi 瀬:se 倉:kura 根:ne 尾:o 江:e 部:be 坂:saka 木:ki 村:mura 宮:miya 松:matsu 戸:to 塚:tsuka 城:shiro"
        ).split()
    )
]
PREFIX = [("新", "shin"), ("東", "higashi"), ("西", "nishi"), ("南", "minami"), ("北", "kita"), ("上", "kami")]
KIND_EN = {"市": "City", "区": "Ward", "町": "Town", "村": "Village"}


def place_name(rng: random.Random) -> tuple[str, str]:
    """A made-up place name (two kanji, sometimes three) and its romanisation."""
    while True:
        (a, ra), (b, rb) = rng.choice(FIRST), rng.choice(SECOND)
        if a != b:
            break
    pre, rp = rng.choice(PREFIX) if rng.random() < 0.12 else ("", "")
    return pre + a + b, (rp + ra + rb).capitalize()


# items of 社会福祉法第106条の4第2項: law IRI (local), as written, existing scheme, field, component
ITEMS = {
    "1i": ("a106-4-p2-i1-i", "第1号イ", "scheme-chiiki-houkatsu", "elderly", "consult"),
    "1ro": ("a106-4-p2-i1-ro", "第1号ロ", "scheme-shogaisha-soudan", "disability", "consult"),
    "1ha": ("a106-4-p2-i1-ha", "第1号ハ", "scheme-riyosha-shien", "child", "consult"),
    "1ni": ("a106-4-p2-i1-ni", "第1号ニ", "scheme-jiritsu-soudan", "poverty", "consult"),
    "5": ("a106-4-p2-i5", "第5号", "", "any", "multi"),
    "6": ("a106-4-p2-i6", "第6号", "", "any", "multi"),
    "4": ("a106-4-p2-i4", "第4号", "", "any", "outreach"),
    "2": ("a106-4-p2-i2", "第2号", "", "any", "participation"),
    "3i": ("a106-4-p2-i3-i", "第3号イ", "scheme-chiiki-kaigoyobo", "elderly", "community"),
    "3ro": ("a106-4-p2-i3-ro", "第3号ロ", "scheme-seikatsu-shien-taisei", "elderly", "community"),
    "3ha": ("a106-4-p2-i3-ha", "第3号ハ", "scheme-chiiki-katsudo-center", "disability", "community"),
    "3ni": ("a106-4-p2-i3-ni", "第3号ニ", "scheme-chiiki-kosodate-kyoten", "child", "community"),
    "3": ("a106-4-p2-i3", "第3号", "scheme-konkyu-chiikizukuri", "poverty", "community"),
}
# component: IRI, schedule label (ja, en), section, how many programmes it may have
COMPONENTS = {
    "consult": ("comprehensive-consultation", "①包括的相談支援事業", "① Comprehensive consultation", "sec-3-1", 4),
    "multi": ("multi-agency", "②多機関協働事業", "② Multi-agency collaboration", "sec-3-1", 2),
    "outreach": ("outreach", "③アウトリーチ等を通じた継続的支援事業", "③ Outreach", "sec-3-1", 2),
    "participation": ("participation", "④参加支援事業", "④ Participation support", "sec-3-2", 2),
    "community": ("community", "⑤地域づくり事業", "⑤ Community building", "sec-3-3", 5),
}
# programme names per item ("1": several sub-items of item 1 in one programme; "56": items 5 and 6 together; "456":
# items 4, 5 and 6, ②多機関協働 and ③アウトリーチ等 run as one programme)
PROGRAMMES = {
    "1i": [
        ("chiiki-houkatsu", "地域包括支援センター運営事業", "Community general support centre"),
        ("koreisha-soudan", "高齢者総合相談センター運営事業", "Older people's general consultation centre"),
    ],
    "1ro": [
        ("shogaisha-soudan", "障がい者相談支援事業", "Consultation support for people with disabilities"),
        ("kikan-soudan", "基幹相談支援センター運営事業", "Core consultation support centre"),
    ],
    "1ha": [
        ("riyosha-shien", "利用者支援事業", "User support programme"),
        ("kosodate-concierge", "子育てコンシェルジュ事業", "Child-rearing concierge programme"),
    ],
    "1ni": [
        ("jiritsu-soudan", "自立相談支援事業", "Self-reliance consultation support"),
        ("kurashi-support", "くらしサポートセンター運営事業", "Living support centre"),
    ],
    "1": [
        ("marugoto-soudan", "福祉まるごと相談窓口事業", "One-stop welfare consultation desk"),
        ("sogo-soudan", "福祉総合相談支援事業", "Comprehensive welfare consultation support"),
        ("kurashi-fukushi", "くらしとふくしの相談センター事業", "Living and welfare consultation centre"),
    ],
    "56": [
        ("takikan-kyodo", "多機関協働事業", "Multi-agency collaboration programme"),
        ("team-shien", "チーム支援調整事業", "Team support coordination programme"),
        ("takikan-plan", "多機関協働・支援プラン作成事業", "Multi-agency collaboration and support planning"),
    ],
    "456": [
        ("takikan-outreach", "多機関協働・アウトリーチ等支援事業", "Multi-agency collaboration and outreach programme"),
        ("juso-suishin", "重層的支援推進事業", "Multi-layered support promotion programme"),
        ("tsunagaru-shien", "つながる支援事業", "Connecting support programme"),
    ],
    "5": [
        ("takikan-kyodo", "多機関協働事業", "Multi-agency collaboration programme"),
        ("team-shien", "チーム支援調整事業", "Team support coordination programme"),
    ],
    "6": [("shien-plan", "支援プラン作成事業", "Support plan drafting programme")],
    "4": [
        ("outreach", "アウトリーチ等を通じた継続的支援事業", "Continuous support through outreach"),
        ("hikikomori-houmon", "ひきこもり訪問支援事業", "Home-visit support for people in social withdrawal"),
        ("tsunagari-houmon", "つながり訪問支援事業", "Connection home-visit support"),
    ],
    "2": [
        ("sanka-shien", "参加支援事業", "Participation support programme"),
        ("shigoto-taiken", "しごと体験・居場所マッチング事業", "Work-experience and place-to-belong matching"),
        ("shakai-sanka", "社会参加サポート事業", "Social participation support"),
    ],
    "3i": [
        ("kayoinoba", "通いの場づくり事業", "Building gathering places"),
        ("kaigo-yobo", "地域介護予防活動支援事業", "Community care-prevention activity support"),
    ],
    "3ro": [
        ("sasaeai", "支え合い体制づくり事業", "Building mutual-aid structures"),
        ("seikatsu-shien", "生活支援体制整備事業", "Livelihood support system development"),
    ],
    "3ha": [("katsudo-center", "地域活動支援センター事業", "Community activity support centre")],
    "3ni": [
        ("kosodate-hiroba", "地域子育て支援拠点事業", "Local child-rearing support hub"),
        ("oyako-hiroba", "親子ひろば運営事業", "Parent-and-child square programme"),
    ],
    "3": [
        ("minna-shokudo", "みんなの食堂・居場所づくり事業", "Everyone's dining room and places to belong"),
        ("chiiki-ibasho", "地域の居場所づくり事業", "Building places to belong in the community"),
    ],
}
# the target group of a programme for each item: label (ja, en), the needs it names
TARGETS = {
    "1i": ("高齢の{k}民とその家族", "Older residents and their families", ("elderly-welfare", "care-of-parent")),
    "1ro": ("障がいのある人とその家族", "People with disabilities and their families", ("disability-consultation",)),
    "1ha": (
        "妊娠中の人と子どもを育てる家庭",
        "Pregnant women and families raising children",
        ("child-rearing", "pregnancy-childbirth"),
    ),
    "1ni": ("経済的に困っている人・世帯", "People and households in financial difficulty", ("financial-hardship",)),
    "5": (
        "8050問題やダブルケアなど、複数の課題が重なる世帯",
        "Households with overlapping problems, such as the 8050 problem or double care",
        ("complex-needs", "problem-8050", "double-care"),
    ),
    "6": (
        "複数の課題が重なり、一つの窓口では解決が難しい世帯",
        "Households whose problems overlap so that no single desk can solve them",
        ("complex-needs",),
    ),
    "4": (
        "ひきこもりやセルフネグレクトなど、支援が届いていない人とその家族",
        "People whom support has not reached, such as those in social withdrawal or self-neglect, and their families",
        ("hikikomori", "self-neglect", "unreached-support"),
    ),
    "2": (
        "社会とのつながりをつくり直したい人",
        "People who want to rebuild their ties with society",
        ("weak-social-ties", "social-participation"),
    ),
    "3i": (
        "介護予防に取り組む高齢者と地域住民",
        "Older people and residents working on care prevention",
        ("care-prevention", "kayoinoba"),
    ),
    "3ro": (
        "高齢者を含む地域住民と住民団体",
        "Local residents, including older people, and residents' groups",
        ("community-activity", "daily-life-support"),
    ),
    "3ha": (
        "日中の活動の場を求める障がいのある人",
        "People with disabilities looking for daytime activities",
        ("disability-daytime-activity",),
    ),
    "3ni": ("乳幼児とその保護者", "Infants and toddlers and their parents", ("parent-child-place",)),
    "3": (
        "地域で孤立しがちな人や暮らしに困りごとを抱える世帯",
        "People likely to be isolated in the community and households with everyday difficulties",
        ("social-isolation", "financial-hardship"),
    ),
}
# the activities (事業内容) a programme of each item lists: label (ja, en), the needs the plan's words name
ACTIVITIES = {
    "1i": [
        ("総合相談と関係機関へのつなぎ", "General consultation and referral to agencies", ("elderly-welfare",)),
        (
            "権利擁護と虐待の早期発見",
            "Advocacy and early detection of abuse",
            ("rights-advocacy", "elder-disabled-abuse"),
        ),
        ("介護予防ケアマネジメント", "Care-prevention care management", ("care-prevention",)),
        ("認知症の人と家族の相談", "Consultation for people with dementia and their families", ("dementia",)),
    ],
    "1ro": [
        (
            "障がい福祉サービスの利用相談",
            "Consultation on using disability welfare services",
            ("disability-welfare-services",),
        ),
        (
            "発達障がいのある人と家族の相談",
            "Consultation for people with developmental disabilities and their families",
            ("developmental-disability",),
        ),
        (
            "障がいのある人の就労に向けた相談",
            "Consultation towards work for people with disabilities",
            ("disability-employment",),
        ),
    ],
    "1ha": [
        (
            "妊娠期からの切れ目のない相談と情報提供",
            "Seamless consultation and information from pregnancy onward",
            ("pregnancy-childbirth", "maternal-child-health"),
        ),
        (
            "保育・子育て支援サービスの利用案内",
            "Guidance on using childcare and child-rearing support services",
            ("childcare-services",),
        ),
        ("子育ての悩みの相談", "Consultation on worries about raising children", ("child-rearing",)),
    ],
    "1ni": [
        (
            "家計と就労を含む自立に向けた相談",
            "Consultation towards self-reliance, including household finances and work",
            ("financial-hardship", "employment"),
        ),
        (
            "住まいを失うおそれのある人への住居確保の支援",
            "Help securing housing for people at risk of losing their home",
            ("housing-loss", "housing-support"),
        ),
        ("家計改善の支援", "Household budget improvement support", ("debt",)),
    ],
    "5": [
        (
            "支援関係機関の役割分担の調整",
            "Coordinating the division of roles among support agencies",
            ("complex-needs",),
        ),
        (
            "ダブルケアや制度の狭間にある課題への対応の調整",
            "Coordinating responses to double care and to problems that fall between schemes",
            ("double-care", "between-schemes"),
        ),
    ],
    "6": [
        ("支援プランの作成と見直し", "Drafting and reviewing the support plan", ("complex-needs",)),
        ("重層的支援会議での支援プランの検討", "Reviewing the support plan in the case meeting", ("complex-needs",)),
    ],
    "4": [
        (
            "民生委員や地域からの情報による対象者の把握",
            "Finding the people concerned through information from welfare commissioners and the community",
            ("unreached-support",),
        ),
        ("定期的な訪問による関係づくり", "Building a relationship through regular home visits", ("hikikomori",)),
        (
            "ごみ屋敷やセルフネグレクトの状態にある人への訪問",
            "Visits to people in hoarded homes or in self-neglect",
            ("hoarding", "self-neglect"),
        ),
    ],
    "2": [
        (
            "本人の希望に合う体験先・居場所の開拓",
            "Finding work-experience hosts and places to belong that fit the person's wishes",
            ("ibasho",),
        ),
        ("地域の事業所での短時間のしごと体験", "Short work experience at local businesses", ("employment",)),
        ("マッチング後の定着支援", "Follow-up after matching", ("social-participation",)),
    ],
    "3i": [
        ("通いの場の立ち上げと運営の支援", "Help starting and running gathering places", ("kayoinoba",)),
        ("介護予防の体操教室の開催", "Care-prevention exercise classes", ("care-prevention",)),
    ],
    "3ro": [
        (
            "生活支援コーディネーターによる支え合い活動の調整",
            "Coordination of mutual-aid activities by the livelihood support coordinator",
            ("daily-life-support", "volunteer"),
        ),
        ("地域の見守り活動の支援", "Support for local watching-over activities", ("watching-over",)),
    ],
    "3ha": [
        (
            "創作活動・軽作業の場の提供",
            "A place for creative activities and light work",
            ("disability-daytime-activity",),
        ),
        ("地域住民との交流行事", "Events with local residents", ("community-activity",)),
    ],
    "3ni": [
        ("親子の交流の場の提供", "A place for parents and children to meet", ("parent-child-place",)),
        ("子育て講座の開催", "Child-rearing courses", ("child-rearing",)),
    ],
    "3": [
        ("地域食堂の開催", "A community dining room", ("ibasho", "social-isolation")),
        ("フードドライブによる食料支援", "Food support through food drives", ("food-insecurity",)),
    ],
}
GENERAL_ACTIVITY = (
    "分野を問わない相談の受け止めと関係機関へのつなぎ",
    "Taking in any consultation and referring it to the agencies concerned",
    ("complex-needs",),
)
# the departments a programme of each item is given to first, when the plan has them (else the welfare section)
RESPONSIBLE = {
    "1i": ("koreisha", "kaigo"),
    "1ro": ("shogai",),
    "1ha": ("kosodate", "kodomo-katei", "hoken-center"),
    "1ni": ("seikatsu",),
    "2": ("sangyo", "shogai"),
    "3i": ("koreisha", "hoken-center", "kaigo"),
    "3ro": ("koreisha", "kaigo"),
    "3ha": ("shogai",),
    "3ni": ("kosodate", "kodomo-katei"),
    "3": ("kyodo", "seikatsu"),
    "4": ("shogai", "hoken-center"),
    "5": (),
    "6": (),
}

# the welfare section every plan has (one of these names) and the duties it always has, then those it may have
CORE = [
    ("fukushi", "福祉課", "Welfare Section"),
    ("shakai-fukushi", "社会福祉課", "Social Welfare Section"),
    ("fukushi-hoken", "福祉保健課", "Welfare and Health Section"),
    ("kenko-fukushi", "健康福祉課", "Health and Welfare Section"),
]
CORE_DUTIES = [
    ("chiiki-fukushi", "地域福祉の推進", "Promoting community welfare", ("community-activity", "volunteer")),
    (
        "seikatsu-konkyu",
        "生活困窮者自立支援",
        "Self-reliance support for people in hardship",
        ("financial-hardship", "debt"),
    ),
    ("koritsu", "孤立・孤独対策", "Isolation and loneliness measures", ("social-isolation", "loneliness")),
    (
        "hikikomori",
        "ひきこもり・8050問題の相談",
        "Consultation on social withdrawal and the 8050 problem",
        ("hikikomori", "problem-8050"),
    ),
    ("miyori", "身寄りのない高齢者の支援", "Support for older people without family", ("isolated-elderly",)),
    ("young-carer", "ヤングケアラーの支援", "Support for young carers", ("young-carer",)),
]
CORE_OPTIONAL = [
    ("kenriyogo", "成年後見・権利擁護", "Adult guardianship and advocacy", ("adult-guardianship", "rights-advocacy")),
    ("minsei", "民生委員・児童委員", "Welfare commissioners and child welfare commissioners", ("watching-over",)),
    ("kanri", "日常生活の金銭管理の支援", "Help managing money in daily life", ("money-management",)),
]
# other departments: key, label (ja, en), welfare (drawn more often), duties (key, ja, en, needs)
DEPARTMENTS = [
    (
        "koreisha",
        "高齢福祉課",
        "Elderly Welfare Section",
        True,
        [
            ("koreisha", "高齢者福祉", "Welfare for older people", ("elderly-welfare", "elderly-living-alone")),
            ("ninchisho", "認知症施策", "Dementia measures", ("dementia",)),
            (
                "kaigoyobo",
                "介護予防・通いの場",
                "Care prevention and gathering places",
                ("care-prevention", "kayoinoba"),
            ),
        ],
    ),
    (
        "kaigo",
        "介護保険課",
        "Long-Term Care Insurance Section",
        True,
        [
            (
                "kaigo-hoken",
                "介護保険サービスの利用相談",
                "Consultation on using long-term care insurance services",
                ("long-term-care-insurance", "care-of-parent"),
            ),
            ("gyakutai", "高齢者虐待の相談", "Consultation on abuse of older people", ("elder-disabled-abuse",)),
        ],
    ),
    (
        "shogai",
        "障がい福祉課",
        "Disability Welfare Section",
        True,
        [
            (
                "service",
                "障がい福祉サービス",
                "Disability welfare services",
                ("disability-welfare-services", "disability-consultation"),
            ),
            (
                "shuro",
                "障がい者の就労支援",
                "Employment support for people with disabilities",
                ("disability-employment",),
            ),
            (
                "hattatsu",
                "発達障がいの相談",
                "Consultation on developmental disabilities",
                ("developmental-disability",),
            ),
        ],
    ),
    (
        "seikatsu",
        "生活福祉課",
        "Livelihood Welfare Section",
        True,
        [
            ("hogo", "生活保護", "Public assistance", ("public-assistance",)),
            ("jukyo", "住居確保給付金", "Housing security benefit", ("housing-loss", "residential-support")),
        ],
    ),
    (
        "kosodate",
        "子育て支援課",
        "Child-Rearing Support Section",
        True,
        [
            ("katei-soudan", "家庭児童相談", "Family and child consultation", ("family-child-consultation",)),
            (
                "hoiku",
                "保育所・認定こども園",
                "Nursery schools and centres for early childhood education and care",
                ("childcare-services",),
            ),
            ("hitorioya", "ひとり親家庭の支援", "Support for single-parent families", ("single-parent",)),
            ("gyakutai", "児童虐待の相談", "Consultation on child abuse", ("child-abuse",)),
        ],
    ),
    (
        "kodomo-katei",
        "こども家庭課",
        "Children and Families Section",
        True,
        [
            ("ibasho", "子どもの居場所づくり", "Places for children", ("child-ibasho",)),
            ("hinkon", "子どもの貧困対策", "Child poverty measures", ("child-poverty",)),
            ("sodachi", "子どもの健全育成", "Healthy development of children", ("child-development",)),
        ],
    ),
    (
        "hoken-center",
        "保健センター",
        "Health Centre",
        True,
        [
            ("boshi", "母子保健", "Maternal and child health", ("maternal-child-health", "pregnancy-childbirth")),
            ("kokoro", "こころの健康相談", "Mental health consultation", ("mental-health",)),
            ("kenshin", "健康診査・健康相談", "Health check-ups and consultation", ("adult-health",)),
        ],
    ),
    (
        "kenko",
        "健康づくり課",
        "Health Promotion Section",
        True,
        [
            ("jisatsu", "自殺対策", "Suicide prevention", ("suicide-risk",)),
            ("izonsho", "依存症の相談", "Consultation on addiction", ("addiction",)),
        ],
    ),
    (
        "jumin",
        "{k}民課",
        "Residents Section",
        False,
        [
            (
                "kokuho",
                "国民健康保険・年金",
                "National health insurance and pensions",
                ("insurance-pension", "insurance-premium-arrears"),
            ),
            ("gaikokujin", "外国人住民の窓口", "Desk for foreign residents", ("foreign-resident",)),
        ],
    ),
    (
        "zeimu",
        "税務課",
        "Taxation Section",
        False,
        [("nozei", "税の納付相談", "Consultation on paying taxes", ("tax-arrears",))],
    ),
    (
        "shohi",
        "消費生活センター",
        "Consumer Affairs Centre",
        False,
        [
            ("shohi", "消費生活相談", "Consumer affairs consultation", ("consumer-trouble",)),
            ("saimu", "多重債務の相談", "Consultation on multiple debts", ("debt",)),
        ],
    ),
    (
        "kensetsu",
        "建設課",
        "Construction Section",
        False,
        [
            ("jutaku", "{k}営住宅", "Municipal housing", ("municipal-housing", "housing-support")),
            ("akiya", "空き家対策", "Vacant house measures", ("vacant-house",)),
        ],
    ),
    (
        "suido",
        "上下水道課",
        "Water and Sewerage Section",
        False,
        [
            (
                "ryokin",
                "上下水道料金の納付相談",
                "Consultation on paying water and sewerage charges",
                ("water-bill-arrears",),
            )
        ],
    ),
    (
        "sangyo",
        "産業振興課",
        "Industry Promotion Section",
        False,
        [("shuro", "就労・雇用対策", "Employment measures", ("employment", "youth-employment"))],
    ),
    (
        "norin",
        "農林課",
        "Agriculture and Forestry Section",
        False,
        [
            ("nofuku", "農福連携", "Agriculture-welfare collaboration", ("agri-welfare",)),
            ("nochi", "農地の相談", "Consultation on farmland", ("agriculture",)),
        ],
    ),
    (
        "gakko",
        "学校教育課",
        "School Education Section",
        False,
        [
            (
                "futoko",
                "不登校・いじめ相談",
                "Consultation on school non-attendance and bullying",
                ("school-refusal", "bullying"),
            ),
            ("shugaku", "就学援助", "School attendance assistance", ("child-poverty",)),
            ("seikatsu", "学校生活の相談", "Consultation on school life", ("school-life",)),
        ],
    ),
    (
        "shogai-gakushu",
        "生涯学習課",
        "Lifelong Learning Section",
        False,
        [
            ("kominkan", "公民館活動", "Community centre activities", ("community-activity",)),
            ("seishonen", "青少年の健全育成", "Healthy development of young people", ("child-development",)),
        ],
    ),
    (
        "somu",
        "総務課",
        "General Affairs Section",
        False,
        [
            (
                "bosai",
                "避難行動要支援者の支援",
                "Support for people who need help evacuating",
                ("disaster-evacuation",),
            ),
            ("bohan", "防犯・交通安全", "Crime prevention and road safety", ("crime-prevention",)),
        ],
    ),
    (
        "kyodo",
        "地域振興課",
        "Community Development Section",
        False,
        [
            (
                "jichikai",
                "自治会・地域活動",
                "Neighbourhood associations and community activities",
                ("community-activity",),
            ),
            ("volunteer", "ボランティア・市民活動", "Volunteering and civic activities", ("volunteer",)),
        ],
    ),
    (
        "kankyo",
        "環境課",
        "Environment Section",
        False,
        [
            ("gomi", "ごみ・リサイクル", "Waste and recycling", ("garbage",)),
            (
                "seikatsu-kankyo",
                "生活環境の相談",
                "Consultation on living-environment nuisances",
                ("living-environment",),
            ),
        ],
    ),
    (
        "jinken",
        "人権推進課",
        "Human Rights Section",
        False,
        [
            ("jinken", "人権相談", "Human rights consultation", ("human-rights",)),
            ("dv", "DV相談", "Domestic violence consultation", ("domestic-violence",)),
        ],
    ),
    (
        "kikaku",
        "企画課",
        "Planning Section",
        False,
        [("kotsu", "地域公共交通", "Local public transport", ("transport",))],
    ),
]

# operators: NPO法人 and 社会福祉法人 (key, name, romanisation); the council of social welfare is the municipality's
NPOS = [
    ("hidamari", "ひだまり", "Hidamari"),
    ("sasaeai", "ささえあい", "Sasaeai"),
    ("wakaba", "わかば", "Wakaba"),
    ("komorebi", "こもれび", "Komorebi"),
    ("nukumori", "ぬくもり", "Nukumori"),
    ("himawari", "ひまわり", "Himawari"),
    ("tsumugi", "つむぎ", "Tsumugi"),
    ("egao", "えがお", "Egao"),
]
CORPORATIONS = [
    ("fukuju", "福寿会", "Fukujukai"),
    ("seifu", "清風会", "Seifukai"),
    ("wakatake", "若竹会", "Wakatakekai"),
    ("ryokufu", "緑風会", "Ryokufukai"),
    ("meiwa", "明和会", "Meiwakai"),
    ("koyo", "光陽会", "Koyokai"),
]

# meetings: per-case with consent (one), the promotion meeting, the staff meeting, thematic meetings
CONSENT_MEETINGS = [
    ("jusoteki-shien", "重層的支援会議", "Multi-layered support meeting"),
    ("team-shien", "チーム支援会議", "Team support meeting"),
]
PROMOTION_MEETINGS = [
    ("suishin", "重層的支援体制推進会議", "Multi-layered support promotion meeting"),
    ("renkei", "庁内連携会議", "Internal liaison meeting"),
    ("suishin-honbu", "重層的支援推進本部会議", "Multi-layered support steering meeting"),
]
STAFF_MEETINGS = [
    ("tantosha", "重層的支援担当者連絡会", "Multi-layered support staff liaison meeting"),
    ("renraku", "連絡会議", "Liaison conference"),
]
THEMATIC_MEETINGS = [
    ("hikikomori-network", "ひきこもり支援ネットワーク会議", "Hikikomori support network meeting"),
    ("chiiki-care", "地域ケア推進会議", "Community care promotion meeting"),
]

# challenges and goals (1.(2)): label (ja, en), what addresses them (components and meeting kinds)
CHALLENGES = [
    (
        "相談窓口が分野ごとに分かれ、複数の課題を抱える世帯が何度も同じ説明をしなければならない。",
        "Desks are split by field, so households with several problems must explain themselves again and again.",
        ("consult", "consent"),
    ),
    (
        "ひきこもりの人や孤立しがちな高齢者に支援が届いていない。",
        "Support does not reach people in social withdrawal or older people prone to isolation.",
        ("outreach", "noconsent"),
    ),
    ("解決が難しいケースの対応で、支援者が疲弊している。", "Supporters wear out on hard cases.", ("multi", "consent")),
    (
        "既存の制度では対応できない狭間のニーズに応える社会参加の場が少ない。",
        "There are few places for social participation for needs existing schemes cannot meet.",
        ("participation",),
    ),
    (
        "地域のつながりが弱まり、住民同士の支え合いの担い手が不足している。",
        "Community ties are weakening and too few people support one another.",
        ("community",),
    ),
    (
        "担当者が変わると連携が弱くなったり、停滞したりする場合がある。",
        "Collaboration weakens or stalls when the person in charge changes.",
        ("multi", "promotion"),
    ),
]
GOALS = [
    (
        "だれもが一つの窓口で相談でき、地域の中に居場所がある{k}",
        "A {k} where anyone can consult at one desk and has a place in the community",
        ("consult", "community"),
    ),
    (
        "分野を超えて支え合い、だれ一人取り残さない{k}",
        "A {k} where people support one another across fields and no one is left behind",
        ("multi", "participation"),
    ),
]
