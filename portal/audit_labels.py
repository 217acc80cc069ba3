"""The audit trail (操作日志) in words: action names, field names and values as people
read them — never `ledger.credited`, `True` or a Python dict. The page and its export
both use `describe()`; an action or field missing here shows its code, so add new ones
when a service starts writing them (portal/tests/test_audit_labels.py lists every action
the services write and fails on one without a label)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.models import PostType, User
from claims.models import ClaimKind, ClaimStatus
from core.permissions import Role
from ledger.models import CapClass, Category, SourceKind
from orgs.models import Org, OrgKind

ACTIONS = {
    "login.succeeded": gettext_lazy("Logged in"),
    "login.failed": gettext_lazy("Login failed"),
    "login.throttled": gettext_lazy("Login blocked after repeated failures"),
    "login.captcha_required": gettext_lazy("Login asked for a CAPTCHA"),
    "login.expired_initial_password": gettext_lazy("Login with an expired initial password"),
    "logout": gettext_lazy("Logged out"),
    "admin_mode.entered": gettext_lazy("Entered admin mode"),
    "admin_mode.succeeded": gettext_lazy("Entered admin mode"),
    "admin_mode.failed": gettext_lazy("Admin mode: wrong password"),
    "admin_mode.throttled": gettext_lazy("Admin mode blocked after repeated failures"),
    "django_admin.succeeded": gettext_lazy("Logged in to the data admin"),
    "django_admin.failed": gettext_lazy("Data admin login failed"),
    "django_admin.throttled": gettext_lazy("Data admin login blocked"),
    "password.changed": gettext_lazy("Password changed"),
    "password.initial_set": gettext_lazy("Initial password set"),
    "password_change.failed": gettext_lazy("Password change: wrong current password"),
    "password_change.throttled": gettext_lazy("Password change blocked after repeated failures"),
    "profile.updated": gettext_lazy("Personal settings changed"),
    "profile_update.failed": gettext_lazy("Personal settings: wrong password"),
    "profile_update.throttled": gettext_lazy("Personal settings blocked after repeated failures"),
    "login_name.changed": gettext_lazy("Login name changed"),
    "token.created": gettext_lazy("API token created"),
    "token.revoked": gettext_lazy("API token revoked"),
    "person.created": gettext_lazy("Person added"),
    "person.updated": gettext_lazy("Person edited"),
    "person.deactivated": gettext_lazy("Person deactivated"),
    "person.reactivated": gettext_lazy("Person reactivated"),
    "role.granted": gettext_lazy("Role granted"),
    "role.revoked": gettext_lazy("Role removed"),
    "org.create": gettext_lazy("Unit created"),
    "org.renamed": gettext_lazy("Unit renamed"),
    "org.password_policy": gettext_lazy("Initial password rule changed"),
    "policy.created": gettext_lazy("Yearly rules created"),
    "policy.updated": gettext_lazy("Yearly rules changed"),
    "policy.locked": gettext_lazy("Yearly rules locked"),
    "policy.class_saved": gettext_lazy("Class of hours saved"),
    "policy.category_saved": gettext_lazy("Training category saved"),
    "ledger.credited": gettext_lazy("Hours credited"),
    "ledger.reversed": gettext_lazy("Hours reversed"),
    "ledger.posting_reversed": gettext_lazy("Record reversed"),
    "claim.created": gettext_lazy("External learning added"),
    "claim.created_on_behalf": gettext_lazy("External learning recorded for a person"),
    "claim.updated": gettext_lazy("External learning edited"),
    "claim.deleted": gettext_lazy("External learning deleted"),
    "claim.submitted": gettext_lazy("External learning submitted"),
    "claim.withdrawn": gettext_lazy("External learning withdrawn"),
    "claim.approved": gettext_lazy("External learning approved"),
    "claim.rejected": gettext_lazy("External learning rejected"),
    "claim.revoked": gettext_lazy("Approval revoked"),
    "claim_settings.updated": gettext_lazy("External learning settings changed"),
    "claim_window.opened": gettext_lazy("Supplementary window opened"),
    "claim_window.closed": gettext_lazy("Supplementary window closed"),
    "job.start": gettext_lazy("Import started"),
    "project.created": gettext_lazy("Training project created"),
    "project.updated": gettext_lazy("Training project edited"),
    "project.implemented": gettext_lazy("Training project implemented"),
    "project.ended": gettext_lazy("Training project ended"),
    "project.cancelled": gettext_lazy("Training project cancelled"),
    "project.class_admins": gettext_lazy("Class admins assigned"),
    "project.attendees_added": gettext_lazy("Attendees added"),
    "project.attendees_removed": gettext_lazy("Attendees removed"),
    "project.attendance_confirmed": gettext_lazy("Attendance confirmed"),
    "project.attendance_unconfirmed": gettext_lazy("Attendance un-confirmed"),
    "enrolment.created": gettext_lazy("Enrolled in a training project"),
    "enrolment.reenrolled": gettext_lazy("Enrolled again in a training project"),
    "enrolment.approved": gettext_lazy("Enrolment approved"),
    "enrolment.rejected": gettext_lazy("Enrolment rejected"),
    "enrolment.cancelled": gettext_lazy("Enrolment cancelled"),
    "session.created": gettext_lazy("Training session added"),
    "session.manual_sign_in": gettext_lazy("Signed in by the admin"),
    "access.out_of_scope": gettext_lazy("Refused: outside the scope"),
    "password.reset_by_self": gettext_lazy("Password reset by its owner"),
    "password_reset.requested": gettext_lazy("Password reset requested"),
    "password_reset.code_failed": gettext_lazy("Password reset: wrong code"),
    "password_reset.throttled": gettext_lazy("Password reset blocked after repeated requests"),
    "org.login_rule": gettext_lazy("Login-name rule changed"),
    "claim.uploaded": gettext_lazy("External learning uploaded in batch"),
    "backbone.reported": gettext_lazy("Backbone talent reported"),
    "backbone.revoked": gettext_lazy("Backbone talent report withdrawn"),
    "backbone_report.locked": gettext_lazy("Backbone report completed (locked)"),
    "backbone_window.set": gettext_lazy("Backbone reporting window set"),
    "annual_summary.created": gettext_lazy("Annual training summary created"),
    "annual_summary.refreshed": gettext_lazy("Annual training summary refreshed"),
    "annual_summary.updated": gettext_lazy("Annual training summary edited"),
    "annual_summary.submitted": gettext_lazy("Annual training summary submitted"),
    "reports.at_risk_notified": gettext_lazy("People at risk notified"),
}

# Groups of actions the filter offers besides single actions (matched as a prefix).
GROUPS = {
    "login": gettext_lazy("Logins (all)"), "admin_mode": gettext_lazy("Admin mode (all)"),
    "password": gettext_lazy("Passwords (all)"), "person": gettext_lazy("People (all)"),
    "role": gettext_lazy("Roles (all)"), "org": gettext_lazy("Units (all)"),
    "policy": gettext_lazy("Yearly rules (all)"), "ledger": gettext_lazy("Hours ledger (all)"),
    "claim": gettext_lazy("External learning (all)"),
    "project": gettext_lazy("Training projects (all)"), "enrolment": gettext_lazy("Enrolments (all)"),
}

FIELDS = {
    "status": gettext_lazy("Status"), "source": gettext_lazy("Source"), "class": gettext_lazy("Class"),
    "cap_class": gettext_lazy("Class"), "category": gettext_lazy("Category"),
    "minutes": gettext_lazy("Hours"), "months": gettext_lazy("Months"), "year": gettext_lazy("Year"),
    "ruleset": gettext_lazy("Rule set"), "real_name": gettext_lazy("Full name"),
    "login_name": gettext_lazy("Login name"), "email": gettext_lazy("Email"),
    "mobile": gettext_lazy("Mobile"), "employee_no": gettext_lazy("Employee no."),
    "department": gettext_lazy("Department"), "post_type": gettext_lazy("Post type"),
    "hire_date": gettext_lazy("Hire date"), "hours_required": gettext_lazy("Hours required"),
    "is_active": gettext_lazy("Active"), "user": gettext_lazy("Person"), "role": gettext_lazy("Role"),
    "org": gettext_lazy("Unit"), "kind": gettext_lazy("Kind"), "name": gettext_lazy("Name"),
    "abbr": gettext_lazy("Abbreviation"), "parent": gettext_lazy("Parent unit"),
    "copied_from": gettext_lazy("Copied from"), "reason": gettext_lazy("Reason"),
    "start": gettext_lazy("Start"), "end": gettext_lazy("End"), "organiser": gettext_lazy("Organiser"),
    "opens_on": gettext_lazy("Opens on"), "closes_on": gettext_lazy("Closes on"),
    "target_minutes": gettext_lazy("Yearly target"), "cap_minutes": gettext_lazy("Yearly cap"),
    "required": gettext_lazy("Required attachments"), "source_kind": gettext_lazy("Source"),
    "label": gettext_lazy("Name"), "locked": gettext_lazy("Locked"),
}

_CHOICES = {
    "status": dict(ClaimStatus.choices), "role": dict(Role.choices), "post_type": dict(PostType.choices),
    "source_kind": dict(SourceKind.choices), "kind": {**dict(OrgKind.choices), **dict(ClaimKind.choices)},
    "ruleset": {"cas": gettext_lazy("CAS rules"), "cast": gettext_lazy("CAST rules")},
}
_PEOPLE, _UNITS = ("user",), ("org", "department", "parent")


class Names:
    """Names for the codes and ids of a page of events, fetched once per page."""

    def __init__(self, pairs):
        """`pairs`: the (before, after) of each event to be named."""
        ids = {"user": set(), "org": set()}
        for pair in pairs:
            for data in pair:
                for key, value in (data or {}).items() if isinstance(data, dict) else ():
                    if isinstance(value, int) and not isinstance(value, bool):
                        if key in _PEOPLE:
                            ids["user"].add(value)
                        elif key in _UNITS:
                            ids["org"].add(value)
        self.people = dict(User.objects.filter(pk__in=ids["user"]).values_list("pk", "real_name"))
        self.units = dict(Org.objects.filter(pk__in=ids["org"]).values_list("pk", "name"))
        self.classes = dict(CapClass.objects.values_list("code", "name").distinct())
        self.categories = dict(Category.objects.values_list("code", "name").distinct())

    def value(self, key: str, value) -> str:
        from core.minutes import format_minutes

        if value is None or value == "":
            return "—"
        if value is True:
            return _("yes")
        if value is False:
            return _("no")
        if key in _PEOPLE and isinstance(value, int):
            return self.people.get(value, f"#{value}")
        if key in _UNITS and isinstance(value, int):
            return self.units.get(value, f"#{value}")
        if key in ("class", "cap_class"):
            return self.classes.get(value, str(value))
        if key == "category":
            return self.categories.get(value, str(value))
        if key in _CHOICES and value in _CHOICES[key]:
            return str(_CHOICES[key][value])
        if key.endswith("minutes") and isinstance(value, int):
            return format_minutes(value)
        if isinstance(value, list):
            return pgettext("list separator", ", ").join(self.value(key, v) for v in value)
        if isinstance(value, dict):
            return "; ".join(f"{field_label(k)}: {self.value(k, v)}" for k, v in value.items())
        return str(value)


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


def field_label(key: str) -> str:
    """A label from the table, else the verbose name of the field on the models audit rows
    are about (Policy's fields, a person's, a unit's, a claim's); "<class> cap" names the
    class's yearly cap."""
    if key in FIELDS:
        return str(FIELDS[key])
    from ledger.models import Policy

    if key.endswith(" cap"):
        code = key[:-4]
        name = dict(CapClass.objects.values_list("code", "name").distinct()).get(code, code)
        return f"{name} · {FIELDS['cap_minutes']}"
    for model in (Policy, User, Org):
        try:
            return str(model._meta.get_field(key).verbose_name)
        except Exception:  # noqa: BLE001, S112 - not a field of this model: try the next
            continue
    return key


OBJECT_TYPES = {
    "accounts.user": gettext_lazy("Person"), "accounts.roleassignment": gettext_lazy("Role"),
    "accounts.apitoken": gettext_lazy("API token"), "orgs.org": gettext_lazy("Unit"),
    "ledger.policy": gettext_lazy("Yearly rules"), "ledger.ledgerentry": gettext_lazy("Ledger entry"),
    "ledger.capclass": gettext_lazy("Class of hours"), "ledger.category": gettext_lazy("Category"),
    "claims.claim": gettext_lazy("External learning"),
    "claims.supplementarywindow": gettext_lazy("Supplementary window"),
    "claims.claimsettings": gettext_lazy("External learning settings"),
    # the kinds of core.access.out_of_scope rows
    "person": gettext_lazy("Person"), "org": gettext_lazy("Unit"), "notification": gettext_lazy("Notification"),
    "claim": gettext_lazy("External learning"), "attachment": gettext_lazy("Attachment"),
    "window": gettext_lazy("Supplementary window"), "posting": gettext_lazy("Ledger entry"),
    "entry": gettext_lazy("Ledger entry"),
    "training.project": gettext_lazy("Training project"), "training.enrolment": gettext_lazy("Enrolment"),
    "training.session": gettext_lazy("Training session"),
    "training project": gettext_lazy("Training project"), "enrolment": gettext_lazy("Enrolment"),
}


def object_type_label(label: str) -> str:
    """"claims.claim" → what people call it (外部学习)."""
    from django.apps import apps

    if label in OBJECT_TYPES:
        return str(OBJECT_TYPES[label])
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def changes(before, after, names: Names) -> list[str]:
    """'field: before → after' for each field that changed (or was set, or removed)."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    lines = []
    for key in list(before) + [k for k in after if k not in before]:
        old, new = before.get(key), after.get(key)
        if key in before and key in after:
            if old == new:
                continue
            lines.append(f"{field_label(key)}: {names.value(key, old)} → {names.value(key, new)}")
        elif key in after:
            lines.append(f"{field_label(key)}: {names.value(key, new)}")
        else:
            lines.append(f"{field_label(key)}: {names.value(key, old)} → —")
    return lines
