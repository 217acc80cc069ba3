from datetime import date

from django.utils import timezone

from ledger.services import ledger_credit

YEAR = timezone.localdate().year
H = 60


def credit(person, minutes, *, cap_class="offline", kind="project", source=None, start=None,
           end=None, category=""):
    """Post `minutes` from one source (a project by default) to `person`."""
    start = start or date(YEAR, 3, 1)
    credit.n += 1
    return ledger_credit(person=person, cap_class=cap_class, minutes=minutes, start=start, end=end,
                         category=category, source_kind=kind, source_id=source or f"s{credit.n}")


credit.n = 0
