import re
from dataclasses import dataclass
from typing import cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm

from . import icd10, throttle
from .addresses import state_code_or_none, us_phone_or_none, zip_code_or_none
from .models import (
    MONEY_FIELDS,
    PERCENT_FIELDS,
    InsurancePolicy,
    Patient,
    Payer,
    Provider,
    TreatmentTrial,
    User,
)
from .partial_dates import format_partial_date, treatment_dates_from_text
from .validators import validate_icd10_code, validate_sane_date


@dataclass(frozen=True)
class FormSection:
    """A group of a form's fields, shown as a fieldset by templates/claims/_form.html. With
    `shown_for` (values of the form's "kind" field, space-separated), static/js/forms.js hides
    the group while another kind is chosen; without JavaScript every group shows."""

    legend: str
    fields: list[forms.BoundField]
    shown_for: str = ""


def form_sections(form: forms.BaseForm, spec) -> list[FormSection]:
    """The form's FormSections from (legend, field names[, shown_for]) rows."""
    return [
        FormSection(str(legend), [form[name] for name in names], *rest)
        for legend, names, *rest in spec
    ]


def _helper(submit_label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit_label))
    return helper


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters. Not only numbers, and not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_terms = forms.BooleanField(
        error_messages={"required": _("Please agree to the terms of use to create an account.")},
    )
    accept_privacy = forms.BooleanField(
        error_messages={"required": _("Please confirm you have read the privacy notice.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Create my account"))
        # Labels with links are built here: reverse() needs the URLconf, which imports this module.
        self.fields["accept_terms"].label = format_html(
            '{} <a href="{}" target="_blank">{}</a>',
            _("I agree to the"),
            reverse("patients:terms"),
            _("terms of use"),
        )
        self.fields["accept_privacy"].label = format_html(
            '{} <a href="{}" target="_blank">{}</a>',
            _("I have read the"),
            reverse("patients:privacy"),
            _("privacy notice"),
        )

    def clean_email(self):
        # Whether the email has an account is not said here (issue 14, finding 2): the owner of
        # an existing account gets an email instead (services.patient_sign_up_request).
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # the same dict; clean() is typed as maybe None
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif password1:
            try:
                password_validation.validate_password(
                    password1, User(email=cleaned.get("email") or "")
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


ADDRESS_THROTTLED = _(
    "There have been too many failed sign-ins from your network. Please wait an hour and try "
    "again, or reset your password."
)


class AddressThrottledLoginMixin:
    """Refuses a login before checking the password once this address has failed too often
    across emails (issue 14, finding 2; patients/throttle.py)."""

    request: HttpRequest | None

    def clean(self):
        if self.request is not None and throttle.login_blocked_for_address(self.request):
            raise forms.ValidationError(ADDRESS_THROTTLED, code="address_throttled")
        return super().clean()  # type: ignore[misc]


class LoginForm(AddressThrottledLoginMixin, AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.helper = _helper(_("Log in"))


class AdminLoginForm(AddressThrottledLoginMixin, OTPAdminAuthenticationForm):
    """The admin site's login: email, password and the 6-digit code from the staff member's
    authenticator app, all on one page (django-otp's own form asks for the device separately)."""

    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": _("Please enter the 6-digit code from your authenticator app."),
        "invalid_token": _(
            "That code is not right, or it has expired. Enter the code your app shows now."
        ),
        "no_device": _(
            "Two-factor sign-in is not set up for this account yet. Use the link "
            "“Set up two-factor sign-in” below."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["otp_token"].label = _("6-digit code")
        self.fields["otp_token"].help_text = _("From the authenticator app on your phone.")
        self.fields["otp_token"].widget.attrs.update(
            autocomplete="one-time-code", inputmode="numeric", maxlength="8"
        )

    # One answer for every wrong part (issue 14, finding 2): a message about the code alone would
    # tell someone guessing passwords that the password was right.
    error_messages = {
        **OTPAdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter a correct email address, password and 6-digit code. If you have not "
            "set up your authenticator app yet, use the link below."
        ),
    }

    def clean_otp(self, user):
        # Only reached once the email and password are right (and the account is staff).
        try:
            if user is not None and not any(devices_for_user(user)):
                raise forms.ValidationError(self.otp_error_messages["no_device"], code="no_device")
            super().clean_otp(user)
        except forms.ValidationError as error:
            # A wrong code counts like a wrong password: toward the email's lockout (axes) and
            # the address's limit (patients/throttle.py), which listen to this signal.
            user_login_failed.send(
                sender=type(self),
                credentials={"username": self.cleaned_data.get("username")},
                request=self.request,
            )
            raise forms.ValidationError(
                self.error_messages["invalid_login"], code="invalid_login"
            ) from error

    def _chosen_device(self, user):
        """The device picked in the form or, as staff have one authenticator app, that one.

        django-otp asks which device to check rather than trying each (a miss would count as a
        failed attempt on the others); with a single device there is nothing to choose.
        """
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device


class LanguagePasswordResetForm(PasswordResetForm):
    """Django's reset email, in the account's language (a patient's preferred one; staff get the
    language of the page they asked from)."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        patient = Patient.objects.filter(user=context["user"]).first()
        language = patient.preferred_language if patient else translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class PasswordCheckForm(forms.Form):
    """The password typed again: before an authenticator key is shown (issue 14, finding 1), and
    to finish a sign-up from its emailed link (finding 2)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit_label or _("Continue"))


class TwoFactorSetupForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("The code your authenticator app shows now for Coverage Guide."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Confirm and open admin"))

    def clean_token(self):
        token = re.sub(r"[\s-]", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(
                _("Enter the 6 digits your app shows, like 123456."), code="format"
            )
        return token


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account, my records and my files will be deleted for good."),
        error_messages={"required": _("Please tick the box to confirm.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Delete my account"))
        self.helper.inputs[0].field_classes = "btn btn-danger"


# --- About you: the patient's profile -----------------------------------------------------------

# Older than this is taken for a typo in the year; younger, for today's date picked by mistake.
OLDEST_AGE = 120
YOUNGEST_AGE = 5


def _years_between(born, today) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class PatientProfileForm(forms.ModelForm):
    """Who the patient is, as their insurer has it. Every field may be left empty for now."""

    # Longer than stored, so that " 62704 - 1234 " or "+1 (217) 555-0142 x12" reach clean_*.
    postal_code = forms.CharField(label=_("ZIP code"), max_length=20, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    state = forms.CharField(label=_("State"), max_length=40, required=False)

    class Meta:
        model = Patient
        fields = list(Patient.PROFILE_FIELDS)
        labels = {
            "legal_first_name": _("First name"),
            "legal_middle_name": _("Middle name"),
            "legal_last_name": _("Last name"),
            "date_of_birth": _("Date of birth"),
            "sex_on_insurance": _("Sex on your insurance record"),
            "address_line1": _("Street address"),
            "address_line2": _("Apartment, suite or unit"),
            "city": _("City"),
            "preferred_language": _("Preferred language"),
        }
        help_texts = {
            "legal_middle_name": _("If your insurance card shows one."),
            "sex_on_insurance": _(
                "Optional. Insurers match your record by it, so choose what your plan has on "
                "file, even if it is not how you describe yourself."
            ),
            "preferred_language": _("The language you would like your clinic to use with you."),
        }
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        autocomplete = {
            "legal_first_name": "given-name",
            "legal_middle_name": "additional-name",
            "legal_last_name": "family-name",
            "address_line1": "address-line1",
            "address_line2": "address-line2",
            "city": "address-level2",
            "state": "address-level1",
            "postal_code": "postal-code",
            "phone": "tel",
        }
        for name, token in autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = token
        self.fields["postal_code"].widget.attrs["inputmode"] = "numeric"
        self.fields["phone"].widget.input_type = "tel"
        sex = cast(forms.ChoiceField, self.fields["sex_on_insurance"])
        sex.choices = [
            ("", _("Leave blank")),
            *Patient.Sex.choices,
        ]
        # A choice that always has a value: no "required" star on a form where all is optional.
        self.fields["preferred_language"].required = False
        self.fields["state"].help_text = _("Like IL, or Illinois.")
        self.fields["date_of_birth"].error_messages["invalid"] = _(
            "Please enter a date, like 04/12/1985."
        )
        self.helper = _helper(_("Save"))
        # The server checks and explains; the browser's own bubbles would refuse before that.
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Fieldset(
                _("Your legal name"),
                HTML(
                    format_html(
                        '<p class="form-text mt-0">{}</p>',
                        _("As it is on your insurance card. Insurers look you up by it."),
                    )
                ),
                Div(
                    Div("legal_first_name", css_class="col-sm-6 col-lg-4"),
                    Div("legal_middle_name", css_class="col-sm-6 col-lg-4"),
                    Div("legal_last_name", css_class="col-sm-6 col-lg-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Birth date and sex"),
                Div(
                    Div("date_of_birth", css_class="col-sm-6 col-lg-4"),
                    Div("sex_on_insurance", css_class="col-sm-6 col-lg-8"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Home address"),
                "address_line1",
                "address_line2",
                Div(
                    Div("city", css_class="col-sm-6 col-lg-5"),
                    Div("state", css_class="col-6 col-sm-3 col-lg-3"),
                    Div("postal_code", css_class="col-6 col-sm-3 col-lg-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Phone and language"),
                Div(
                    Div("phone", css_class="col-sm-6 col-lg-4"),
                    Div("preferred_language", css_class="col-sm-6 col-lg-4"),
                    css_class="row",
                ),
            ),
        )

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born is None:
            return born
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(
                _("A date of birth cannot be in the future. Please check the year."),
                code="future",
            )
        age = _years_between(born, today)
        if age > OLDEST_AGE:
            raise forms.ValidationError(
                _("That would make you %(age)d years old. Please check the year."),
                code="too_old",
                params={"age": age},
            )
        if age < YOUNGEST_AGE:
            raise forms.ValidationError(
                _("That would make you %(age)d years old. Please check the year."),
                code="too_young",
                params={"age": age},
            )
        return born

    def clean_preferred_language(self):
        return self.cleaned_data["preferred_language"] or Patient.Language.ENGLISH

    def clean_state(self):
        text = self.cleaned_data["state"].strip()
        if not text:
            return ""
        code = state_code_or_none(text)
        if code is None:
            raise forms.ValidationError(
                _("Please enter the state's 2-letter code, like IL, or its name."), code="state"
            )
        return code

    def clean_postal_code(self):
        text = self.cleaned_data["postal_code"].strip()
        if not text:
            return ""
        code = zip_code_or_none(text)
        if code is None:
            raise forms.ValidationError(
                _("A ZIP code is 5 digits, like 62704, or 9 digits, like 62704-1234."),
                code="zip",
            )
        return code

    def clean_phone(self):
        text = self.cleaned_data["phone"].strip()
        if not text:
            return ""
        number = us_phone_or_none(text)
        if number is None:
            raise forms.ValidationError(
                _("Please enter a 10-digit US phone number, like (217) 555-0142."), code="phone"
            )
        return number


# --- Medical history and insurance forms (used by the wizard) ------------------------------------


class MoneyField(forms.DecimalField):
    """Dollars as patients write them: "$1,500", "1500.00", " 250 "."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.error_messages["invalid"] = _(
            "Please enter an amount in dollars, like 1500 or $1,500.00."
        )
        self.error_messages["min_value"] = _("An amount cannot be negative.")
        self.widget.input_type = "text"
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("$", "").replace(",", "").strip()
        return super().to_python(value)


class PercentField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.update(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False)
        super().__init__(**kwargs)
        self.error_messages["invalid"] = _("Please enter a percentage, like 20.")
        self.error_messages["max_value"] = _("A percentage is between 0 and 100.")
        self.error_messages["min_value"] = _("A percentage is between 0 and 100.")
        self.widget.input_type = "text"

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().rstrip("%").strip()
        return super().to_python(value)


class InsurancePolicyForm(forms.ModelForm):
    class Meta:
        model = InsurancePolicy
        fields = [
            "rank",
            "payer",
            "payer_other",
            "plan_name",
            "plan_type",
            "grandfathered",
            "member_id",
            "group_number",
            "subscriber_name",
            "subscriber_relationship",
            "behavioral_health_manager",
            "treatment_benefit",
            "member_services_phone",
            "behavioral_health_phone",
            "prior_auth_phone",
            "prior_auth_fax",
            "effective_date",
            "end_date",
            *[f"in_network_{n}" for n in ("deductible", "deductible_met", "oop_max")],
            "in_network_coinsurance_percent",
            "in_network_copay",
            *[f"out_of_network_{n}" for n in ("deductible", "deductible_met", "oop_max")],
            "out_of_network_coinsurance_percent",
            "out_of_network_copay",
            "prior_auth_required",
            "out_of_network_covered",
        ]
        widgets = {
            "effective_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }
        field_classes = {
            **{name: MoneyField for name in MONEY_FIELDS},
            **{name: PercentField for name in PERCENT_FIELDS},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        manager = cast("forms.ModelChoiceField[Payer]", self.fields["behavioral_health_manager"])
        manager.queryset = Payer.objects.exclude(kind=Payer.Kind.PHARMACY_BENEFIT_MANAGER)
        self.helper = _helper(_("Save"))

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # the same dict; clean() is typed as maybe None
        for network in ("in_network", "out_of_network"):
            deductible = cleaned.get(f"{network}_deductible")
            met = cleaned.get(f"{network}_deductible_met")
            if deductible is not None and met is not None and met > deductible:
                self.add_error(
                    f"{network}_deductible_met",
                    _("The amount met cannot be more than the deductible itself."),
                )
        start, end = cleaned.get("effective_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Coverage cannot end before it starts."))
        return cleaned


CODE_FORMAT_MESSAGE = _(
    "ICD-10-CM codes are written as a letter and two more characters, then a dot and up to "
    "four more, like F33.2 or G90.521. Please check it against your paperwork."
)


class DiagnosisForm(forms.Form):
    search = forms.CharField(
        label=_("Describe it in your own words, or type the code"),
        required=False,
        max_length=300,
        help_text=_('For example "depression, recurrent, severe" or F33.2.'),
    )
    icd10_code = forms.CharField(label=_("ICD-10-CM code"), required=False, max_length=10)
    is_primary = forms.BooleanField(label=_("This is my main diagnosis"), required=False)
    diagnosed_on = forms.DateField(
        label=_("Date diagnosed"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_sane_date],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save diagnosis"))

    def clean_icd10_code(self):
        try:
            code = icd10.normalize_code(self.cleaned_data["icd10_code"])
        except icd10.CodeFormatError:
            raise forms.ValidationError(CODE_FORMAT_MESSAGE, code="code_format") from None
        if code:
            validate_icd10_code(code)
        return code

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # the same dict; clean() is typed as maybe None
        if not cleaned.get("icd10_code") and not (cleaned.get("search") or "").strip():
            raise forms.ValidationError(
                _("Please describe the diagnosis or enter its code."), code="empty"
            )
        return cleaned


# The kinds of treatment whose fields a group of the trial form holds (FormSection.shown_for).
_MEDICATION = TreatmentTrial.Kind.MEDICATION.value
_COURSES = " ".join(k for k in TreatmentTrial.Kind.values if k != _MEDICATION)


class TreatmentTrialForm(forms.ModelForm):
    started = forms.CharField(
        label=_("Started"),
        required=False,
        help_text=_("The month and year is enough, like 03/2021 or March 2021."),
    )
    stopped = forms.CharField(
        label=_("Stopped"), required=False, help_text=_("Leave blank if you are still on it.")
    )
    # A course's weeks are stored in weeks_at_dose, as a medication's weeks at its dose are;
    # the form asks for them in words that fit each kind.
    course_weeks = forms.IntegerField(
        label=_("Weeks of treatment"),
        required=False,
        min_value=0,
        max_value=32767,
        help_text=_("Roughly how many weeks it went on."),
    )

    class Meta:
        model = TreatmentTrial
        fields = [
            "kind",
            "name_as_entered",
            "role",
            "daily_dose",
            "dose_unit",
            "weeks_at_dose",
            "adherence",
            "therapy_type",
            "sessions",
            "response",
            "percent_improvement",
            "side_effects",
            "reason_stopped",
        ]
        widgets = {
            "role": forms.RadioSelect,
            "side_effects": forms.Textarea(attrs={"rows": 2}),
            "reason_stopped": forms.Textarea(attrs={"rows": 2}),
        }

    SECTIONS = [
        (_("What it was"), ["kind", "name_as_entered"]),
        (_("For a medication"), ["role", "daily_dose", "dose_unit", "weeks_at_dose", "adherence"],
         _MEDICATION),
        (_("For talk therapy"), ["therapy_type"], TreatmentTrial.Kind.PSYCHOTHERAPY.value),
        (_("For talk therapy, ECT, TMS or another course"), ["sessions", "course_weeks"],
         _COURSES),
        (_("When, and how it went"), ["started", "stopped", "response", "percent_improvement",
                                      "side_effects", "reason_stopped"]),
    ]  # fmt: skip

    def fieldsets(self) -> list[FormSection]:
        return form_sections(self, self.SECTIONS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        trial = self.instance
        if trial.pk and not self.is_bound:
            self.initial["started"] = format_partial_date(trial.start_date, trial.start_precision)
            self.initial["stopped"] = format_partial_date(trial.end_date, trial.end_precision)
            if not trial.is_medication:
                self.initial["course_weeks"] = trial.weeks_at_dose
                self.initial["weeks_at_dose"] = None
        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = [("", _("Not sure")), *TreatmentTrial.Role.choices]
        self.fields["daily_dose"].widget.input_type = "text"
        self.fields["daily_dose"].error_messages["invalid"] = _(
            "Please enter the dose as a number, like 50 or 37.5."
        )
        self.fields["therapy_type"].label = _("Type of therapy")
        self.fields["sessions"].help_text = _("Roughly is fine, like 12.")
        self.helper = _helper(_("Save treatment"))

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # the same dict; clean() is typed as maybe None
        self._keep_only_this_kinds_fields(cleaned.get("kind"))
        try:
            dates = treatment_dates_from_text(
                started=cleaned.get("started", ""), stopped=cleaned.get("stopped", "")
            )
        except ValidationError as error:
            messages = (
                error.message_dict if hasattr(error, "error_dict") else {"started": error.messages}
            )
            for field, errors in messages.items():
                self.add_error("stopped" if field == "end_date" else field, errors)
            return cleaned
        for name, value in dates.items():
            setattr(self.instance, name, value)
        return cleaned

    def _keep_only_this_kinds_fields(self, kind: str | None) -> None:
        """The kind decides the fields (TreatmentTrial.fields_not_of_kind). The others were
        hidden (static/js/forms.js) or, without JavaScript, labelled for another kind: what
        they hold is set aside, not refused, and a course's weeks take the medication's weeks
        field."""
        if not kind:
            return
        ignored = TreatmentTrial.fields_not_of_kind(kind)
        if kind == TreatmentTrial.Kind.MEDICATION:
            ignored["course_weeks"] = None
        else:
            ignored.update(dose_unit=TreatmentTrial.DoseUnit.MG_PER_DAY, weeks_at_dose=None)
        for name, empty in ignored.items():
            self.errors.pop(name, None)
            self.cleaned_data[name] = empty
        if kind != TreatmentTrial.Kind.MEDICATION:
            self.cleaned_data["weeks_at_dose"] = self.cleaned_data.get("course_weeks")


class ProviderForm(forms.ModelForm):
    # Longer than 10 so "1234 567 893" reaches clean_npi; the model's validator checks the digits.
    npi = forms.CharField(label=_("NPI"), max_length=20, required=False)

    class Meta:
        model = Provider
        fields = [
            "name",
            "credentials",
            "npi",
            "specialty",
            "practice_name",
            "phone",
            "fax",
            "address",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save provider"))

    def clean_npi(self):
        return re.sub(r"\D", "", self.cleaned_data["npi"])
