"""Every write of the reports: the backbone reporting window, reporting and revoking
people, 完成上报 (the lock), and the annual summary.

What the lock covers (完成上报, seed 002 "不能再修改上报情况"): from then on, for that
institute and year,
- no person is reported or revoked (409 `locked`), inside the window or not;
- the report's status never moves again (the workflow has no step out of `locked`);
- the figures stored at the lock (staff, ratio, reported count, and each reported
  person's total, effective and largest-record minutes) are what the report, its
  export and the annual summary's backbone rate show for ever;
- the academy's policy of that year is locked too (ledger.services.policy_lock): the
  target, caps and backbone rules the report was made under cannot change.
It does not freeze the ledger: postings for the year that arrive later (年终补录, a
reversal) still change the staff overview and the live candidate list, never the
locked report.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import RoleAssignment
from core.audit import audit_record
from core.errors import DomainError, ErrorCode
from core.permissions import check_permission
from core.workflow import transition
from ledger.queries import policy_for
from ledger.services import policy_lock
from orgs.models import Org
from reports.access import get_institute_for
from reports.models import (
    AnnualSummary,
    BackboneNomination,
    BackboneReport,
    BackboneWindow,
    SummaryStatus,
)
from reports.queries import (
    active_staff_of,
    backbone_candidates,
    report_figures,
    summary_figures,
    window_for,
)

MAX_BATCH = 1000


def _today() -> date:
    return timezone.localdate()


# --- the window ---------------------------------------------------------------------------

@transaction.atomic(durable=True)
def backbone_window_set(*, actor, role: RoleAssignment, year: int, opens_on: date,
                        closes_on: date) -> BackboneWindow:
    """The academy opens (or moves) the year's reporting window for all its institutes.
    Invariant: one window per academy and year; closes_on is not before opens_on."""
    check_permission(role, "reports.backbone_window")
    academy = role.org
    if closes_on < opens_on:
        raise DomainError(ErrorCode.INVALID, _("The end is before the start."), field="closes_on")
    if not 2000 <= year <= 2999 or abs(opens_on.year - year) > 1 or abs(closes_on.year - year) > 1:
        raise DomainError(ErrorCode.INVALID, _("The window must lie around the year it is for."),
                          field="opens_on")
    window = BackboneWindow.objects.select_for_update().filter(org=academy, year=year).first()
    before = None
    if window is None:
        window = BackboneWindow(org=academy, year=year, opened_by=actor)
    else:
        before = {"opens_on": window.opens_on.isoformat(), "closes_on": window.closes_on.isoformat()}
        if (window.opens_on, window.closes_on) == (opens_on, closes_on):
            return window  # saved unchanged: nothing written
    window.opens_on, window.closes_on, window.opened_by = opens_on, closes_on, actor
    window.save()
    audit_record(actor=actor, action="backbone_window.set", obj=window, org=academy, before=before,
                 after={"year": year, "opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat()})
    return window


def _check_window(institute: Org, year: int) -> None:
    window = window_for(institute, year)
    if window is None or not window.is_open(_today()):
        raise DomainError(ErrorCode.WINDOW_CLOSED,
                          _("Reporting is possible only inside the academy's reporting window."))


# --- the report ---------------------------------------------------------------------------

def _locked_report(institute: Org, year: int) -> BackboneReport:
    """The institute's report of the year, created if missing, with its row locked: every
    change of the report (report, revoke, lock) queues here."""
    try:
        with transaction.atomic():
            BackboneReport.objects.get_or_create(institute=institute, year=year)
    except IntegrityError:
        pass  # created meanwhile by a concurrent request: fine, lock that one
    return BackboneReport.objects.select_for_update().get(institute=institute, year=year)


def _refuse_if_locked(report: BackboneReport) -> None:
    if report.locked:
        raise DomainError(ErrorCode.LOCKED, _("The %(year)d backbone report is completed and "
                                              "cannot change.") % {"year": report.year})


def _ids(person_ids) -> list[int]:
    try:
        ids = sorted({int(p) for p in person_ids})
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.INVALID, _("Choose people first."), field="person_ids") from None
    if not ids:
        raise DomainError(ErrorCode.INVALID, _("Choose people first."), field="person_ids")
    if len(ids) > MAX_BATCH:
        raise DomainError(ErrorCode.INVALID, _("Choose at most %(n)d people at once.") % {"n": MAX_BATCH},
                          field="person_ids")
    return ids


def _prepare(role, institute_id, year, action):
    check_permission(role, action)
    institute = get_institute_for(role, institute_id)
    if not 1900 <= int(year) <= 2999:
        raise DomainError(ErrorCode.INVALID, _("Choose a year."), field="year")
    return institute


def backbone_report_people(*, actor, role, institute_id, year: int, person_ids) -> int:
    """上报: report candidates (one or many) of the institute inside the window. All or
    nothing: a person who is not a candidate of the scope refuses the whole batch.
    Reporting someone already reported changes nothing. Returns how many were added."""
    ids = _ids(person_ids)
    institute = _prepare(role, institute_id, year, "reports.backbone_report")
    with transaction.atomic(durable=True):
        report = _locked_report(institute, year)
        _refuse_if_locked(report)
        _check_window(institute, year)
        rules = policy_for(institute, year)
        found = {c.row.person_id: c for c in backbone_candidates(
            active_staff_of(institute).filter(pk__in=ids), year, rules)}
        missing = [pid for pid in ids if pid not in found]
        if missing:
            raise DomainError(ErrorCode.NOT_FOUND, _("Not found."), field="person_ids")
        not_candidates = [found[pid].row.name for pid in ids if not found[pid].qualifies]
        if not_candidates:
            raise DomainError(ErrorCode.CONFLICT, _("Not a backbone candidate of %(year)d: %(names)s")
                              % {"year": year, "names": "、".join(not_candidates[:5])}, field="person_ids")
        already = set(report.nominations.filter(person_id__in=ids).values_list("person_id", flat=True))
        new = [BackboneNomination(report=report, person_id=pid, reported_by=actor,
                                  total_minutes=found[pid].row.total,
                                  effective_minutes=found[pid].row.effective,
                                  largest_minutes=found[pid].largest)
               for pid in ids if pid not in already]
        BackboneNomination.objects.bulk_create(new)
        for n in new:
            audit_record(actor=actor, action="backbone.reported", obj=report, org=institute,
                         after={"person": n.person_id, "year": year})
    return len(new)


def backbone_revoke_people(*, actor, role, institute_id, year: int, person_ids) -> int:
    """撤销: take reported people (one or many) off the report inside the window. All or
    nothing: someone not on the report refuses the batch. Returns how many were removed."""
    ids = _ids(person_ids)
    institute = _prepare(role, institute_id, year, "reports.backbone_report")
    with transaction.atomic(durable=True):
        report = _locked_report(institute, year)
        _refuse_if_locked(report)
        _check_window(institute, year)
        rows = list(report.nominations.filter(person_id__in=ids))
        if len(rows) != len(ids):
            raise DomainError(ErrorCode.NOT_FOUND, _("Not on the report."), field="person_ids")
        BackboneNomination.objects.filter(pk__in=[r.pk for r in rows]).delete()
        for r in rows:
            audit_record(actor=actor, action="backbone.revoked", obj=report, org=institute,
                         before={"person": r.person_id, "year": year})
    return len(rows)


def backbone_lock(*, actor, role, institute_id, year: int) -> BackboneReport:
    """完成上报: lock the institute's report of the year for good (see the module's
    docstring for what that covers). Possible once the window has opened; a second
    lock is a 409. The reported people's figures and the institute's staff count are
    stored as they stand now."""
    institute = _prepare(role, institute_id, year, "reports.backbone_report")
    with transaction.atomic(durable=True):
        report = _locked_report(institute, year)
        _refuse_if_locked(report)
        window = window_for(institute, year)
        if window is None or _today() < window.opens_on:
            raise DomainError(ErrorCode.WINDOW_CLOSED,
                              _("The academy has not opened the reporting of this year yet."))
        rules = policy_for(institute, year)
        nominations = list(report.nominations.all())
        ids = [n.person_id for n in nominations]
        now = {c.row.person_id: c for c in backbone_candidates(
            active_staff_of(institute).filter(pk__in=ids), year, rules)} if ids else {}
        for n in nominations:
            c = now.get(n.person_id)
            if c is not None:
                n.total_minutes, n.effective_minutes, n.largest_minutes = c.row.total, c.row.effective, c.largest
        BackboneNomination.objects.bulk_update(nominations, ["total_minutes", "effective_minutes",
                                                             "largest_minutes"])
        report.figures = {"staff": active_staff_of(institute).count(),
                          "ratio_permille": rules.backbone_ratio_permille, "reported": len(nominations)}
        report.save(update_fields=["figures"])
        transition(report, "lock", actor=actor)
        if rules.policy is not None:
            policy_lock(actor=actor, policy=rules.policy,
                        reason=f"backbone report {institute.abbr or institute.pk} {year}")
    return report


# --- the annual summary (年度培训总结) -------------------------------------------------------

SUMMARY_COMPUTED = ("plan_rate", "staff_met", "staff_required", "completion_rate", "staff_total",
                    "backbone_rate", "total_minutes", "average_minutes")


def _check_locked_report(institute: Org, year: int) -> BackboneReport:
    report = BackboneReport.objects.filter(institute=institute, year=year).first()
    if report is None or not report.locked:
        raise DomainError(ErrorCode.CONFLICT, _("Complete the %(year)d backbone report first "
                                                "(完成上报).") % {"year": year})
    return report


def _apply_figures(summary: AnnualSummary, report: BackboneReport) -> dict:
    figures = summary_figures(summary.institute, summary.year, report_figures(report, summary.institute,
                                                                              summary.year))
    changed = {}
    for name in SUMMARY_COMPUTED:
        if getattr(summary, name) != figures[name]:
            changed[name] = figures[name]
            setattr(summary, name, figures[name])
    summary.refreshed_at = timezone.now()
    return changed


@transaction.atomic(durable=True)
def summary_create(*, actor, role, institute_id, year: int) -> AnnualSummary:
    """新建总结: only once the year's backbone report is locked; one per institute and
    year; the computed fields are filled at once."""
    institute = _prepare(role, institute_id, year, "reports.summary_edit")
    report = _check_locked_report(institute, year)
    if AnnualSummary.objects.filter(institute=institute, year=year).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("The %(year)d summary exists already.") % {"year": year})
    summary = AnnualSummary(institute=institute, year=year, created_by=actor)
    _apply_figures(summary, report)
    try:
        with transaction.atomic():
            summary.save()
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, _("The %(year)d summary exists already.")
                          % {"year": year}) from None
    audit_record(actor=actor, action="annual_summary.created", obj=summary, org=institute,
                 after={"year": year})
    return summary


def _locked_summary(role, summary_id) -> AnnualSummary:
    from reports.access import get_summary_for

    summary = get_summary_for(role, summary_id)
    summary = AnnualSummary.objects.select_for_update().select_related("institute").get(pk=summary.pk)
    if summary.status != SummaryStatus.DRAFT:
        raise DomainError(ErrorCode.LOCKED, _("The summary is submitted and cannot change."))
    return summary


@transaction.atomic(durable=True)
def summary_refresh(*, actor, role, summary_id) -> AnnualSummary:
    """刷新数据: recompute the computed fields from the system; 总人次 and 总经费 stay."""
    check_permission(role, "reports.summary_edit")
    summary = _locked_summary(role, summary_id)
    report = _check_locked_report(summary.institute, summary.year)
    before = {k: str(getattr(summary, k)) for k in SUMMARY_COMPUTED}
    changed = _apply_figures(summary, report)
    summary.save(update_fields=[*SUMMARY_COMPUTED, "refreshed_at", "updated_at"])
    if changed:
        audit_record(actor=actor, action="annual_summary.refreshed", obj=summary, org=summary.institute,
                     before={k: before[k] for k in changed}, after={k: str(v) for k, v in changed.items()})
    return summary


@transaction.atomic(durable=True)
def summary_update(*, actor, role, summary_id, person_times, funding) -> AnnualSummary:
    """Edit the two fields people fill (总人次, 总经费); the computed fields are not
    parameters at all. Saved unchanged, nothing is written."""
    check_permission(role, "reports.summary_edit")
    summary = _locked_summary(role, summary_id)
    before = {"person_times": summary.person_times, "funding": summary.funding}
    after = {"person_times": person_times, "funding": funding}
    if before == after:
        return summary
    summary.person_times, summary.funding = person_times, funding
    summary.save(update_fields=["person_times", "funding", "updated_at"])
    audit_record(actor=actor, action="annual_summary.updated", obj=summary, org=summary.institute,
                 before={k: str(v) for k, v in before.items()}, after={k: str(v) for k, v in after.items()})
    return summary


@transaction.atomic(durable=True)
def summary_submit(*, actor, role, summary_id) -> AnnualSummary:
    """提交: the summary is handed in and final."""
    check_permission(role, "reports.summary_edit")
    summary = _locked_summary(role, summary_id)
    transition(summary, "submit", actor=actor)
    return summary


# --- dashboards ---------------------------------------------------------------------------

def at_risk_notify(*, actor, role, year: int, institute_id=None) -> int:
    """Notify, in one action, everyone the dashboard lists as at risk of missing the
    year's target (recomputed here from the ledger, never taken from the client).
    Returns how many were notified."""
    from django.urls import reverse

    from core.minutes import format_minutes
    from notifications.services import notify
    from reports.queries import dashboard

    check_permission(role, "reports.dashboard")
    institute = get_institute_for(role, institute_id) if institute_id else None
    if institute is None and role.org.kind != "institute":
        raise DomainError(ErrorCode.INVALID, _("Choose an institute."), field="institute")
    board = dashboard(role, year, _today(), institute=institute or role.org)
    with transaction.atomic(durable=True):
        people = {p.pk: p for p in active_staff_of(institute or role.org).filter(
            pk__in=[f.row.person_id for f in board.at_risk])}
        for f in board.at_risk:
            person = people.get(f.row.person_id)
            if person is None:
                continue
            notify(recipients=[person], kind="reports.at_risk",
                   title=_("Your %(year)d study hours: %(missing)s still missing") % {
                       "year": year, "missing": format_minutes(f.row.missing)},
                   body=_("At your pace so far (%(done)s in %(days)d days) you would reach about "
                          "%(forecast)s by the end of the year; the target is %(target)s.") % {
                       "done": format_minutes(f.row.effective), "days": f.days_elapsed,
                       "forecast": format_minutes(f.minutes), "target": format_minutes(f.row.target)},
                   url=reverse("ledger:archive"))
        audit_record(actor=actor, action="reports.at_risk_notified", org=institute or role.org,
                     after={"year": year, "people": len(people)})
    return len(people)
