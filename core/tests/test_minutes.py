from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import DomainError
from core.minutes import MAX_MINUTES, format_minutes, hours_to_minutes


@pytest.mark.parametrize("minutes, text", [(970, "16小时10分"), (2640, "44小时"), (10, "0小时10分"),
                                           (0, "0小时")])
def test_format_chinese(minutes, text):
    with translation.override("zh-hans"):
        assert format_minutes(minutes) == text


def test_format_english():
    with translation.override("en"):
        assert format_minutes(970) == "16h 10m"
        assert format_minutes(120) == "2h"


@pytest.mark.parametrize("value, minutes", [("4", 240), ("4.0", 240), (24.0, 1440),
                                            ("0.5", 30), (Decimal("1.25"), 75), ("2.05", 123)])
def test_hours_to_minutes(value, minutes):
    assert hours_to_minutes(value) == minutes


@pytest.mark.parametrize("value", [-1, 0, "1e9", "NaN", "Infinity", "1.234", 2**63, "", None,
                                   "abc", True, "0.01"])
def test_hours_to_minutes_refuses(value):
    with pytest.raises(DomainError) as exc:
        hours_to_minutes(value)
    assert exc.value.code == "invalid"


def test_max_minutes_is_the_limit():
    assert hours_to_minutes(MAX_MINUTES // 60) == MAX_MINUTES // 60 * 60
