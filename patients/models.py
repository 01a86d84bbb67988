import uuid
from decimal import Decimal
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import icd10
from .adequate_trials import sessions_text
from .drugs import AUGMENT, usual_role
from .history import HistoricalRecords
from .scales import SCALES, SELF_HARM_ITEM
from .validators import validate_icd10_code, validate_npi, validate_sane_date


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def date_order_constraint(
    *, earlier: str, later: str, name: str, message
) -> models.CheckConstraint:
    """The later date may not come before the earlier one (either may still be unknown)."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{later}__isnull": True})
        | models.Q(**{f"{earlier}__isnull": True})
        | models.Q(**{f"{later}__gte": models.F(earlier)}),
        name=name,
        violation_error_message=message,
    )


class PublicIdModel(TimeStampedModel):
    """A record named in URLs and logs by a random UUID, never by its database id."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be changed")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted")


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or removed through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.PATIENT)
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(role=User.Role.STAFF, is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who logs in, by email address. A patient account can never be a staff account."""

    class Role(models.TextChoices):
        PATIENT = "patient", _("Patient")
        STAFF = "staff", _("Clinic staff")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.PATIENT)
    is_staff = models.BooleanField(_("can use admin"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    # user_db_constraint=False: a history row may name, as its author, an account since deleted.
    history = HistoricalRecords(
        excluded_fields=["password", "last_login"], user_db_constraint=False
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(role="patient") | models.Q(is_staff=False, is_superuser=False),
                name="user_patient_is_never_staff",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Consent(AppendOnlyModel):
    """A patient's agreement to a document (terms, privacy notice) at a version and a moment."""

    class Document(models.TextChoices):
        TERMS = "terms", _("Terms of use")
        PRIVACY = "privacy", _("Privacy notice")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    document = models.CharField(max_length=16, choices=Document.choices)
    version = models.CharField(max_length=20)
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-accepted_at"]
        indexes = [models.Index(fields=["user", "document"])]

    def __str__(self) -> str:
        return f"{self.get_document_display()} {self.version} ({self.accepted_at:%Y-%m-%d})"


class Clinic(PublicIdModel):
    """A practice that reviews the cases its patients share with it."""

    name = models.CharField(_("name"), max_length=200)
    npi = models.CharField(
        _("organization NPI"), max_length=10, validators=[validate_npi], unique=True
    )
    tax_id = models.CharField(_("tax ID (EIN)"), max_length=10, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address, line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=2, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    fax = models.CharField(_("fax"), max_length=30, blank=True)
    staff = models.ManyToManyField(
        User,
        related_name="clinics",
        blank=True,
        limit_choices_to={"role": User.Role.STAFF},
        verbose_name=_("staff"),
    )

    history = HistoricalRecords(m2m_fields=[staff], user_db_constraint=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AccessLog(AppendOnlyModel):
    """Who viewed, downloaded or exported which record, and when. Never changed or deleted.

    Rows name records by public id only, so the log holds no health information and survives
    the deletion of the records it describes.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        DOWNLOAD = "download", _("downloaded")
        EXPORT = "export", _("exported")
        DELETE = "delete", _("deleted")

    # No database constraint and no cascade: the row keeps naming the account (by id only) after
    # the account itself is deleted.
    actor = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_role = models.CharField(max_length=16, choices=User.Role.choices)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.UUIDField(db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} {self.object_type} {self.object_id}"


# --- Issue 3: the patient's own records --------------------------------------------------------


MONEY_FIELDS = [
    f"{network}_{name}"
    for network in ("in_network", "out_of_network")
    for name in ("deductible", "deductible_met", "oop_max", "copay")
]
PERCENT_FIELDS = ["in_network_coinsurance_percent", "out_of_network_coinsurance_percent"]


def MoneyField(verbose_name, **options):  # noqa: N802 - reads like the field class it returns
    """Dollars and cents, never negative; optional (a patient may not know yet) unless `options`
    say otherwise (null=False for an amount always known)."""
    return models.DecimalField(
        verbose_name,
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        **{"null": True, "blank": True, **options},
    )


def PercentField(verbose_name):  # noqa: N802
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("I don't know yet")


class DatePrecision(models.TextChoices):
    DAY = "day", _("exact day")
    MONTH = "month", _("month and year")


class Patient(PublicIdModel):
    """The person behind a patient account: what letters and forms need to identify them."""

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        SPANISH = "es", "Español"

    class Sex(models.TextChoices):
        # As the insurer's record has it (what the payer matches the member on), which may
        # differ from the patient's gender.
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        UNKNOWN_OR_OTHER = "unknown_or_other", _("Unknown or other (X)")

    # What packets need to say who the patient is; step 1 is complete only with all of them.
    IDENTITY_FIELDS = ("legal_first_name", "legal_last_name", "date_of_birth")
    # What the patient fills in on their "About you" page.
    PROFILE_FIELDS = (
        "legal_first_name",
        "legal_middle_name",
        "legal_last_name",
        "date_of_birth",
        "sex_on_insurance",
        "address_line1",
        "address_line2",
        "city",
        "state",
        "postal_code",
        "phone",
        "preferred_language",
    )

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="patient")
    legal_first_name = models.CharField(_("legal first name"), max_length=100, blank=True)
    legal_middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    legal_last_name = models.CharField(_("legal last name"), max_length=100, blank=True)
    date_of_birth = models.DateField(
        _("date of birth"), null=True, blank=True, validators=[validate_sane_date]
    )
    sex_on_insurance = models.CharField(
        _("sex on your insurance record"), max_length=16, choices=Sex.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address, line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=2, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["legal_last_name", "legal_first_name"]
        indexes = [models.Index(fields=["legal_last_name", "legal_first_name"])]

    def __str__(self) -> str:
        return self.legal_name or str(self.user)

    @property
    def legal_name(self) -> str:
        parts = [self.legal_first_name, self.legal_middle_name, self.legal_last_name]
        return " ".join(p for p in parts if p)

    @property
    def identity_complete(self) -> bool:
        """Legal first and last name and date of birth are all filled in (IDENTITY_FIELDS)."""
        return all(getattr(self, name) for name in self.IDENTITY_FIELDS)


class Payer(models.Model):
    """An insurer, a benefit manager that reviews on an insurer's behalf, or a pharmacy benefit
    manager. Seeded by migration; "other" is a policy's free-text payer name."""

    class Kind(models.TextChoices):
        INSURER = "insurer", _("Insurance company or plan")
        BENEFIT_MANAGER = "benefit_manager", _("Benefit manager (reviews for your plan)")
        PHARMACY_BENEFIT_MANAGER = "pbm", _("Pharmacy benefit manager")
        GOVERNMENT = "government", _("Government program")

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InsurancePolicy(PublicIdModel):
    """One plan a patient holds, for one period. A new plan year or a second plan is a new row."""

    class Rank(models.TextChoices):
        PRIMARY = "primary", _("Primary")
        SECONDARY = "secondary", _("Secondary")
        TERTIARY = "tertiary", _("Third")

    class PlanType(models.TextChoices):
        EMPLOYER_FULLY_INSURED = "employer_fully_insured", _("Employer plan, fully insured")
        EMPLOYER_SELF_FUNDED = "employer_self_funded", _("Employer plan, self-funded (ERISA)")
        EMPLOYER_UNKNOWN = "employer_unknown", _("Employer plan, funding not known")
        MARKETPLACE = "marketplace", _("Marketplace / individual plan (ACA)")
        MEDICARE = "medicare", _("Original Medicare")
        MEDICARE_ADVANTAGE = "medicare_advantage", _("Medicare Advantage")
        MEDICAID = "medicaid", _("Medicaid or Medicaid managed care")
        TRICARE = "tricare", _("TRICARE")
        FEHB = "fehb", _("Federal employee plan (FEHB)")
        OTHER = "other", _("Other")

    class Relationship(models.TextChoices):
        SELF = "self", _("Me")
        SPOUSE = "spouse", _("My spouse or partner")
        PARENT = "parent", _("My parent")
        OTHER = "other", _("Someone else")

    class Benefit(models.TextChoices):
        MEDICAL = "medical", _("Medical benefit")
        PHARMACY = "pharmacy", _("Pharmacy benefit")
        UNKNOWN = "unknown", _("I don't know yet")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="policies")
    rank = models.CharField(
        _("primary or secondary"), max_length=12, choices=Rank.choices, default=Rank.PRIMARY
    )
    payer = models.ForeignKey(
        Payer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("insurance company"),
    )
    payer_other = models.CharField(
        _("insurance company, if not listed"), max_length=120, blank=True
    )
    plan_name = models.CharField(_("plan name"), max_length=200, blank=True)
    plan_type = models.CharField(
        _("type of plan"),
        max_length=30,
        choices=PlanType.choices,
        default=PlanType.EMPLOYER_UNKNOWN,
    )
    grandfathered = models.CharField(
        _("grandfathered plan"),
        max_length=8,
        choices=YesNoUnknown.choices,
        default=YesNoUnknown.UNKNOWN,
    )
    member_id = models.CharField(_("member ID"), max_length=50, blank=True)
    group_number = models.CharField(_("group number"), max_length=50, blank=True)
    subscriber_name = models.CharField(_("subscriber (policy holder)"), max_length=200, blank=True)
    subscriber_relationship = models.CharField(
        _("the subscriber is"),
        max_length=8,
        choices=Relationship.choices,
        default=Relationship.SELF,
    )
    behavioral_health_manager = models.ForeignKey(
        Payer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company that manages mental-health benefits"),
    )
    treatment_benefit = models.CharField(
        _("treatment is covered under"),
        max_length=10,
        choices=Benefit.choices,
        default=Benefit.UNKNOWN,
    )
    member_services_phone = models.CharField(_("member services phone"), max_length=30, blank=True)
    behavioral_health_phone = models.CharField(
        _("mental-health benefits phone"), max_length=30, blank=True
    )
    prior_auth_phone = models.CharField(_("pre-authorization phone"), max_length=30, blank=True)
    prior_auth_fax = models.CharField(_("pre-authorization fax"), max_length=30, blank=True)
    effective_date = models.DateField(
        _("coverage starts"), null=True, blank=True, validators=[validate_sane_date]
    )
    end_date = models.DateField(
        _("coverage ends"), null=True, blank=True, validators=[validate_sane_date]
    )

    in_network_deductible = MoneyField(_("in-network deductible"))
    in_network_deductible_met = MoneyField(_("in-network deductible met so far"))
    in_network_oop_max = MoneyField(_("in-network out-of-pocket maximum"))
    in_network_coinsurance_percent = PercentField(_("in-network coinsurance (%)"))
    in_network_copay = MoneyField(_("in-network copay"))
    out_of_network_deductible = MoneyField(_("out-of-network deductible"))
    out_of_network_deductible_met = MoneyField(_("out-of-network deductible met so far"))
    out_of_network_oop_max = MoneyField(_("out-of-network out-of-pocket maximum"))
    out_of_network_coinsurance_percent = PercentField(_("out-of-network coinsurance (%)"))
    out_of_network_copay = MoneyField(_("out-of-network copay"))

    prior_auth_required = models.CharField(
        _("pre-authorization required"),
        max_length=8,
        choices=YesNoUnknown.choices,
        default=YesNoUnknown.UNKNOWN,
    )
    out_of_network_covered = models.CharField(
        _("out-of-network care covered"),
        max_length=8,
        choices=YesNoUnknown.choices,
        default=YesNoUnknown.UNKNOWN,
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["patient", "rank", "-effective_date"]
        verbose_name_plural = _("insurance policies")
        indexes = [models.Index(fields=["plan_type"]), models.Index(fields=["member_id"])]
        constraints = [
            date_order_constraint(
                earlier="effective_date",
                later="end_date",
                name="policy_ends_after_it_starts",
                message=_("Coverage cannot end before it starts."),
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{f}__gte": 0}),
                    name=f"policy_{f}_not_negative",
                    violation_error_message=_("Amounts cannot be negative."),
                )
                for f in MONEY_FIELDS
            ],
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{f}__gte": 0, f"{f}__lte": 100}),
                    name=f"policy_{f}_0_to_100",
                    violation_error_message=_("A percentage is between 0 and 100."),
                )
                for f in PERCENT_FIELDS
            ],
        ]

    def __str__(self) -> str:
        """ "Acme Health — Gold PPO"; the plan name alone when it already names the payer
        ("Acme Health PPO", not "Acme Health Acme Health PPO")."""
        payer, plan = self.payer_name.strip(), self.plan_name.strip()
        if payer and plan.lower().startswith(payer.lower()):
            return plan
        return " — ".join(p for p in (payer, plan) if p) or str(_("Insurance policy"))

    @property
    def payer_name(self) -> str:
        return self.payer.name if self.payer else self.payer_other


class Provider(PublicIdModel):
    """A clinician on the patient's care team: referring doctor, prescriber, therapist."""

    class Specialty(models.TextChoices):
        PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
        PCP = "pcp", _("Primary care physician")
        PSYCHIATRIC_NP = "psychiatric_np", _("Psychiatric nurse practitioner")
        PSYCHOLOGIST = "psychologist", _("Psychologist")
        PAIN_MEDICINE = "pain_medicine", _("Pain medicine")
        ANESTHESIOLOGY = "anesthesiology", _("Anesthesiology")
        OTHER = "other", _("Other")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="providers")
    name = models.CharField(_("name"), max_length=200)
    credentials = models.CharField(_("credentials (MD, DO, NP…)"), max_length=40, blank=True)
    npi = models.CharField(_("NPI"), max_length=10, blank=True, validators=[validate_npi])
    specialty = models.CharField(_("specialty"), max_length=20, choices=Specialty.choices)
    practice_name = models.CharField(_("practice"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    fax = models.CharField(_("fax"), max_length=30, blank=True)
    address = models.TextField(_("address"), blank=True)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class Diagnosis(PublicIdModel):
    """A condition the patient has been diagnosed with, with its ICD-10-CM code when known."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diagnoses")
    icd10_code = models.CharField(
        _("ICD-10-CM code"),
        max_length=8,
        blank=True,
        validators=[validate_icd10_code],
        help_text=_("Leave blank if you don't know it: your provider can add it."),
    )
    description = models.CharField(_("description"), max_length=300)
    is_primary = models.BooleanField(_("main diagnosis"), default=False)
    diagnosed_on = models.DateField(
        _("date diagnosed"), null=True, blank=True, validators=[validate_sane_date]
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["-is_primary", "diagnosed_on", "pk"]
        verbose_name_plural = _("diagnoses")
        indexes = [models.Index(fields=["icd10_code"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(is_primary=True),
                name="one_primary_diagnosis",
                violation_error_message=_("Only one diagnosis can be the main one."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.description}".strip()

    @property
    def is_billable(self) -> bool:
        """Whether the code can go on a packet (a complete, billable ICD-10-CM code)."""
        info = icd10.lookup(self.icd10_code) if self.icd10_code else None
        return bool(info and info.billable)


class TreatmentTrial(PublicIdModel):
    """One earlier or current treatment: what, how much, how long, and how it went."""

    class Kind(models.TextChoices):
        MEDICATION = "medication", _("Medication")
        PSYCHOTHERAPY = "psychotherapy", _("Talk therapy (psychotherapy)")
        ECT = "ect", _("ECT (electroconvulsive therapy)")
        TMS = "tms", _("TMS (transcranial magnetic stimulation)")
        OTHER = "other", _("Other")

    class DoseUnit(models.TextChoices):
        MG_PER_DAY = "mg/day", _("mg per day")
        MCG_PER_DAY = "mcg/day", _("mcg per day")
        MG_PER_24H_PATCH = "mg/24h", _("mg per 24 hours (patch)")

    class Adherence(models.TextChoices):
        AS_PRESCRIBED = "as_prescribed", _("Took it as prescribed")
        MOSTLY = "mostly", _("Missed a few doses")
        OFTEN_MISSED = "often_missed", _("Missed many doses")
        UNKNOWN = "unknown", _("Not sure")

    class Response(models.TextChoices):
        NO_RESPONSE = "no_response", _("Did not help")
        PARTIAL = "partial", _("Helped a little (partial response)")
        REMISSION = "remission", _("Symptoms went away (remission)")
        SIDE_EFFECTS = "side_effects", _("Stopped because of side effects")
        ONGOING = "ongoing", _("Still taking it / too early to tell")

    class Role(models.TextChoices):
        # patients.drugs ANTIDEPRESSANT_ROLE / AUGMENTATION_ROLE / OTHER_ROLE (tests check).
        ANTIDEPRESSANT = "antidepressant", _("As an antidepressant")
        AUGMENTATION = "augmentation", _("Added to an antidepressant to boost it (augmentation)")
        OTHER = "other", _("For something else, like sleep")

    class TherapyType(models.TextChoices):
        # The names therapies go by. DOMAIN.md §1.2 (CareFirst [R7]) names CBT and IPT as
        # evidence-based; the list makes no claim about the others.
        CBT = "cbt", _("CBT (cognitive behavioral therapy)")
        IPT = "ipt", _("IPT (interpersonal therapy)")
        DBT = "dbt", _("DBT (dialectical behavior therapy)")
        BEHAVIORAL_ACTIVATION = "ba", _("Behavioral activation")
        MBCT = "mbct", _("MBCT (mindfulness-based cognitive therapy)")
        ACT = "act", _("ACT (acceptance and commitment therapy)")
        PSYCHODYNAMIC = "psychodynamic", _("Psychodynamic therapy")
        CPT = "cpt", _("CPT (cognitive processing therapy)")
        PE = "pe", _("Prolonged exposure (PE)")
        EMDR = "emdr", _("EMDR")
        SUPPORTIVE = "supportive", _("Supportive counseling")
        OTHER = "other", _("Another kind")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="treatment_trials")
    # The kind decides the fields: a medication has a dose, unit and role; talk therapy, ECT,
    # TMS and other courses have sessions and weeks, and talk therapy its type. A constraint
    # keeps each kind's fields empty on the others; patients.services.treatment_trial_save
    # clears them when the kind changes.
    kind = models.CharField(
        _("kind of treatment"), max_length=16, choices=Kind.choices, default=Kind.MEDICATION
    )
    name_as_entered = models.CharField(
        _("medication or therapy"),
        max_length=200,
        help_text=_("As you know it, e.g. Zoloft or CBT."),
    )
    drug_generic = models.CharField(_("generic name"), max_length=100, blank=True, editable=False)
    drug_class = models.CharField(_("drug class"), max_length=40, blank=True, editable=False)
    daily_dose = models.DecimalField(
        _("dose per day"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    dose_unit = models.CharField(
        _("unit"), max_length=8, choices=DoseUnit.choices, default=DoseUnit.MG_PER_DAY
    )
    role = models.CharField(
        _("what it was for"),
        max_length=16,
        choices=Role.choices,
        blank=True,
        help_text=_("Leave it on “Not sure” and it is worked out from the medication's name."),
    )
    # For a medication, the weeks at the dose above; for other kinds, the weeks of the course.
    weeks_at_dose = models.PositiveSmallIntegerField(_("weeks at this dose"), null=True, blank=True)
    therapy_type = models.CharField(
        _("type of talk therapy"), max_length=16, choices=TherapyType.choices, blank=True
    )
    sessions = models.PositiveSmallIntegerField(
        _("number of sessions"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(2000)],
    )
    start_date = models.DateField(
        _("started"), null=True, blank=True, validators=[validate_sane_date]
    )
    start_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    end_date = models.DateField(
        _("stopped"), null=True, blank=True, validators=[validate_sane_date]
    )
    end_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    adherence = models.CharField(
        _("how regularly you took it"),
        max_length=16,
        choices=Adherence.choices,
        default=Adherence.UNKNOWN,
    )
    response = models.CharField(
        _("how it went"), max_length=16, choices=Response.choices, blank=True
    )
    percent_improvement = models.PositiveSmallIntegerField(
        _("improvement (%)"),
        null=True,
        blank=True,
        help_text=_("If a provider measured it, e.g. your PHQ-9 score went down by 20%."),
    )
    side_effects = models.TextField(_("side effects"), blank=True)
    reason_stopped = models.TextField(_("why it was stopped"), blank=True)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["start_date", "pk"]
        indexes = [models.Index(fields=["patient", "kind"])]
        constraints = [
            date_order_constraint(
                earlier="start_date",
                later="end_date",
                name="trial_ends_after_it_starts",
                message=_("The stop date is before the start date. Please check both."),
            ),
            models.CheckConstraint(
                condition=models.Q(percent_improvement__isnull=True)
                | models.Q(percent_improvement__lte=100),
                name="trial_improvement_at_most_100",
                violation_error_message=_("Improvement is a percentage between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=models.Q(daily_dose__isnull=True) | models.Q(daily_dose__gt=0),
                name="trial_dose_positive",
                violation_error_message=_("A dose is a number above zero."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind="medication") | models.Q(daily_dose__isnull=True, role=""),
                name="trial_dose_only_for_medication",
                violation_error_message=_("Only a medication has a dose."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="medication") | models.Q(sessions__isnull=True),
                name="trial_sessions_not_for_medication",
                violation_error_message=_("A medication has a dose, not sessions."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind="psychotherapy") | models.Q(therapy_type=""),
                name="trial_therapy_type_only_for_therapy",
                violation_error_message=_("Only talk therapy has a therapy type."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drug_generic or self.name_as_entered} {self.amount_text}".strip()

    @property
    def is_medication(self) -> bool:
        return self.kind == self.Kind.MEDICATION

    @classmethod
    def fields_not_of_kind(cls, kind: str) -> dict[str, object]:
        """The fields a trial of this kind does not have, each with the value it keeps: a
        medication has no sessions or therapy type; a course (talk therapy, ECT, TMS, other)
        no dose, role or adherence; only talk therapy has a therapy type. The form and
        patients.services.treatment_trial_save both apply it; the constraints enforce it."""
        if kind == cls.Kind.MEDICATION:
            return {"therapy_type": "", "sessions": None}
        empty: dict[str, object] = {
            "role": "",
            "daily_dose": None,
            "adherence": cls.Adherence.UNKNOWN,
        }
        if kind != cls.Kind.PSYCHOTHERAPY:
            empty["therapy_type"] = ""
        return empty

    @property
    def counts_as(self) -> str:
        """The part a medication played (a Role value): what the patient chose, else what its
        drug class usually plays; "" for another kind, or an unknown drug left on "not sure"."""
        if not self.is_medication:
            return ""
        return self.role or usual_role(self.drug_class)

    @property
    def role_note(self) -> str:
        """What the drug's class does not already say about its part: "added to an
        antidepressant" (an antidepressant or an unknown drug used as an add-on), or "not taken
        as an antidepressant"; "" otherwise."""
        if self.role == self.Role.AUGMENTATION and self.drug_class != AUGMENT:
            return str(_("added to an antidepressant"))
        if self.role == self.Role.OTHER:
            return str(_("not taken as an antidepressant"))
        return ""

    @property
    def amount_text(self) -> str:
        """ "150 mg/day", or "16 sessions" for a course; "" when none is recorded."""
        if self.is_medication:
            return f"{self.daily_dose.normalize():f} {self.dose_unit}" if self.daily_dose else ""
        return sessions_text(self.sessions)


def _item_answers_within_scale() -> models.Q:
    """No answers, or exactly the scale's number of items, each from 0 to its item maximum
    (patients.scales). A key that is missing fails `isnull=False`, so a short list is refused,
    and the key one past the last must be missing, so a long one is too."""
    per_scale = []
    for key, scale in SCALES.items():
        if scale.items is None or scale.item_max is None:
            per_scale.append(~models.Q(instrument=key))
            continue
        each = models.Q(**{f"item_answers__{scale.items}__isnull": True})
        for n in range(scale.items):
            each &= models.Q(
                **{
                    f"item_answers__{n}__isnull": False,
                    f"item_answers__{n}__gte": 0,
                    f"item_answers__{n}__lte": scale.item_max,
                }
            )
        per_scale.append(~models.Q(instrument=key) | each)
    return models.Q(item_answers__isnull=True) | models.Q(*per_scale)


def _safety_flag_matches_item_9() -> models.Q:
    """The flag is set exactly when PHQ-9 answers hold item 9 above zero."""
    item_9 = f"item_answers__{SELF_HARM_ITEM - 1}"
    # isnull=False (has the key) is never NULL, so no answers at all count as not flagged
    # rather than leaving the check undecided (a CHECK passes on NULL).
    flagged = models.Q(instrument="phq9", **{f"{item_9}__isnull": False, f"{item_9}__gt": 0})
    return (models.Q(safety_flag=True) & flagged) | (models.Q(safety_flag=False) & ~flagged)


class SymptomScore(PublicIdModel):
    """A symptom questionnaire result (PHQ-9, GAD-7…), with the answers if filled in the app."""

    class Instrument(models.TextChoices):
        PHQ9 = "phq9", "PHQ-9"
        GAD7 = "gad7", "GAD-7"
        PCL5 = "pcl5", "PCL-5"
        QIDS_SR16 = "qids_sr16", "QIDS-SR16"
        HAMD17 = "hamd17", "HAM-D (17 items)"
        MADRS = "madrs", "MADRS"
        BDI2 = "bdi2", "BDI-II"
        OTHER = "other", _("Other")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="symptom_scores")
    instrument = models.CharField(_("questionnaire"), max_length=12, choices=Instrument.choices)
    instrument_other = models.CharField(_("questionnaire name"), max_length=100, blank=True)
    taken_on = models.DateField(_("date"), validators=[validate_sane_date])
    total = models.PositiveSmallIntegerField(_("total score"))
    # The answers, item by item, when the patient filled the questionnaire in here (PHQ-9,
    # GAD-7): a list of integers in the scale's item range (constraint below).
    item_answers = models.JSONField(_("answers"), null=True, blank=True, editable=False)
    administered_by_clinician = models.BooleanField(_("scored by a clinician"), default=False)
    given_by = models.CharField(
        _("who gave it"),
        max_length=200,
        blank=True,
        help_text=_("The clinician or clinic, for example: Dr. Lee, Lakeside Psychiatry."),
    )
    # PHQ-9 item 9 above zero (patients.scales.needs_safety_response; DOMAIN.md §5 asks for the
    # item 9 flag to be stored). Set by the service from the answers; a constraint keeps the two
    # in agreement. Never shown in list views.
    safety_flag = models.BooleanField(_("crisis resources shown"), default=False, editable=False)
    safety_acknowledged_at = models.DateTimeField(
        _("crisis resources acknowledged"), null=True, blank=True, editable=False
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        ordering = ["taken_on", "pk"]
        indexes = [models.Index(fields=["patient", "instrument", "taken_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    *[
                        ~models.Q(instrument=key) | models.Q(total__lte=scale.total_max)
                        for key, scale in SCALES.items()
                    ]
                ),
                name="score_total_within_scale",
                violation_error_message=_("This total is higher than the questionnaire allows."),
            ),
            models.CheckConstraint(
                condition=_item_answers_within_scale(),
                name="score_item_answers_within_scale",
                violation_error_message=_("An answer is outside the questionnaire's range."),
            ),
            models.CheckConstraint(
                condition=_safety_flag_matches_item_9(),
                name="score_safety_flag_matches_item_9",
            ),
            models.CheckConstraint(
                condition=models.Q(safety_acknowledged_at__isnull=True)
                | models.Q(safety_flag=True),
                name="score_acknowledged_only_if_flagged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.total} ({self.taken_on})"
