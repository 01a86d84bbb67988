"""Forms of the coverage wizard. They validate; services decide and save.

Step pages render these with the `crispy` filter inside their own <form>, which adds the form's
`action` and the "Save and continue" / "Save, come back later" buttons (claims/_form.html).
"""

import re
import uuid
from decimal import Decimal
from typing import cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core import validators
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from patients.forms import (
    DiagnosisForm,
    FormSection,
    InsurancePolicyForm,
    MoneyField,
    PercentField,
    ProviderForm,
    TreatmentTrialForm,
    form_sections,
)
from patients.models import Clinic, InsurancePolicy, Provider, SymptomScore
from patients.partial_dates import parse_partial_date
from patients.scales import (
    ANSWERS,
    SCALES,
    SELF_HARM_ITEM,
    Questionnaire,
    needs_safety_response,
)
from patients.validators import validate_sane_date

from .estimate import MAX_SESSIONS
from .guidance import INSURER_QUESTIONS
from .models import (
    Appeal,
    CostEstimate,
    CoverageCase,
    Denial,
    InsurerCall,
    NetworkProviderCheck,
    OutOfNetworkClaim,
    PriorAuthorizationRequest,
    Referral,
    SupportingDocument,
    TreatmentRequest,
    TreatmentSession,
    appeal_levels_for,
)
from .uploads import CleanUpload, clean_upload

__all__ = [
    "DiagnosisForm",
    "InsurancePolicyForm",
    "ProviderForm",
    "TreatmentTrialForm",
]

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NDC_RE = re.compile(r"^(\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d{1,2}|\d{10,11})$")
EIN_RE = re.compile(r"^\d{2}-?\d{7}$")


def _model_choice(field: forms.Field) -> forms.ModelChoiceField:
    """A form's field as the ModelChoiceField it was declared as (self.fields holds Fields)."""
    return cast(forms.ModelChoiceField, field)


def _choice(field: forms.Field) -> forms.ChoiceField:
    return cast(forms.ChoiceField, field)


class OnceForm(forms.Form):
    """Carries a one-time token so a double-clicked or re-sent form saves only once."""

    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_id"].initial = uuid.uuid4()


class CaseStartForm(forms.Form):
    treatment = forms.ChoiceField(
        label=_("Which treatment do you want covered?"),
        choices=CoverageCase.Treatment.choices,
        widget=forms.RadioSelect,
    )
    treatment_other = forms.CharField(label=_("If other, which?"), required=False, max_length=200)
    condition = forms.ChoiceField(
        label=_("What is it for?"), choices=CoverageCase.Condition.choices
    )
    condition_other = forms.CharField(label=_("If other, what?"), required=False, max_length=200)
    policy = forms.ModelChoiceField(
        label=_("Insurance policy"),
        queryset=InsurancePolicy.objects.none(),
        required=False,
        empty_label=_("I'll add it in step 1"),
    )
    clinic = forms.ModelChoiceField(
        label=_("Your clinic (optional)"),
        queryset=Clinic.objects.all(),
        required=False,
        empty_label=_("Not yet / not listed"),
        help_text=_("The clinic that will give the treatment, if it uses Coverage Guide."),
    )
    share_with_clinic = forms.BooleanField(
        label=_("Let this clinic's staff see this case so they can help me"),
        required=False,
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choice(self.fields["policy"]).queryset = patient.policies.select_related("payer")
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Start")))

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("clinic") and not cleaned.get("share_with_clinic"):
            self.add_error(
                "share_with_clinic",
                _("Tick the box to share this case with the clinic, or leave the clinic empty."),
            )
        if cleaned.get("treatment") == "other" and not cleaned.get("treatment_other"):
            self.add_error("treatment_other", _("Please say which treatment."))
        return cleaned


class PolicyChoiceForm(forms.Form):
    policy = forms.ModelChoiceField(
        label=_("Which policy is this case under?"), queryset=InsurancePolicy.objects.none()
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choice(self.fields["policy"]).queryset = patient.policies.select_related("payer")


class EpisodeForm(forms.Form):
    """When the current episode of depression began: a month and year is enough."""

    since = forms.CharField(
        label=_("When did this episode of depression begin?"),
        required=False,
        max_length=40,
        help_text=_(
            "A month and year is enough, like 03/2024. Some insurers count only the treatments "
            "you tried since then. Your prescriber can tell you if you are not sure."
        ),
    )

    def clean_since(self):
        since, precision = parse_partial_date(self.cleaned_data["since"])
        self.cleaned_data["precision"] = precision
        return since


class CriteriaPolicyForm(forms.Form):
    """Which coverage policy to check the case against, where the payer alone does not say."""

    policy_key = forms.ChoiceField(label=_("Which coverage policy applies to your plan?"))

    def __init__(self, *args, policies, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["policy_key"])
        field.choices = [("", _("— I don't know yet —"))] + [
            (row.policy_key, f"{row.payer_label}: {row.name}") for row in policies
        ]
        field.required = False


class InsurerCallForm(OnceForm, forms.ModelForm):
    class Meta:
        model = InsurerCall
        fields = ["called_at", "phone_number", "representative", "reference_number", "notes"]
        widgets = {
            "called_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "reference_number": _("Ask for it at the end of every call. It proves the call."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        answers = {qa["question"]: qa["answer"] for qa in self.instance.questions_and_answers}
        for index, question in enumerate(INSURER_QUESTIONS):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=question.question,
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
                initial=answers.get(_in_english(question.question), ""),
            )

    def answer_fields(self):
        return [self[f"answer_{i}"] for i in range(len(INSURER_QUESTIONS))]

    def questions_and_answers(self) -> list[dict[str, str]]:
        # Stored in English whatever the page's language (issue 17): the appeal letter quotes
        # them to the payer, and a call opened later in the other language finds its answers.
        return [
            {"question": _in_english(question.question), "answer": self.cleaned_data[f"answer_{i}"]}
            for i, question in enumerate(INSURER_QUESTIONS)
            if self.cleaned_data.get(f"answer_{i}")
        ]


def _in_english(text) -> str:
    with translation.override("en"):
        return str(text)


class SymptomScoreForm(OnceForm, forms.ModelForm):
    """A total, for the scales a clinician gives (MADRS, HAM-D, PCL-5, QIDS) or a score from a
    paper form: with its date and who gave it."""

    class Meta:
        model = SymptomScore
        fields = [
            "instrument",
            "instrument_other",
            "taken_on",
            "total",
            "administered_by_clinician",
            "given_by",
        ]
        widgets = {"taken_on": DATE}

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if (
            cleaned.get("instrument") == SymptomScore.Instrument.OTHER
            and not cleaned.get("instrument_other", "").strip()
        ):
            self.add_error("instrument_other", _("Please say which questionnaire."))
        # MADRS and HAM-D are rated by a clinician by design (DOMAIN.md §5).
        by_clinician = cleaned.get("administered_by_clinician") or cleaned.get("instrument") in (
            SymptomScore.Instrument.MADRS,
            SymptomScore.Instrument.HAMD17,
        )
        if by_clinician and not cleaned.get("given_by", "").strip():
            self.add_error("given_by", _("Please say who gave it: the clinician or the clinic."))
        if by_clinician:
            cleaned["administered_by_clinician"] = True
        scale = SCALES.get(cleaned.get("instrument") or "")
        total = cleaned.get("total")
        if scale is not None and total is not None and total > scale.total_max:
            self.add_error(
                "total",
                _("The %(name)s total goes up to %(max)s. Please check the number.")
                % {
                    "name": SymptomScore.Instrument(cleaned["instrument"]).label,
                    "max": scale.total_max,
                },
            )
        return cleaned


class QuestionnaireForm(OnceForm):
    """A PHQ-9 or GAD-7 answered item by item (patients.scales): every item is required, and a
    refused form keeps every answer given."""

    def __init__(self, *args, questionnaire: Questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        for n, text in enumerate(questionnaire.items, start=1):
            self.fields[f"item_{n}"] = forms.TypedChoiceField(
                label=text,
                choices=ANSWERS,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please choose an answer.")},
            )

    def items(self) -> list[forms.BoundField]:
        return [self[f"item_{n}"] for n in range(1, len(self.questionnaire.items) + 1)]

    def clean(self):
        super().clean()
        missing = sum(1 for field in self.items() if field.name not in self.cleaned_data)
        if missing:
            raise forms.ValidationError(
                ngettext(
                    "%(n)d question has no answer yet. Your other answers are kept.",
                    "%(n)d questions have no answer yet. Your other answers are kept.",
                    missing,
                )
                % {"n": missing},
                code="incomplete",
            )
        return self.cleaned_data

    def answers(self) -> list[int]:
        return [self.cleaned_data[field.name] for field in self.items()]

    def self_harm_answered(self) -> bool:
        """PHQ-9 item 9 answered above zero in what was posted, valid form or not: the crisis
        resources are shown at once, even on a form sent back for a missing answer."""
        if not self.is_bound or self.questionnaire.instrument != "phq9":
            return False
        raw = self.data.get(f"item_{SELF_HARM_ITEM}", "")
        answer = int(raw) if raw in {"0", "1", "2", "3"} else None
        answers = [None] * (SELF_HARM_ITEM - 1) + [answer]
        return needs_safety_response(self.questionnaire.instrument, answers)


class ReferralForm(OnceForm, forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["provider", "status", "requested_on", "received_on", "notes"]
        widgets = {
            "requested_on": DATE,
            "received_on": DATE,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choice(self.fields["provider"]).queryset = Provider.objects.filter(patient=patient)
        _model_choice(self.fields["provider"]).empty_label = _("Add the provider below first")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        requested, received = cleaned.get("requested_on"), cleaned.get("received_on")
        if requested and received and received < requested:
            self.add_error("received_on", _("It cannot arrive before you asked for it."))
        return cleaned


class DocumentUploadForm(OnceForm):
    category = forms.ChoiceField(
        label=_("What kind of document is it?"), choices=SupportingDocument.Category.choices
    )
    title = forms.CharField(
        label=_("Short description (optional)"),
        required=False,
        max_length=200,
        help_text=_("For example: Visit notes, Dr. Lee, 2025."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, PNG, JPEG or HEIC (iPhone photo), up to 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.heic,.heif"}),
    )

    def clean_file(self) -> CleanUpload:
        """The file checked and cleaned here (claims/uploads.py), before the save's transaction
        begins: parsing a PDF or decoding a picture takes up to a second, and on SQLite a write
        transaction holds every other writer back while it runs."""
        return clean_upload(self.cleaned_data["file"])


class SendToClinicForm(forms.Form):
    clinic = forms.ModelChoiceField(label=_("Your clinic"), queryset=Clinic.objects.all())
    consent = forms.BooleanField(
        label=_(
            "I agree that this clinic's staff can see this case: my insurance, diagnoses, "
            "treatment history, scores and documents."
        ),
        error_messages={"required": _("Please tick the box to agree, so the clinic can see it.")},
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        if case.clinic_id:
            self.fields["clinic"].initial = case.clinic_id
        if case.clinic_id and case.clinic_consent_at:
            # Agreed already (when the case was started, or sent before): asked again only for
            # another clinic.
            consent = self.fields["consent"]
            consent.required = False
            consent.label = _("I agree that the clinic I picked above can see this case.")
            consent.help_text = _(
                "You already agreed that %(clinic)s can see this case. Tick this only if you "
                "picked another clinic."
            ) % {"clinic": case.clinic}

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # the same dict; clean() is typed as maybe None
        clinic = cleaned.get("clinic")
        agreed = self.case.clinic_consent_at and clinic and clinic.pk == self.case.clinic_id
        if clinic and not cleaned.get("consent") and not agreed and "consent" not in self.errors:
            self.add_error("consent", self.fields["consent"].error_messages["required"])
        return cleaned


class PARequestForm(OnceForm, forms.ModelForm):
    class Meta:
        model = PriorAuthorizationRequest
        fields = [
            "kind",
            "submitted_by",
            "method",
            "submitted_on",
            "reference_number",
            "urgency",
        ]
        widgets = {"submitted_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A claim for care already received is entered as an out-of-network claim (issue 16).
        _choice(self.fields["kind"]).choices = [
            (value, label)
            for value, label in PriorAuthorizationRequest.Kind.choices
            if value != PriorAuthorizationRequest.Kind.CLAIM
        ]


class TreatmentRequestForm(forms.ModelForm):
    """What the case asks for (step 5). Every field may stay empty for now: the packet marks
    what is missing instead of inventing it."""

    class Meta:
        model = TreatmentRequest
        fields = [
            "product",
            "ndc",
            "dose_mg",
            "infusion_minutes",
            "phase",
            "schedule",
            "sessions",
            "start_date",
            "end_date",
            "place_of_service",
            "prescriber",
            "site_name",
            "site_npi",
            "site_tax_id",
            "site_address",
            "site_phone",
            "site_fax",
            "site_rems_certified",
            "oral_antidepressant_continues",
            "oral_antidepressant",
            "pdmp_checked_on",
            "substance_use_screen",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "pdmp_checked_on": DATE,
            "site_address": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "ndc": _(
                "Leave empty for Spravato: the packet adds the kit's code. For IV ketamine, "
                "ask your clinic."
            ),
            "dose_mg": _(
                "Leave empty for Spravato: the kit's dose is used. IV ketamine: the mg "
                "your clinic plans."
            ),
            "infusion_minutes": _("IV ketamine only: how long each infusion runs."),
            "schedule": _("For example: twice a week for weeks 1 to 4, then once a week."),
            "site_rems_certified": _("Spravato is only given at REMS-certified sites."),
            "pdmp_checked_on": _("Your prescriber checks the state prescription database."),
        }

    # Shown as three groups: a long form reads easier in parts (templates/claims/_form.html).
    FIELDSETS = [
        (_("The treatment"), ["product", "ndc", "dose_mg", "infusion_minutes", "phase",
                              "schedule", "sessions", "start_date", "end_date"]),
        (_("Where, and who orders it"), ["place_of_service", "prescriber", "site_name",
                                         "site_npi", "site_tax_id", "site_address", "site_phone",
                                         "site_fax", "site_rems_certified"]),
        (_("Checks the insurer asks about (your clinic can answer these)"),
         ["oral_antidepressant_continues", "oral_antidepressant", "pdmp_checked_on",
          "substance_use_screen"]),
    ]  # fmt: skip

    def fieldsets(self) -> list[FormSection]:
        return form_sections(self, self.FIELDSETS)

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choice(self.fields["prescriber"]).queryset = patient.providers.all()
        _model_choice(self.fields["prescriber"]).empty_label = _(
            "Not chosen yet (add one in step 3)"
        )

    def clean_ndc(self) -> str:
        ndc = self.cleaned_data["ndc"].strip()
        if ndc and not NDC_RE.match(ndc):
            raise forms.ValidationError(
                _("An NDC looks like 50458-028-02 (10 or 11 digits, with dashes).")
            )
        return ndc

    def clean_site_tax_id(self) -> str:
        tax_id = self.cleaned_data["site_tax_id"].strip()
        if tax_id and not EIN_RE.match(tax_id):
            raise forms.ValidationError(_("A tax ID (EIN) looks like 12-3456789."))
        return tax_id

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end comes before the start. Please check both."))
        return cleaned


class PercentOfFeeField(PercentField):
    """A percentage of a Medicare fee, "150" or "150%": a plan may allow more than the fee (the
    model allows up to 1000%), so PercentField's own cap of 100 is skipped."""

    def __init__(self, **kwargs):
        kwargs.update(max_digits=6, decimal_places=2, min_value=0, max_value=1000, required=False)
        forms.DecimalField.__init__(self, **kwargs)
        self.error_messages["invalid"] = _("Please enter a percentage, like 150.")
        self.error_messages["max_value"] = _("Please enter a percentage from 0 to 1000.")
        self.error_messages["min_value"] = _("Please enter a percentage from 0 to 1000.")
        self.widget.input_type = "text"


class CostEstimateForm(forms.ModelForm):
    """What the patient knows about the series and their plan's money rules (issue 16). Every
    field may stay blank; the estimate page says what it still needs (claims/estimate.py)."""

    class Meta:
        model = CostEstimate
        fields = [
            "sessions",
            "charge_per_session",
            "network",
            "out_of_network_covered",
            "single_case_rate",
            "allowed_per_session",
            "medicare_fee",
            "allowed_low_percent",
            "allowed_high_percent",
            "deductible",
            "deductible_met",
            "coinsurance_percent",
            "copay",
            "oop_max",
            "oop_met",
        ]
        widgets = {"network": forms.RadioSelect}
        field_classes = {
            **dict.fromkeys(
                [
                    "charge_per_session",
                    "single_case_rate",
                    "allowed_per_session",
                    "medicare_fee",
                    "deductible",
                    "deductible_met",
                    "copay",
                    "oop_max",
                    "oop_met",
                ],
                MoneyField,
            ),
            "coinsurance_percent": PercentField,
            "allowed_low_percent": PercentOfFeeField,
            "allowed_high_percent": PercentOfFeeField,
        }
        help_texts = {
            # Spravato induction: twice a week for weeks 1 to 4 (DOMAIN.md §1.1 [R20]).
            "sessions": _(
                "For example 8 for the first four weeks of Spravato (twice a week), or the "
                "number of IV ketamine infusions the clinic plans."
            ),
            "charge_per_session": _("What the clinic bills for one session, before insurance."),
            "single_case_rate": _(
                "Only with a single-case agreement: the rate your plan and the clinic agreed."
            ),
            "allowed_per_session": _(
                "The most your plan counts for one session. Your plan can tell you. If you do "
                "not know it, leave it blank and fill in the three lines below."
            ),
            # Two 2026 sources quote Medicare's G2083 rate differently (DOMAIN.md §2.1 [R27]
            # [R28], marked unconfirmed): shown as an example with its source, never as fact.
            "medicare_fee": _(
                "Many plans set out-of-network allowed amounts as a percentage of Medicare's "
                "fee. Your plan documents (SBC or SPD) may say which. Only as an example: for "
                "a Spravato session over 56 mg (code G2083), one source (Osmind) gives the 2026 "
                "Medicare fee as $1,289.82 and another (Neolytix) as about $1,356. Ask your "
                "clinic or plan which fee applies to you."
            ),
            "allowed_low_percent": _("For example 100 for 100% of the Medicare fee."),
            "allowed_high_percent": _("For example 150. We show what you pay at both ends."),
            "deductible": _("For the network you chose above."),
            "coinsurance_percent": _("Your share of the allowed amount after the deductible."),
            "oop_max": _("For the network you chose above. Leave blank if you do not know."),
        }

    FIELDSETS = [
        (_("The sessions"), ["sessions", "charge_per_session"]),
        (_("Your clinic and your plan's network"),
         ["network", "out_of_network_covered", "single_case_rate"]),
        (_("What your plan allows per session"),
         ["allowed_per_session", "medicare_fee", "allowed_low_percent", "allowed_high_percent"]),
        (_("What you pay under your plan"),
         ["deductible", "deductible_met", "coinsurance_percent", "copay", "oop_max",
          "oop_met"]),
    ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sessions = cast(forms.IntegerField, self.fields["sessions"])
        sessions.max_value = MAX_SESSIONS
        sessions.validators.append(validators.MaxValueValidator(MAX_SESSIONS))
        sessions.error_messages["max_value"] = _(
            "An estimate covers up to %(limit_value)s sessions."
        )
        sessions.error_messages["invalid"] = _("Please enter a whole number, like 6.")
        sessions.widget.attrs.update(inputmode="numeric", max=MAX_SESSIONS)

    def fieldsets(self) -> list[FormSection]:
        return form_sections(self, self.FIELDSETS)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # the same dict; clean() is typed as maybe None
        pairs = [
            (
                "deductible",
                "deductible_met",
                _("The amount met cannot be more than the deductible."),
            ),
            ("oop_max", "oop_met", _("The amount spent cannot be more than the maximum.")),
            (
                "allowed_high_percent",
                "allowed_low_percent",
                _("The low end cannot be more than the high end."),
            ),
        ]
        for most, part, message in pairs:
            top, value = cleaned.get(most), cleaned.get(part)
            if top is not None and value is not None and value > top:
                self.add_error(part, message)
        return cleaned


class DecisionForm(forms.ModelForm):
    class Meta:
        model = PriorAuthorizationRequest
        fields = [
            "decision",
            "decided_on",
            "decision_received_on",
            "approved_sessions",
            "valid_from",
            "valid_until",
        ]
        widgets = {
            "decided_on": DATE,
            "decision_received_on": DATE,
            "valid_from": DATE,
            "valid_until": DATE,
        }

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        decision = cleaned.get("decision")
        if decision and decision != PriorAuthorizationRequest.Decision.PENDING:
            if not cleaned.get("decided_on"):
                self.add_error("decided_on", _("Please enter the date on the decision letter."))
        elif cleaned.get("decided_on"):
            self.add_error("decided_on", _("Leave this empty until a decision comes."))
        decided, received = cleaned.get("decided_on"), cleaned.get("decision_received_on")
        if decided and received and received < decided:
            self.add_error(
                "decision_received_on", _("The letter cannot arrive before the date printed on it.")
            )
        return cleaned


class DenialForm(forms.ModelForm):
    class Meta:
        model = Denial
        fields = ["notice_date", "received_on", "reason", "reason_text", "reference_number"]
        widgets = {
            "notice_date": DATE,
            "received_on": DATE,
            "reason_text": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "reason_text": _("Copy the reason word for word from the letter."),
            "received_on": _("Your appeal deadlines count from this day."),
        }


class AppealForm(OnceForm, forms.ModelForm):
    class Meta:
        model = Appeal
        fields = ["level", "expedited", "filed_on", "reference_number", "outcome", "decided_on"]
        widgets = {"filed_on": DATE, "decided_on": DATE}

    def __init__(self, *args, plan_type, post_service: bool = False, **kwargs):
        # Step 6 shows this form under the denial form, which also has a reference_number: ids
        # of their own keep each <label for> on its own field.
        kwargs.setdefault("auto_id", "id_appeal_%s")
        super().__init__(*args, **kwargs)
        if post_service:
            # A denied claim is for care already received: never urgent (issue 16 review).
            del self.fields["expedited"]
        allowed = appeal_levels_for(plan_type)
        _choice(self.fields["level"]).choices = [
            (value, label) for value, label in Appeal.Level.choices if value in allowed
        ]


class DeadlineLetterDateForm(forms.Form):
    letter_due_on = forms.DateField(
        label=_("The date in my letter"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty to use the date we worked out."),
        validators=[validate_sane_date],
    )


class LetterForm(forms.Form):
    text = forms.CharField(
        label=_("Letter"),
        widget=forms.Textarea(attrs={"rows": 24}),
        max_length=20000,
        help_text=_(
            "Check every fact. Your provider fills in the parts in [square brackets] and signs."
        ),
    )


class ReviewForm(forms.Form):
    """The reviewer's panel on the admin case page: one step of the review, with a note."""

    STEPS = [
        ("start", _("Start review")),
        ("request_changes", _("Request changes from the patient")),
        ("attach_signed", _("Attach the signed letter of medical necessity")),
        ("approve", _("Approve to send (newest packet)")),
        ("sent", _("Mark as sent to the insurer")),
    ]
    step = forms.ChoiceField(label=_("Step"), choices=STEPS)
    note = forms.CharField(
        label=_("Note (the patient sees notes asking for changes)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    signed_document = forms.ModelChoiceField(
        label=_("Signed letter (an uploaded document)"),
        queryset=SupportingDocument.objects.none(),
        required=False,
    )
    method = forms.ChoiceField(
        label=_("Sent by"),
        choices=[("", "—"), *PriorAuthorizationRequest.Method.choices],
        required=False,
    )
    submitted_on = forms.DateField(
        label=_("Sent on"), required=False, widget=DATE, validators=[validate_sane_date]
    )
    reference_number = forms.CharField(label=_("Reference number"), required=False)
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=PriorAuthorizationRequest.Urgency.choices,
        initial=PriorAuthorizationRequest.Urgency.STANDARD,
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        _model_choice(self.fields["signed_document"]).queryset = case.documents.all()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        step = cleaned.get("step")
        if step == "request_changes" and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say what the patient should change."))
        if step == "attach_signed" and not cleaned.get("signed_document"):
            self.add_error("signed_document", _("Choose the uploaded signed letter."))
        if step == "sent":
            if not cleaned.get("method"):
                self.add_error("method", _("How was it sent?"))
            if not cleaned.get("submitted_on"):
                self.add_error("submitted_on", _("When was it sent?"))
        return cleaned

    def step_label(self) -> str:
        return str(dict(self.STEPS)[self.cleaned_data["step"]])


# --- the session log (issue 16) -----------------------------------------------------------------

CODE_RE = re.compile(r"^[A-Z0-9]{5}$")  # a CPT (96365) or HCPCS (J0013) code
MODIFIER_RE = re.compile(r"^[A-Z0-9]{2}$")


class TreatmentSessionForm(OnceForm, forms.ModelForm):
    """One session received. Its codes come from the treatment, dose and date (the lines are
    edited after it is saved); amounts are forgiving about "$" and commas."""

    charge = MoneyField(label=_("What the session cost (the charge)"), required=True)
    amount_paid = MoneyField(
        label=_("What was paid"), help_text=_("Leave empty if nothing was paid yet.")
    )
    refill_codes = forms.BooleanField(
        label=_("Fill in the billing codes again from the treatment, dose and date"),
        required=False,
        help_text=_("Replaces the lines below. Use it after changing the dose or the date."),
    )

    class Meta:
        model = TreatmentSession
        fields = [
            "service_date",
            "treatment",
            "dose_mg",
            "infusion_minutes",
            "ndc",
            "place_of_service",
            "charge",
            "amount_paid",
            "paid_by",
            "notes",
        ]
        widgets = {"service_date": DATE, "notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            # DOMAIN.md §6 [R65]: a superbill lists each date of service, no ranges.
            "service_date": _("One session per date: a superbill lists each date on its own."),
            "ndc": _("IV ketamine: the code on the vial, which insurers want with J3490."),
            "infusion_minutes": _("IV ketamine only."),
        }

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["refill_codes"]
        _choice(self.fields["paid_by"]).choices = [
            ("", _("Not paid yet / not sure")),
            *TreatmentSession.PaidBy.choices,
        ]

    def clean_service_date(self):
        day = self.cleaned_data["service_date"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(
                _("This log is for sessions you have had: the date cannot be after today.")
            )
        return day

    def clean_ndc(self) -> str:
        ndc = self.cleaned_data["ndc"].strip()
        if ndc and not NDC_RE.match(ndc):
            raise forms.ValidationError(
                _("An NDC looks like 50458-028-02 (10 or 11 digits, with dashes).")
            )
        return ndc

    def clean_amount_paid(self):
        return self.cleaned_data["amount_paid"] or Decimal(0)


class SessionLineForm(forms.Form):
    """One billing line. Written as people write them: "j0013", "59, gt", "a b"."""

    code = forms.CharField(label=_("Code"), max_length=12)
    units = forms.IntegerField(label=_("Units"), min_value=1, max_value=9999, initial=1)
    modifiers = forms.CharField(label=_("Modifiers"), max_length=20, required=False)
    diagnosis_pointer = forms.CharField(
        label=_("Diagnoses (letters)"), max_length=10, required=False, initial="A"
    )
    charge = MoneyField(label=_("Charge"))

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper().lstrip("+")
        if not CODE_RE.match(code):
            raise forms.ValidationError(_("A code has 5 letters or digits, like J0013 or 96365."))
        return code

    def clean_modifiers(self) -> str:
        parts = re.split(r"[\s,;/-]+", self.cleaned_data["modifiers"].strip().upper())
        parts = [p for p in parts if p]
        if len(parts) > 4 or not all(MODIFIER_RE.match(p) for p in parts):
            raise forms.ValidationError(
                _("Up to four modifiers of two letters or digits each, like 59 or GT.")
            )
        return " ".join(parts)

    def clean_diagnosis_pointer(self) -> str:
        letters = re.sub(r"[\s,;/-]+", "", self.cleaned_data["diagnosis_pointer"].upper()) or "A"
        if len(letters) > 4 or not set(letters) <= set("ABCD") or len(set(letters)) < len(letters):
            raise forms.ValidationError(
                _("Up to four different letters from A to D, like A or AB.")
            )
        return letters


class BaseSessionLineFormSet(forms.BaseFormSet):
    def line_values(self) -> list[dict]:
        """The lines kept, in order: every existing line unless marked for removal (saved as
        shown even when nothing in it was changed), and the extra rows that were filled in."""
        return [
            {name: form.cleaned_data[name] for name in SessionLineForm.base_fields}
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and form.cleaned_data
            and not form.cleaned_data.get("DELETE")
        ]


SessionLineFormSet = cast(
    type[BaseSessionLineFormSet],
    forms.formset_factory(
        SessionLineForm, formset=BaseSessionLineFormSet, extra=1, can_delete=True, max_num=12
    ),
)


# --- out-of-network claims and the network-gap request (issue 16) -----------------------------


class OutOfNetworkClaimForm(OnceForm, forms.ModelForm):
    """A claim sent for sessions already paid, and the insurer's answer once it comes. The EOB
    is picked from the case's documents or uploaded here (checked like any upload)."""

    sessions = forms.ModelMultipleChoiceField(
        label=_("Sessions this claim covers"),
        queryset=TreatmentSession.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    eob_file = forms.FileField(
        label=_("Or upload the EOB"),
        required=False,
        help_text=_("PDF, PNG, JPEG or HEIC (iPhone photo), up to 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.heic,.heif"}),
    )
    denial_reason = forms.ChoiceField(
        label=_("Reason the EOB gives for the denial"),
        choices=[("", "—"), *Denial.Reason.choices],
        required=False,
        help_text=_("Your appeal answers this reason."),
    )

    class Meta:
        model = OutOfNetworkClaim
        fields = [
            "submitted_on",
            "reference_number",
            "amount_claimed",
            "sessions",
            "status",
            "answered_on",
            "allowed",
            "reimbursed",
            "denied_amount",
            "eob",
        ]
        widgets = {"submitted_on": DATE, "answered_on": DATE}
        help_texts = {
            "answered_on": _("The date on the explanation of benefits (EOB)."),
            "allowed": _("What the plan says the care is worth (the EOB's allowed amount)."),
        }

    field_order = [*Meta.fields[:9], "denial_reason", "eob", "eob_file"]

    def __init__(self, *args, case: CoverageCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submitted_on"].required = True
        self.fields["amount_claimed"].required = True
        sessions = _model_choice(self.fields["sessions"])
        sessions.queryset = case.treatment_sessions.all()
        sessions.label_from_instance = _session_label  # type: ignore[method-assign,assignment]
        eob = _model_choice(self.fields["eob"])
        eob.queryset = case.documents.filter(category=SupportingDocument.Category.EOB)
        eob.label = _("Its explanation of benefits (EOB), if you uploaded it already")
        eob.empty_label = _("None yet")
        if self.instance.pk and self.instance.pa_request_id:
            denial = Denial.objects.filter(pa_request_id=self.instance.pa_request_id).first()
            if denial is not None:
                self.fields["denial_reason"].initial = denial.reason

    def clean_eob_file(self) -> CleanUpload | None:
        upload = self.cleaned_data.get("eob_file")
        return clean_upload(upload) if upload else None

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        status = cleaned.get("status")
        answered = status and status != OutOfNetworkClaim.Status.SUBMITTED
        if answered and not cleaned.get("answered_on"):
            self.add_error("answered_on", _("Please enter the date on the insurer's answer."))
        if not answered and cleaned.get("answered_on"):
            self.add_error("status", _("Please choose the answer the insurer gave."))
        if status == OutOfNetworkClaim.Status.DENIED and not cleaned.get("denial_reason"):
            self.add_error("denial_reason", _("Please choose the reason the EOB gives."))
        if cleaned.get("eob") and cleaned.get("eob_file"):
            self.add_error("eob_file", _("Pick an uploaded EOB or upload one, not both."))
        return cleaned


def _session_label(session: TreatmentSession) -> str:
    treatment = session.get_treatment_display()
    return f"{session.service_date:%m/%d/%Y} · {treatment} · ${session.charge}"


class NetworkProviderCheckForm(OnceForm, forms.ModelForm):
    """An in-network provider the patient asked: only what they were told."""

    class Meta:
        model = NetworkProviderCheck
        fields = ["name", "distance_miles", "earliest_date", "answer", "answer_text", "checked_on"]
        widgets = {"earliest_date": DATE, "checked_on": DATE}
        help_texts = {
            "name": _("As your plan's provider directory lists it."),
            "distance_miles": _("Leave empty if you don't know."),
            "answer_text": _("Optional: what they said, in a few words."),
        }
