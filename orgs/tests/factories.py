import itertools

from orgs.models import Org, OrgKind
from orgs.services import org_create

_seq = itertools.count(1)


def make_org(kind: str, parent: Org | None = None, name: str | None = None, abbr: str = "") -> Org:
    n = next(_seq)
    if kind == OrgKind.INSTITUTE and not abbr:
        abbr = f"inst{n}"
    return org_create(actor=None, kind=kind, name=name or f"{kind}-{n}", parent=parent, abbr=abbr)
