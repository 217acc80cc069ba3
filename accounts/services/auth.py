import hashlib
import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.backends import find_user_by_identifier
from accounts.models import ApiToken, RoleAssignment, User
from accounts.passwords import MAX_PASSWORD_LENGTH
from accounts.services.throttle import (
    LoginClient,
    throttle_bucket,
    throttle_clear,
    throttle_failures,
    throttle_give_back,
    throttle_reserve,
)
from core.audit import audit_record
from core.errors import DomainError, ErrorCode

__all__ = [
    "GENERIC_LOGIN_ERROR",
    "authenticate_with_throttle",
    "login_needs_captcha",
    "current_password_check",
    "password_change",
    "password_set_initial",
    "reuse_password_hash",
    "admin_mode_check_password",
    "token_create",
    "token_revoke",
    "token_authenticate",
    "token_enter_admin_mode",
    "user_end_other_sessions",
]

GENERIC_LOGIN_ERROR = gettext_noop("Wrong login name or password.")


THROTTLED_MESSAGE = gettext_noop("Too many failed attempts. Try again in a few minutes.")
CAPTCHA_MESSAGE = gettext_noop("Type the characters shown in the picture.")


def login_needs_captcha(*, identifier: str, client: LoginClient | None = None) -> bool:
    """Whether a login attempt for `identifier` from `client` must first solve the
    CAPTCHA: only clients without the account's device cookie, once the shared budget
    has XUESHI_LOGIN_CAPTCHA_AFTER failures in it (text naming no account alike, so the
    CAPTCHA tells nothing about which names exist)."""
    client = client or LoginClient()
    known = find_user_by_identifier(identifier)
    if client.device_for(known):
        return False
    key = throttle_bucket(user=known, identifier=identifier, client=client)
    return throttle_failures(key) >= settings.XUESHI_LOGIN_CAPTCHA_AFTER


def authenticate_with_throttle(*, identifier: str, password: str, ip: str | None = None,
                               purpose: str = "login", client: LoginClient | None = None,
                               captcha_passed: bool | None = None) -> User:
    """Check a login name/email/mobile and password. Invariants: each attempt draws on
    one budget of the throttle (accounts.services.throttle: the device's own when the
    client carries the account's device cookie, else the account's shared one, else the
    typed text's) and is counted before the password is hashed, so no more than
    XUESHI_LOGIN_FAILURES_ALLOWED guesses per window get through, also in parallel;
    once a budget is spent it is refused whatever the password; a client without the
    device cookie must pass the CAPTCHA once the shared budget has
    XUESHI_LOGIN_CAPTCHA_AFTER failures (`captcha_passed=None`: a channel without one,
    the API, which draws on the same budget); every attempt is audited on the account
    it names; unknown names and wrong passwords give the same error. Must not run inside
    a transaction that the refusal rolls back, or the count and its audit row are lost."""
    identifier = (identifier or "").strip()
    password = password or ""
    client = client or LoginClient(ip=ip)
    ip = ip or client.ip
    known = find_user_by_identifier(identifier)
    org = known.institute if known else None
    key = throttle_bucket(user=known, identifier=identifier, client=client)
    if captcha_passed is False and login_needs_captcha(identifier=identifier, client=client):
        audit_record(actor=known, actor_label=identifier[:200],
                     action=f"{purpose}.captcha_required", ip=ip, org=org)
        raise DomainError(ErrorCode.CAPTCHA_REQUIRED, _(CAPTCHA_MESSAGE), field="captcha")
    if throttle_reserve(key):
        audit_record(actor=known, actor_label=identifier[:200], action=f"{purpose}.throttled",
                     ip=ip, org=org)
        raise DomainError(ErrorCode.THROTTLED, _(THROTTLED_MESSAGE))
    # Refuse absurd passwords before hashing: a 1 MB password must not cost a PBKDF2 run.
    if not identifier or not password or len(password) > MAX_PASSWORD_LENGTH:
        user = None
    else:
        from django.contrib.auth import authenticate

        user = authenticate(None, username=identifier, password=password)
    if user is None:
        audit_record(actor=known, actor_label=identifier[:200], action=f"{purpose}.failed",
                     ip=ip, org=org)
        raise DomainError(ErrorCode.BAD_CREDENTIALS, _(GENERIC_LOGIN_ERROR))
    if client.device_for(user):
        throttle_clear(key)
    else:
        throttle_give_back(key)
    if user.password_is_initial and user.initial_password_expires_at and \
            user.initial_password_expires_at <= timezone.now():
        audit_record(actor=user, action=f"{purpose}.expired_initial_password", ip=ip,
                     org=user.institute)
        raise DomainError(ErrorCode.PASSWORD_EXPIRED,
                          _("Your initial password has expired. Ask your administrator "
                            "for a new one."))
    audit_record(actor=user, action=f"{purpose}.succeeded", obj=user, org=user.institute, ip=ip)
    return user


def _validate_new_password(user: User, new_password: str, old_password: str | None) -> None:
    if old_password is not None and new_password == old_password:
        raise DomainError(ErrorCode.WEAK_PASSWORD,
                          _("The new password must differ from the old one."),
                          field="new_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError(ErrorCode.WEAK_PASSWORD, "\n".join(exc.messages),  # one rule a line
                          field="new_password") from None


def current_password_check(*, user: User, password: str, ip: str | None = None,
                           purpose: str, field: str = "password",
                           client: LoginClient | None = None) -> None:
    """A signed-in person confirms a change with their current password. Invariant: the
    check draws on a budget of the login throttle (this browser's device budget, this
    bearer token's own, or else the account's shared one), so a stolen session or token
    guesses no faster than the login page allows and cannot lock the owner out of their
    own browser; once the budget is spent even the right password is refused until the
    cool-off; every failure is audited. Must not run inside a transaction that the
    refusal rolls back."""
    client = client or LoginClient(ip=ip)
    ip = ip or client.ip
    key = throttle_bucket(user=user, client=client, signed_in=True)
    if throttle_reserve(key):
        audit_record(actor=user, action=f"{purpose}.throttled", ip=ip, org=user.institute)
        raise DomainError(ErrorCode.THROTTLED, _(THROTTLED_MESSAGE), field=field)
    password = password or ""
    # Refuse absurd passwords before hashing, as at login.
    if len(password) > MAX_PASSWORD_LENGTH or not user.check_password(password):
        audit_record(actor=user, action=f"{purpose}.failed", ip=ip, org=user.institute)
        raise DomainError(ErrorCode.BAD_CREDENTIALS, _("The current password is wrong."),
                          field=field)
    if client.device_for(user) or client.token_id is not None:
        throttle_clear(key)
    else:
        throttle_give_back(key)


def password_change(*, user: User, old_password: str, new_password: str,
                    keep_token: ApiToken | None = None, ip: str | None = None,
                    client: LoginClient | None = None) -> User:
    """The person sets their own password. Invariant: the old password was right (the
    check is throttled like a login), the new one passes every validator, the
    initial-password flag is cleared, and every other session and token of the person
    ends (the caller keeps its own session)."""
    # Outside the transaction: a wrong old password must leave its count and audit row.
    current_password_check(user=user, password=old_password, ip=ip, client=client,
                           purpose="password_change", field="old_password")
    if len(new_password or "") > MAX_PASSWORD_LENGTH:
        raise DomainError(ErrorCode.WEAK_PASSWORD,
                          _("The password may have at most %(n)d characters.")
                          % {"n": MAX_PASSWORD_LENGTH}, field="new_password")
    _validate_new_password(user, new_password or "", old_password)
    with transaction.atomic():
        user.set_password(new_password)
        user.password_is_initial = False
        user.initial_password_expires_at = None
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_is_initial",
                                 "initial_password_expires_at", "password_changed_at"])
        user_end_other_sessions(user=user, reason="password.changed", keep_token=keep_token)
        audit_record(actor=user, action="password.changed", obj=user, org=user.institute)
    return user


_reused_hashes: dict[str, str] = {}


@contextmanager
def reuse_password_hash(password: str):
    """Within the block, hand out one hash of `password` to everyone who gets it as an
    initial password. For loading the demo academy: hundreds of people share the same
    published initial password, and hashing it hundreds of times costs minutes."""
    _reused_hashes[password] = make_password(password)
    try:
        yield
    finally:
        _reused_hashes.pop(password, None)


def password_set_initial(*, actor, user: User, password: str, valid_days: int | None = None) -> None:
    """An admin or import hands out an initial password: it must be changed at first
    login and stops working after XUESHI_INITIAL_PASSWORD_DAYS unused."""
    if password in _reused_hashes:
        user.password = _reused_hashes[password]
    else:
        user.set_password(password)
    user.password_is_initial = True
    user.initial_password_expires_at = timezone.now() + timedelta(
        days=valid_days or settings.XUESHI_INITIAL_PASSWORD_DAYS)
    if user.pk:
        user.save(update_fields=["password", "password_is_initial",
                                 "initial_password_expires_at"])
        user_end_other_sessions(user=user, reason="password.reset")
        audit_record(actor=actor, action="password.initial_set", obj=user, org=user.institute)


def user_end_other_sessions(*, user: User, reason: str,
                            keep_token: ApiToken | None = None) -> None:
    """Bump the person's security stamp: every session that started with the old stamp
    is logged out at its next request, and every API token but `keep_token` is revoked.
    The caller's own session must store the new stamp (accounts.views.remember_stamp)."""
    User.objects.filter(pk=user.pk).update(security_stamp=F("security_stamp") + 1)
    user.refresh_from_db(fields=["security_stamp"])
    others = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if keep_token is not None:
        others = others.exclude(pk=keep_token.pk)
        ApiToken.objects.filter(pk=keep_token.pk).update(security_stamp=user.security_stamp)
    others.update(revoked_at=timezone.now())


def admin_mode_check_password(*, user: User, password: str, role_id, ip: str | None = None,
                              client: LoginClient | None = None) -> RoleAssignment:
    """Re-check the password (throttled like a login, on this client's budget) and the
    chosen role."""
    try:
        role = RoleAssignment.objects.select_related("org").get(pk=int(role_id), user=user)
    except (RoleAssignment.DoesNotExist, TypeError, ValueError):
        raise DomainError(ErrorCode.INVALID, _("Choose one of your roles."), field="role") from None
    client = client or LoginClient(ip=ip)
    try:
        current_password_check(user=user, password=password, client=client,
                               purpose="admin_mode")
    except DomainError as exc:
        if exc.code == ErrorCode.BAD_CREDENTIALS:
            raise DomainError(ErrorCode.BAD_CREDENTIALS, _("The password is wrong."),
                              field="password") from None
        raise
    audit_record(actor=user, action="admin_mode.entered", obj=role, org=role.org, ip=client.ip)
    return role


# --- API tokens -------------------------------------------------------------------------

def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    secret = "xs_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=(name or "")[:64], prefix=secret[:10],
                                    key_hash=_hash_token(secret),
                                    security_stamp=user.security_stamp)
    audit_record(actor=user, action="token.created", obj=token, org=user.institute)
    return token, secret


@transaction.atomic
def token_revoke(*, user: User, token_id) -> None:
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("No such token."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=user, action="token.revoked", obj=token, org=user.institute)


def token_authenticate(secret: str) -> ApiToken | None:
    if not secret or len(secret) > 100:
        return None
    token = (ApiToken.objects.select_related("user", "user__institute")
             .filter(key_hash=_hash_token(secret), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    if token.security_stamp != token.user.security_stamp:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_enter_admin_mode(*, token: ApiToken, password: str, role_id, ip) -> RoleAssignment:
    """A bearer token enters admin mode the way a session does. Invariant: the password
    check is the login throttle's, so a wrong password is counted and audited; hence no
    transaction around it (a rollback would discard both and never trip the throttle)."""
    role = admin_mode_check_password(user=token.user, password=password, role_id=role_id,
                                     client=LoginClient(ip=ip, token_id=token.pk))
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(admin_role=role, admin_since=now, admin_last=now)
    return role
