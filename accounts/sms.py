"""Text messages (短信) for 忘记密码 codes, through a pluggable backend.

XUESHI_SMS_BACKEND names a class with `send(mobile, text)`; the empty setting switches
SMS off (the reset then offers email only). Shipped here:

- `ConsoleSmsBackend` (the default in development): writes the message to the log.
- `RecordingSmsBackend` (tests): keeps every message in `RecordingSmsBackend.outbox`.

A real gateway (Aliyun, Tencent Cloud, an operator's HTTP API) is a class of the same
shape in a module of the deployment, named in XUESHI_SMS_BACKEND; see
docs/configuration.md. `send` may raise SmsError; the reset then answers as if it had
sent, so failures tell nothing about accounts, and logs the failure.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class SmsError(Exception):
    """The gateway refused or could not be reached."""


class SmsBackend:
    def send(self, mobile: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Development: the message goes to the log (never use it in production: the log
    would hold the reset codes)."""

    def send(self, mobile: str, text: str) -> None:
        log.warning("SMS to %s: %s", mobile, text)


class RecordingSmsBackend(SmsBackend):
    """Tests: messages are kept in `outbox` as (mobile, text)."""

    outbox: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str) -> None:
        RecordingSmsBackend.outbox.append((mobile, text))


def sms_enabled() -> bool:
    return bool(settings.XUESHI_SMS_BACKEND)


def send_sms(mobile: str, text: str) -> bool:
    """Send one message; False (logged) when SMS is off or the gateway failed."""
    if not sms_enabled():
        return False
    backend = import_string(settings.XUESHI_SMS_BACKEND)()
    try:
        backend.send(mobile, text)
    except (SmsError, OSError):
        log.warning("SMS to %s failed", mobile[-4:].rjust(len(mobile), "*"))
        return False
    return True
