"""The one settings module. Everything that differs between machines comes from the
environment through the typed helpers in config.env; see docs/configuration.md."""

from pathlib import Path

from config.env import (
    ImproperEnv,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    sqlite_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("XUESHI_VAR_DIR", str(BASE_DIR / "var")))
# SQLite cannot create its directory, and a fresh clone has none: every command (migrate,
# backup, a test subprocess) must find it there.
VAR_DIR.mkdir(parents=True, exist_ok=True)

XUESHI_ENV = env_choice("XUESHI_ENV", "development", {"development", "production"})
PRODUCTION = XUESHI_ENV == "production"

DEBUG = env_bool("XUESHI_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperEnv("XUESHI_DEBUG must be off when XUESHI_ENV=production")

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperEnv("SECRET_KEY must be at least 50 characters in production")
else:
    from config.startup import DEVELOPMENT_KEY

    SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_KEY)

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "config.startup",  # runserver refusing a public address with the development key
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "captcha",  # django-simple-captcha: challenge table and image renderer (accounts.services.captcha)
    "core",
    "orgs",
    "accounts",
    "ledger",
    "claims",
    "reports",
    "training",
    "notifications",
    "portal",
]

MIDDLEWARE = [
    "core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "core.middleware.NoStoreMiddleware",
    "core.middleware.TextInputGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.AccountStateMiddleware",
    "ledger.middleware.PolicyMemoMiddleware",
    "core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.shell",
            ],
        },
    }
]

if "DATABASE_URL" in __import__("os").environ:
    DATABASES = {"default": database_from_url(env_str("DATABASE_URL"))}
else:
    DATABASES = {"default": sqlite_database(str(VAR_DIR / "xueshi.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.LoginNameEmailMobileBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.passwords.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "accounts.passwords.MaximumLengthValidator"},
    {"NAME": "accounts.passwords.NotKnownDefaultValidator"},
    {"NAME": "accounts.passwords.NotPersonalValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Production serves the collected, hashed files (collectstatic); development and tests
# serve straight from the apps' static folders.
STATIC_ROOT = Path(env_str("XUESHI_STATIC_ROOT", str(BASE_DIR / "staticfiles"))) if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Attachments, import files and result files, all through django.core.files.storage
    # (docs/deployment.md: object storage). The file system one lives at MEDIA_ROOT.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded files live outside the static tree and are only served through views that check
# ownership and scope; MEDIA_URL is deliberately not routed.
MEDIA_ROOT = VAR_DIR / "uploads"

# Sessions: two weeks unless the browser closes; admin mode has its own shorter clock.
SESSION_COOKIE_AGE = env_int("XUESHI_SESSION_AGE", 14 * 24 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

HTTPS = env_bool("XUESHI_HTTPS", default=PRODUCTION)
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("XUESHI_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("XUESHI_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("XUESHI_HSTS_PRELOAD", default=True)
    if not SECURE_HSTS_PRELOAD:
        # An operator who opts out of the preload list has decided; do not nag.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Request bodies: uploads above this never reach a view (Django answers 400 / our handler
# answers 413); individual limits per upload kind are enforced in the services.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The whole request body: room for a claim's files at their limits plus the form fields.
XUESHI_MAX_UPLOAD_BYTES = env_int("XUESHI_MAX_UPLOAD_BYTES", 60 * 1024 * 1024, minimum=1024)
# External-learning claims (SPEC §3): each attachment, and attachments per claim.
XUESHI_CLAIM_MAX_FILE_BYTES = env_int("XUESHI_CLAIM_MAX_FILE_BYTES", 10 * 1024 * 1024, minimum=1024)
XUESHI_CLAIM_MAX_FILES = env_int("XUESHI_CLAIM_MAX_FILES", 5, minimum=1)
XUESHI_IMPORT_MAX_BYTES = env_int("XUESHI_IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
XUESHI_IMPORT_MAX_ROWS = env_int("XUESHI_IMPORT_MAX_ROWS", 100_000, minimum=10)
# Imports of more rows run on the django-tasks worker with a progress bar (core/jobs.py).
XUESHI_IMPORT_INLINE_ROWS = env_int("XUESHI_IMPORT_INLINE_ROWS", 300, minimum=1)
# Exports of more rows are written by the background worker (reports.exports).
XUESHI_EXPORT_INLINE_ROWS = env_int("XUESHI_EXPORT_INLINE_ROWS", 5000, minimum=1)

# Accounts policy (SPEC §1, ABUSE-CASES 1-5).
XUESHI_INITIAL_PASSWORD_DAYS = env_int("XUESHI_INITIAL_PASSWORD_DAYS", 3, minimum=1)
XUESHI_LOGIN_FAILURES_ALLOWED = env_int("XUESHI_LOGIN_FAILURES_ALLOWED", 5, minimum=1)
XUESHI_LOGIN_COOLOFF_SECONDS = env_int("XUESHI_LOGIN_COOLOFF_SECONDS", 15 * 60, minimum=1)
XUESHI_ADMIN_IDLE_SECONDS = env_int("XUESHI_ADMIN_IDLE_SECONDS", 30 * 60, minimum=60)
XUESHI_ADMIN_MAX_SECONDS = env_int("XUESHI_ADMIN_MAX_SECONDS", 2 * 3600, minimum=60)
XUESHI_KNOWN_DEFAULT_PASSWORDS = ["123456", "abcd1234", "12345678", "password", "xueshi123"]

# --- accounts/auth settings ---
# How many reverse proxies in front of the app append to X-Forwarded-For; the client
# address is the entry that many hops from the right. 0: use REMOTE_ADDR (no proxy).
# Set it to exactly the number of proxies: too high lets clients forge their address.
XUESHI_TRUSTED_PROXY_COUNT = env_int("XUESHI_TRUSTED_PROXY_COUNT", 0, minimum=0)
if XUESHI_TRUSTED_PROXY_COUNT > 5:
    raise ImproperEnv(f"XUESHI_TRUSTED_PROXY_COUNT={XUESHI_TRUSTED_PROXY_COUNT} is above 5; "
                      "it counts reverse proxies in front of the app")
# Growing locks of the shared per-account budget never exceed this.
XUESHI_LOGIN_LOCK_MAX_SECONDS = env_int("XUESHI_LOGIN_LOCK_MAX_SECONDS", 24 * 3600, minimum=60)
# Failures of the shared budget after which clients without the device cookie see a CAPTCHA.
XUESHI_LOGIN_CAPTCHA_AFTER = env_int("XUESHI_LOGIN_CAPTCHA_AFTER", 2, minimum=0)
XUESHI_DEVICE_COOKIE_DAYS = env_int("XUESHI_DEVICE_COOKIE_DAYS", 180, minimum=1)
# 验证码 (django-simple-captcha; its URLs are not routed: accounts serves the pictures).
CAPTCHA_CHALLENGE_FUNCT = "accounts.services.captcha.captcha_text"
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = env_int("XUESHI_CAPTCHA_MINUTES", 5, minimum=1)  # minutes
CAPTCHA_FONT_SIZE = 30
CAPTCHA_LETTER_ROTATION = (-25, 25)
CAPTCHA_TEST_MODE = False
# 忘记密码 (accounts.services.reset): emailed links live 30 minutes, SMS codes 10.
PASSWORD_RESET_TIMEOUT = env_int("XUESHI_RESET_LINK_SECONDS", 30 * 60, minimum=60)
XUESHI_RESET_CODE_SECONDS = env_int("XUESHI_RESET_CODE_SECONDS", 10 * 60, minimum=60)
XUESHI_RESET_CODE_ATTEMPTS = env_int("XUESHI_RESET_CODE_ATTEMPTS", 5, minimum=1)
XUESHI_RESET_WINDOW_SECONDS = env_int("XUESHI_RESET_WINDOW_SECONDS", 3600, minimum=60)
XUESHI_RESET_REQUESTS_PER_ACCOUNT = env_int("XUESHI_RESET_REQUESTS_PER_ACCOUNT", 3, minimum=1)
XUESHI_RESET_REQUESTS_PER_ADDRESS = env_int("XUESHI_RESET_REQUESTS_PER_ADDRESS", 20, minimum=1)
# A class with send(mobile, text) (accounts.sms); empty: no SMS, the reset offers email only.
XUESHI_SMS_BACKEND = env_str("XUESHI_SMS_BACKEND",
                             "" if PRODUCTION else "accounts.sms.ConsoleSmsBackend")
XUESHI_DEVICE_COOKIE_SECURE = HTTPS
# --- end of accounts/auth settings ---

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if "REDIS_URL" in __import__("os").environ:
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("REDIS_URL"),
    }

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "xueshi@localhost")
# Without SMTP, development prints mails (reset links included) to the console;
# production keeps them in memory, i.e. sends nothing. EMAIL_BACKEND overrides both.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
    else "django.core.mail.backends.locmem.EmailBackend" if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"()": "core.logging.EscapingFormatter",
                             "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("XUESHI_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

NINJA_PAGINATION_PER_PAGE = 50

