from django.conf import settings
from django.http import HttpRequest

from .sessions import idle_seconds


def session_timeout(request: HttpRequest) -> dict[str, int]:
    """Seconds of idleness before logout, for the warning script in base.html: the soonest the
    server may end the session (patients/sessions.py)."""
    return {
        "session_idle_seconds": idle_seconds(),
        "session_warning_seconds": settings.SESSION_TIMEOUT_WARNING_SECONDS,
    }
