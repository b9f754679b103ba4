"""Settings for Alliance Settlements, read from the environment.

DATABASE_URL, SECRET_KEY, DEBUG and ALLOWED_HOSTS configure a deployment; with DEBUG
off the app refuses to start unless SECRET_KEY and ALLOWED_HOSTS are given, and it insists on
HTTPS (SECURE_SSL_REDIRECT, SECURE_PROXY_SSL_HEADER and CSRF_TRUSTED_ORIGINS tune that).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

# Commands that neither serve pages nor sign anything (set in manage.py): they run where the serving settings,
# SECRET_KEY and ALLOWED_HOSTS, are not given, as the README's commands for roles are typed. Anything that needs
# the key (sessions, password-reset links) still fails without it, with Django's own message.
OFFLINE_COMMANDS = {"set_role", "changepassword", "createsuperuser"}
OFFLINE = os.environ.get("ALLIANCE_COMMAND", "") in OFFLINE_COMMANDS

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if DEBUG and not SECRET_KEY:
    # Development only: a fresh key each start, so no key is ever committed.
    SECRET_KEY = get_random_secret_key()
if not DEBUG and not OFFLINE and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of at least 50 characters when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or (["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not OFFLINE and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list this site's host names when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# HTTPS and browser hardening; all on whenever DEBUG is off. SECURE_SSL_REDIRECT=0 allows a local
# production-style run over plain HTTP; behind a proxy that ends TLS, set SECURE_PROXY_SSL_HEADER to
# the header it sets, e.g. "HTTP_X_FORWARDED_PROTO,https".
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = tuple(env_list("SECURE_PROXY_SSL_HEADER")) or None
if SECURE_PROXY_SSL_HEADER and len(SECURE_PROXY_SSL_HEADER) != 2:
    raise ImproperlyConfigured('SECURE_PROXY_SSL_HEADER is a header and a value, e.g. "HTTP_X_FORWARDED_PROTO,https".')
SECURE_HSTS_SECONDS = 0 if DEBUG else 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The form widgets' own templates, for the site's form renderer.
    "django.forms",
    "django.contrib.humanize",
    "djmoney",
    "simple_history",
    "axes",
    "settlements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "settlements.middleware.ClosedYearRefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "alliance.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# One field template for every form: label, hint and error tied to the field (see templates/forms/).
FORM_RENDERER = "alliance.renderers.FormRenderer"

WSGI_APPLICATION = "alliance.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT costs the grouped report queries (correlated balance subqueries) above jit_above_cost and
    # then spends 380-600 ms compiling each one, more than the query runs (year-end at 100,000 instalments: 379
    # of 648 ms); these short OLTP-sized reads never win it back.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out user name and address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "settlements.auth.DemoAwareModelBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Behind a reverse proxy every connection comes from the proxy: the client's address is read from
# X-Forwarded-For as the trusted proxies wrote it (docs/production.md shows the nginx lines).
try:
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or 0)
except ValueError as error:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of proxies in front of the app, e.g. 1.") from error
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of proxies in front of the app, 0 or more.")
AXES_CLIENT_IP_CALLABLE = "settlements.auth.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# The logins shown to a newcomer by `make demo`; they are refused whenever DEBUG is off.
DEMO_USERNAME = "demo"
# The demo's logins and their roles: a finance editor and a finance approver, never a superuser.
DEMO_LOGINS = {DEMO_USERNAME: "finance_editor", "demo-approver": "finance_approver"}

LANGUAGE_CODE = "en-gb"
# British English only: the browser's language never turns dates into 04/30/2020.
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["alliance.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents live in their own folder, outside the static files and never served from a public URL
# (there is no MEDIA_URL route): the download view checks who asks, then streams the file as an attachment.
# docs/production.md shows the same storage on S3 through django-storages.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "documents")
DOCUMENT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}}
if os.environ.get("DOCUMENT_BUCKET"):
    # S3 through django-storages (installed separately); boto3 reads the credentials and region from AWS_* variables.
    DOCUMENT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["DOCUMENT_BUCKET"],
            "location": "documents",
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": DOCUMENT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
try:
    DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES") or 25 * 1024 * 1024)
except ValueError as error:
    raise ImproperlyConfigured(
        "DOCUMENT_MAX_BYTES is the largest document accepted, in bytes, e.g. 26214400."
    ) from error

CURRENCIES = ("GBP",)
DEFAULT_CURRENCY = "GBP"
CURRENCY_CHOICES = [("GBP", "GBP £")]
SERIALIZATION_MODULES = {"json": "djmoney.serializers"}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "alliance-settlements@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")

# History is read-only in the app: the admin's history pages show old versions and never revert to them.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Operators see failures: with DEBUG off every unhandled exception reaches standard error (gunicorn's log and
# journald) with its traceback and the request (method, path, user), and is mailed to ADMINS when they are set.
ADMINS = [(address, address) for address in env_list("ADMINS")]
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request": {"()": "alliance.log.RequestContext"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s%(request_line)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request"],
            "formatter": "plain",
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "loggers": {
        "django": {"handlers": ["console", "mail_admins"], "level": LOG_LEVEL},
        "settlements": {"handlers": ["console"], "level": LOG_LEVEL},
    },
}
