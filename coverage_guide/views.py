"""Project-level views: the health endpoint for load balancers and monitors."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import DOWN, OK, WEB_CHECKS, Outcome, check_services


@require_safe
@never_cache
def health_web(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when this web process can serve pages (its database answers),
    else 503. Cheap (one SELECT 1) and never about shared services: a lost Celery worker or a
    bucket hiccup must not take every web machine out of the balancer at once. No details."""
    outcomes = check_services(only=WEB_CHECKS)
    healthy = all(outcome.status != DOWN for outcome in outcomes)
    body = {
        "status": OK if healthy else DOWN,
        "checks": {outcome.name: outcome.status for outcome in outcomes},
    }
    return JsonResponse(body, status=200 if healthy else 503)


@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 when every service the app needs is up, 503 when one is down, as JSON.

    Anyone gets the overall status and each check's status by name: load balancers probe this
    without signing in. Staff who may open admin (signed in with a second factor) also get the
    timings and error details (hosts, paths, exception texts), which nobody else sees.
    """
    outcomes = check_services()
    healthy = all(outcome.status != DOWN for outcome in outcomes)
    body: dict[str, Any] = {
        "status": OK if healthy else DOWN,
        "checks": {outcome.name: outcome.status for outcome in outcomes},
    }
    if _may_see_details(request, outcomes):
        body["details"] = {
            outcome.name: {
                "status": outcome.status,
                "seconds": None if outcome.seconds is None else round(outcome.seconds, 3),
                "detail": outcome.detail,
            }
            for outcome in outcomes
        }
    return JsonResponse(body, status=200 if healthy else 503)


def _may_see_details(request: HttpRequest, outcomes: list[Outcome]) -> bool:
    """Staff with a verified second factor, as admin requires (coverage_guide/admin_site.py).

    The session and the account are in the database: with the database down, the request is
    answered as an anonymous one, and the user is set so, so that no middleware reads the session
    afterwards and turns the 503 into a 500.
    """
    if any(outcome.name == "database" and outcome.status != OK for outcome in outcomes):
        request.user = AnonymousUser()
        return False
    return admin.site.has_permission(request)
