"""Login names (SPEC §1): by the institute's rule, the email if the HR system gave one,
`<institute abbreviation>-<full pinyin of the name>` (clashes numbered), or the mobile
number (seed 003).

Surnames are read as surnames: pypinyin reads 单 as dan and 曾 as ceng in ordinary
words, but as family names they are shan and zeng. Compound surnames (欧阳, 司马 …) are
taken first so that their characters are read as one surname.
"""

import re

from pypinyin import Style, lazy_pinyin

# Compound surnames, read as one unit.
COMPOUND_SURNAMES = {
    "欧阳": "ouyang", "司马": "sima", "上官": "shangguan", "诸葛": "zhuge", "东方": "dongfang",
    "皇甫": "huangfu", "尉迟": "yuchi", "公孙": "gongsun", "令狐": "linghu", "慕容": "murong",
    "长孙": "zhangsun", "宇文": "yuwen", "司徒": "situ", "夏侯": "xiahou", "轩辕": "xuanyuan",
    "端木": "duanmu", "澹台": "tantai", "万俟": "moqi", "独孤": "dugu", "南宫": "nangong",
    "西门": "ximen", "呼延": "huyan", "闻人": "wenren", "赫连": "helian", "申屠": "shentu",
    "公羊": "gongyang", "太史": "taishi", "钟离": "zhongli", "宗政": "zongzheng", "濮阳": "puyang",
    "淳于": "chunyu", "单于": "chanyu", "百里": "baili", "东郭": "dongguo", "拓跋": "tuoba",
}

# Single surnames whose surname reading differs from pypinyin's everyday reading.
POLYPHONIC_SURNAMES = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "查": "zha",
    "盖": "ge", "缪": "miao", "尉": "yu", "乐": "yue", "覃": "qin", "翟": "zhai", "种": "chong",
    "员": "yun", "折": "she", "秘": "bi", "长": "chang", "重": "chong", "谌": "chen", "召": "shao",
    "繁": "po", "句": "gou", "宓": "fu", "费": "fei", "沈": "shen", "石": "shi", "柏": "bai",
    "薄": "bo", "卜": "bu", "藏": "zang", "曲": "qu", "任": "ren", "华": "hua", "纪": "ji",
    "过": "guo", "都": "du", "汤": "tang", "参": "can", "隗": "wei", "蕃": "pi", "能": "nai",
    "洗": "xian", "冼": "xian", "禚": "zhuo", "阚": "kan", "莘": "shen", "缴": "jiao", "褚": "chu",
    "万": "wan", "吕": "lv", "闾": "lv", "虞": "yu", "贾": "jia", "朝": "chao", "角": "jue",
    "令": "ling", "那": "na", "哈": "ha", "塔": "ta",
}

_ASCII = re.compile(r"[a-z0-9]")


def _syllables(text: str) -> list[str]:
    # Style.NORMAL with v_to_u=False writes ü as v (吕 → lv), as people type it.
    return lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: list(chars))


def name_to_pinyin(real_name: str) -> str:
    """张三 → zhangsan, 单田芳 → shantianfang, 欧阳修 → ouyangxiu, 吕布 → lvbu."""
    name = re.sub(r"[\s·•.]", "", real_name or "")
    if not name:
        return ""
    head, rest = "", name
    if name[:2] in COMPOUND_SURNAMES and len(name) > 2:
        head, rest = COMPOUND_SURNAMES[name[:2]], name[2:]
    elif name[0] in POLYPHONIC_SURNAMES and len(name) > 1:
        head, rest = POLYPHONIC_SURNAMES[name[0]], name[1:]
    out = head + "".join(_syllables(rest))
    return "".join(ch for ch in out.lower() if _ASCII.match(ch))


def login_name_base(*, real_name: str, institute) -> str:
    base = name_to_pinyin(real_name) or "user"
    if institute is not None and institute.abbr:
        base = f"{institute.abbr.lower()}-{base}"
    return base


def login_names_starting(bases) -> set[str]:
    """The login names in the database that start with any of `bases`, in one query per
    few hundred bases (a whole import file's new people at once)."""
    from django.db.models import Q

    from accounts.models import User

    bases = sorted(set(bases))
    found: set[str] = set()
    for i in range(0, len(bases), 300):
        q = Q()
        for base in bases[i:i + 300]:
            q |= Q(login_name__startswith=base)
        found.update(User.objects.filter(q).values_list("login_name", flat=True))
    return found


def login_name_suggest(*, real_name: str, institute, email: str | None = None,
                       mobile: str | None = None, taken: set[str] | None = None,
                       known: set[str] | None = None, base: str | None = None) -> str:
    """The login name for a new account, by the institute's rule (`Org.login_rule`,
    seeds 002 and 003): the email, `<abbr>-<pinyin>`, or the mobile number; without
    the email or mobile the rule asks for, `<abbr>-<pinyin>`. `taken` adds names reserved
    in the same batch (an import) to those already in the database; `known`, when given,
    stands for the database's names (login_names_starting, read once for a whole file),
    and `base` for login_name_base (already computed for the file)."""
    from accounts.models import User

    rule = getattr(institute, "login_rule", "email") if institute is not None else "email"
    if rule == "email" and email:
        return email.strip().lower()
    if rule == "mobile" and mobile:
        return mobile.strip()
    base = base or login_name_base(real_name=real_name, institute=institute)
    if known is None:
        existing = set(User.objects.filter(login_name__startswith=base)
                       .values_list("login_name", flat=True))
    else:
        existing = {n for n in known if n.startswith(base)}
    existing |= {t for t in (taken or set()) if t.startswith(base)}
    # base, base2, base3 …: the numbers in use after the base.
    used = {name[len(base):] for name in existing
            if name.startswith(base) and (name == base or name[len(base):].isdigit())}
    if "" not in used:
        return base
    n = 2
    while str(n) in used:
        n += 1
    return f"{base}{n}"
