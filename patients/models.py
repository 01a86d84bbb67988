import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .validators import validate_npi


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

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


class UserManager(BaseUserManager):
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
    REQUIRED_FIELDS: list[str] = []

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


class Clinic(TimeStampedModel):
    """A practice that reviews the cases its patients share with it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
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
