from datetime import date

import pytest
from django.core.management import CommandError, call_command

from ledger.models import LedgerTotal
from ledger.services import ledger_credit

pytestmark = pytest.mark.django_db


def test_check_passes_then_finds_and_repairs_drift(cast, capsys):
    ledger_credit(person=cast.learner, cap_class="offline", minutes=90, start=date(2026, 1, 1),
                  end=date(2026, 2, 1), source_kind="claim", source_id="1")
    call_command("ledger_check")
    assert "0 wrong" in capsys.readouterr().out
    LedgerTotal.objects.filter(month=1).update(minutes=999)
    LedgerTotal.objects.create(person=cast.colleague, year=2026, month=3, cap_class="online", minutes=5)
    with pytest.raises(CommandError, match="2 totals differ"):
        call_command("ledger_check")
    call_command("ledger_check", "--fix")
    call_command("ledger_check")
    assert LedgerTotal.objects.get(person=cast.learner, month=1).minutes == 45


def test_year_totals_are_checked_too(cast):
    from ledger.models import LedgerYearTotal

    ledger_credit(person=cast.learner, cap_class="online", minutes=30, start=date(2026, 1, 1),
                  source_kind="course", source_id="1")
    assert LedgerYearTotal.objects.get(person=cast.learner, year=2026, cap_class="online").minutes == 30
    LedgerYearTotal.objects.update(minutes=1)
    with pytest.raises(CommandError):
        call_command("ledger_check")
    call_command("ledger_check", "--fix")
    assert LedgerYearTotal.objects.get(person=cast.learner).minutes == 30
