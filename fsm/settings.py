"""Django settings, read from the environment (see .env.example for every variable)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fsm.env import env_bool, env_choice, env_int, env_list, env_secret, env_secret_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FSM_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Off unless asked for: `make run` and the test settings (fsm/settings_test.py) turn it on explicitly.
DEBUG = env_bool("DJANGO_DEBUG", False)
# With DEBUG off, a missing, placeholder or repository-known secret stops start-up (fsm/env.py).
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", dev_default="dev-only-insecure-key-change-me", debug=DEBUG)
# Earlier secret keys, still accepted for sessions and still decrypting stored tokens (rotation).
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "customers",
    "invoicing",
    "integrations",
    "demo",  # `manage.py seed_demo`: the demo organizations and their data
    "devinbox",  # the dev SMTP server's command and inbox pages; the pages answer 404 unless FSM_DEV_INBOX=1
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.CurrentOrganizationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fsm.middleware.SecurityHeadersMiddleware",
]

# HTTPS and cookies. Production sits behind a TLS-terminating proxy (docker-compose.yml's nginx) that
# sets X-Forwarded-Proto; only trust that header when such a proxy strips a client's own copy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Secure cookies go over HTTPS only: off with DEBUG, where `make run` serves plain http on loopback.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# htmx sends the CSRF token from the page (base.html's hx-headers), so no script needs the cookie.
CSRF_COOKIE_HTTPONLY = True
# Lax, not Strict: Intuit's redirect back to the OAuth callback is a cross-site top-level GET that must
# carry the session.
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

ROOT_URLCONF = "fsm.urls"
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
                "accounts.context_processors.organization",
                "integrations.context_processors.qbo_queue",
                "devinbox.context_processors.dev_inbox",
                "fsm.context_processors.support",
            ],
        },
    },
]
WSGI_APPLICATION = "fsm.wsgi.application"

_DEFAULT_DB = f"sqlite:///{VAR_DIR / 'fsm.sqlite3'}"
_db_url = env_url("DATABASE_URL", _DEFAULT_DB, schemes=("sqlite", "postgres", "postgresql"))
try:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL={_db_url!r} could not be parsed: {exc}") from None
# Each request is one transaction, so a change and the sync job it queues commit together.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite: wait for a lock instead of failing at once when the worker and web write together.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests get a file, not SQLite's in-memory default, so a worker process a test starts can open the
    # same database. The pid keeps concurrent runs apart (pytest-django adds "_gwN" under xdist).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Django's default of 1,000 fields stops an invoice form at about 140 lines with a bare "Bad Request".
# A line row posts 7 fields; this lets up to three times invoicing.validators.MAX_LINES (750) rows reach
# the form, which answers the person with the line limit in words (tests/pages/test_invoice_limits.py).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 16_000
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
# Sign-in throttle (accounts/throttle.py): this many failed sign-ins for one username within the window
# lock that username out (page and API alike, right password included) until the window has passed.
SIGNIN_MAX_FAILURES = env_int("FSM_SIGNIN_MAX_FAILURES", 10, minimum=1)
SIGNIN_LOCKOUT_SECONDS = env_int("FSM_SIGNIN_LOCKOUT_SECONDS", 900, minimum=1)
# API tokens (accounts/api_tokens.py) are stored hashed and expire this many hours after issue.
API_TOKEN_TTL_HOURS = env_int("FSM_API_TOKEN_TTL_HOURS", 24 * 30, minimum=1)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# Who people write to when something goes wrong: shown on the QuickBooks page and the error pages
# (Intuit's app review asks for a support contact inside the app).
FSM_SUPPORT_EMAIL = env_str("FSM_SUPPORT_EMAIL", "support@fielddesk.example")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.api_tokens.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "fsm.openapi.FsmAutoSchema",
    # The API takes JSON bodies only (a form-encoded body gets 415); POST /auth/token/ also takes a form.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FSM API",
    "DESCRIPTION": "Customers, projects, products and invoices of the signed-in organization.",
    "VERSION": "1.0.0",
    # Swagger UI and ReDoc are served from the installed sidecar package: the docs page works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Projects and invoices both have a "status" field; name their enums instead of hashing a suffix.
    "ENUM_NAME_OVERRIDES": {
        "InvoiceStatusEnum": "invoicing.models.InvoiceStatus",
        "ProjectStatusEnum": "customers.models.ProjectStatus",
        "LineKindEnum": "invoicing.models.LineKind",
        "DiscountKindEnum": "invoicing.models.DiscountKind",
        "TaxRoundingEnum": "accounts.models.TaxRounding",
        "ProductTypeEnum": "invoicing.models.ProductType",
    },
}

# Celery. With no CELERY_BROKER_URL the embedded default is kombu's filesystem transport: a real
# worker process and beat still run, with messages as files under var/celery/, and nothing to
# install. The database, not the broker, holds all sync work, so either broker may lose messages.
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", "", schemes=("redis", "rediss", "filesystem", "memory"))
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if not CELERY_BROKER_URL:
    _celery_dir = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "control"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # kombu's filesystem transport with an atomic write (fsm/broker.py says why: the stock one crashes the
    # worker when it reads a message file still being written).
    CELERY_BROKER_TRANSPORT = "fsm.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        # Exchange tables (the worker's remote-control fanout); kombu's default is ./control in the cwd.
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
OVERDUE_SWEEP_SECONDS = env_int("FSM_OVERDUE_SWEEP_SECONDS", 300, minimum=5)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "invoices-mark-overdue": {
        "task": "invoicing.tasks.mark_overdue_invoices",
        "schedule": float(OVERDUE_SWEEP_SECONDS),
    },
}

# Every handler redacts OAuth secrets (fsm/log_redaction.py): tokens, the callback's code and state,
# Authorization headers. "django" and "django.server" (runserver's access log, which prints the OAuth
# callback's query string) are routed through filtered handlers instead of Django's unfiltered defaults.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "fsm.log_redaction.RedactSecrets"},
        "client_error_without_traceback": {"()": "fsm.log_filters.ClientErrorWithoutTraceback"},
    },
    "formatters": {"django.server": {"()": "django.utils.log.ServerFormatter",
                                     "format": "[{server_time}] {message}", "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["redact_secrets"]},
    },
    "loggers": {
        # A refused request (4xx) is one warning line, without the traceback Django attaches.
        "django.request": {"filters": ["client_error_without_traceback"]},
        # Django's default config gives "django" its own console handler (when DEBUG) on top of the root's,
        # so each of its lines printed twice; the root console alone prints them (no ADMINS: no mail).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Configuring "django" resets its children: runserver's request lines keep Django's own format.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env_choice("FSM_LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()},
}
# Celery would replace the root handlers with its own (unfiltered) ones; keep ours.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# QuickBooks Online. QBO_ENVIRONMENT=simulator points the unmodified intuit-oauth and python-quickbooks
# libraries at the bundled simulator (QBO_SIM_URL); sandbox/production talk to Intuit.
QBO_ENVIRONMENT = env_choice("QBO_ENVIRONMENT", "simulator", ("simulator", "sandbox", "production"))
QBO_SIM_URL = env_url("QBO_SIM_URL", "http://127.0.0.1:8765", schemes=("http", "https")).rstrip("/")
# Where a person opens a record "in QuickBooks": the QuickBooks web app. The simulator serves the web app's
# own paths (/app/invoice?txnId=N, /app/customerdetail?nameId=N, /app/homepage) on its host, so only this
# host differs. Empty: QBO_SIM_URL for the simulator, app.sandbox.qbo.intuit.com / app.qbo.intuit.com else.
QBO_APP_URL = env_url("QBO_APP_URL", "", schemes=("http", "https")).rstrip("/")
QBO_CLIENT_ID = env_str("QBO_CLIENT_ID", "sim-client-id" if QBO_ENVIRONMENT == "simulator" else "")
QBO_CLIENT_SECRET = env_str("QBO_CLIENT_SECRET", "sim-client-secret" if QBO_ENVIRONMENT == "simulator" else "")
QBO_REDIRECT_URI = env_url(
    "QBO_REDIRECT_URI", "http://127.0.0.1:8000/settings/integrations/quickbooks/callback/", schemes=("http", "https")
)
QBO_HTTP_TIMEOUT_SECONDS = env_int("QBO_HTTP_TIMEOUT_SECONDS", 30, minimum=1)
# Webhooks (POST /hooks/quickbooks/): the "Verifier Token" from the Webhooks page of your Intuit app. Every
# delivery's intuit-signature is an HMAC of its body with it; empty refuses all deliveries (503) and leaves
# the CDC sweep to bring changes. The simulator signs with "sim-verifier-token" unless told otherwise.
QBO_WEBHOOK_VERIFIER_TOKEN = env_secret(
    "QBO_WEBHOOK_VERIFIER_TOKEN", dev_default="sim-verifier-token" if QBO_ENVIRONMENT == "simulator" else "",
    debug=DEBUG, min_length=16,
)
if QBO_ENVIRONMENT == "simulator" and not DEBUG:
    raise ImproperlyConfigured("QBO_ENVIRONMENT=simulator is for development (DJANGO_DEBUG=1); production talks to "
                               "Intuit: set QBO_ENVIRONMENT to sandbox or production.")
if QBO_ENVIRONMENT != "simulator" and not (QBO_CLIENT_ID and QBO_CLIENT_SECRET):
    raise ImproperlyConfigured(
        f"QBO_ENVIRONMENT={QBO_ENVIRONMENT} needs QBO_CLIENT_ID and QBO_CLIENT_SECRET from your Intuit app's Keys page."
    )
if QBO_ENVIRONMENT == "simulator":
    # python-quickbooks' OAuth2Session refuses plain http; only the loopback simulator speaks it.
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")

# Token encryption at rest (django-fernet-encrypted-fields, Fernet). FIELD_ENCRYPTION_KEYS is a comma-
# separated list; the first encrypts, all decrypt, so a new key is rotated in by putting it first and
# running `manage.py qbo_rotate_token_keys`.
# Each stored token's key is derived from DJANGO_SECRET_KEY and a key here; with DEBUG off the first one
# must be a secret of your own (fsm/env.py).
SALT_KEY = env_secret_list("FIELD_ENCRYPTION_KEYS", dev_default=["dev-only-token-key"], debug=DEBUG)

# The push queue (integrations/push): retries, leases and the sweeper.
QBO_BACKOFF_BASE_SECONDS = env_int("QBO_BACKOFF_BASE_SECONDS", 30, minimum=0)
QBO_BACKOFF_CAP_SECONDS = env_int("QBO_BACKOFF_CAP_SECONDS", 3600, minimum=1)
QBO_MAX_ATTEMPTS = env_int("QBO_MAX_ATTEMPTS", 8, minimum=1)
QBO_THROTTLE_WAIT_SECONDS = env_int("QBO_THROTTLE_WAIT_SECONDS", 60, minimum=0)
QBO_JOB_LEASE_SECONDS = env_int("QBO_JOB_LEASE_SECONDS", 300, minimum=5)
QBO_SWEEP_SECONDS = env_int("QBO_SWEEP_SECONDS", 15, minimum=1)
# At most this many doorbells per sweep: set it to the number of push slots across all workers (with
# `--pool threads --concurrency 8` on two workers, 16) so a backlog whose messages were lost still fills
# every slot. Each doorbell runs jobs for a 20 s slice and stops when nothing is due.
QBO_PUSH_DOORBELLS = env_int("QBO_PUSH_DOORBELLS", 4, minimum=1)
# Per-company limits kept below QBO's published ones (500 requests/minute, 10 in flight).
QBO_RATE_PER_MINUTE = env_int("QBO_RATE_PER_MINUTE", 480, minimum=1)
QBO_MAX_IN_FLIGHT = env_int("QBO_MAX_IN_FLIGHT", 8, minimum=1)
# Batch requests have their own cap at QBO: 40/minute per company and app (120 per company, all apps
# together, since 2025). We allow this many in any 61 s (integrations/qbo/limiter.py says why).
QBO_BATCH_PER_MINUTE = env_int("QBO_BATCH_PER_MINUTE", 38, minimum=1)
# The limiter lives in Redis when one is configured (shared by every worker on every machine).
QBO_LIMITER_REDIS_URL = env_url(
    "QBO_LIMITER_REDIS_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
    schemes=("redis", "rediss"),
)
CELERY_BEAT_SCHEDULE["qbo-push-sweeper"] = {
    "task": "integrations.push.tasks.push_sweep",
    "schedule": float(QBO_SWEEP_SECONDS),
}
# The initial sync runs in slices of about this many seconds, each re-queued behind the other companies'
# slices, so many companies connecting at once share the workers and each shows progress. The sweeper
# rings runs whose message was lost (queued and due) and runs whose worker died.
QBO_IMPORT_SLICE_SECONDS = env_int("QBO_IMPORT_SLICE_SECONDS", 5, minimum=1)
CELERY_BEAT_SCHEDULE["qbo-import-sweeper"] = {
    "task": "integrations.importer.tasks.import_sweep",
    "schedule": float(QBO_SWEEP_SECONDS),
}
# Token upkeep: refresh QuickBooks tokens that would otherwise lapse while no sync runs (a refresh token
# dies ~100 days after its last use). Refreshing is cheap; every 6 hours keeps well inside every limit.
QBO_TOKEN_UPKEEP_SECONDS = env_int("QBO_TOKEN_UPKEEP_SECONDS", 6 * 3600, minimum=60)
CELERY_BEAT_SCHEDULE["qbo-token-upkeep"] = {
    "task": "integrations.connection.tasks.refresh_expiring_tokens",
    "schedule": float(QBO_TOKEN_UPKEEP_SECONDS),
}
# Changes made in QuickBooks (integrations/inbound): stored webhook events are processed at once (doorbell)
# and re-checked every QBO_SWEEP_SECONDS; the CDC sweep catches a missed webhook within
# QBO_CDC_SWEEP_SECONDS; the drift report runs nightly at QBO_DRIFT_HOUR_UTC.
from celery.schedules import crontab

QBO_CDC_SWEEP_SECONDS = env_int("QBO_CDC_SWEEP_SECONDS", 300, minimum=10)
QBO_DRIFT_HOUR_UTC = env_int("QBO_DRIFT_HOUR_UTC", 3, minimum=0)
CELERY_BEAT_SCHEDULE["qbo-inbound-events"] = {
    "task": "integrations.inbound.tasks.inbound_events_sweep",
    "schedule": float(QBO_SWEEP_SECONDS),
}
CELERY_BEAT_SCHEDULE["qbo-inbound-cdc"] = {
    "task": "integrations.inbound.tasks.inbound_cdc_sweep",
    "schedule": float(QBO_CDC_SWEEP_SECONDS),
}
CELERY_BEAT_SCHEDULE["qbo-drift-nightly"] = {
    "task": "integrations.inbound.tasks.drift_nightly",
    "schedule": crontab(hour=QBO_DRIFT_HOUR_UTC % 24, minute=17),
}

# Uploaded files (an organization's logo). Invoices inline the logo, so no web server needs to serve these.
MEDIA_ROOT = Path(env_str("FSM_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# Email (invoices are sent with Django's email framework). Production: your SMTP relay. `make run` points
# EMAIL_HOST/EMAIL_PORT at the dev SMTP server it starts (devinbox, `manage.py dev_smtp`), whose caught
# messages are listed at /dev/inbox/ when FSM_DEV_INBOX=1.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 8025, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL (implicit TLS) exclude each other; set one.")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "FSM Invoices <invoices@localhost>")
EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN", "fsm.localhost")
# Delivery attempts of one Send before it shows as failed, and the first retry's delay (doubling after).
INVOICE_EMAIL_MAX_ATTEMPTS = env_int("INVOICE_EMAIL_MAX_ATTEMPTS", 6, minimum=1)
INVOICE_EMAIL_BACKOFF_BASE_SECONDS = env_int("INVOICE_EMAIL_BACKOFF_BASE_SECONDS", 30, minimum=1)
CELERY_BEAT_SCHEDULE["invoice-emails-sweep"] = {"task": "invoicing.tasks.invoice_emails_sweep", "schedule": 60.0}
# The dev inbox: staff-only pages showing what the dev SMTP server caught (messages stored as .eml files).
FSM_DEV_INBOX = env_bool("FSM_DEV_INBOX", False)
DEV_MAIL_DIR = Path(env_str("FSM_DEV_MAIL_DIR", str(VAR_DIR / "mail")))
