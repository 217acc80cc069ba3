from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The role names and their strength live with the permission table on the ground floor;
# who holds which role over which unit is RoleAssignment, below.
from core.permissions import ROLE_RANK, Role


class PostType(models.TextChoices):
    RESEARCH = "research", _("Research post")  # 科研岗
    MANAGEMENT = "management", _("Management post")  # 管理岗
    SUPPORT = "support", _("Support post")  # 支撑岗


def pinyin_sort_key(real_name: str) -> str:
    """The key 人员管理 sorts by: the name's pinyin, surnames read as surnames (单 → shan),
    so that 安 comes before 张 as people expect, not in code-point order."""
    from accounts.naming import name_to_pinyin

    return (name_to_pinyin(real_name) or (real_name or "").lower())[:128]


class UserQuerySet(models.QuerySet):
    """Bulk writes (imports) keep the pinyin sort key in step like `User.save` does."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for user in objs:
            user.name_pinyin = pinyin_sort_key(user.real_name)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if "real_name" in fields:
            for user in objs:
                user.name_pinyin = pinyin_sort_key(user.real_name)
            if "name_pinyin" not in fields:
                fields.append("name_pinyin")
        return super().bulk_update(objs, fields, *args, **kwargs)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def get_by_natural_key(self, login_name):
        return self.get(login_name=login_name.strip().lower())

    def create_user(self, login_name, password=None, **fields):
        user = self.model(login_name=login_name.strip().lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, login_name, password=None, **fields):
        fields.setdefault("real_name", login_name)
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(login_name, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff member (learner). Admin powers come from RoleAssignment rows, not fields.

    login_name is stored lower-case; people log in with it, their email or their mobile.
    Writes go through accounts.services (person_create, person_update, ...)."""

    login_name = models.CharField(_("login name"), max_length=150, unique=True)
    real_name = models.CharField(_("real name"), max_length=64)
    email = models.EmailField(_("email"), null=True, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, null=True, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=32, blank=True)
    institute = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="staff", verbose_name=_("institute"))
    department = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="department_staff",
                                   verbose_name=_("department"))
    post_type = models.CharField(_("post type"), max_length=16, choices=PostType.choices,
                                 blank=True)
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    hours_required = models.BooleanField(_("hours required"), default=True)
    # An account that exists only to administer (an institute's admin login named by its
    # abbreviation, seed 002): never counted among the staff who owe hours.
    admin_only = models.BooleanField(_("administrator account only"), default=False)
    # real_name's pinyin (pinyin_sort_key), kept by save() and the bulk writes: the
    # default order of 人员管理.
    name_pinyin = models.CharField(max_length=128, blank=True, default="", editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(default=False)  # Django admin site access only
    date_joined = models.DateTimeField(default=timezone.now)
    # Set while the password is one an admin or import handed out; cleared when the
    # person chooses their own. An initial password unused past its expiry stops working.
    password_is_initial = models.BooleanField(default=False)
    initial_password_expires_at = models.DateTimeField(null=True, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    # Bumped whenever every other session and token of the person must end (password
    # change, deactivation, role removal); sessions remember the value they started with.
    security_stamp = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "login_name"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["real_name"]

    class Meta:
        ordering = ["login_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.UniqueConstraint(fields=["mobile"], name="user_mobile_unique"),
            models.UniqueConstraint(fields=["institute", "employee_no"],
                                    condition=~models.Q(employee_no=""),
                                    name="user_employee_no_unique_per_institute"),
        ]
        indexes = [models.Index(fields=["institute", "is_active"]),
                   models.Index(fields=["institute", "name_pinyin"], name="user_institute_pinyin"),
                   models.Index(fields=["name_pinyin"], name="user_pinyin")]

    def __str__(self):
        return f"{self.real_name} ({self.login_name})"

    def save(self, *args, **kwargs):
        key = pinyin_sort_key(self.real_name)
        if key != self.name_pinyin:
            self.name_pinyin = key
            fields = kwargs.get("update_fields")
            if fields is not None and "real_name" in fields:
                kwargs["update_fields"] = {*fields, "name_pinyin"}
        super().save(*args, **kwargs)

    @property
    def owes_hours(self) -> bool:
        """Counted among the staff who owe the yearly hours (reports, completion rates,
        the progress banner): active, hours required, not an administrator-only account."""
        return self.is_active and self.hours_required and not self.admin_only

    def get_full_name(self):
        return self.real_name

    def get_short_name(self):
        return self.real_name

    @property
    def login_name_is_email(self) -> bool:
        return "@" in self.login_name


# The unit kind each role is scoped to.
ROLE_ORG_KINDS = {
    Role.ACADEMY_ADMIN: {"academy"},
    Role.INSTITUTE_ADMIN: {"institute"},
    Role.DEPARTMENT_ADMIN: {"department"},
    Role.CLASS_ADMIN: {"institute", "department"},
}


class RoleAssignment(models.Model):
    """One admin role of one person over one org unit (and, for class admins, the
    training projects they are named on)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=32, choices=Role.choices)
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="role_assignments")
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org"], name="role_unique"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} · {self.org.name}"

    @property
    def rank(self) -> int:
        return ROLE_RANK[Role(self.role)]


class ApiToken(models.Model):
    """A bearer token of the mobile client. Only a hash is stored; the secret is shown
    once. Tokens can enter admin mode like a session (with the password again)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    security_stamp = models.PositiveIntegerField(default=0)
    admin_role = models.ForeignKey(RoleAssignment, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    admin_since = models.DateTimeField(null=True, blank=True)
    admin_last = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.user.login_name})"


class LoginThrottle(models.Model):
    """One failure budget of the login throttle (accounts.services.throttle).

    Budgets, keyed by a sha256 of their subject: a browser that has logged in to the
    account before (its signed device cookie) has one of its own; every other client of
    the account (new browsers, the token endpoint) shares one per account, across all
    addresses; a bearer token re-checking the password has its own; text that names no
    account has one per text. Each attempt is counted before the password is hashed,
    under a row lock, so parallel requests cannot pass the limit."""

    key = models.CharField(max_length=64, unique=True)  # sha256 of the budget's subject
    failures = models.PositiveIntegerField(default=0)  # attempts counted in this window
    first_failure_at = models.DateTimeField(null=True, blank=True)  # window start
    locked_until = models.DateTimeField(null=True, blank=True)
    # Lock periods in a row: each one lasts twice as long as the one before.
    lockouts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self):
        return self.key[:12]


class PasswordResetCode(models.Model):
    """A code sent by SMS for 忘记密码 (accounts.services.reset). Only an HMAC of the code
    is stored; it expires, allows a few attempts and answers once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"reset code of {self.user_id} ({self.created_at:%Y-%m-%d %H:%M})"
