"""The rule sets xueshi ships with, as data: the CAS continuing-education rules
(seeds 000-002) and a CAST-like party-school rule set (seed 003). An academy's policy for
a year is seeded from one of these and then edited in the UI."""

H = 60
# A number the rule set does not give: the policy shows it as not set until the
# organisation's admin sets it.
UNSET = None
UNSET_CAP = "unset"

CAS = {
    "annual_target_minutes": 100 * H,
    "backbone_single_min_minutes": 40 * H,
    "backbone_ratio_permille": 40,
    # Seed 002: candidates' 培训总学时 (total hours) reach the target.
    "backbone_basis": "total",
    "chapter_threshold_percent": 60,
    "heartbeat_seconds": 30,
    "claim_year_chosen": False,
    "hours_display": "hm",  # 16小时10分
    "terms": "cas",
    "classes": [
        # code, name, cap
        ("online", "网络学时", 50 * H),
        ("self_study", "在职自学", 10 * H),
        ("offline", "线下学时", None),
    ],
    "categories": [
        # code, name, class, kind
        ("short_course", "专项技术短期培训班", "offline", "training_category"),
        ("advanced_course", "专业技术研修班", "offline", "training_category"),
        ("academic_forum", "学术讲坛", "offline", "training_category"),
        ("management", "管理技能培训", "offline", "training_category"),
        ("induction", "上岗培训", "offline", "training_category"),
        ("conference", "学术会议", "offline", "training_category"),
        ("lecture", "学术、专题讲座", "offline", "training_category"),
        ("lecture_series", "系列讲座", "offline", "training_category"),
        ("external_training", "外部培训", "offline", "training_category"),
        ("other", "其他培训", "offline", "training_category"),
        ("self_study", "在职自学", "self_study", "training_category"),
        ("online_platform", "继续教育网课件", "online", "training_category"),
        ("online_other", "其他网站学习", "online", "training_category"),
    ],
}

# Seed 003 gives no yearly target, no caps and no backbone thresholds: none are shipped.
CAST = {
    "annual_target_minutes": UNSET,
    "backbone_single_min_minutes": UNSET,
    "backbone_ratio_permille": UNSET,
    "backbone_basis": "total",
    "chapter_threshold_percent": 60,
    "heartbeat_seconds": 30,
    # Seed 003: the learner chooses the 年份 a claim's hours count in.
    "claim_year_chosen": True,
    # Seed 003 shows hours as decimal 学时 (2.5学时, 8.0学时) and uses its own menu names.
    "hours_display": "decimal",
    "terms": "cast",
    "classes": [
        ("online", "线上培训", UNSET_CAP),
        ("offline", "线下培训", None),
    ],
    "categories": [
        ("party_theory", "党的基本理论和党性教育培训", "offline", "subject"),
        ("party_study", "党组织集体学习、党课学习", "offline", "subject"),
        ("special", "专项培训", "offline", "subject"),
        ("cast_events", "中国科协党校重点活动中的学术会议、讲座、报告等", "offline", "subject"),
        ("other_onsite", "组织人事部认可的其他现场培训", "offline", "subject"),
        ("school_online", "党校平台中的线上专题培训班和网络课程", "online", "subject"),
        ("cloud", "\u201c科协党建云\u201d平台在线学习", "online", "subject"),
        ("cadre_college", "\u201c中国干部网络学院\u201d等其他专业学习平台上开展的培训课程", "online", "subject"),
        ("other_online", "组织人事部认可的其他网络培训", "online", "subject"),
        # 培训分类: seed 003's claim form asks for one (a required choice) beside the
        # 培训科目 but does not list them; these are starting points an organisation
        # renames or extends on its 学时规则 page (业务培训 is the one the seed shows).
        ("cast_business", "业务培训", "offline", "training_category"),
        ("cast_party", "党性教育培训", "offline", "training_category"),
        ("cast_onsite_other", "其他现场培训", "offline", "training_category"),
        ("cast_online_class", "网络专题培训班", "online", "training_category"),
        ("cast_online_course", "网络课程", "online", "training_category"),
        ("cast_online_other", "其他网络培训", "online", "training_category"),
    ],
}

RULESETS = {"cas": CAS, "cast": CAST}
