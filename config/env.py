"""Typed environment helpers that fail loudly on bad values.

A misspelt boolean or a non-numeric port must stop the process at start-up, not
silently fall back to a default in production.
"""

import os


class ImproperEnv(Exception):
    pass


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperEnv(f"environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperEnv(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperEnv(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise ImproperEnv(f"{name}={number} is below the minimum {minimum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperEnv(f"{name}={value!r} is not one of {sorted(choices)}")
    return value


def database_from_url(url: str) -> dict:
    """postgres://user:pass@host:port/name?sslmode=require, sqlite:///relative/path or
    sqlite:////absolute/path → a DATABASES entry, parsed by dj-database-url (our own
    parser once turned sqlite:////abs/path into a relative path)."""
    import dj_database_url

    scheme = url.split(":", 1)[0].lower()
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperEnv(f"DATABASE_URL scheme {scheme!r} is not supported (postgres or sqlite)")
    try:
        parsed = dj_database_url.parse(url)
    except ValueError as exc:
        raise ImproperEnv(f"DATABASE_URL could not be read: {exc}") from None
    if not parsed.get("NAME"):
        raise ImproperEnv("DATABASE_URL names no database")
    if scheme == "sqlite":
        return sqlite_database(parsed["NAME"])
    parsed.update({"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True, "PORT": str(parsed.get("PORT") or "")})
    return parsed


def sqlite_database(path: str) -> dict:
    # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue instead of failing with "database is locked" mid-transaction.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
