"""Who reaches which ledger object: every ledger view, API endpoint and service fetches
people's archives, entries, postings and policies through this module.

Outside the acting role's scope an object does not exist (404, the same answer as a
missing one); inside it, a role too weak for the action is 403. Scope is the people
scope of `accounts.queries` and `Org.is_within` for units, never a path comparison here.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import RoleAssignment, User
from accounts.queries import people_in_scope, people_scope_q, person_in_scope
from core.access import not_found, out_of_scope, parse_pk
from core.errors import DomainError, ErrorCode
from core.permissions import has_permission, roles_for
from ledger.models import LedgerEntry, Policy

# Which roles read archives and credit and reverse hours (补录, 冲销) is the permission
# table's answer (core.permissions: ledger.view, ledger.credit); the class admin
# (培训班管理员) runs training classes and reads no archives. Kept as names for callers.
LEDGER_ADMIN_ROLES = tuple(roles_for("ledger.credit"))


_pk = parse_pk


# --- people and their entries ---------------------------------------------------------------

def check_ledger_admin(role: RoleAssignment | None, person: User) -> None:
    """The person is in the role's scope (else 404) and the role may credit and reverse
    hours (else 403)."""
    if role is None or not person_in_scope(role, person):
        raise not_found()
    if not has_permission(role, "ledger.credit"):
        raise DomainError(ErrorCode.FORBIDDEN, _("Your role cannot do this."))


def get_person_for(role: RoleAssignment | None, pk) -> User:
    """A person in the role's scope whose archive the role may read (404 outside the
    scope; 403 for a role that reads no archives, as on the pages)."""
    if role is None:
        raise not_found()
    person = (people_in_scope(role).select_related("institute", "department")
              .filter(pk=_pk(pk)).first())
    if person is None:
        out_of_scope(role.user, "person", pk, org=role.org)  # recorded (ABUSE-CASES 7)
        raise not_found()
    if not has_permission(role, "ledger.view"):
        raise DomainError(ErrorCode.FORBIDDEN, _("Your role cannot do this."))
    return person


def entries_in_scope(role: RoleAssignment) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(people_scope_q(role, "person__"))


def get_entry_for(role: RoleAssignment | None, pk, *, person: User | None = None) -> LedgerEntry:
    """An entry of a person in the role's scope (of `person`, when given), or 404."""
    if role is None:
        raise not_found()
    entries = entries_in_scope(role).select_related("person")
    if person is not None:
        entries = entries.filter(person=person)
    entry = entries.filter(pk=_pk(pk)).first()
    if entry is None:
        raise not_found()
    return entry


# --- postings -------------------------------------------------------------------------------

@dataclass
class Posting:
    """Every entry of one source for one person (a credit spread over its months, with
    its reversals): what an administrator reverses as one action."""

    person: User
    source_kind: str
    source_id: str
    label: str
    entries: list[LedgerEntry] = field(default_factory=list)

    @property
    def live(self) -> list[LedgerEntry]:
        """The credited entries not yet reversed."""
        reversed_ids = {e.reverses_id for e in self.entries if e.reverses_id}
        return [e for e in self.entries if e.reverses_id is None and e.pk not in reversed_ids]

    @property
    def live_minutes(self) -> int:
        return sum(e.minutes for e in self.live)

    @property
    def months(self) -> list[tuple[int, int]]:
        return sorted({(e.year, e.month) for e in self.live})

    @property
    def classes(self) -> list[str]:
        return sorted({e.cap_class for e in self.live})


def posting_of(person: User, source_kind: str, source_id, *, lock: bool = False) -> Posting | None:
    entries = LedgerEntry.objects.filter(person=person, source_kind=source_kind,
                                         source_id=str(source_id)).order_by("year", "month", "id")
    if lock:
        entries = entries.select_for_update()
    entries = list(entries)
    if not entries:
        return None
    return Posting(person, source_kind, str(source_id), entries[0].source_label, entries)


def get_posting_for(role: RoleAssignment | None, person_pk, source_kind: str, source_id) -> Posting:
    """The posting of a person in the role's scope, or 404."""
    person = get_person_for(role, person_pk)
    posting = posting_of(person, str(source_kind or ""), str(source_id or ""))
    if posting is None:
        raise not_found()
    return posting


def get_posting_of_entry(role: RoleAssignment | None, entry_pk, *, person: User | None = None
                         ) -> Posting:
    """The posting an entry belongs to (the entry of a person in scope), or 404."""
    entry = get_entry_for(role, entry_pk, person=person)
    return posting_of(entry.person, entry.source_kind, entry.source_id)


# --- policies -------------------------------------------------------------------------------

def get_policy_for(role: RoleAssignment | None, year: int) -> Policy | None:
    """The year's own policy of the academy an academy admin works for (None if it has
    none yet). Other roles: 403 inside the tree, 404 without a role."""
    if role is None:
        raise not_found()
    if not has_permission(role, "ledger.policy_edit"):
        raise DomainError(ErrorCode.FORBIDDEN, _("Only the academy's administrators edit the policy."))
    return Policy.objects.filter(org=role.org, year=year).select_related("org").first()


def check_policy_admin(role: RoleAssignment | None, policy: Policy) -> None:
    """Only an admin of the policy's own academy edits it: a weaker role whose unit lies
    inside the policy's tree is refused (403); anyone else does not see it (404)."""
    if has_permission(role, "ledger.policy_edit") and role.org_id == policy.org_id:
        return
    if role is not None and role.org.is_within(policy.org):
        raise DomainError(ErrorCode.FORBIDDEN, _("Only the academy's administrators edit the policy."))
    raise not_found()
