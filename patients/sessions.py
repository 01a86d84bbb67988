"""The idle timeout: a session ends after SESSION_COOKIE_AGE seconds without a request.

Each request pushes the end back, but the session is written at most once every renewal interval
(a minute), not on every request as SESSION_SAVE_EVERY_REQUEST would: that write cost every page
a database UPDATE in its own transaction (issue 18, page speed). The end is therefore up to one
interval earlier than "idle for SESSION_COOKIE_AGE", so the page's warning counts down from
`idle_seconds()`, never past the server's end. "Stay logged in" always renews
(patients.views.session_keepalive).
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

RENEWED_AT = "_renewed_at"
RENEW_EVERY_SECONDS = 60


def renew_interval() -> int:
    """A minute, or a tenth of a very short timeout (tests shorten it to seconds)."""
    every = getattr(settings, "SESSION_RENEW_SECONDS", RENEW_EVERY_SECONDS)
    return min(every, settings.SESSION_COOKIE_AGE // 10)


def idle_seconds() -> int:
    """How long a page may stay idle, at worst, before the server ends its session."""
    return settings.SESSION_COOKIE_AGE - renew_interval()


def session_renew(request: HttpRequest, *, now: float | None = None) -> None:
    """Mark the session to be saved (so its end moves) when it was last renewed an interval ago."""
    now = time.time() if now is None else now
    renewed = request.session.get(RENEWED_AT, 0)
    if now - renewed >= renew_interval():
        request.session[RENEWED_AT] = int(now)


@receiver(user_logged_in, dispatch_uid="patients.sessions.renewed_at_login")
def _renewed_at_login(sender, request, user, **kwargs) -> None:
    """Logging in saves the session anyway: that is its first renewal."""
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED_AT] = int(time.time())


class SessionRenewalMiddleware:
    """After SessionMiddleware: renews a signed-in session now and then (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session_renew(request)
        return response
