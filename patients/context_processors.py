from django.conf import settings
from django.http import HttpRequest


def session_timeout(request: HttpRequest) -> dict[str, int]:
    """Seconds of idleness before logout, for the warning script in base.html."""
    return {
        "session_idle_seconds": settings.SESSION_COOKIE_AGE,
        "session_warning_seconds": settings.SESSION_TIMEOUT_WARNING_SECONDS,
    }
