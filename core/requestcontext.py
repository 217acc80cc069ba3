"""The client address of the request being served, for audit rows written deep inside
services that do not take the request."""

from contextvars import ContextVar

_ip: ContextVar[str | None] = ContextVar("xueshi_ip", default=None)


def client_ip(request) -> str | None:
    # Behind the production proxy REMOTE_ADDR is the proxy; the proxy must set
    # X-Forwarded-For and XUESHI_TRUSTED_PROXY_COUNT says how many hops to trust.
    from django.conf import settings

    hops = getattr(settings, "XUESHI_TRUSTED_PROXY_COUNT", 0)
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= hops and forwarded[-hops]:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


def set_current_ip(ip: str | None):
    return _ip.set(ip)


def reset_current_ip(token):
    _ip.reset(token)


def current_ip() -> str | None:
    return _ip.get()
