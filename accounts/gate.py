"""What a person signed in with an initial password may reach (ABUSE-CASES 1, issue 9
finding 5).

One explicit allow-list of (URL route, HTTP method). Gating by URL name let through
everything that shares a path with an allowed operation (the API registers one name per
path: `PATCH /api/v1/me` passed as "me"); a route and a method name exactly one
operation. accounts/tests/test_initial_password_gate.py walks every route × method.
"""

from django.urls import Resolver404, resolve

INITIAL_PASSWORD_ALLOWED = frozenset({
    # Pages: the change-password page, logging out, switching the language.
    ("me/password/", "GET"),
    ("me/password/", "HEAD"),
    ("me/password/", "POST"),
    ("logout/", "POST"),
    ("i18n/setlang/", "POST"),
    # API: who am I (read only), change the password, see and revoke one's tokens.
    ("api/v1/me", "GET"),
    ("api/v1/me/password", "POST"),
    ("api/v1/auth/tokens", "GET"),
    ("api/v1/auth/tokens/<token_id>", "DELETE"),
    # Anonymous API operations (they never ask who is signed in).
    ("api/v1/auth/tokens", "POST"),
    ("api/v1/auth/captcha", "POST"),
    ("api/v1/auth/password-reset", "POST"),
    ("api/v1/auth/password-reset/link", "POST"),
    ("api/v1/auth/password-reset/code", "POST"),
    ("api/v1/openapi.json", "GET"),
    ("api/v1/docs", "GET"),
    ("api/v1/", "GET"),  # ninja's root: answers 404 to everyone
})


def route_of(path_info: str) -> str | None:
    try:
        return resolve(path_info).route
    except Resolver404:
        return None


def initial_password_allows(path_info: str, method: str) -> bool:
    return (route_of(path_info), method.upper()) in INITIAL_PASSWORD_ALLOWED
