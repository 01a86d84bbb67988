import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.history import HistoricalRecords
from patients.models import (
    AppendOnlyModel,
    Clinic,
    DatePrecision,
    InsurancePolicy,
    MoneyField,
    Patient,
    Payer,
    PercentField,
    Provider,
    PublicIdModel,
    TimeStampedModel,
    date_order_constraint,
)
from patients.validators import validate_npi, validate_sane_date

from .criteria import rules as criteria_rules
from .ladder import LADDERS

PlanType = InsurancePolicy.PlanType


class CoverageCase(PublicIdModel):
    """One effort to get one treatment covered under one policy. A patient may have several."""

    class Treatment(models.TextChoices):
        ESKETAMINE = "esketamine", _("Esketamine nasal spray (Spravato)")
        IV_KETAMINE = "iv_ketamine", _("IV ketamine infusion series")
        OTHER = "other", _("Other ketamine treatment")

    class Condition(models.TextChoices):
        TRD = "trd", _("Treatment-resistant depression")
        MDD_SI = "mdd_si", _("Depression with suicidal thoughts")
        DEPRESSION = "depression", _("Depression (other)")
        BIPOLAR_DEPRESSION = "bipolar_depression", _("Bipolar depression")
        PTSD = "ptsd", _("PTSD")
        ANXIETY = "anxiety", _("Anxiety")
        OCD = "ocd", _("OCD")
        CHRONIC_PAIN = "chronic_pain", _("Chronic pain")
        CRPS = "crps", _("Complex regional pain syndrome (CRPS)")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class ReviewStatus(models.TextChoices):
        NOT_SHARED = "not_shared", _("Not shared with a clinic")
        SUBMITTED = "submitted", _("Sent to the clinic")
        IN_REVIEW = "in_review", _("Clinic is reviewing")
        CHANGES_REQUESTED = "changes_requested", _("Clinic asked for changes")
        APPROVED_TO_SEND = "approved_to_send", _("Clinic approved it to send")
        SENT = "sent", _("Sent to the insurer")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="cases")
    treatment = models.CharField(_("treatment"), max_length=16, choices=Treatment.choices)
    treatment_other = models.CharField(_("treatment, if other"), max_length=200, blank=True)
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices)
    condition_other = models.CharField(_("condition, if other"), max_length=200, blank=True)
    # RESTRICT: a policy behind a case cannot be deleted on its own, only with the whole account.
    policy = models.ForeignKey(
        InsurancePolicy,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("insurance policy"),
    )
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("shared with clinic"),
    )
    clinic_consent_at = models.DateTimeField(
        _("patient agreed to share on"), null=True, blank=True, validators=[validate_sane_date]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    review_status = models.CharField(
        _("clinic review"),
        max_length=20,
        choices=ReviewStatus.choices,
        default=ReviewStatus.NOT_SHARED,
    )
    # When the current episode of depression began, as the patient or prescriber dates it: some
    # payers count only trials in the current episode (DOMAIN.md §1.2: Cigna, CareFirst).
    episode_since = models.DateField(
        _("current episode began"), null=True, blank=True, validators=[validate_sane_date]
    )
    episode_since_precision = models.CharField(
        _("precision"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    # The coverage policy the patient picked where the payer alone does not say which applies
    # (CriteriaSet.policy_key; claims.selectors.criteria_report_for).
    criteria_policy_key = models.CharField(_("coverage policy chosen"), max_length=60, blank=True)
    # The packet version the clinic approved to send (claims.services.case_approve_to_send).
    approved_packet = models.ForeignKey(
        "Packet", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["-updated_at"]
        permissions = [("review_case", "Can review cases: move them through the clinic review")]
        indexes = [
            models.Index(fields=["clinic", "review_status"]),
            models.Index(fields=["treatment"]),
            models.Index(fields=["status"]),
        ]
        constraints = [
            # A case is visible to a clinic only with the patient's recorded consent.
            models.CheckConstraint(
                condition=models.Q(clinic__isnull=True) | models.Q(clinic_consent_at__isnull=False),
                name="case_shared_only_with_consent",
                violation_error_message=_(
                    "A case is shared with a clinic only after the patient agrees."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_treatment_display()} — {self.get_condition_display()}"


class InsurerCall(PublicIdModel):
    """A call to the insurer: who answered, the call's reference number, what was asked and said."""

    case = models.ForeignKey(CoverageCase, on_delete=models.CASCADE, related_name="calls")
    called_at = models.DateTimeField(_("when you called"), validators=[validate_sane_date])
    phone_number = models.CharField(_("number called"), max_length=30, blank=True)
    representative = models.CharField(_("who you spoke with"), max_length=120, blank=True)
    reference_number = models.CharField(_("call reference number"), max_length=60, blank=True)
    # [{"question": "...", "answer": "..."}] from the question script, in order.
    questions_and_answers = models.JSONField(_("questions and answers"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["-called_at"]

    def __str__(self) -> str:
        ref = f" ref {self.reference_number}" if self.reference_number else ""
        return f"{_('Call')} {self.called_at:%Y-%m-%d}{ref}"


class Referral(PublicIdModel):
    class Status(models.TextChoices):
        NOT_REQUESTED = "not_requested", _("Not asked for yet")
        REQUESTED = "requested", _("Asked for")
        RECEIVED = "received", _("Received")
        DECLINED = "declined", _("Provider declined")

    case = models.ForeignKey(CoverageCase, on_delete=models.CASCADE, related_name="referrals")
    provider = models.ForeignKey(
        Provider,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referring provider"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NOT_REQUESTED
    )
    requested_on = models.DateField(
        _("asked on"), null=True, blank=True, validators=[validate_sane_date]
    )
    received_on = models.DateField(
        _("received on"), null=True, blank=True, validators=[validate_sane_date]
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            date_order_constraint(
                earlier="requested_on",
                later="received_on",
                name="referral_received_after_requested",
                message=_("The referral cannot arrive before it was asked for."),
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Referral')}: {self.provider or '—'} ({self.get_status_display()})"


def document_upload_to(instance: "SupportingDocument", filename: str) -> str:
    # Never the patient's file name or name: a random name under a per-case folder.
    return f"documents/{instance.case.public_id}/{uuid.uuid4().hex}{instance.extension}"


class SupportingDocument(PublicIdModel):
    """An uploaded file, parsed and cleaned on the way in (claims/uploads.py), kept privately."""

    class Category(models.TextChoices):
        MEDICAL_RECORDS = "medical_records", _("Medical records / visit notes")
        TREATMENT_HISTORY = "treatment_history", _("Pharmacy or treatment history")
        THERAPY_RECORDS = "therapy_records", _("Records of talk therapy")
        EVALUATION = "evaluation", _("Psychiatric evaluation or symptom scores")
        TEST_RESULTS = "test_results", _("Test results")
        REFERRAL = "referral", _("Referral")
        MEDICAL_NECESSITY = "medical_necessity", _("Letter of medical necessity")
        INSURANCE_CARD = "insurance_card", _("Insurance card")
        DENIAL_LETTER = "denial_letter", _("Denial letter")
        INSURER_LETTER = "insurer_letter", _("Other letter from the insurer")
        EOB = "eob", _("Explanation of benefits (EOB)")
        RECEIPT = "receipt", _("Receipt or superbill")
        OTHER = "other", _("Other")

    case = models.ForeignKey(CoverageCase, on_delete=models.CASCADE, related_name="documents")
    category = models.CharField(_("kind of document"), max_length=20, choices=Category.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    page_count = models.PositiveSmallIntegerField(default=1)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["category", "created_at"]
        indexes = [models.Index(fields=["case", "category"])]

    def __str__(self) -> str:
        return self.title or self.original_name or self.get_category_display()


class PriorAuthorizationRequest(PublicIdModel):
    """One request to the insurer. A case may have several: initial, resubmission, renewal."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("First request")
        RESUBMISSION = "resubmission", _("Resubmission")
        REAUTHORIZATION = "reauthorization", _("Renewal (reauthorization)")
        # A claim for care already received (an out-of-network claim, issue 16): its denial is a
        # post-service denial, with post-service appeal clocks (claims/deadlines.py).
        CLAIM = "claim", _("Claim for care already received")

    class SubmittedBy(models.TextChoices):
        CLINIC = "clinic", _("The prescriber's office")
        PATIENT = "patient", _("Me")

    class Method(models.TextChoices):
        FAX = "fax", _("Fax")
        PORTAL = "portal", _("Insurer's online portal")
        ELECTRONIC = "electronic", _("Electronic prior authorization (ePA)")
        PHONE = "phone", _("Phone")
        MAIL = "mail", _("Mail")

    class Urgency(models.TextChoices):
        STANDARD = "standard", _("Standard")
        EXPEDITED = "expedited", _("Urgent (expedited)")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        PARTIALLY_APPROVED = "partially_approved", _("Partly approved")
        DENIED = "denied", _("Denied")

    case = models.ForeignKey(CoverageCase, on_delete=models.CASCADE, related_name="pa_requests")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INITIAL)
    submitted_by = models.CharField(
        _("sent by"), max_length=8, choices=SubmittedBy.choices, default=SubmittedBy.CLINIC
    )
    method = models.CharField(
        _("how it was sent"), max_length=12, choices=Method.choices, blank=True
    )
    submitted_on = models.DateField(
        _("sent on"), null=True, blank=True, validators=[validate_sane_date]
    )
    reference_number = models.CharField(_("reference number"), max_length=60, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.STANDARD
    )
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    decided_on = models.DateField(
        _("decision date"), null=True, blank=True, validators=[validate_sane_date]
    )
    decision_received_on = models.DateField(
        _("decision received on"), null=True, blank=True, validators=[validate_sane_date]
    )
    approved_sessions = models.PositiveSmallIntegerField(
        _("sessions approved"), null=True, blank=True
    )
    valid_from = models.DateField(
        _("approval starts"), null=True, blank=True, validators=[validate_sane_date]
    )
    valid_until = models.DateField(
        _("approval ends"), null=True, blank=True, validators=[validate_sane_date]
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["-submitted_on", "-created_at"]
        verbose_name = _("pre-authorization request")
        indexes = [models.Index(fields=["decision"]), models.Index(fields=["reference_number"])]
        constraints = [
            date_order_constraint(
                earlier="valid_from",
                later="valid_until",
                name="pa_approval_ends_after_it_starts",
                message=_("The approval cannot end before it starts."),
            ),
            date_order_constraint(
                earlier="submitted_on",
                later="decided_on",
                name="pa_decided_after_submitted",
                message=_("The decision cannot come before the request was sent."),
            ),
            models.CheckConstraint(
                condition=~models.Q(decision="pending") | models.Q(decided_on__isnull=True),
                name="pa_pending_has_no_decision_date",
                violation_error_message=_(
                    "A request still waiting for a decision has no decision date."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_decision_display()})"


class TreatmentRequest(PublicIdModel):
    """What the case asks the insurer to cover, the way a payer's prior-authorization form asks
    for it: product and dose, schedule, sessions and period, where, by whom, and the checks a
    payer looks for (REMS, concurrent antidepressant, PDMP, substance-use screen). One per case,
    edited on step 5; the packet's cover and letter state it."""

    class Product(models.TextChoices):
        # FDA label, SPRAVATO "How Supplied" (§16): 56 mg kit = two 28 mg devices, NDC
        # 50458-028-02; 84 mg kit = three devices, NDC 50458-028-03.
        SPRAVATO_56 = "spravato_56", _("Spravato 56 mg dose kit (two 28 mg devices)")
        SPRAVATO_84 = "spravato_84", _("Spravato 84 mg dose kit (three 28 mg devices)")
        KETAMINE_IV = "ketamine_iv", _("Ketamine for IV infusion")
        OTHER = "other", _("Something else")

    class Phase(models.TextChoices):
        INDUCTION = "induction", _("Starting treatment (induction)")
        MAINTENANCE = "maintenance", _("Continuing treatment (maintenance)")
        RENEWAL = "renewal", _("Renewal of an earlier approval")

    class PlaceOfService(models.TextChoices):
        # CMS Place of Service code set; DOMAIN.md §2.1 [R65] names 11 (office).
        OFFICE = "11", _("11 — Office")
        OFF_CAMPUS_HOSPITAL = "19", _("19 — Off-campus outpatient hospital")
        ON_CAMPUS_HOSPITAL = "22", _("22 — On-campus outpatient hospital")

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        ASK_CLINIC = "ask_clinic", _("I don't know — ask my clinic")

    class Screen(models.TextChoices):
        NO_CONCERN = "no_concern", _("Done: no substance-use concern")
        CONCERN = "concern", _("Done: a concern was noted")
        ASK_CLINIC = "ask_clinic", _("I don't know — ask my clinic")

    NDC_BY_PRODUCT: dict[str, str] = {
        Product.SPRAVATO_56: "50458-028-02",
        Product.SPRAVATO_84: "50458-028-03",
    }
    DOSE_BY_PRODUCT: dict[str, int] = {Product.SPRAVATO_56: 56, Product.SPRAVATO_84: 84}

    case = models.OneToOneField(
        CoverageCase, on_delete=models.CASCADE, related_name="treatment_request"
    )
    product = models.CharField(_("what is requested"), max_length=16, choices=Product.choices)
    ndc = models.CharField(_("NDC (drug code on the package)"), max_length=13, blank=True)
    dose_mg = models.PositiveSmallIntegerField(_("dose per session (mg)"), null=True, blank=True)
    infusion_minutes = models.PositiveSmallIntegerField(
        _("length of each infusion (minutes)"), null=True, blank=True
    )
    phase = models.CharField(
        _("phase"), max_length=12, choices=Phase.choices, default=Phase.INDUCTION
    )
    schedule = models.CharField(_("schedule"), max_length=200, blank=True)
    sessions = models.PositiveSmallIntegerField(_("number of sessions"), null=True, blank=True)
    start_date = models.DateField(
        _("requested start"), null=True, blank=True, validators=[validate_sane_date]
    )
    end_date = models.DateField(
        _("requested through"), null=True, blank=True, validators=[validate_sane_date]
    )
    place_of_service = models.CharField(
        _("place of service"),
        max_length=2,
        choices=PlaceOfService.choices,
        default=PlaceOfService.OFFICE,
    )
    site_name = models.CharField(_("treatment site"), max_length=200, blank=True)
    site_npi = models.CharField(
        _("site's organization NPI"), max_length=10, blank=True, validators=[validate_npi]
    )
    site_tax_id = models.CharField(_("site's tax ID (EIN)"), max_length=10, blank=True)
    site_address = models.TextField(_("site's address"), blank=True)
    site_phone = models.CharField(_("site's phone"), max_length=30, blank=True)
    site_fax = models.CharField(_("site's fax"), max_length=30, blank=True)
    site_rems_certified = models.CharField(
        _("site is certified in the Spravato REMS"),
        max_length=10,
        choices=Answer.choices,
        blank=True,
    )
    prescriber = models.ForeignKey(
        Provider,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ordering prescriber"),
    )
    oral_antidepressant_continues = models.CharField(
        _("an oral antidepressant continues alongside"),
        max_length=10,
        choices=Answer.choices,
        blank=True,
    )
    oral_antidepressant = models.CharField(_("which antidepressant"), max_length=120, blank=True)
    pdmp_checked_on = models.DateField(
        _("prescription-monitoring (PDMP) check done on"),
        null=True,
        blank=True,
        validators=[validate_sane_date],
    )
    substance_use_screen = models.CharField(
        _("substance-use screen"), max_length=12, choices=Screen.choices, blank=True
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        verbose_name = _("treatment request")
        constraints = [
            date_order_constraint(
                earlier="start_date",
                later="end_date",
                name="request_period_ends_after_it_starts",
                message=_("The requested period cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_product_display()} ({self.case})"

    @property
    def ndc_or_default(self) -> str:
        return self.ndc or self.NDC_BY_PRODUCT.get(self.product, "")

    @property
    def dose_or_default(self) -> int | None:
        return self.dose_mg or self.DOSE_BY_PRODUCT.get(self.product)


class Denial(PublicIdModel):
    """What the insurer said no to and why, as its letter states it."""

    class Reason(models.TextChoices):
        NOT_MEDICALLY_NECESSARY = "not_medically_necessary", _("Not medically necessary")
        EXPERIMENTAL = "experimental", _("Experimental or investigational")
        CRITERIA_NOT_MET = "criteria_not_met", _("Plan criteria not met")
        MISSING_INFORMATION = "missing_information", _("Missing information")
        OUT_OF_NETWORK = "out_of_network", _("Out of network")
        NOT_COVERED = "not_covered", _("Not a covered benefit")
        QUANTITY_LIMIT = "quantity_limit", _("Quantity limit")
        CODING = "coding", _("Coding or billing problem")
        OTHER = "other", _("Other")

    pa_request = models.OneToOneField(
        PriorAuthorizationRequest, on_delete=models.CASCADE, related_name="denial"
    )
    notice_date = models.DateField(
        _("date on the letter"), null=True, blank=True, validators=[validate_sane_date]
    )
    received_on = models.DateField(
        _("date you received it"), null=True, blank=True, validators=[validate_sane_date]
    )
    reason = models.CharField(
        _("reason given"), max_length=24, choices=Reason.choices, default=Reason.OTHER
    )
    reason_text = models.TextField(_("the reason, as the letter says it"), blank=True)
    reference_number = models.CharField(_("reference number"), max_length=60, blank=True)
    letter = models.ForeignKey(
        SupportingDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("denial letter"),
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["-notice_date"]
        indexes = [models.Index(fields=["reason"])]
        constraints = [
            date_order_constraint(
                earlier="notice_date",
                later="received_on",
                name="denial_received_after_notice",
                message=_("The letter cannot arrive before the date printed on it."),
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Denial')}: {self.get_reason_display()}"


class Appeal(PublicIdModel):
    class Level(models.TextChoices):
        INTERNAL_FIRST = "internal_1", _("First internal appeal")
        INTERNAL_SECOND = "internal_2", _("Second internal appeal")
        EXTERNAL_REVIEW = "external_review", _("External review (independent reviewer)")
        MA_RECONSIDERATION = "ma_reconsideration", _("Reconsideration by the plan")
        MA_INDEPENDENT_REVIEW = "ma_ire", _("Independent review entity (IRE)")
        ALJ = "alj", _("Administrative law judge hearing")
        MEDICARE_REDETERMINATION = "redetermination", _("Redetermination")
        MEDICARE_RECONSIDERATION = "qic_reconsideration", _("Reconsideration (QIC)")
        MEDICAID_PLAN_APPEAL = "medicaid_plan_appeal", _("Plan appeal")
        STATE_FAIR_HEARING = "state_fair_hearing", _("State fair hearing")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        OVERTURNED = "overturned", _("Won: denial overturned")
        PARTIALLY_OVERTURNED = "partially_overturned", _("Partly won")
        UPHELD = "upheld", _("Lost: denial upheld")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    denial = models.ForeignKey(Denial, on_delete=models.CASCADE, related_name="appeals")
    level = models.CharField(_("appeal level"), max_length=24, choices=Level.choices)
    expedited = models.BooleanField(_("urgent (expedited)"), default=False)
    filed_on = models.DateField(
        _("filed on"), null=True, blank=True, validators=[validate_sane_date]
    )
    reference_number = models.CharField(_("reference number"), max_length=60, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=24, choices=Outcome.choices, default=Outcome.PENDING
    )
    decided_on = models.DateField(
        _("decision date"), null=True, blank=True, validators=[validate_sane_date]
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["denial", "created_at"]
        indexes = [models.Index(fields=["outcome"])]
        constraints = [
            models.UniqueConstraint(
                fields=["denial", "level"],
                name="one_appeal_per_level",
                violation_error_message=_("This denial already has an appeal at this level."),
            ),
            date_order_constraint(
                earlier="filed_on",
                later="decided_on",
                name="appeal_decided_after_filed",
                message=_("The decision cannot come before the appeal was filed."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ({self.get_outcome_display()})"


# The appeal levels open to each plan type, in order: read from the ladder (claims/ladder.py,
# DOMAIN.md §4.2), where each plan type's doors are defined once.
APPEAL_LEVELS_BY_PLAN_TYPE: dict[str, tuple[str, ...]] = {
    plan_type: ladder.levels for plan_type, ladder in LADDERS.items()
}


def appeal_levels_for(plan_type: str | None) -> tuple[str, ...]:
    """The appeal levels that fit a plan type; every level when the plan type is not known."""
    return APPEAL_LEVELS_BY_PLAN_TYPE.get(plan_type or "", tuple(Appeal.Level.values))


class FormSubmission(models.Model):
    """A one-time token from a rendered form: a second post with the same token saves nothing."""

    token = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.token)


class Deadline(PublicIdModel):
    """A date that matters for a case: when the insurer must decide, the last day to appeal...

    Stored, not only computed, so the clinic can see what is due across all cases. A computed
    date comes from claims/deadlines.py (rule and version recorded); a date the patient copies
    from their letter overrides it.
    """

    class Kind(models.TextChoices):
        DECISION_DUE = "decision_due", _("Insurer's decision due")
        APPEAL_FILING = "appeal_filing", _("Last day to file your appeal")
        EXTERNAL_REVIEW = "external_review", _("Last day to ask for an external review")
        APPEAL_DECISION_DUE = "appeal_decision_due", _("Insurer's appeal decision due")
        APPROVAL_EXPIRES = "approval_expires", _("Your approval ends")
        REAUTHORIZATION = "reauthorization", _("Ask your clinic to request a renewal")
        # An out-of-network claim with no answer 30 days after it was sent (issue 16).
        CLAIM_FOLLOW_UP = "claim_follow_up", _("Ask the insurer about your claim")

    case = models.ForeignKey(CoverageCase, on_delete=models.CASCADE, related_name="deadlines")
    # What the deadline belongs to, e.g. "decision_due:pa:12" (unique per case; rows are upserted).
    key = models.CharField(max_length=80)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    level = models.CharField(
        _("appeal level"), max_length=24, blank=True, choices=Appeal.Level.choices
    )
    # Computed from dates in range, so possibly a little past LATEST_DATE: not validated.
    computed_due_on = models.DateField(_("computed date"), null=True, blank=True)
    letter_due_on = models.DateField(
        _("date in your letter"),
        null=True,
        blank=True,
        help_text=_("If your letter gives a date, enter it: it replaces ours."),
        validators=[validate_sane_date],
    )
    due_on = models.DateField(_("due"), db_index=True)
    rule_id = models.CharField(max_length=60, blank=True)
    rule_version = models.CharField(max_length=10, blank=True)
    rule_source = models.TextField(blank=True)
    check_letter = models.BooleanField(default=False)
    met_at = models.DateTimeField(_("done on"), null=True, blank=True)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["due_on"]
        # (case, met_at, due_on): a case's nearest open deadline, per row of the review queue.
        indexes = [
            models.Index(fields=["met_at", "due_on"]),
            models.Index(fields=["case", "met_at", "due_on"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "key"], name="one_deadline_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.due_on}"


class ReminderSent(models.Model):
    """One reminder email for one deadline at one threshold (14, 7 or 2 days): never twice."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "days_before"], name="one_reminder_per_threshold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id} -{self.days_before}d"


class Letter(PublicIdModel):
    """A letter drafted from the case (claims/letters/), then edited by the patient or clinic
    staff. Packets render this saved text; it is a draft until a signed copy is attached."""

    class Kind(models.TextChoices):
        MEDICAL_NECESSITY = "medical_necessity", _("Letter of medical necessity")
        APPEAL = "appeal", _("Appeal letter")
        # After the first appeal (issue 15; which fit a plan type: claims/ladder.py).
        CLAIM_FILE = "claim_file", _("Request for the claim file and the criteria used")
        PARITY_ANALYSIS = "parity_analysis", _("Request for the parity comparative analysis")
        EXTERNAL_REVIEW = "external_review", _("External review request")
        REGULATOR = "regulator", _("Complaint to the regulator")
        PEER_TO_PEER = "peer_to_peer", _("Peer-to-peer preparation sheet")
        # No in-network provider offers the treatment nearby (issue 16).
        NETWORK_GAP = "network_gap", _("Network-gap exception or single-case agreement request")

    case = models.ForeignKey(CoverageCase, on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    denial = models.ForeignKey(
        Denial, on_delete=models.CASCADE, null=True, blank=True, related_name="letters"
    )
    text = models.TextField(_("letter"))
    signed_copy = models.ForeignKey(
        SupportingDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed copy"),
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A fingerprint of the list the letter was drafted from, where the page warns when the list
    # changed since (the network-gap request's providers, issue 16 review: a removed provider
    # leaves no updated_at to compare); blank for the other letters.
    source_digest = models.CharField(max_length=64, blank=True, editable=False)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["case", "kind"]
        # One letter per kind per case, and per denial for appeal letters. Two partial unique
        # indexes rather than NULLS NOT DISTINCT, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(denial__isnull=True),
                name="one_letter_per_kind",
            ),
            models.UniqueConstraint(
                fields=["case", "kind", "denial"],
                condition=models.Q(denial__isnull=False),
                name="one_letter_per_kind_and_denial",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_draft(self) -> bool:
        return self.signed_copy_id is None


class Packet(PublicIdModel):
    """A rendered PDF packet: a record the clinic keeps, not a cache. Old versions stay; the
    newest of each kind is marked; the task fills in the file (claims/tasks.py)."""

    class Kind(models.TextChoices):
        PRIOR_AUTHORIZATION = "prior_authorization", _("Pre-authorization packet")
        APPEAL = "appeal", _("Appeal packet")
        # One escalation letter as a PDF, with its enclosures (issue 15): the Letter.Kind values.
        CLAIM_FILE = "claim_file", _("Claim file request")
        PARITY_ANALYSIS = "parity_analysis", _("Parity analysis request")
        EXTERNAL_REVIEW = "external_review", _("External review request")
        REGULATOR = "regulator", _("Regulator complaint")
        PEER_TO_PEER = "peer_to_peer", _("Peer-to-peer sheet")
        NETWORK_GAP = "network_gap", _("Network-gap exception request")
        # From the session log, for an out-of-network claim (issue 16).
        SUPERBILL = "superbill", _("Superbill")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be made")
        RENDERING = "rendering", _("Being made")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be made")

    case = models.ForeignKey(CoverageCase, on_delete=models.CASCADE, related_name="packets")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    denial = models.ForeignKey(
        Denial, on_delete=models.CASCADE, null=True, blank=True, related_name="packets"
    )
    version = models.PositiveIntegerField()
    is_newest = models.BooleanField(default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    # A digest of the facts the packet was made from: when the case changes, it no longer matches.
    source_digest = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to="packets/", max_length=200, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    render_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Delivery to the worker (claims/services/packets.py): which queue renders it, when the
    # broker last took it (empty: not yet, e.g. Redis was down), which task message holds the
    # render and since when, and how many renders began (a packet that kills its worker every
    # time is failed after a few, not retried for ever).
    queue = models.CharField(max_length=20, default="celery")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    render_task_id = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["case", "kind", "is_newest"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "version"], name="packet_version"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    # A packet usually takes seconds; waiting longer than this, the page says to come back later.
    SLOW_AFTER = timedelta(minutes=2)

    @property
    def is_waiting_long(self) -> bool:
        """Still being made well after it was asked for (the broker or the workers are down or
        busy: the outbox sweep will send it; claims/services/packets.py)."""
        pending = self.status in (self.Status.QUEUED, self.Status.RENDERING)
        return pending and timezone.now() - self.created_at > self.SLOW_AFTER


class ReviewEvent(AppendOnlyModel):
    """One step of the clinic's review of a case, with its note: an append-only record."""

    case = models.ForeignKey(CoverageCase, on_delete=models.CASCADE, related_name="review_events")
    from_status = models.CharField(max_length=20, choices=CoverageCase.ReviewStatus.choices)
    to_status = models.CharField(max_length=20, choices=CoverageCase.ReviewStatus.choices)
    note = models.TextField(_("note"), blank=True)
    packet = models.ForeignKey(
        Packet, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The clinic the case was with: only its staff see the step and its note (issue 14, finding
    # 9: a case sent on to another clinic does not show it the first clinic's notes).
    clinic = models.ForeignKey(
        Clinic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class CriteriaSet(TimeStampedModel):
    """One version of one payer's coverage policy for a treatment: its criteria, where it comes
    from, and when it applies. Seeded from ../shared/DOMAIN.md §1.2/§1.3 (migration 0011);
    staff keep it current in admin, with history. Never a blend of two policies."""

    class Coverage(models.TextChoices):
        CRITERIA = criteria_rules.Coverage.CRITERIA, _("Covered when the criteria are met")
        EXPERIMENTAL = (
            criteria_rules.Coverage.EXPERIMENTAL,
            _("Not covered: the policy calls it experimental / investigational"),
        )
        NOT_COVERED = criteria_rules.Coverage.NOT_COVERED, _("Reported not covered")

    policy_key = models.SlugField(
        _("policy key"),
        max_length=60,
        help_text=_("The same for every version of one policy, e.g. cigna-spravato."),
    )
    name = models.CharField(_("policy name"), max_length=200)
    policy_number = models.CharField(_("policy number"), max_length=60, blank=True)
    payer_label = models.CharField(_("payer, as the policy names it"), max_length=120)
    payers = models.ManyToManyField(
        Payer,
        blank=True,
        related_name="criteria_sets",
        verbose_name=_("payers it applies to"),
        help_text=_(
            "Leave empty where the payer list cannot tell (a state's Blue plan): "
            "patients then pick the policy themselves."
        ),
    )
    plan_types = models.JSONField(
        _("plan types"), default=list, blank=True, help_text=_("Empty: every plan type.")
    )
    treatments = models.JSONField(_("treatments"), default=list)
    indications = models.JSONField(
        _("conditions"), default=list, help_text=_("Case conditions it covers, e.g. trd, mdd_si.")
    )
    coverage = models.CharField(
        _("coverage"), max_length=16, choices=Coverage.choices, default=Coverage.CRITERIA
    )
    version_date = models.DateField(
        _("policy version date"), null=True, blank=True, validators=[validate_sane_date]
    )
    effective_from = models.DateField(
        _("in effect from"), null=True, blank=True, validators=[validate_sane_date]
    )
    effective_to = models.DateField(
        _("in effect until"), null=True, blank=True, validators=[validate_sane_date]
    )
    last_verified = models.DateField(
        _("last checked against the source"), null=True, blank=True, validators=[validate_sane_date]
    )
    verified = models.BooleanField(
        _("confirmed in a primary source"),
        default=True,
        help_text=_("Off where DOMAIN.md marks the facts uncertain [U]."),
    )
    source_url = models.URLField(_("source"), max_length=500, blank=True)
    source_refs = models.CharField(_("DOMAIN.md references"), max_length=60, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(m2m_fields=[payers], user_db_constraint=False)

    class Meta:
        ordering = ["policy_key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy_key", "effective_from"], name="criteria_set_one_version_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_from__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="criteria_set_dates_in_order",
                violation_error_message=_("A policy cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer_label}: {self.name}"


class Criterion(models.Model):
    """One criterion of a set: a kind from a fixed list, its parameters, and how it compares.
    Criteria that share a group are alternatives (any one of them is enough)."""

    class Comparison(models.TextChoices):
        AT_LEAST = "gte", _("at least (≥)")
        MORE_THAN = "gt", _("more than (>)")

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(
        _("kind"),
        max_length=24,
        choices=[(k.value, label) for k, label in criteria_rules.KIND_LABELS.items()],
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    comparison = models.CharField(
        _("comparison"), max_length=3, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    group = models.CharField(
        _("group of alternatives"),
        max_length=40,
        blank=True,
        help_text=_("Criteria with the same group name are alternatives: any one is enough."),
    )
    indication = models.CharField(
        _("only for condition"), max_length=20, blank=True, help_text=_("Empty: every one.")
    )
    wording = models.TextField(_("as the policy says it"), blank=True)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["criteria_set", "order", "pk"]
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"

    def clean(self) -> None:
        errors = criteria_rules.params_errors(self.kind, self.params)
        if errors:
            raise ValidationError({"params": errors})


# --- Paying for treatment (issue 16): sessions received, the cost ahead, out-of-network claims ---


def _percent_of_fee(verbose_name):
    return models.DecimalField(
        verbose_name,
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
    )


class TreatmentSession(PublicIdModel):
    """One treatment session received: a single date (a superbill lists each date of service, no
    ranges: DOMAIN.md §6 [R65]), what was given, its billing lines, what it cost and who paid.
    Entered by the patient or by the clinic's staff."""

    class PaidBy(models.TextChoices):
        PATIENT = "patient", _("Me, out of pocket")
        HSA_FSA = "hsa_fsa", _("HSA or FSA card")
        INSURANCE = "insurance", _("Insurance")
        FINANCING = "financing", _("Payment plan or medical credit")
        OTHER = "other", _("Someone else")

    case = models.ForeignKey(
        CoverageCase, on_delete=models.CASCADE, related_name="treatment_sessions"
    )
    service_date = models.DateField(_("date of the session"), validators=[validate_sane_date])
    treatment = models.CharField(
        _("treatment"), max_length=16, choices=CoverageCase.Treatment.choices
    )
    dose_mg = models.PositiveSmallIntegerField(_("dose (mg)"), null=True, blank=True)
    infusion_minutes = models.PositiveSmallIntegerField(
        _("infusion length (minutes)"), null=True, blank=True
    )
    ndc = models.CharField(_("NDC (drug code on the package)"), max_length=13, blank=True)
    place_of_service = models.CharField(
        _("place of service"),
        max_length=2,
        choices=TreatmentRequest.PlaceOfService.choices,
        default=TreatmentRequest.PlaceOfService.OFFICE,
    )
    charge = MoneyField(_("charge for the session"), null=False, blank=False)
    amount_paid = MoneyField(_("amount paid"), null=False, blank=True, default=Decimal(0))
    paid_by = models.CharField(_("paid by"), max_length=12, choices=PaidBy.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["service_date", "created_at"]
        indexes = [models.Index(fields=["case", "service_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(charge__gte=0) & models.Q(amount_paid__gte=0),
                name="session_money_not_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Session')} {self.service_date:%Y-%m-%d}"


class SessionLine(models.Model):
    """One billing line of a session: a CPT/HCPCS code with its units and modifiers (as
    claims/codes.py request_units gives them), the diagnoses it is for, and its charge."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(_("CPT/HCPCS code"), max_length=5)
    units = models.PositiveSmallIntegerField(_("units"), default=1)
    # Up to four two-character modifiers, separated by spaces ("59 GT").
    modifiers = models.CharField(_("modifiers"), max_length=11, blank=True)
    # Letters of the superbill's diagnosis list this line is for ("A", "AB").
    diagnosis_pointer = models.CharField(_("diagnosis pointer"), max_length=4, default="A")
    charge = MoneyField(_("charge for this line"))

    class Meta:
        ordering = ["session", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.code} × {self.units}"


class CostEstimate(PublicIdModel):
    """What the patient told us about the series ahead and their plan's money rules; the
    arithmetic itself is claims/estimate.py. Blank means "I don't know yet"."""

    class Network(models.TextChoices):
        IN_NETWORK = "in_network", _("In network")
        OUT_OF_NETWORK = "out_of_network", _("Out of network")
        SINGLE_CASE = "single_case", _("Out of network, with a single-case agreement")

    case = models.OneToOneField(
        CoverageCase, on_delete=models.CASCADE, related_name="cost_estimate"
    )
    sessions = models.PositiveSmallIntegerField(_("number of sessions"), null=True, blank=True)
    charge_per_session = MoneyField(_("the clinic's charge per session"))
    network = models.CharField(
        _("network"), max_length=16, choices=Network.choices, default=Network.OUT_OF_NETWORK
    )
    out_of_network_covered = models.BooleanField(
        _("my plan pays something for out-of-network care"), default=True
    )
    allowed_per_session = MoneyField(_("the plan's allowed amount per session, if you know it"))
    # When the allowed amount is unknown: a range stated as percentages of a Medicare fee.
    medicare_fee = MoneyField(_("Medicare's fee for the session"))
    # Either end may be above 100 %: a plan may set its allowed amount above Medicare's fee.
    allowed_low_percent = _percent_of_fee(_("low end, % of the Medicare fee"))
    allowed_high_percent = _percent_of_fee(_("high end, % of the Medicare fee"))
    single_case_rate = MoneyField(_("the rate the single-case agreement sets per session"))
    deductible = MoneyField(_("deductible"))
    deductible_met = MoneyField(_("deductible met so far"))
    coinsurance_percent = PercentField(_("coinsurance (%)"))
    copay = MoneyField(_("copay per session"))
    oop_max = MoneyField(_("out-of-pocket maximum"))
    oop_met = MoneyField(_("out-of-pocket spent so far"))

    history = HistoricalRecords(user_db_constraint=False)

    def __str__(self) -> str:
        return str(_("Cost estimate"))


class OutOfNetworkClaim(PublicIdModel):
    """A claim the patient (or clinic) sent the insurer for sessions already paid, and its
    answer from the explanation of benefits. A denied claim opens a post-service request and
    denial (`pa_request`), which the appeal step then handles with post-service clocks."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Sent, waiting for an answer")
        PAID = "paid", _("Paid")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        DENIED = "denied", _("Denied")

    case = models.ForeignKey(CoverageCase, on_delete=models.CASCADE, related_name="oon_claims")
    sessions = models.ManyToManyField(
        TreatmentSession, related_name="oon_claims", verbose_name=_("sessions claimed")
    )
    submitted_on = models.DateField(
        _("date you sent it"), null=True, blank=True, validators=[validate_sane_date]
    )
    reference_number = models.CharField(_("claim number"), max_length=60, blank=True)
    amount_claimed = MoneyField(_("amount claimed"))
    status = models.CharField(
        _("answer"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    answered_on = models.DateField(
        _("date of the answer"), null=True, blank=True, validators=[validate_sane_date]
    )
    allowed = MoneyField(_("allowed amount"))
    reimbursed = MoneyField(_("amount reimbursed"))
    denied_amount = MoneyField(_("amount denied"))
    eob = models.ForeignKey(
        SupportingDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("explanation of benefits"),
    )
    pa_request = models.OneToOneField(
        PriorAuthorizationRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="oon_claim",
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["-submitted_on", "-created_at"]
        constraints = [
            date_order_constraint(
                earlier="submitted_on",
                later="answered_on",
                name="oon_claim_answered_after_sent",
                message=_("The answer cannot come before the claim was sent."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Out-of-network claim"))


class NetworkProviderCheck(PublicIdModel):
    """An in-network provider the patient asked about the treatment. The network-gap request
    letter uses only these facts (claims/letters/network_gap.py)."""

    class Answer(models.TextChoices):
        DOES_NOT_OFFER = "does_not_offer", _("Does not offer this treatment")
        NOT_ACCEPTING = "not_accepting", _("Not taking new patients")
        TOO_LATE = "too_late", _("Earliest appointment is too late")
        NO_ANSWER = "no_answer", _("Did not answer")
        OTHER = "other", _("Other")

    case = models.ForeignKey(CoverageCase, on_delete=models.CASCADE, related_name="network_checks")
    name = models.CharField(_("provider or clinic"), max_length=200)
    distance_miles = models.PositiveSmallIntegerField(_("distance (miles)"), null=True, blank=True)
    earliest_date = models.DateField(
        _("earliest appointment offered"), null=True, blank=True, validators=[validate_sane_date]
    )
    answer = models.CharField(_("what they said"), max_length=16, choices=Answer.choices)
    answer_text = models.CharField(_("in their words"), max_length=300, blank=True)
    checked_on = models.DateField(
        _("date you asked"), null=True, blank=True, validators=[validate_sane_date]
    )

    class Meta:
        ordering = ["checked_on", "created_at"]

    def __str__(self) -> str:
        return self.name
