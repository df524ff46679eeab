"""Settings of the AI vendor dependency risk register.

Everything is read from the environment with strict helpers (riskregister/env.py). Every setting has
an embedded default that runs on one machine (SQLite, a SQLite-backed Celery broker, email to files),
except the secret key: with DEBUG off, a missing or default SECRET_KEY stops start-up.
The README lists every variable.
"""

import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from riskregister.env import env_bool, env_int, env_int_list, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)

_DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"
# As Django's deploy check (security.W009): "aaaa…" is long and still guessable.
_SECRET_KEY_MIN_DISTINCT_CHARACTERS = 5
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or DEBUG=true for local development."
        )
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY
elif not DEBUG and (SECRET_KEY == _DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY is the development key or shorter than 32 characters; refusing to start with DEBUG off.")
elif not DEBUG and len(set(SECRET_KEY)) < _SECRET_KEY_MIN_DISTINCT_CHARACTERS:
    raise ImproperlyConfigured(
        f"SECRET_KEY has too few distinct characters (fewer than {_SECRET_KEY_MIN_DISTINCT_CHARACTERS}); "
        "refusing to start with DEBUG off. Use a long random value."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The port `make run` serves on (bin/run-all); links in emails follow it unless SITE_URL is set.
PORT = env_int("PORT", 8000, minimum=1)
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "django_htmx",
    "csp",
    "axes",
    "vendors",
    "riskregister.core",
    "riskregister.teams",
    "riskregister.risks",
    "riskregister.alerts",
    "riskregister.imports",
    "riskregister.scan",
    "riskregister.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "riskregister.urls"
WSGI_APPLICATION = "riskregister.wsgi.application"
ASGI_APPLICATION = "riskregister.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "riskregister" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "riskregister.core.context_processors.roles",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'riskregister.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a Celery worker started by a test sees the test database;
    # WAL and a busy timeout let the web server and the worker write beside each other.
    # One file per test process, so that test runs side by side do not share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-riskregister-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing directory before collectstatic
STATICFILES_DIRS = [BASE_DIR / "riskregister" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- security -------------------------------------------------------------------------------
# Secure by default whenever DEBUG is off; a deployment behind a TLS-terminating proxy keeps them.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", not DEBUG) else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content Security Policy on every response (django-csp): scripts and styles only from our own
# static files, no inline <script>, no on* handlers, no style= attributes. htmx is told not to
# inject its indicator <style> (a meta tag in base.html) and the indicator rules are in
# register.css; the API docs use drf-spectacular's split view, whose script is a file.
# tests/core/test_content_security_policy.py checks every page against these rules.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Sign-in attempts are limited per username and address (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = True
AXES_SENSITIVE_PARAMETERS = ["password"]

# --- email ----------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "AI risk register <risk-register@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", f"sqlalchemy+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=1)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {}  # kombu passes the SQLAlchemy transport's options to create_engine()
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Periodic tasks of every app; the database scheduler copies them into django-celery-beat's tables,
# where an admin can change them.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "riskregister.core.tasks.heartbeat", "schedule": 30.0},
    # Every 5 s, so that a due source waits a few seconds at most; an idle tick is one indexed
    # query (bench/latency.py measures it). A push also enqueues its source's check directly.
    "checks-sweep": {"task": "vendors.tasks.sweep_due_sources", "schedule": 5.0},
    # Alerts (riskregister/alerts/tasks.py). The dispatcher is also triggered when changes are recorded;
    # this tick is the safety net for a change committed while the broker was down.
    "alerts-dispatch": {"task": "riskregister.alerts.tasks.dispatch_pending", "schedule": 5.0},
    "alerts-deliver-due": {"task": "riskregister.alerts.tasks.deliver_due", "schedule": 15.0},
    # Daily emails: run hourly, but each day's slot is one alert per dedupe key, sent from
    # ALERT_DAILY_HOUR on; an hour the worker was down is caught up by the next run.
    "alerts-countdown-daily": {"task": "riskregister.alerts.tasks.send_countdowns", "schedule": 3600.0},
    "alerts-review-digest-daily": {"task": "riskregister.alerts.tasks.send_review_reminders", "schedule": 3600.0},
    "alerts-team-digests-daily": {"task": "riskregister.alerts.tasks.send_team_digests", "schedule": 3600.0},
    # Import jobs whose message was lost or whose worker died (riskregister/imports/services.py).
    "imports-recover": {"task": "riskregister.imports.tasks.recover_import_jobs", "schedule": 60.0},
    # The dashboard's rollup (riskregister/web/rollup.py); also refreshed after every dispatched batch.
    "web-rollups-refresh": {"task": "riskregister.web.tasks.refresh_rollups", "schedule": 300.0},
}
# /healthz reports unhealthy when the last heartbeat is older than this.
HEARTBEAT_MAX_AGE_SECONDS = env_int("HEARTBEAT_MAX_AGE_SECONDS", 120, minimum=1)

# --- alerts (riskregister/alerts) -----------------------------------------------------------
# A claimed alert not marked sent within the lease may be claimed again (a worker died mid-send).
ALERT_CLAIM_LEASE_SECONDS = env_int("ALERT_CLAIM_LEASE_SECONDS", 300, minimum=EMAIL_TIMEOUT * 2)
# A claimed batch of changes not dispatched within the lease may be claimed again.
ALERT_DISPATCH_LEASE_SECONDS = env_int("ALERT_DISPATCH_LEASE_SECONDS", 300, minimum=10)
# Transient SMTP failures: backoff base * 2^(attempt-1), capped, jittered; then give up.
ALERT_RETRY_BASE_SECONDS = env_int("ALERT_RETRY_BASE_SECONDS", 30, minimum=1)
ALERT_RETRY_MAX_SECONDS = env_int("ALERT_RETRY_MAX_SECONDS", 1800, minimum=1)
ALERT_MAX_ATTEMPTS = env_int("ALERT_MAX_ATTEMPTS", 40, minimum=1)
# Days before a retirement date on which teams are reminded.
ALERT_COUNTDOWN_DAYS = env_int_list("ALERT_COUNTDOWN_DAYS", [90, 30, 7, 1], minimum=1)
# Local hour (TIME_ZONE) from which the day's countdowns, review reminders and digests go out.
ALERT_DAILY_HOUR = env_int("ALERT_DAILY_HOUR", 7, minimum=0)
if ALERT_DAILY_HOUR > 23:
    raise ImproperlyConfigured(f"ALERT_DAILY_HOUR={ALERT_DAILY_HOUR} must be an hour from 0 to 23")

# --- alert channels (riskregister/alerts/channels) ------------------------------------------
# Slack and webhook targets may name a private host (host or host:port, as written in the URL) only
# if it is listed here; the status sources' OUTBOUND_ALLOWED_PRIVATE_HOSTS does not apply to them.
CHANNEL_ALLOWED_PRIVATE_HOSTS = env_list("CHANNEL_ALLOWED_PRIVATE_HOSTS", [])
# The Fernet key(s) that encrypt webhook signing secrets at rest (riskregister/alerts/secrets.py):
# comma-separated, the first encrypts, all decrypt (so a key can be rotated). Required with DEBUG
# off, like SECRET_KEY; with DEBUG on a development key is derived from SECRET_KEY.
CHANNEL_SECRET_KEYS = env_list("CHANNEL_SECRET_KEY", [])
if not CHANNEL_SECRET_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "CHANNEL_SECRET_KEY is required when DEBUG is off: it encrypts the signing secrets of webhook "
            "subscriptions. Set it to a Fernet key (python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'), or DEBUG=true for local development."
        )
    import base64 as _base64
    import hashlib as _hashlib

    CHANNEL_SECRET_KEYS = [
        _base64.urlsafe_b64encode(_hashlib.sha256(b"channel-secrets:" + SECRET_KEY.encode()).digest()).decode()
    ]
for _key in CHANNEL_SECRET_KEYS:
    try:
        from cryptography.fernet import Fernet as _Fernet

        _Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "CHANNEL_SECRET_KEY holds a value that is not a Fernet key (32 bytes, url-safe base64)"
        ) from None

# --- import jobs (riskregister/imports) -----------------------------------------------------
# An upload larger than this is refused by the web request itself.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 8 * 1024 * 1024, minimum=1024)
# Rows of a CSV, or components and services of a BOM, per import; counted before anything else.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 10000, minimum=1)
# Nesting of an uploaded JSON document beyond this is refused (a CycloneDX BOM needs about 10).
IMPORT_MAX_JSON_DEPTH = env_int("IMPORT_MAX_JSON_DEPTH", 64, minimum=8)
# Time limits of one import job's task, seconds (the soft one ends it cleanly, nothing written).
IMPORT_TASK_SOFT_TIME_LIMIT = env_int("IMPORT_TASK_SOFT_TIME_LIMIT", 600, minimum=1)
IMPORT_TASK_TIME_LIMIT = env_int("IMPORT_TASK_TIME_LIMIT", 660, minimum=2)
if IMPORT_TASK_TIME_LIMIT <= IMPORT_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("IMPORT_TASK_TIME_LIMIT must be longer than IMPORT_TASK_SOFT_TIME_LIMIT")
# A job claimed this many times without finishing (its worker died each time) is failed.
IMPORT_MAX_ATTEMPTS = env_int("IMPORT_MAX_ATTEMPTS", 3, minimum=1)
# A job still queued this long after upload is enqueued again (the broker may have lost it).
IMPORT_REQUEUE_AFTER_SECONDS = env_int("IMPORT_REQUEUE_AFTER_SECONDS", 120, minimum=10)

# --- the code scan (riskregister/scan) ------------------------------------------------------
# An uploaded zip of a source tree may be this large (it is stored until its job ends).
SCAN_MAX_UPLOAD_BYTES = env_int("SCAN_MAX_UPLOAD_BYTES", 32 * 1024 * 1024, minimum=1024)
# What a scan reads at most: unpacked bytes in all, files, and bytes of one file (larger ones are skipped).
SCAN_MAX_UNPACKED_BYTES = env_int("SCAN_MAX_UNPACKED_BYTES", 256 * 1024 * 1024, minimum=1024)
SCAN_MAX_FILES = env_int("SCAN_MAX_FILES", 100_000, minimum=1)
SCAN_MAX_FILE_BYTES = env_int("SCAN_MAX_FILE_BYTES", 1024 * 1024, minimum=1024)
# A zip member that unpacks to more than this many times its compressed size is refused (a bomb).
SCAN_MAX_RATIO = env_int("SCAN_MAX_RATIO", 200, minimum=2)

# --- outbound HTTP (vendors/http.py) ---------------------------------------------------------
OUTBOUND_ALLOWED_PRIVATE_HOSTS = env_list("OUTBOUND_ALLOWED_PRIVATE_HOSTS", [])
OUTBOUND_CONNECT_TIMEOUT = float(env_int("OUTBOUND_CONNECT_TIMEOUT", 5, minimum=1))
OUTBOUND_READ_TIMEOUT = float(env_int("OUTBOUND_READ_TIMEOUT", 10, minimum=1))
OUTBOUND_MAX_BYTES = env_int("OUTBOUND_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
# A whole request, redirects included, must be done within this (a trickling server is cut off).
OUTBOUND_TOTAL_TIMEOUT = float(env_int("OUTBOUND_TOTAL_TIMEOUT", 20, minimum=1))

# --- secrets of status sources (vendors/sources/base.py) ----------------------------------------
# A source's config names the environment variable holding its API key; only these may be named,
# so that a source cannot be pointed at SECRET_KEY, DATABASE_URL or the SMTP password.
SOURCE_SECRET_ENV_PREFIX = env_str("SOURCE_SECRET_ENV_PREFIX", "SOURCE_SECRET_")
SOURCE_SECRET_ENV_ALLOWED = env_list("SOURCE_SECRET_ENV_ALLOWED", [])
_SERVER_SECRETS = {"SECRET_KEY", "DATABASE_URL", "EMAIL_HOST_PASSWORD", "EMAIL_HOST_USER", "CELERY_BROKER_URL"}
if not re.fullmatch(r"[A-Z][A-Z0-9_]*_", SOURCE_SECRET_ENV_PREFIX):
    raise ImproperlyConfigured(
        f"SOURCE_SECRET_ENV_PREFIX={SOURCE_SECRET_ENV_PREFIX!r} must be upper-case letters, digits and underscores "
        "ending in an underscore (for example SOURCE_SECRET_)"
    )
for _name in SOURCE_SECRET_ENV_ALLOWED:
    if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", _name) or _name in _SERVER_SECRETS:
        raise ImproperlyConfigured(f"SOURCE_SECRET_ENV_ALLOWED names {_name!r}, which is not a variable a source may read")
if any(_name.startswith(SOURCE_SECRET_ENV_PREFIX) for _name in _SERVER_SECRETS):
    raise ImproperlyConfigured(f"SOURCE_SECRET_ENV_PREFIX={SOURCE_SECRET_ENV_PREFIX!r} would let sources read the server's own secrets")

# --- background checks (vendors/services.py) ------------------------------------------------
# Sources fetched at once by one sweep (bench/sweep.py measures the default).
CHECKS_SWEEP_CONCURRENCY = env_int("CHECKS_SWEEP_CONCURRENCY", 50, minimum=1)
# Sources one sweep takes at most (the most overdue first); the rest wait for the next tick.
CHECKS_SWEEP_MAX_SOURCES = env_int("CHECKS_SWEEP_MAX_SOURCES", 5000, minimum=1)
# No fetch of a sweep starts after this many seconds (below the sweep task's 150 s soft limit).
CHECKS_SWEEP_MAX_SECONDS = env_int("CHECKS_SWEEP_MAX_SECONDS", 100, minimum=1)
# A failing source waits interval x 2^(failures-1), at most this long, before its next check.
CHECKS_MAX_BACKOFF_SECONDS = env_int("CHECKS_MAX_BACKOFF_SECONDS", 6 * 3600, minimum=60)
# A hot source (an open incident, a component not operational, or a change in its last check) is
# checked this often until it is calm again (never less often than its own interval).
CHECKS_HOT_INTERVAL = env_int("CHECKS_HOT_INTERVAL", 30, minimum=5)
# Pushed updates (vendors/push.py): pushes cause at most one check per this many seconds per source;
# more are answered 202 and coalesced.
CHECKS_PUSH_MIN_INTERVAL = env_int("CHECKS_PUSH_MIN_INTERVAL", 10, minimum=1)
# A pushed body larger than this is refused with 413 (Statuspage's incident bodies are a few KiB).
CHECKS_PUSH_MAX_BYTES = env_int("CHECKS_PUSH_MAX_BYTES", 256 * 1024, minimum=1024)

# --- risk scoring (riskregister/risks/scoring.py) ------------------------------------------
RISK_MATRIX = {
    "likelihood_labels": ["rare", "unlikely", "possible", "likely", "almost certain"],
    "impact_labels": ["negligible", "minor", "moderate", "major", "severe"],
    # A score (likelihood x impact, 1..25) falls in the first band whose upper bound it does not exceed.
    "bands": [
        {"name": "low", "max_score": 4},
        {"name": "medium", "max_score": 9},
        {"name": "high", "max_score": 16},
        {"name": "critical", "max_score": 25},
    ],
}
# Days until the next review, by band of the current (residual) score.
RISK_REVIEW_INTERVAL_DAYS = {"critical": 30, "high": 90, "medium": 180, "low": 365}
# Exposure weight by dependency criticality tier (tier 1 = most critical).
CRITICALITY_WEIGHTS = {1: 4, 2: 3, 3: 2, 4: 1}
# A fallback covers a dependency only if its failover was tested within this many days.
FALLBACK_TESTED_WITHIN_DAYS = env_int("FALLBACK_TESTED_WITHIN_DAYS", 90, minimum=1)
# The review queue shows a risk this many days before its next review date.
RISK_REVIEW_DUE_WITHIN_DAYS = env_int("RISK_REVIEW_DUE_WITHIN_DAYS", 14, minimum=0)
# Criticality tiers that count as critical for concentration and fallback coverage.
CRITICAL_TIERS = [1, 2]

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its `WWW-Authenticate` header makes a missing sign-in a 401 rather than a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["riskregister.api.parsers.DepthLimitedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "riskregister.api.filters.RegisterFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "riskregister.api.pagination.RegisterPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "riskregister.api.schema.RegisterAutoSchema",
    "EXCEPTION_HANDLER": "riskregister.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
        # Token requests per address, on top of django-axes' lockout per username and address.
        "sign_in": env_str("API_THROTTLE_SIGN_IN", "30/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AI vendor dependency risk register API",
    "DESCRIPTION": (
        "What we depend on, what can break it, how bad it would be, who reviewed it, what changed.\n\n"
        "Get a token with `POST /api/v1/auth/token/` (`username`, `password`) and send it as "
        "`Authorization: Token <token>`. Ids are integers; a team is named by its slug. Every error has the "
        "shape `{\"error\": {\"code\", \"message\", \"fields\"}}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # OpenAPI 3.1 for its `webhooks`: the alert a webhook subscription receives (riskregister/api/webhooks.py).
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": ["riskregister.api.webhooks.alert_webhook"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SeverityEnum": "vendors.models.StatusChange.Severity",
        "LifecycleEnum": "vendors.models.Lifecycle",
        "OperationalStatusEnum": "vendors.models.OperationalStatus",
        "RiskStatusEnum": "riskregister.risks.models.Risk.Status",
        "AlertStatusEnum": "riskregister.alerts.models.Alert.Status",
        "AlertKindEnum": "riskregister.alerts.models.Alert.Kind",
        "DeliveryStatusEnum": "riskregister.alerts.models.Delivery.Status",
        "ChangeKindEnum": "vendors.models.StatusChange.Kind",
        "RelationshipKindEnum": "vendors.models.VendorRelationship.Kind",
        "ModelModeEnum": "vendors.models.Capabilities.Mode",
        "SubscriptionModeEnum": "riskregister.alerts.models.Subscription.Mode",
        "LifecycleFactFieldEnum": "vendors.models.LifecycleFact.Field",
        "LifecycleFactSourceKindEnum": "vendors.models.LifecycleFact.SourceKind",
        "CertaintyEnum": "vendors.models.Certainty",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- logging --------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No traceback for an ordinary 403/404, no ERROR line per 503 of /healthz (riskregister/core/logging.py).
    "filters": {"quiet_expected": {"()": "riskregister.core.logging.QuietExpectedResponses"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["quiet_expected"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # httpx logs every request's full URL at INFO; a Slack or webhook target is a credential
        # (its token is in the path), so only its warnings are logged. Checks log their own outcomes.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # The development server's access log, through the same filtered handler.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
