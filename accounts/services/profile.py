import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services.auth import current_password_check
from accounts.services.throttle import LoginClient
from core.audit import audit_record
from core.errors import DomainError, ErrorCode

__all__ = ["profile_update", "login_name_switch_to_email", "normalise_mobile", "normalise_email",
           "identifiers_check_free", "identifiers_holders", "IDENTIFIER_UNAVAILABLE"]

IDENTIFIER_UNAVAILABLE = gettext_noop("This identifier cannot be used. Choose another one.")


def identifiers_check_free(*, person: User | None, **values: str | None) -> None:
    """Login names, emails and mobile numbers form one namespace (issue 9, finding 6):
    none may equal any identifier of another account, or one person could capture
    another's login by mobile or email. `values` maps a field (login_name, email,
    mobile) to its normalised value. The refusal is a 400 with one generic message that
    names neither the holder nor their institute, so it tells no admin whether a mobile
    or an email is registered somewhere else."""
    others = User.objects.all() if person is None else User.objects.exclude(pk=person.pk)
    others = others.annotate(email_lower=Lower("email"))
    for field, value in values.items():
        if not value:
            continue
        value = value.strip()
        lowered = value.lower()
        if others.filter(Q(login_name=lowered) | Q(email_lower=lowered) | Q(mobile=value)).exists():
            raise DomainError(ErrorCode.INVALID, _(IDENTIFIER_UNAVAILABLE), field=field)

def identifiers_holders(values) -> dict[str, set[int]]:
    """identifiers_check_free for a whole file: which accounts hold each value (lowered)
    as their login name, email or mobile, in one query per thousand values. A value is
    free for a person when it has no holder but that person."""
    values = sorted({v.strip().lower() for v in values if v and v.strip()})
    holders: dict[str, set[int]] = {}
    for i in range(0, len(values), 1000):
        chunk = values[i:i + 1000]
        rows = (User.objects.annotate(email_lower=Lower("email"))
                .filter(Q(login_name__in=chunk) | Q(email_lower__in=chunk) | Q(mobile__in=chunk))
                .values_list("pk", "login_name", "email_lower", "mobile"))
        wanted = set(chunk)
        for pk, *held in rows:
            for value in held:
                if value and value.lower() in wanted:
                    holders.setdefault(value.lower(), set()).add(pk)
    return holders


_MOBILE = re.compile(r"^1\d{10}$")


def normalise_email(value: str | None, *, field: str = "email") -> str | None:
    value = (value or "").strip().lower()
    if not value:
        return None
    try:
        validate_email(value)
    except ValidationError:
        raise DomainError(ErrorCode.INVALID, _("Enter a valid email address."), field=field) from None
    return value


def normalise_mobile(value: str | None, *, field: str = "mobile") -> str | None:
    value = re.sub(r"[\s-]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    if not value:
        return None
    if not _MOBILE.match(value):
        raise DomainError(ErrorCode.INVALID, _("Enter an 11-digit mobile number."), field=field)
    return value


def profile_update(*, user: User, email: str | None, mobile: str | None, password: str,
                   ip: str | None = None, client: LoginClient | None = None) -> User:
    """The person edits their own contact data (个人基本信息 / 邮件账户设置). Invariant:
    the current password was given, checked under the login throttle (an email is a
    login and an SSO identity, so a stolen session must not be able to re-point it or
    guess the password through this form); email and mobile stay unique."""
    # Outside the transaction: a wrong password must leave its count and audit row.
    current_password_check(user=user, password=password, ip=ip, client=client,
                           purpose="profile_update")
    with transaction.atomic():
        return _profile_save(user=user, email=email, mobile=mobile)


def _profile_save(*, user: User, email: str | None, mobile: str | None) -> User:
    email = normalise_email(email)
    mobile = normalise_mobile(mobile)
    identifiers_check_free(person=user, email=email, mobile=mobile)
    before = {"email": user.email, "mobile": user.mobile}
    if before == {"email": email, "mobile": mobile}:
        return user  # saved unchanged: nothing to write, nothing to audit
    user.email, user.mobile = email, mobile
    user.save(update_fields=["email", "mobile"])
    audit_record(actor=user, action="profile.updated", obj=user, org=user.institute,
                 before=before, after={"email": email, "mobile": mobile})
    return user


@transaction.atomic
def login_name_switch_to_email(*, user: User) -> User:
    """Make the person's email their login name (the seeds recommend it)."""
    if not user.email:
        raise DomainError(ErrorCode.INVALID, _("Set your email first."), field="email")
    email = user.email.lower()
    if user.login_name == email:
        return user
    identifiers_check_free(person=user, email=email)
    before = {"login_name": user.login_name}
    user.login_name = email
    user.save(update_fields=["login_name"])
    audit_record(actor=user, action="login_name.changed", obj=user, org=user.institute,
                 before=before, after={"login_name": email})
    return user
