"""Who may do what: the role names and one table of actions → roles.

This is the only place that says which admin role may do an action. Pages
(`core.access.admin_required("claims.review")`), API operations
(`accounts.access.api_permission("claims.review")`), menus (`"permission":
"claims.review"`) and services (`check_permission(role, "claims.review")`) all ask it,
and the authorization matrix (core/tests/test_authz_matrix.py) reads it to know the
expected answer per role. *Who holds which role over which unit* lives in `accounts`
(RoleAssignment); *which objects a role reaches* is the scope (`orgs.queries`,
`accounts.queries`), checked by each app's access.py: outside scope → 404, inside scope
with a role this table refuses → 403.

It sits on the ground floor so that every app, the tree (`orgs`) included, can ask it
without importing `accounts`.
"""

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError, ErrorCode


class Role(models.TextChoices):
    ACADEMY_ADMIN = "academy_admin", gettext_lazy("Academy admin")  # 院级管理员 / 人事局
    INSTITUTE_ADMIN = "institute_admin", gettext_lazy("Institute admin")  # 所级管理员
    DEPARTMENT_ADMIN = "department_admin", gettext_lazy("Department admin")  # 部门管理员
    CLASS_ADMIN = "class_admin", gettext_lazy("Class admin")  # 培训班管理员


# Strength, for "not stronger than the granting role" (role_grant); never for deciding
# an action: that is PERMISSIONS' job.
ROLE_RANK = {Role.CLASS_ADMIN: 1, Role.DEPARTMENT_ADMIN: 2, Role.INSTITUTE_ADMIN: 3,
             Role.ACADEMY_ADMIN: 4}

_ALL = frozenset(Role)
_STAFF = frozenset({Role.DEPARTMENT_ADMIN, Role.INSTITUTE_ADMIN, Role.ACADEMY_ADMIN})
_ORG = frozenset({Role.INSTITUTE_ADMIN, Role.ACADEMY_ADMIN})
_ACADEMY = frozenset({Role.ACADEMY_ADMIN})

# action → the roles that may do it (within their scope). A class admin (培训班管理员)
# runs the training projects assigned to them (training.manage) and nothing else: in
# particular they read no staff list, archive or claim (issue 9, finding 3).
PERMISSIONS: dict[str, frozenset[Role]] = {
    "admin.home": _ALL,  # 我的管理: enter admin mode, see the admin home
    "staff.view": _STAFF,  # 人员管理: list, read a person (mobile, email, …)
    "staff.edit": _STAFF,  # create, edit, deactivate, reset a password, import staff
    "staff.roles": _ORG,  # grant and revoke admin roles
    "orgs.edit": _ORG,  # 机构管理: add departments, rename units, password policy
    "audit.view": _ORG,  # 操作日志 and its export
    "ledger.view": _STAFF,  # a person's archive and ledger entries
    "ledger.credit": _STAFF,  # credit hours by hand, reverse a posting
    "ledger.policy_view": _ACADEMY,  # the yearly rules pages
    "ledger.policy_edit": _ACADEMY,  # change the yearly rules
    "claims.review": _STAFF,  # review queue, a claim under review, approve/reject/revoke
    "claims.create_on_behalf": _STAFF,  # record a claim for a person (approved at once)
    "claims.import": _STAFF,  # import claims from Excel
    "claims.windows": _ORG,  # 年终补录: supplementary registration windows
    "claims.settings": _ORG,  # which attachments each kind of claim needs
    "reports.staff": _STAFF,  # 职工学习总体情况统计: figures of the people in scope, export
    "reports.dashboard": _ORG,  # the institute's and the academy's figures and charts
    "reports.classes": _ORG,  # 培训班统计表: the year's training projects of the scope, export
    "reports.backbone_view": _ORG,  # 骨干人才筛选上报表: candidates, figures, export
    "reports.backbone_report": frozenset({Role.INSTITUTE_ADMIN}),  # report, revoke, 完成上报
    "reports.backbone_window": _ACADEMY,  # open or close the reporting window
    "reports.summary": _ORG,  # 年度培训总结: read, export (the academy: every institute's)
    "reports.summary_edit": frozenset({Role.INSTITUTE_ADMIN}),  # create, refresh, edit, submit
    # 培训班管理: class admins run the projects they are assigned to (training.access),
    # institute and academy admins every project of their unit.
    "training.manage": _ORG | {Role.CLASS_ADMIN},
    "training.create": _ORG,  # create a project directly, assign its class admins
}


def role_name(role) -> str:
    """The role's name from a RoleAssignment, a Role or a plain string."""
    return getattr(role, "role", role)


def has_permission(role, action: str) -> bool:
    """May this role do the action? `role` is the RoleAssignment in use (or None: not in
    admin mode, which may do nothing here). An unknown action is a programming error."""
    allowed = PERMISSIONS[action]
    return role is not None and role_name(role) in allowed


def check_permission(role, action: str) -> None:
    """403 (DomainError FORBIDDEN) unless the role may do the action."""
    if not has_permission(role, action):
        raise DomainError(ErrorCode.FORBIDDEN, _("Your role cannot do this."))


def roles_for(action: str) -> frozenset[Role]:
    return PERMISSIONS[action]
