"""Settings for the pathway aid, in one module, configured from the environment.

Production is the default: DEBUG is off unless DEBUG=1 is set (`make run` and the tests set it),
and with DEBUG off the aid refuses to start without a strong SECRET_KEY. Production sets
SECRET_KEY, ALLOWED_HOSTS and usually DATABASE_URL.
"""

import datetime as dt
import os
from pathlib import Path
from urllib.parse import quote

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


# A server started with only SECRET_KEY and ALLOWED_HOSTS must not run in debug mode (URLconf on
# the 404 page, no HTTPS redirect, insecure cookies), so debug is something to ask for.
DEBUG = env_bool("DEBUG", False)

DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105
# The same floor as Django's deploy check (security.W009): a short key can be brute-forced from
# one signed cookie, and every session and CSRF token hangs on it.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off (the default) the aid refuses to start without "
            "a secret key: set SECRET_KEY to a long random value, or DEBUG=1 for local use."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is the development key; set a real one for production."
        )
    if len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            f"SECRET_KEY is too weak: use at least {SECRET_KEY_MIN_LENGTH} random characters, "
            "e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(64))'."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "pathway.apps.AdminConfig",  # the admin with two-factor sign-in (pathway.admin_site)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_ratelimit",  # for its system checks of the cache it counts in
    "kb",
    "pathway",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in attempt.
    "axes.middleware.AxesMiddleware",
]

# `make run`'s local admin password, kept for this machine only (DEBUG on; see ensure_dev_admin).
LOCAL_ADMIN_FILE = BASE_DIR / "var" / "local-admin.txt"

ROOT_URLCONF = "pathway.urls"

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
                "pathway.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "pathway.wsgi.application"

# SQLite by default. WAL lets readers run beside a writer; IMMEDIATE transactions take the write
# lock at BEGIN, so two writers queue on the busy timeout instead of failing with "database is
# locked" half-way through a transaction.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),  # keep connections between requests
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    if DATABASES["default"]["NAME"] not in {"", ":memory:"}:
        # Opened read-write, never created: a missing or moved file is an error (and /readyz
        # says so), not a new empty database. `manage.py migrate` creates it.
        DATABASES["default"]["NAME"] = f"file:{quote(str(DATABASES['default']['NAME']))}?mode=rw"
    # Tests use a file too (not shared-cache memory, which locks whole tables), so they run
    # under the same WAL locking as a real server.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Whitenoise serves static files from each app server; in production, hashed file names let
# browsers (or a CDN in front) cache them for ever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Content Security Policy: everything from this site, nothing inline (no inline scripts or
# styles anywhere: htmx's indicator styles are switched off in base.html).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Production: HTTPS only, secure cookies, HSTS. Behind a proxy that terminates TLS, set
# SECURE_PROXY_SSL_HEADER=1 so Django trusts its X-Forwarded-Proto header.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_ENGINE = "django.contrib.sessions.backends.db"  # shared by every app server
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Django's default; spelled out because assessment URLs rely on it: they grant access on their
# own, so they never leave the site in a Referer, while same-site form posts still carry a real
# Origin for the CSRF check.
SECURE_REFERRER_POLICY = "same-origin"
# The aid uses no device feature: deny them all, so injected or framed content cannot ask.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "browsing-topics",
        "interest-cohort",
    )
}

# Assessments older than this are deleted by `manage.py purge_assessments` (run it daily).
ASSESSMENT_RETENTION_DAYS = env_int("ASSESSMENT_RETENTION_DAYS", 90)
# It deletes them this many at a time, one short transaction each, pausing between batches.
ASSESSMENT_PURGE_BATCH = env_int("ASSESSMENT_PURGE_BATCH", 500)
ASSESSMENT_PURGE_PAUSE = float(os.environ.get("ASSESSMENT_PURGE_PAUSE") or 0.05)

# Every handler masks assessment ids (see pathway.log_masking): Django's request logging
# ("Not Found: /a/<id>/...") and the development server's request lines included.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_ids": {"()": "pathway.log_masking.MaskAssessmentIds"},
        "without_traceback": {"()": "pathway.log_masking.WithoutTraceback"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_ids"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_ids"],
        },
    },
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.security.RequestDataTooBig": {"filters": ["without_traceback"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

LOGIN_URL = "admin:login"

# --- abuse --------------------------------------------------------------------------------------

# Proxies in front that append the client's address to X-Forwarded-For (nginx: 1). With 0 the
# address is the connection's own; set it only when every request comes through the proxies.
PROXY_COUNT = env_int("PROXY_COUNT", 0)

# django-ratelimit (pathway.ratelimits): "N/m", "N/h" or "N/d" per client address, and answers
# per assessment as well. A clinic behind one NAT address shares the per-address limits.
# The largest form is a step of answers, a few kilobytes; admin pages post more. A bigger body is
# refused (400) before it is read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)

RATE_LIMITS = {
    "start": os.environ.get("RATE_LIMIT_START", "60/h"),
    "answers": os.environ.get("RATE_LIMIT_ANSWERS", "600/m"),
    "answers_per_assessment": os.environ.get("RATE_LIMIT_ANSWERS_PER_ASSESSMENT", "120/m"),
    "pdf": os.environ.get("RATE_LIMIT_PDF", "10/m"),
    "login": os.environ.get("RATE_LIMIT_LOGIN", "20/m"),
}
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_IP_META_KEY = "pathway.ratelimits.client_ip"
RATELIMIT_VIEW = "pathway.ratelimits.refused"
RATELIMIT_USE_CACHE = "ratelimit"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Shared by every worker and server through the database; `manage.py migrate` makes the
    # table. Entries outlive every window (a day), and the table is culled past MAX_ENTRIES.
    "ratelimit": {
        "BACKEND": "pathway.ratelimits.SharedCounterCache",
        "LOCATION": "rate_limit_counters",
        "TIMEOUT": 60 * 60 * 24,
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}
# django-ratelimit knows the database cache only as non-atomic (E003 is about Django's own
# class; this one's incr is atomic, see SharedCounterCache) and supports memcached or Redis
# officially (W001): neither is needed here.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# django-axes: after AXES_FAILURE_LIMIT failed admin sign-ins from one address, or for one
# username, every attempt (even with the right password) is refused for AXES_COOLOFF_TIME.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "pathway.ratelimits.client_ip"

# Staff sessions (the admin) end after this long without a request, and every request
# restarts the clock. Clinicians have no session.
SESSION_COOKIE_AGE = 60 * env_int("SESSION_IDLE_MINUTES", 30)
SESSION_SAVE_EVERY_REQUEST = True
# The issuer shown in an authenticator app beside a TOTP device.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Leg pain pathway")

# The pathway the start page, the guided form and `manage.py assess` use unless told otherwise.
PATHWAY_DEFAULT_SLUG = os.environ.get("PATHWAY_DEFAULT_SLUG", "lumbar-radicular")
# Pathways whose publish gate also runs the clinical brief's invariants on generated answers:
# they use the finding vocabulary the invariants are written in.
CLINICAL_INVARIANT_PATHWAYS = frozenset({"lumbar-radicular"})
GATE_INVARIANT_SAMPLES = env_int("GATE_INVARIANT_SAMPLES", 400)
SEEDS_DIR = Path(os.environ.get("SEEDS_DIR", BASE_DIR / "seeds"))

# Messages in a signed cookie: an anonymous clinician's page view costs no session query.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
