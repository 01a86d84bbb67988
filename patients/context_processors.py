from django.conf import settings


def session_timeout(request):
    """Seconds of idleness before logout, for the warning script in base.html."""
    return {
        "session_idle_seconds": settings.SESSION_COOKIE_AGE,
        "session_warning_seconds": settings.SESSION_TIMEOUT_WARNING_SECONDS,
    }
