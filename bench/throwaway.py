"""The benches' Django: development settings on a throwaway SQLite database and media folder in a
new temporary directory, no Redis (tasks run in-process), warnings only in the log.

    from throwaway import WORK  # first, before anything imports Django models

Importing this module sets the environment and calls django.setup(); WORK is the directory.
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix=f"coverage-guide-{Path(sys.argv[0]).stem}-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="coverage_guide.settings",
    DJANGO_DEBUG="1",
    SECRET_KEY="bench-only-secret-key-0123456789abcdef0123456789abcdef",  # noqa: S106
    DATABASE_URL=f"sqlite:///{WORK / 'bench.sqlite3'}",
    PRIVATE_MEDIA_ROOT=str(WORK / "media"),
    STATIC_ROOT=str(WORK / "static"),  # exists (empty), so WhiteNoise does not warn
    ALLOWED_HOSTS="testserver,localhost",
    SECURE_SSL_REDIRECT="0",
    REDIS_URL="",
    LOG_LEVEL="WARNING",
)
(WORK / "static").mkdir()

import django  # noqa: E402

django.setup()
