"""Admin is the clinic's English workspace, whatever language a patient chose on the site."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

ADMIN_PREFIX = "/admin/"


class AdminInEnglishMiddleware:
    """After LocaleMiddleware: admin pages render in English even with a Spanish cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(ADMIN_PREFIX):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
        return self.get_response(request)
