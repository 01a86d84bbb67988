"""Settings for Coverage Guide: one module, every deployment difference read from the environment.

Safe by default: DEBUG is off unless DJANGO_DEBUG says otherwise, and with DEBUG off the secret
key must come from the environment (SECRET_KEY or a file named by SECRET_KEY_FILE).
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = BASE_DIR / ".local"  # git-ignored: dev database, media, Redis data, secret key

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points at an unreadable file") from exc
    return os.environ.get(name, "")


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required when DEBUG is off")
    SECRET_KEY = "insecure-development-only-key-set-SECRET_KEY-in-production"  # noqa: S105

# Rotating the key (README, "Deploying"): the new key in SECRET_KEY, the old one here for as long
# as what it signed must keep working (sessions, password-reset and sign-up links, kept forms);
# comma-separated, or one per line in the file named by SECRET_KEY_FALLBACKS_FILE.
SECRET_KEY_FALLBACKS = [
    key.strip()
    for key in env_secret("SECRET_KEY_FALLBACKS").replace("\n", ",").split(",")
    if key.strip()
]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_ratelimit",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "patients",
    "claims",
    # The project package itself, for its management command (check_services; see "Health").
    "coverage_guide",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Renews a signed-in session at most once a minute (the idle timeout, patients/sessions.py).
    "patients.sessions.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "coverage_guide.i18n.AdminInEnglishMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: marks request.user verified when the session holds a device.
    "django_otp.middleware.OTPMiddleware",
    # Signed-in pages are never cached (browser back button, shared computers, proxies).
    "coverage_guide.security.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coverage_guide.urls"
WSGI_APPLICATION = "coverage_guide.wsgi.application"

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
                "patients.context_processors.session_timeout",
            ],
        },
    },
]

if DEBUG:
    LOCAL_DIR.mkdir(exist_ok=True)

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{LOCAL_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        # A kept connection is tested before each request reuses it (one dropped by PostgreSQL
        # or a pooler gives a fresh one, not an error page).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database fails in seconds (the health check answers; requests do not hang).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent saves queue instead of failing with "database is locked" (issue 14, finding
    # 13): a transaction takes the write lock when it begins (IMMEDIATE, Django 5.1+) rather
    # than failing to upgrade a read lock later, a waiting one waits up to 20 s, and readers
    # do not block the writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "patients.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "patients:login"
LOGIN_REDIRECT_URL = "claims:dashboard"
LOGOUT_REDIRECT_URL = "patients:login"

# Login throttling (django-axes): five wrong passwords for one email from one address lock that
# pair out for 15 minutes. Axes logs without the username so the log names nobody. Failures from
# one address across many emails are limited in patients/throttle.py (20 an hour), not by an
# "ip_address" entry here: axes applies AXES_FAILURE_LIMIT to every parameter set, and five
# failures would then lock out a whole clinic behind one address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "patients/locked_out.html"
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field name, holding the email
AXES_USERNAME_CALLABLE = "coverage_guide.security.axes_username"
AXES_CLIENT_STR_CALLABLE = "coverage_guide.security.axes_client_str"

# The client's address, for axes and the rate limits alike. Behind a reverse proxy every request
# comes from the proxy's address; TRUSTED_PROXY_COUNT (the number of proxies in front of the app,
# each appending to X-Forwarded-For) says how many addresses from the right of that header are
# the proxies' own. 0, the default, trusts no header: a client can write anything in it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "coverage_guide.security.client_address"
RATELIMIT_IP_META_KEY = "coverage_guide.security.client_address"

# Two-factor sign-in (django-otp, TOTP) for the admin site, which only clinic staff use. The
# issuer names the account in authenticator apps; device keys never show in admin pages.
OTP_TOTP_ISSUER = "Coverage Guide"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Sessions end after this many idle seconds; every request pushes the end back, and the page
# warns two minutes before (static/js/session-timeout.js).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# Every request pushes the end back, but the session is written at most once a minute
# (patients/sessions.py), not on every request (SESSION_SAVE_EVERY_REQUEST cost each page a write).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_TIMEOUT_WARNING_SECONDS = 120

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Spanish with US dollars and month-first short dates (coverage_guide/formats/es/formats.py).
FORMAT_MODULE_PATH = ["coverage_guide.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))

# Uploaded documents and rendered packets are health information: they live in private storage
# with no public URL (MEDIA_URL is never routed) and leave only through authorized views.
MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", LOCAL_DIR / "media"))
# Derived data, safe to delete: the parsed ICD-10-CM code set (patients/icd10.py).
ICD10_CACHE_DIR = Path(os.environ.get("ICD10_CACHE_DIR", LOCAL_DIR / "cache"))
# --- File storage (issue 18, item 3) ------------------------------------------------------------
# Where uploaded documents and rendered packets are kept: STORAGES["default"], which every file
# the app reads or writes goes through. Static files stay with WhiteNoise whatever this says.
# One switch, FILE_STORAGE:
# - "local" (the default): files on this machine's disk, under PRIVATE_MEDIA_ROOT. Enough for one
#   machine that runs both the web and the worker processes.
# - "s3": an S3 bucket (django-storages), shared by every web and worker process on any machine:
#   AWS S3, or an S3-compatible service (MinIO, Ceph, ...) at AWS_S3_ENDPOINT_URL.
# Either way no file has a URL anyone is given: files leave only through the authorized download
# views, which stream them (claims/views/files.py; STYLE.md rule 13). In the bucket, objects are
# private (no ACL sent by default: an object without one is its owner's alone, and a bucket with
# ACLs disabled, AWS's default since 2023, refuses every upload that sends one but
# bucket-owner-full-control; AWS_DEFAULT_ACL=private for older buckets that want it said),
# encrypted at rest (SSE-S3, or SSE-KMS with AWS_S3_KMS_KEY_ID)
# and never overwritten (a second file of the same name gets a suffix); a `.url` would still be
# signed and expiring (querystring_auth), never public.
_S3_ACLS = {
    "private": "private",
    # The only ACL a bucket with ACLs disabled ("Bucket owner enforced", the default for new AWS
    # buckets since 2023) accepts besides none: it refuses even "private" with
    # AccessControlListNotSupported. Objects there are the bucket owner's alone anyway.
    "bucket-owner-full-control": "bucket-owner-full-control",
    "none": None,
}
# Files up to this size are read into memory on download; larger ones into an unnamed temporary
# file (FILE_UPLOAD_TEMP_DIR), so a large packet does not hold its whole size in a web process.
_S3_MAX_MEMORY_SIZE = 16 * 1024 * 1024


def file_storage_from_env() -> dict[str, Any]:
    """STORAGES["default"] as the environment asks (see above), or ImproperlyConfigured."""
    kind = os.environ.get("FILE_STORAGE", "").strip().lower()
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if kind not in {"", "local", "s3"}:
        raise ImproperlyConfigured("FILE_STORAGE must be local (the default) or s3")
    if kind != "s3":
        if bucket and not kind:
            # Health records written to a container's disk would be lost with it.
            raise ImproperlyConfigured(
                "AWS_STORAGE_BUCKET_NAME is set but FILE_STORAGE is not: set FILE_STORAGE=s3 to "
                "keep files in the bucket, or FILE_STORAGE=local to keep them on this disk"
            )
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if not bucket:
        raise ImproperlyConfigured("FILE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    acl = (os.environ.get("AWS_DEFAULT_ACL") or "none").strip().lower()
    if acl not in _S3_ACLS:
        raise ImproperlyConfigured(f"AWS_DEFAULT_ACL must be one of {', '.join(_S3_ACLS)}")
    kms_key_id = os.environ.get("AWS_S3_KMS_KEY_ID", "").strip()
    encryption = (
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
        if kms_key_id
        else {"ServerSideEncryption": "AES256"}
    )
    addressing_style = os.environ.get("AWS_S3_ADDRESSING_STYLE", "").strip().lower() or None
    if addressing_style not in {None, "auto", "path", "virtual"}:
        raise ImproperlyConfigured("AWS_S3_ADDRESSING_STYLE must be auto, path or virtual")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": (os.environ.get("AWS_LOCATION") or "private-media").strip("/"),
        "region_name": os.environ.get("AWS_S3_REGION_NAME", "").strip() or None,
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None,
        "addressing_style": addressing_style,
        "object_parameters": encryption,
        "default_acl": _S3_ACLS[acl],
        "querystring_auth": True,
        "file_overwrite": False,
        "max_memory_size": _S3_MAX_MEMORY_SIZE,
    }
    # Keys from the environment or *_FILE; with neither, boto3 finds its own (an instance or
    # task role, AWS_PROFILE, ~/.aws): no key needs to be written anywhere.
    access_key, secret_key = env_secret("AWS_ACCESS_KEY_ID"), env_secret("AWS_SECRET_ACCESS_KEY")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together")
    if access_key:
        options |= {"access_key": access_key, "secret_key": secret_key}
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": file_storage_from_env(),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Local disk only (S3 has no file modes): files readable by the app's user alone.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# --- end of file storage ------------------------------------------------------------------------

# Change history is an audit trail: shown in admin, never reverted from there.
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: the console in development; SMTP from the environment in production. Bodies never hold
# health information ("log in to see an update"), see patients/emails.py.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Coverage Guide <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Operations", a) for a in env_list("ADMINS")]
SITE_NAME = "Coverage Guide"

# Celery with a Redis broker. With no REDIS_URL (no redis-server installed), tasks run in-process
# so the app still works on a bare machine.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# The app's tasks return nothing anyone waits for, so dispatch never touches the result backend;
# only the health-check ping (scripts/smoke.py) asks for its answer (ignore_result=False there).
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 300
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# Packets (issue 14, findings 6, 11, 12). Hard time limits per render, in seconds: a packet with
# many uploaded pages goes to its own queue (worker-large in the Procfile), so it cannot hold up
# other patients' packets, and gets longer.
PACKET_QUEUE = "celery"
PACKET_LARGE_QUEUE = "packets-large"
PACKET_TIME_LIMIT = env_int("PACKET_TIME_LIMIT", 180)
PACKET_LARGE_TIME_LIMIT = env_int("PACKET_LARGE_TIME_LIMIT", 900)
# A packet still "queued" this long after its request was not handed to the broker (Redis was
# down): the sweep sends it again. One handed over but still waiting after PACKET_LOST_AFTER is
# sent again too (the broker lost it); a duplicate is harmless (claims/services/packets.py).
PACKET_RESEND_AFTER = timedelta(seconds=env_int("PACKET_RESEND_AFTER_SECONDS", 60))
PACKET_LOST_AFTER = timedelta(minutes=15)
# A render claimed longer ago than its time limit plus this grace was lost with its worker.
PACKET_STALE_GRACE = timedelta(seconds=env_int("PACKET_STALE_GRACE_SECONDS", 60))
PACKET_SWEEP_SECONDS = env_int("PACKET_SWEEP_SECONDS", 60)

# Worker loss: a render whose process died is handed back to the queue (tasks are idempotent),
# and a worker holds only what it is running, so nothing waits unacknowledged behind a long one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Unacknowledged messages of a worker killed outright come back after this; it must outlast
    # the longest render, or a slow render would be handed to a second worker meanwhile.
    "visibility_timeout": 2 * PACKET_LARGE_TIME_LIMIT,
    # With Redis down, sending fails at once instead of retrying for seconds inside a web request:
    # the packet stays queued and the sweep sends it when Redis is back.
    "max_retries": 0,
    "socket_connect_timeout": 3,
}
CELERY_BEAT_SCHEDULE = {
    # Hourly, so a reminder is never more than an hour late after a restart; each is sent once.
    "deadline-reminders": {"task": "claims.send_deadline_reminders", "schedule": 3600.0},
    # The packet outbox: sends again what the broker never got, re-queues renders lost with a
    # worker.
    "packets-resend": {
        "task": "claims.resend_stalled_packets",
        "schedule": float(PACKET_SWEEP_SECONDS),
    },
    # Files no record refers to (a crash between writing a file and saving its row).
    "files-prune": {"task": "claims.prune_orphan_files", "schedule": 3600.0},
}

# The cache: rate limits (django-ratelimit, patients/throttle.py) count in it, so in production
# it is Redis, shared by every web process. Without Redis (make run on a bare machine: one
# runserver process) a local-memory cache does. Short socket timeouts: when Redis is down or
# unreachable the limits let requests through (patients/throttle.py) instead of hanging them.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit lists only django-redis among Redis caches; Django's own RedisCache
    # increments atomically too (INCR), which is what the counting needs.
    "django_ratelimit.W001",
    # A local-memory cache is one process's: acceptable only where one process serves (no Redis).
    *([] if REDIS_URL else ["django_ratelimit.E003"]),
]

# Security. Production values are the defaults; DEBUG relaxes only what plain-HTTP runserver needs.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Health (issue 18, item 2): /health/ (coverage_guide/views.py) and `manage.py check_services`
# (coverage_guide/management/commands/) run the checks in coverage_guide/health.py. The command
# lives in the project package, an app above for that alone: the apps may not import it.
# Load balancers probe over plain HTTP from inside the network, and most count a redirect as a
# failure, so /health/ answers over HTTP too. Such a caller gets "ok"/"down" per check and no
# more: the details are for staff, whose session cookie (Secure) is never sent over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/(web/)?$"]

# Content-Security-Policy (django-csp): only our own scripts, styles and images; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Error reports never carry form data or local variables: both may hold health information.
DEFAULT_EXCEPTION_REPORTER_FILTER = "coverage_guide.security.NoPatientDataReporterFilter"

# Loggers that keep health data out of the logs (issue 14, finding 5); the tests use them too.
PRIVATE_LOGGERS: dict[str, dict[str, Any]] = {
    # The development server's access log, without query strings.
    "django.server": {"filters": ["no_query_string"]},
    # pypdf's warnings quote raw bytes of uploaded files (health data). Its errors reach us as
    # exceptions, which the app logs by type only (claims/uploads.py, claims/pdf.py).
    "pypdf": {"level": "CRITICAL"},
}
LOG_FILTERS = {"no_query_string": {"()": "coverage_guide.security.NoQueryStringFilter"}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "filters": LOG_FILTERS,
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, **PRIVATE_LOGGERS},
}
