from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .decorators import patient_required
from .forms import DeleteAccountForm, SignUpForm


@login_required
def home(request):
    if not request.user.is_patient:
        return redirect("admin:index")
    return render(request, "patients/home.html")


def signup(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.patient_sign_up(
            email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "patients/signup.html", {"form": form})


def terms(request):
    return render(request, "patients/terms.html", {"version": services.TERMS_VERSION})


def privacy(request):
    return render(request, "patients/privacy.html", {"version": services.PRIVACY_VERSION})


@patient_required
def export(request):
    if request.method != "POST":
        return render(request, "patients/export.html")
    data = services.patient_export_zip(user=request.user)
    response = HttpResponse(data, content_type="application/zip")
    filename = f"coverage-guide-export-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@patient_required
def delete_account(request):
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_delete_account(
                user=request.user, password=form.cleaned_data["password"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logout(request)
            return redirect("patients:account_deleted")
    return render(request, "patients/delete_account.html", {"form": form})


def account_deleted(request):
    return render(request, "patients/account_deleted.html")


@login_required
@require_POST
def session_keepalive(request):
    """The idle warning's "Stay logged in" button: saving the session renews it."""
    return HttpResponse(status=204)
