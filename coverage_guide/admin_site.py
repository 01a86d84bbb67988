"""The admin site: clinic staff only, and only with a second factor (django-otp)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_otp import user_has_device
from django_otp.admin import OTPAdminSite

from patients.forms import AdminLoginForm


class StaffAdminSite(OTPAdminSite):  # type: ignore[misc]  # django-otp ships no types
    """django-otp's OTPAdminSite: a session counts as staff only once verified by a code from a
    confirmed authenticator device; a password alone gets the login page.

    coverage_guide/urls.py swaps it in as the class of ``admin.site`` (as django-otp documents),
    so every ``@admin.register`` keeps working and the site keeps its name "admin".
    """

    login_form = AdminLoginForm
    # No model list down the side of every page: the review queue needs the width (its columns fit
    # 1280 px without it); the admin index lists the models.
    enable_nav_sidebar = False
    login_template = "admin/login.html"  # templates/admin/login.html: Django's, with the code

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        user = request.user
        if (
            request.method == "GET"
            and user.is_authenticated
            and user.is_staff
            and not user_has_device(user)
        ):
            # Logged in with a password but no authenticator app yet: nothing to type here.
            return redirect("patients:two_factor_setup")
        response: HttpResponse = super().login(request, extra_context)
        return response
