"""Start-up guards (issue 9, Low): the development secret key never serves the network.

Without XUESHI_ENV=production the settings fall back to a public, well-known secret key;
anyone who knows it can forge sessions and password-reset links. So `runserver` (this
package's command) and gunicorn (gunicorn.conf.py) refuse to listen on anything but a
loopback address while that key is in use, and `manage.py check --deploy` reports it
(core.checks)."""

import ipaddress

DEVELOPMENT_KEY = "development-only-key-" + "x" * 40  # noqa: S105 - the public fallback


class PublicDevelopmentServer(RuntimeError):
    pass


def is_loopback(host: str) -> bool:
    host = (host or "").strip().strip("[]")
    if host.startswith("unix:") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def refuse_public_development_key(hosts) -> None:
    """Raise PublicDevelopmentServer when the development key would serve a non-loopback
    address outside production."""
    from django.conf import settings

    if getattr(settings, "PRODUCTION", False) or settings.SECRET_KEY != DEVELOPMENT_KEY:
        return
    public = [h for h in hosts if not is_loopback(h)]
    if public:
        raise PublicDevelopmentServer(
            f"refusing to listen on {', '.join(public)} with the development SECRET_KEY: set "
            "XUESHI_ENV=production and a SECRET_KEY of your own (docs/deployment.md), or "
            "listen on 127.0.0.1 only.")


def bind_hosts(binds) -> list[str]:
    """gunicorn's bind values ("0.0.0.0:8000", "[::1]:80", "unix:/run/x.sock") → hosts."""
    hosts = []
    for bind in binds:
        if bind.startswith("unix:"):
            hosts.append(bind)
        elif bind.startswith("["):
            hosts.append(bind[1:bind.index("]")])
        else:
            hosts.append(bind.rsplit(":", 1)[0] if ":" in bind else bind)
    return hosts
