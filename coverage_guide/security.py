"""Security hooks: error reports without patient data, login-throttling keys without emails."""

import ipaddress
import logging
import re
from collections.abc import Callable, ItemsView
from types import FrameType
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views.debug import SafeExceptionReporterFilter


class NoPatientDataReporterFilter(SafeExceptionReporterFilter):
    """Hide every POST value and every local variable, not only those named like passwords.

    Any form in this app may carry a diagnosis or a treatment history, so an error email or a
    debug page must show none of them.
    """

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def get_post_parameters(self, request: HttpRequest | None) -> dict[str, Any]:
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(
        self, request: HttpRequest | None, tb_frame: FrameType
    ) -> ItemsView[str, Any]:
        return {name: self.cleansed_substitute for name in tb_frame.f_locals}.items()


def client_address(request: HttpRequest) -> str:
    """The address a request came from, for login lockouts and rate limits.

    With TRUSTED_PROXY_COUNT proxies in front of the app, each appends the address it heard from
    to X-Forwarded-For, so the client is that many entries from the right; anything further left
    was written by the client and is not trusted. Without a proxy the header is ignored.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            remote = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        # A Unix-socket peer or a garbled header: one shared bucket, never an error page.
        return "0.0.0.0"  # noqa: S104 (a bucket name here, not an address to bind)


def axes_client_str(
    username: str | None,
    ip_address: str | None,
    user_agent: str | None,
    path_info: str | None,
    request: HttpRequest | None,
) -> str:
    """How django-axes names a client in its log lines: never the email address."""
    return f"{{ip_address: {ip_address!r}, path_info: {path_info!r}}}"


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The login email, lower-cased: "Alex@x.com" and "alex@x.com" share one counter."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get("username")
    return username.strip().lower() if username else None


class NoStoreWhenSignedInMiddleware:
    """Every response to a signed-in request is private and kept by no cache: a browser's back
    button, a shared computer or a proxy must not show a patient's pages after logout. (Admin and
    downloads set it too; static files are served before this runs.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_vary_headers(response, ["Cookie"])
        return response


_QUERY = re.compile(r"\?[^\s\"]*")


class NoQueryStringFilter(logging.Filter):
    """Request lines in the logs without their query strings (issue 14, finding 5): a search's
    words ("depression recurrent"), an admin search for a name or a member ID are health
    information, and the server's access log would keep them. The path stays; "?…" marks that
    a query was cut."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY.sub("?…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _QUERY.sub("?…", record.msg)
        return True
