import base64
import time
from datetime import timedelta

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services, throttle
from .decorators import patient_required, restored_post, staff_required
from .forms import (
    ADDRESS_THROTTLED,
    DeleteAccountForm,
    PasswordCheckForm,
    PatientProfileForm,
    SignUpForm,
    TwoFactorSetupForm,
)
from .models import SymptomScore
from .selectors import get_patient_for_user


@require_POST
def set_language(request):
    """Django's language switch (a cookie); a patient's choice is also kept on their account, so
    that their emails and their next login use it."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and request.user.is_patient
        and language in dict(settings.LANGUAGES)  # check_for_language accepts any Django ships
    ):
        services.patient_language_save(
            patient=get_patient_for_user(request.user), language=language
        )
    return response


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    # The same cookie, with the same attributes, as Django's set_language view sets.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class LoginView(auth_views.LoginView):
    """Django's login; a patient then sees the site in the language saved on their account."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if user.is_patient:
            _set_language_cookie(response, get_patient_for_user(user).preferred_language)
        return response


class LogoutView(auth_views.LogoutView):
    """Django's logout, then a word that it worked (the login page shows it)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You are logged out. Everything you entered is saved."))
        return response


@login_required
def home(request):
    if not request.user.is_patient:
        # Staff work in admin, which asks for a code from their authenticator app: first set
        # one up if they have none.
        if request.user.is_staff and not user_has_device(request.user):
            return redirect("patients:two_factor_setup")
        return redirect("admin:index")
    return render(request, "patients/home.html")


def signup(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and throttle.signup_limited(request):
        form.is_valid()  # so the page shows what was typed, with the fields' own messages
        form.add_error(None, TOO_MANY_SIGNUPS)
        return render(request, "patients/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        services.patient_sign_up_request(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            language=translation.get_language(),
            confirm_url=lambda user: request.build_absolute_uri(
                reverse(
                    "patients:signup_confirm",
                    args=[
                        urlsafe_base64_encode(force_bytes(user.pk)),
                        services.sign_up_tokens.make_token(user),
                    ],
                )
            ),
        )
        # The same page whether or not the email already had an account.
        request.session[SIGNUP_EMAIL_KEY] = form.cleaned_data["email"]
        return redirect("patients:signup_sent")
    return render(request, "patients/signup.html", {"form": form})


SIGNUP_EMAIL_KEY = "signup_email"


def signup_sent(request):
    return render(
        request, "patients/signup_sent.html", {"email": request.session.get(SIGNUP_EMAIL_KEY, "")}
    )


def signup_confirm(request, uidb64, token):
    """The link from the sign-up email. The password chosen at sign-up is asked for, so that only
    the person who signed up, with this address's mailbox, can finish the account; then they are
    logged in."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    user = services.patient_sign_up_pending(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "patients/signup_link_invalid.html")
    form = PasswordCheckForm(
        request.POST if request.method == "POST" else None,
        submit_label=_("Finish creating my account"),
    )
    if request.method == "POST" and form.is_valid():
        if throttle.login_blocked_for_address(request):
            form.add_error(None, ADDRESS_THROTTLED)
        else:
            try:
                services.patient_sign_up_finish(user=user, password=form.cleaned_data["password"])
            except services.AccountError as error:
                throttle.record_failed_login(request)
                form.add_error("password", str(error))
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Welcome! Your account is ready."))
                response = redirect(settings.LOGIN_REDIRECT_URL)
                _set_language_cookie(response, user.patient.preferred_language)
                return response
    return render(request, "patients/signup_confirm.html", {"form": form, "email": user.email})


TOO_MANY_SIGNUPS = _(
    "There have been too many sign-ups from your network or for this email address. Please "
    "wait an hour and try again."
)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, rate-limited by address and by the email asked about (issue 14,
    finding 2: 11 mails in seconds to one address). The limit is the same whether or not the
    email has an account, so it tells nothing about that."""

    def post(self, request, *args, **kwargs):
        if throttle.password_reset_limited(request):
            form = self.get_form()
            form.is_valid()
            form.add_error(
                None,
                _(
                    "There have been too many reset requests from your network or for this "
                    "email address. Please wait an hour, then check your inbox and spam folder "
                    "before asking again."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


def terms(request):
    return render(request, "patients/terms.html", {"version": services.TERMS_VERSION})


def privacy(request):
    return render(request, "patients/privacy.html", {"version": services.PRIVACY_VERSION})


@patient_required
def profile(request):
    """About you: the patient's legal name, date of birth, address and phone, for packets.

    Always the logged-in patient's own profile (nothing in the URL or the form names another).
    A refused form comes back with everything typed; `next` (a page of this site) is where a
    save returns to, e.g. step 1 of the case the patient came from.
    """
    patient = get_patient_for_user(request.user)
    missing_before = not patient.identity_complete  # the form writes into `patient` as it checks
    data = request.POST if request.method == "POST" else restored_post(request)
    form = PatientProfileForm(data, instance=patient)
    if request.method == "POST" and form.is_valid():
        patient = services.patient_profile_save(patient=form.save(commit=False), by=request.user)
        messages.success(request, _("Saved. Your packets and letters will use these details."))
        response = redirect(_safe_next(request) or "patients:profile")
        _set_language_cookie(response, patient.preferred_language)  # a new choice applies now
        return response
    context = {"form": form, "missing": missing_before, "next": _safe_next(request)}
    return render(request, "patients/profile.html", context)


def _safe_next(request) -> str:
    target = request.GET.get("next", "")
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok else ""


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
    """The idle warning's "Stay logged in" button: saving the session renews it, whenever it was
    last renewed (patients/sessions.py renews at most once a minute otherwise)."""
    request.session.modified = True
    return HttpResponse(status=204)


@staff_required
def two_factor_setup(request):
    """A staff member adds an authenticator app: scan the QR code, type a code, and admin opens.

    A password-only session is enough to get here, so an account that already has a confirmed
    device cannot add another (someone who knew only the password could add their own phone);
    an administrator removes a lost one first.
    """
    if user_has_device(request.user):
        return render(request, "patients/two_factor_setup.html", {"already_set_up": True})
    if not _password_checked_recently(request):
        return _password_check(request)
    device = services.staff_totp_device_for_setup(
        user=request.user, device_id=request.session.get(SETUP_DEVICE_KEY)
    )
    request.session[SETUP_DEVICE_KEY] = device.pk
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_totp_confirm(device=device, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error("token", error)
        except services.AccountError as error:
            messages.error(request, str(error))
            return redirect("patients:two_factor_setup")
        else:
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is set up. Welcome to admin."))
            return redirect("admin:index")
    context = {"form": form, **_authenticator_setup(device)}
    return render(request, "patients/two_factor_setup.html", context)


# Issue 14, finding 1: the key is shown only to the session it was made for, and only after the
# password was typed again in that session within the last few minutes.
SETUP_DEVICE_KEY = "two_factor_setup_device"
RECHECKED_AT_KEY = "two_factor_password_checked_at"
PASSWORD_RECHECK = timedelta(minutes=10)


def _password_checked_recently(request) -> bool:
    checked = request.session.get(RECHECKED_AT_KEY)
    return checked is not None and time.time() - checked < PASSWORD_RECHECK.total_seconds()


def _password_check(request):
    """Ask for the password again. Checked through authenticate(), so wrong tries count toward
    the login lockout (django-axes) like any other."""
    form = PasswordCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            same = authenticate(
                request, username=request.user.email, password=form.cleaned_data["password"]
            )
        except PermissionDenied:
            same = None  # locked out: the same answer as a wrong password
        if same is not None and same.pk == request.user.pk:
            request.session[RECHECKED_AT_KEY] = time.time()
            return redirect("patients:two_factor_setup")
        form.add_error("password", _("That password is not right."))
    return render(request, "patients/two_factor_setup.html", {"password_form": form})


def _authenticator_setup(device: TOTPDevice) -> dict[str, str]:
    """The QR code (an SVG data URI: the CSP allows data: images, not inline markup) and the same
    key in the groups of four that authenticator apps accept when typed."""
    svg = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage
    ).to_string()
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return {
        "qr_code": "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


@patient_required
@require_POST
def safety_acknowledge(request, symptomscore_id):
    """The patient read the crisis resources shown for one of their answers: record when, then
    go back to the page they were on (their own pages only)."""
    patient = get_patient_for_user(request.user)
    try:
        score = patient.symptom_scores.get(public_id=symptomscore_id, safety_flag=True)
    except SymptomScore.DoesNotExist as exc:
        raise Http404 from exc
    services.safety_acknowledge(score=score)
    messages.success(request, _("Thank you. These numbers stay on your dashboard for two weeks."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = settings.LOGIN_REDIRECT_URL
    return redirect(back)
