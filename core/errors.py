"""One error type for every rule a service enforces.

Pages show `message` next to `field`; the API answers with `status` and
{"code", "message", "field"}. Codes are stable identifiers clients may branch on.
"""

from django.db import models


class ErrorCode(models.TextChoices):
    INVALID = "invalid", "invalid input"
    NOT_FOUND = "not_found", "does not exist or is outside your scope"
    FORBIDDEN = "forbidden", "role too weak for this action"
    CONFLICT = "conflict", "state does not allow this"
    LOCKED = "locked", "locked for good"
    NOT_AUTHENTICATED = "not_authenticated", "log in first"
    BAD_CREDENTIALS = "bad_credentials", "wrong login name or password"
    THROTTLED = "throttled", "too many attempts"
    CAPTCHA_REQUIRED = "captcha_required", "solve the CAPTCHA first"
    PASSWORD_CHANGE_REQUIRED = "password_change_required", "initial password must be changed"
    PASSWORD_EXPIRED = "password_expired", "initial password expired"
    WEAK_PASSWORD = "weak_password", "password refused"
    ADMIN_MODE_REQUIRED = "admin_mode_required", "enter admin mode first"
    TOO_LARGE = "too_large", "file or request too large"
    BAD_FILE = "bad_file", "file type or content refused"
    IMPORT_ERRORS = "import_errors", "import file has errors"
    DUPLICATE = "duplicate", "already exists"
    CAP_REACHED = "cap_reached", "yearly cap reached"
    WINDOW_CLOSED = "window_closed", "outside the allowed window"


_STATUS = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.LOCKED: 409,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.BAD_CREDENTIALS: 401,
    ErrorCode.THROTTLED: 429,
    ErrorCode.PASSWORD_CHANGE_REQUIRED: 403,
    ErrorCode.PASSWORD_EXPIRED: 403,
    ErrorCode.ADMIN_MODE_REQUIRED: 403,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.DUPLICATE: 409,
    ErrorCode.CAP_REACHED: 409,
    ErrorCode.WINDOW_CLOSED: 409,
}


class DomainError(Exception):
    def __init__(self, code: str, message, *, field: str | None = None, details=None):
        super().__init__(str(message))
        self.code = str(code)
        self.message = message
        self.field = field
        self.details = details

    @property
    def status(self) -> int:
        return _STATUS.get(self.code, 400)

    def __repr__(self):
        return f"DomainError({self.code!r}, {str(self.message)!r}, field={self.field!r})"
