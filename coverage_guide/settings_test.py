"""Test settings: the real settings module with fast, local, deterministic services."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ["REDIS_URL"] = ""  # eager Celery; tests that need a real worker start their own Redis
os.environ["FILE_STORAGE"] = "local"  # tests that need a bucket start their own (moto, loopback)

from .settings import *  # noqa: E402, F403

# A file, not SQLite's in-memory default, so a real Celery worker process (tests marked
# "worker") can open the same test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"coverage-guide-test-{os.getpid()}.sqlite3")
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# tests/conftest.py points MEDIA_ROOT at a fresh tmp_path for every test.
MEDIA_ROOT = BASE_DIR / ".local" / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# No console output in tests, but the real configuration's privacy parts: what may reach the
# logs (query strings cut from access lines, pypdf quiet; issue 14, finding 5).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": LOG_FILTERS,  # noqa: F405 - from the settings imported above
    "loggers": PRIVATE_LOGGERS,  # noqa: F405
}
# No collectstatic in tests: WhiteNoise serves from the finders.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
