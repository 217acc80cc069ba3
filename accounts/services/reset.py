"""忘记密码: self-service password reset (issue 9, seed 003).

Two ways, each started from the identifier a person logs in with (login name, email or
mobile):

- email: a link to the person's email holding Django's reset token (valid
  PASSWORD_RESET_TIMEOUT, 30 minutes). The token is bound to the password hash, the last
  login and the security stamp, so it answers once: setting the password changes the
  first and bumps the last.
- SMS: a six-digit code to the person's mobile through the pluggable backend
  (accounts.sms). Only an HMAC of the code is stored; it expires after
  XUESHI_RESET_CODE_SECONDS, allows XUESHI_RESET_CODE_ATTEMPTS tries (counted
  atomically) and answers once; a new code ends the older ones.

Invariants: a request answers the same, and does the same work, whether or not the
account exists or has an address (no enumeration); requests are throttled per
identifier (per account when it exists) and per client address; the new password passes
the organisation's password policy (AUTH_PASSWORD_VALIDATORS); setting it ends all the
person's sessions and API tokens, is audited, and the person is notified.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.backends import find_user_by_identifier
from accounts.models import PasswordResetCode, User
from accounts.passwords import MAX_PASSWORD_LENGTH
from accounts.services.auth import (
    THROTTLED_MESSAGE,
    _validate_new_password,
    user_end_other_sessions,
)
from accounts.services.throttle import LoginClient, throttle_key, throttle_reserve
from accounts.sms import send_sms, sms_enabled
from core.audit import audit_record
from core.errors import DomainError, ErrorCode

__all__ = [
    "RESET_CHANNELS",
    "RESET_SENT_MESSAGE",
    "reset_token_generator",
    "password_reset_request",
    "password_reset_check_link",
    "password_reset_with_link",
    "password_reset_with_code",
    "reset_codes_prune",
]

RESET_CHANNELS = ("email", "sms")
RESET_SENT_MESSAGE = gettext_noop(
    "If an account with that login name, email or mobile exists and has an address for "
    "the way you chose, a message is on its way. It is valid for %(minutes)d minutes.")
LINK_INVALID = gettext_noop("This reset link is invalid or has expired. Ask for a new one.")
CODE_INVALID = gettext_noop("The code is wrong or has expired.")
_CODE_SALT = "accounts.services.reset.code"


class ResetTokenGenerator(PasswordResetTokenGenerator):
    """Django's token, also bound to the security stamp: a reset (which bumps it), a
    logout everywhere or a deactivation ends every link sent before."""

    key_salt = "accounts.services.reset.ResetTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.security_stamp}{user.is_active}"


reset_token_generator = ResetTokenGenerator()


def _code_hash(user_pk, code: str) -> str:
    return salted_hmac(_CODE_SALT, f"{user_pk}:{code}", algorithm="sha256").hexdigest()


def _throttle(identifier: str, user: User | None, client: LoginClient) -> None:
    subject = f"reset:account:{user.pk}" if user else f"reset:name:{identifier.lower()}"
    window = settings.XUESHI_RESET_WINDOW_SECONDS
    budgets = [(throttle_key(subject), settings.XUESHI_RESET_REQUESTS_PER_ACCOUNT)]
    if client.ip:
        budgets.append((throttle_key(f"reset:ip:{client.ip}"),
                        settings.XUESHI_RESET_REQUESTS_PER_ADDRESS))
    for key, limit in budgets:
        if throttle_reserve(key, limit=limit, window_seconds=window):
            audit_record(actor=user, actor_label=identifier[:200], ip=client.ip,
                         action="password_reset.throttled",
                         org=user.institute if user else None)
            raise DomainError(ErrorCode.THROTTLED, _(THROTTLED_MESSAGE))


def password_reset_request(*, identifier: str, channel: str, client: LoginClient,
                           link_for) -> str:
    """Send a reset link (channel "email") or code ("sms") to the account `identifier`
    names, if it exists, is active and has that address. `link_for(uidb64, token)` makes
    the absolute URL of the link page. Returns the message to show, the same in every
    case; raises THROTTLED (uniformly, known or not) or INVALID for a channel that is off.
    """
    identifier = (identifier or "").strip()
    if channel not in RESET_CHANNELS or (channel == "sms" and not sms_enabled()):
        raise DomainError(ErrorCode.INVALID, _("Choose how to receive the reset."),
                          field="channel")
    known = find_user_by_identifier(identifier)
    _throttle(identifier, known, client)
    user = known if known is not None and known.is_active else None
    sent = False
    if channel == "email":
        minutes = settings.PASSWORD_RESET_TIMEOUT // 60
        # The same work with or without an account: a token is made either way.
        token = reset_token_generator.make_token(user or User())
        if user is not None and user.email:
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            send_mail(
                _("xueshi: reset your password"),
                _("Someone (we hope you) asked to reset the password of %(login)s.\n\n"
                  "Open this link within %(minutes)d minutes to choose a new password:\n"
                  "%(link)s\n\nIf it was not you, ignore this message; your password "
                  "stays as it is.") % {"login": user.login_name, "minutes": minutes,
                                        "link": link_for(uid, token)},
                None, [user.email], fail_silently=True)
            sent = True
    else:
        minutes = settings.XUESHI_RESET_CODE_SECONDS // 60
        code = f"{secrets.randbelow(10 ** 6):06d}"
        digest = _code_hash(user.pk if user else 0, code)
        if user is not None and user.mobile:
            now = timezone.now()
            with transaction.atomic():
                # A new code ends the older ones.
                PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(
                    used_at=now)
                PasswordResetCode.objects.create(
                    user=user, code_hash=digest,
                    expires_at=now + timedelta(seconds=settings.XUESHI_RESET_CODE_SECONDS))
            sent = send_sms(user.mobile, _("xueshi password reset code: %(code)s, valid "
                                           "%(minutes)d minutes. Tell it to nobody.")
                            % {"code": code, "minutes": minutes})
    audit_record(actor=known, actor_label=identifier[:200], ip=client.ip,
                 action="password_reset.requested", org=known.institute if known else None,
                 note=f"{channel}; {'sent' if sent else 'nothing sent'}")
    reset_codes_prune()
    return _(RESET_SENT_MESSAGE) % {"minutes": minutes}


def password_reset_check_link(uidb64: str, token: str) -> User | None:
    """The person a reset link is for, or None if it is invalid, used or expired."""
    if not uidb64 or not token or len(uidb64) > 32 or len(token) > 64:
        return None
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not reset_token_generator.check_token(user, token):
        return None
    return user


def _check_length(new_password: str) -> None:
    if len(new_password or "") > MAX_PASSWORD_LENGTH:
        raise DomainError(ErrorCode.WEAK_PASSWORD,
                          _("The password may have at most %(n)d characters.")
                          % {"n": MAX_PASSWORD_LENGTH}, field="new_password")


def _finish(user: User, new_password: str, *, channel: str, client: LoginClient) -> None:
    """Inside the caller's transaction: set the password, end every session and token and
    every open code, audit, notify."""
    from notifications.services import notify

    user.set_password(new_password)
    user.password_is_initial = False
    user.initial_password_expires_at = None
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_is_initial", "initial_password_expires_at",
                             "password_changed_at"])
    user_end_other_sessions(user=user, reason="password.reset_by_self")
    PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(
        used_at=timezone.now())
    audit_record(actor=user, action="password.reset_by_self", obj=user, org=user.institute,
                 ip=client.ip, note=channel)
    notify(recipients=[user], kind="password.reset",
           title=_("Your password was reset"),
           body=_("Your password was reset through 忘记密码 (%(channel)s) from the address "
                  "%(ip)s. All your sessions and tokens were ended. If this was not you, "
                  "tell your administrator at once.")
           % {"channel": _("email") if channel == "email" else _("SMS"),
              "ip": client.ip or "?"})


def password_reset_with_link(*, uidb64: str, token: str, new_password: str,
                             client: LoginClient) -> User:
    """Set a new password through an emailed link. Invariant: the link answers once, also
    to parallel requests (the token is checked again under the person's row lock)."""
    user = password_reset_check_link(uidb64, token)
    if user is None:
        raise DomainError(ErrorCode.INVALID, _(LINK_INVALID), field="token")
    _check_length(new_password)
    _validate_new_password(user, new_password or "", None)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active or not reset_token_generator.check_token(user, token):
            raise DomainError(ErrorCode.INVALID, _(LINK_INVALID), field="token")
        _finish(user, new_password, channel="email", client=client)
    return user


def password_reset_with_code(*, identifier: str, code: str, new_password: str,
                             client: LoginClient) -> User:
    """Set a new password with an SMS code. Invariants: each try counts on the code
    before it is compared (atomically, so parallel tries cannot pass the limit); a wrong,
    expired, used-up or unknown code gives one message; the code answers once."""
    identifier = (identifier or "").strip()
    code = (code or "").strip()
    user = find_user_by_identifier(identifier)
    now = timezone.now()
    row = None
    if user is not None and user.is_active:
        row = (PasswordResetCode.objects.filter(user=user, used_at__isnull=True,
                                                expires_at__gt=now).first())
    digest = _code_hash(user.pk if user else 0, code[:12])
    counted = row is not None and PasswordResetCode.objects.filter(
        pk=row.pk, used_at__isnull=True, expires_at__gt=now,
        attempts__lt=settings.XUESHI_RESET_CODE_ATTEMPTS).update(attempts=F("attempts") + 1) == 1
    if not counted or len(code) != 6 or not constant_time_compare(row.code_hash, digest):
        audit_record(actor=user, actor_label=identifier[:200], ip=client.ip,
                     action="password_reset.code_failed", org=user.institute if user else None)
        raise DomainError(ErrorCode.INVALID, _(CODE_INVALID), field="code")
    _check_length(new_password)
    _validate_new_password(user, new_password or "", None)
    with transaction.atomic():
        if PasswordResetCode.objects.filter(pk=row.pk, used_at__isnull=True).update(
                used_at=timezone.now()) != 1:
            raise DomainError(ErrorCode.INVALID, _(CODE_INVALID), field="code")
        user = User.objects.select_for_update().get(pk=user.pk)
        _finish(user, new_password, channel="sms", client=client)
    return user


def reset_codes_prune() -> int:
    """Remove codes that ended more than a day ago."""
    horizon = timezone.now() - timedelta(days=1)
    deleted, _ = PasswordResetCode.objects.filter(expires_at__lt=horizon).delete()
    return deleted
