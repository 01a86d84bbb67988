"""Rate limits on the account pages anyone can reach without signing in (issue 14, finding 2).

django-axes locks one email at one address after five wrong passwords. These add what it does
not: failed logins from one address across many emails (one password tried on a list of
addresses), and sign-ups and password-reset requests, each by address and by the email asked
about. Counts live in the cache (Redis in production: settings.CACHES), through django-ratelimit.

An address-wide limit is higher than the per-email one: a clinic's patients and staff may share
one address.

When the cache cannot be reached (Redis down), the limits let the request through and log a
warning: a patient must still be able to sign in, and django-axes, which counts in the database,
still locks an email after its wrong passwords.
"""

import logging
from collections.abc import Callable

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Failed logins from one address, whatever the email (the axes lockout is per email and address).
LOGIN_FAILURES_PER_ADDRESS = "20/h"
SIGNUPS_PER_ADDRESS = "10/h"
SIGNUPS_PER_EMAIL = "3/h"
RESETS_PER_ADDRESS = "10/h"
RESETS_PER_EMAIL = "3/h"


def _limited(
    request: HttpRequest,
    group: str,
    key: str | Callable[[str, HttpRequest], str],
    rate: str,
    *,
    count: bool,
) -> bool:
    try:
        return is_ratelimited(
            request, group=group, key=key, rate=rate, method=is_ratelimited.ALL, increment=count
        )
    except (RedisError, OSError):
        # Only the group goes in the log: never an email or an address.
        logger.warning("Rate-limit counts unavailable (cache unreachable); %s not limited", group)
        return False


def login_blocked_for_address(request: HttpRequest) -> bool:
    """Too many failed logins from this address lately (checked before the password is)."""
    return _limited(request, "login-failures", "ip", LOGIN_FAILURES_PER_ADDRESS, count=False)


@receiver(user_login_failed)
def count_failed_login(sender, credentials, request=None, **kwargs) -> None:
    """Every failed login counts against its address (patients' and staff logins alike)."""
    if request is not None:
        record_failed_login(request)


def record_failed_login(request: HttpRequest) -> None:
    """A wrong password typed outside a login (the sign-up link's check) counts the same."""
    _limited(request, "login-failures", "ip", LOGIN_FAILURES_PER_ADDRESS, count=True)


def signup_limited(request: HttpRequest) -> bool:
    """Count this sign-up; True when its address or its email has asked too often."""
    by_address = _limited(request, "signup", "ip", SIGNUPS_PER_ADDRESS, count=True)
    by_email = _limited(request, "signup", _email_key, SIGNUPS_PER_EMAIL, count=True)
    return by_address or by_email


def password_reset_limited(request: HttpRequest) -> bool:
    """Count this reset request; True when its address or its email has asked too often."""
    by_address = _limited(request, "password-reset", "ip", RESETS_PER_ADDRESS, count=True)
    by_email = _limited(request, "password-reset", _email_key, RESETS_PER_EMAIL, count=True)
    return by_address or by_email


def _email_key(group: str, request: HttpRequest) -> str:
    # Case and spaces do not make a new address. The key is hashed by django-ratelimit before
    # it reaches the cache, so no email is stored in it.
    return request.POST.get("email", "").strip().lower()
