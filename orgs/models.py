from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    ACADEMY = "academy", _("Academy")  # top of a tree; owns the yearly policy
    BRANCH = "branch", _("Branch")  # optional level between academy and institutes
    INSTITUTE = "institute", _("Institute")  # staff belong here; has an abbreviation
    DEPARTMENT = "department", _("Department")  # inside an institute; may nest


class LoginRule(models.TextChoices):
    EMAIL = "email", _("Email address (else abbreviation-pinyin)")  # seed 002: 一般为办公邮箱
    PINYIN = "pinyin", _("Abbreviation-pinyin, e.g. niaot-zhangsan")  # seed 002: 所级简称-姓名全拼
    MOBILE = "mobile", _("Mobile number (else abbreviation-pinyin)")  # seed 003: 登录名为手机号


# Which kinds may sit under which (None = top of the tree).
ALLOWED_PARENTS = {
    OrgKind.ACADEMY: {None},
    OrgKind.BRANCH: {OrgKind.ACADEMY},
    OrgKind.INSTITUTE: {OrgKind.ACADEMY, OrgKind.BRANCH},
    OrgKind.DEPARTMENT: {OrgKind.INSTITUTE, OrgKind.DEPARTMENT},
}


class Org(models.Model):
    """A unit of the organisation tree.

    `path` is the materialised chain of ids ("/1/4/17/"), so "everything under X" is one
    indexed prefix match instead of a recursive walk. `institute` points at the enclosing
    institute (itself for an institute) and `root` at the academy, both set on creation by
    orgs.services.org_create and never changed afterwards (units do not move between
    institutes; a reorganisation creates new units).
    """

    kind = models.CharField(max_length=16, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=100)
    abbr = models.CharField(_("abbreviation"), max_length=32, blank=True,
                            help_text=_("Institute abbreviation used in login names, e.g. niaot"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    root = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    institute = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    path = models.CharField(max_length=255, db_index=True, editable=False)
    sort_order = models.PositiveIntegerField(default=0)
    # How this organisation hands out initial passwords: one default for everyone, or a
    # random one per person delivered in the import's result file.
    initial_password_mode = models.CharField(
        max_length=8, choices=[("default", _("Default password")), ("random", _("Random per person"))],
        default="default",
    )
    default_initial_password = models.CharField(max_length=64, blank=True, default="Abcd1234")
    # How new people of this institute are named (seeds 002, 003; accounts.naming): their
    # email, `<abbr>-<pinyin>`, or their mobile number. Without the email or mobile the
    # rule asks for, the name falls back to `<abbr>-<pinyin>`.
    login_rule = models.CharField(_("login names of new people"), max_length=8,
                                  choices=LoginRule.choices, default=LoginRule.EMAIL)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["abbr"], condition=~models.Q(abbr=""),
                                    name="org_abbr_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def is_within(self, other: "Org") -> bool:
        """True if self is `other` or lies under it."""
        return self.path.startswith(other.path)
