import pytest

from accounts.naming import login_name_suggest, name_to_pinyin
from accounts.tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name, pinyin", [
    ("张三", "zhangsan"), ("单田芳", "shantianfang"), ("曾小贤", "zengxiaoxian"), ("吕布", "lvbu"),
    ("欧阳修", "ouyangxiu"), ("诸葛亮", "zhugeliang"), ("司马光", "simaguang"), ("解缙", "xiejin"),
    ("仇英", "qiuying"), ("朴树", "piaoshu"), ("翟天临", "zhaitianlin"),
    ("王 申瑞", "wangshenrui"), ("Anna李", "annali"), ("曾", "ceng"),
])
def test_surnames_read_as_surnames(name, pinyin):
    assert name_to_pinyin(name) == pinyin


def test_seed_examples_and_clashes(cast):
    niaot = cast.niaot
    # The cast's learner 张三 already holds niaot-zhangsan: the second 张三 gets a number.
    assert login_name_suggest(real_name="张三", institute=niaot) == "niaot-zhangsan2"
    make_user(login_name="niaot-zhangsan2", institute=niaot)
    assert login_name_suggest(real_name="张三", institute=niaot) == "niaot-zhangsan3"
    make_user(login_name="niaot-wanger", institute=niaot)
    assert login_name_suggest(real_name="王二", institute=niaot) == "niaot-wanger2"
    make_user(login_name="niaot-wanger2", institute=niaot)
    assert login_name_suggest(real_name="王二", institute=niaot) == "niaot-wanger3"
    assert login_name_suggest(real_name="单田芳", institute=niaot) == "niaot-shantianfang"
    assert login_name_suggest(real_name="曾小贤", institute=niaot) == "niaot-zengxiaoxian"
    assert login_name_suggest(real_name="吕布", institute=niaot) == "niaot-lvbu"
    assert login_name_suggest(real_name="欧阳修", institute=niaot) == "niaot-ouyangxiu"


def test_email_wins(cast):
    assert login_name_suggest(real_name="张三", institute=cast.niaot,
                              email=" ZhangSan@niaot.ac.cn ") == "zhangsan@niaot.ac.cn"


def test_names_reserved_in_the_same_batch(cast):
    taken = {"niaot-liwu"}
    assert login_name_suggest(real_name="李五", institute=cast.niaot, taken=taken) == "niaot-liwu2"


def test_prefix_of_longer_name_is_not_a_clash(cast):
    make_user(login_name="niaot-zhangsanfeng", institute=cast.niaot)
    assert login_name_suggest(real_name="张三丰", institute=cast.niaot) == "niaot-zhangsanfeng2"
    assert login_name_suggest(real_name="张三", institute=cast.imr) == "imr-zhangsan"
