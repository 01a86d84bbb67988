"""Writes for accounts, clinics, consent, the access log, the patient's profile, and a patient's
export and deletion; staff members' two-factor sign-in devices."""

import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.db import IntegrityError, models, router, transaction
from django.db.models.deletion import Collector
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import icd10
from .drugs import match_drug, split_role_note
from .emails import send_email
from .models import (
    AccessLog,
    Clinic,
    Consent,
    Diagnosis,
    Patient,
    Provider,
    PublicIdModel,
    SymptomScore,
    TreatmentTrial,
    User,
)
from .scales import SCALES, IncompleteAnswers, needs_safety_response, score_answers

# Bump when the text of templates/patients/terms.html or privacy.html changes materially.
TERMS_VERSION = "2026-11-29"
PRIVACY_VERSION = "2026-11-29"


class AccountError(Exception):
    """A request about an account that the rules refuse; the message is for the user."""


class SignUpTokenGenerator(PasswordResetTokenGenerator):
    """The link that finishes a sign-up: valid for PASSWORD_RESET_TIMEOUT (3 days), and only
    until the account is active (the hash covers it)."""

    key_salt = "patients.services.SignUpTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


sign_up_tokens = SignUpTokenGenerator()


def patient_sign_up_request(
    *, email: str, password: str, language: str, confirm_url: Callable[[User], str]
) -> None:
    """A sign-up from the public page, answered the same whether or not the email has an account
    (issue 14, finding 2: here an account implies mental-health treatment).

    A new email gets an inactive account and a link to finish it (`confirm_url(user)`). An
    account still waiting for its link takes this sign-up's password and consent, and gets a new
    link (the old ones stop working). An active account's owner is told someone tried, with the
    way to log in or reset. Each path hashes the password, so none answers faster.
    `language` is the one the page was shown in: the new account's preferred language.
    """
    email = User.objects.normalize_email(email).lower()
    waiting = _sign_up_record(email=email, password=password, language=language)
    # Sent once the account is committed, and with no row lock held while the mail server answers.
    if waiting is not None:
        send_email(
            to=email,
            template="signup_confirm",
            context={"link": confirm_url(waiting)},
            language=language,
        )
    else:
        # To the account's owner, who may not be the person who typed the address.
        owner_language = (
            Patient.objects.filter(user__email__iexact=email)
            .values_list("preferred_language", flat=True)
            .first()
        )
        send_email(
            to=email, template="signup_existing", context={}, language=owner_language or language
        )


@transaction.atomic
def _sign_up_record(*, email: str, password: str, language: str) -> User | None:
    """Save a sign-up; the account now waiting for its link, or None when the email belongs to
    an account in use."""
    existing = User.objects.select_for_update().filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                return patient_sign_up(
                    email=email, password=password, active=False, language=language
                )
        except (IntegrityError, ValidationError):
            # Another sign-up for this email was saved between the lookup and ours: answer as
            # for an existing account (the email's owner then learns of both).
            existing = User.objects.select_for_update().filter(email__iexact=email).first()
            if existing is None:
                raise
    if _waiting_for_sign_up_link(existing):
        # The newest sign-up wins: the link finishes only with the password typed with it, so
        # someone who typed another person's address can never finish that account.
        existing.set_password(password)
        existing.save(update_fields=["password"])
        _record_consent(existing)
        patient_language_save(patient=existing.patient, language=language)
        return existing
    make_password(password)  # the same work as a new account's
    return None


def _waiting_for_sign_up_link(user: User) -> bool:
    # Never logged in: an account an administrator turned off is not re-opened by a sign-up.
    return user.role == User.Role.PATIENT and not user.is_active and user.last_login is None


def patient_sign_up_pending(*, uidb64: str, token: str) -> User | None:
    """The account waiting for this sign-up link; None for a link that is wrong, used, expired or
    replaced by a newer sign-up."""
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
        user = User.objects.get(pk=pk, role=User.Role.PATIENT)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if not _waiting_for_sign_up_link(user) or not sign_up_tokens.check_token(user, token):
        return None
    return user


def patient_sign_up_finish(*, user: User, password: str) -> User:
    """Activate the account of a sign-up link, given the password chosen at that sign-up: the
    link proves the address, the password proves it is the person who signed up (issue 14,
    finding 2: a link alone would let a stranger choose the password of someone's account)."""
    if not user.check_password(password):
        raise AccountError(_("That password is not right."))
    if (
        User.objects.filter(pk=user.pk, is_active=False, last_login=None).update(is_active=True)
        != 1
    ):
        raise AccountError(_("This account is already set up. Please log in."))
    user.is_active = True
    return user


@transaction.atomic
def patient_sign_up(
    *, email: str, password: str, active: bool = True, language: str = Patient.Language.ENGLISH
) -> User:
    """Create a patient account with its (empty) patient profile, and record its consent to the
    current terms and privacy notice. An inactive account waits for its sign-up link."""
    user = User(
        email=User.objects.normalize_email(email).lower(),
        role=User.Role.PATIENT,
        is_active=active,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    _record_consent(user)
    Patient.objects.create(user=user, preferred_language=language)
    return user


def patient_language_save(*, patient: Patient, language: str) -> Patient:
    """Keep the language the patient chose on the site: their emails and next logins use it."""
    if patient.preferred_language != language:
        patient.preferred_language = language
        patient.full_clean()
        patient.save(update_fields=["preferred_language"])
    return patient


def _record_consent(user: User) -> None:
    now = timezone.now()
    Consent.objects.bulk_create(
        [
            Consent(
                user=user, document=Consent.Document.TERMS, version=TERMS_VERSION, accepted_at=now
            ),
            Consent(
                user=user,
                document=Consent.Document.PRIVACY,
                version=PRIVACY_VERSION,
                accepted_at=now,
            ),
        ]
    )


@transaction.atomic
def clinic_add_staff(*, clinic: Clinic, user: User) -> None:
    """Make a staff account a member of a clinic. Patient accounts are refused."""
    if user.role != User.Role.STAFF:
        raise AccountError(_("A patient account cannot be made clinic staff."))
    clinic.staff.add(user)


def staff_totp_device_for_setup(*, user: User, device_id: int | None = None) -> TOTPDevice:
    """The staff member's authenticator app being set up in one session: the unconfirmed device
    `device_id` that this session was shown (so a reload keeps the key already scanned), else a
    new one with a fresh key. Never another session's device (issue 14, finding 1: someone with
    only the password could read the key the real staff member would later confirm)."""
    if not user.is_staff:
        raise AccountError(_("Only clinic staff sign in with an authenticator app."))
    if user_has_device(user):
        raise AccountError(_("Two-factor sign-in is already set up for this account."))
    device = (
        TOTPDevice.objects.filter(user=user, confirmed=False, pk=device_id).first()
        if device_id
        else None
    )
    if device is None:
        device = TOTPDevice(user=user, name=_("Authenticator app"), confirmed=False)
        device.full_clean()
        device.save()
    return device


def staff_totp_confirm(*, device: TOTPDevice, token: str) -> TOTPDevice:
    """Confirm a new authenticator device once it gives a right code; a wrong or throttled code
    raises ValidationError. Only a confirmed device lets its owner into admin.

    Not atomic as a whole: verify_token() saves a wrong attempt (its throttling counter), and
    that must stay saved even though we raise.
    """
    allowed, _extra = device.verify_is_allowed()
    if not allowed:
        raise ValidationError(
            _("Too many wrong codes in a row. Wait a minute, then enter the code your app shows."),
            code="throttled",
        )
    if not device.verify_token(token):
        raise ValidationError(
            _("That code is not right, or it has expired. Enter the code your app shows now."),
            code="invalid_token",
        )
    with transaction.atomic():
        # Guarded: of two tabs confirming at once, one wins; a password alone never adds a
        # second device to an account that already has one. The user's row is locked first, so
        # the second tab's check waits for the first tab's confirmation (each tab confirms its
        # own device, so the device rows alone serialize nothing).
        User.objects.select_for_update().filter(pk=device.user_id).first()
        if user_has_device(device.user):
            raise AccountError(_("Two-factor sign-in is already set up for this account."))
        if TOTPDevice.objects.filter(pk=device.pk, confirmed=False).update(confirmed=True) != 1:
            raise AccountError(_("This authenticator app is already set up."))
        # Keys shown to other sessions can never be confirmed now.
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    device.confirmed = True
    return device


def access_log_record(*, actor: User, action: str, obj: PublicIdModel | User) -> AccessLog:
    """Append one row to the access log: who did what to which record (by public id)."""
    return AccessLog.objects.create(
        actor=actor,
        actor_role=actor.role,
        action=action,
        object_type=obj._meta.label,
        object_id=obj.public_id,
    )


# --- About you ----------------------------------------------------------------------------------


@transaction.atomic
def patient_profile_save(*, patient: Patient, by: User) -> Patient:
    """Save the patient's "About you" page (the fields of Patient.PROFILE_FIELDS, as set on
    `patient`). Only the patient themselves may change it."""
    if patient.user_id != by.pk:
        raise AccountError(_("Only you can change your own details."))
    patient.full_clean()
    patient.save(update_fields=[*Patient.PROFILE_FIELDS, "updated_at"])
    return patient


# --- Medical history ----------------------------------------------------------------------------


@transaction.atomic
def diagnosis_save(
    *,
    patient: Patient,
    diagnosis: Diagnosis | None = None,
    icd10_code: str = "",
    description: str = "",
    is_primary: bool = False,
    diagnosed_on: date | None = None,
) -> Diagnosis:
    """Add or change a diagnosis. The code is normalized and, when given, its official description
    is used; without a code the patient's own words are kept. One diagnosis is the main one."""
    diagnosis = diagnosis or Diagnosis(patient=patient)
    code = icd10.normalize_code(icd10_code)
    info = icd10.lookup(code) if code else None
    diagnosis.icd10_code = code
    diagnosis.description = info.description if info else description.strip()
    diagnosis.is_primary = is_primary
    diagnosis.diagnosed_on = diagnosed_on
    if is_primary:
        patient.diagnoses.filter(is_primary=True).exclude(pk=diagnosis.pk).update(is_primary=False)
    diagnosis.full_clean()
    diagnosis.save()
    return diagnosis


@transaction.atomic
def treatment_trial_save(*, trial: TreatmentTrial) -> TreatmentTrial:
    """Save a treatment trial, matching the drug the patient typed to a known generic and class.
    The kind decides the fields: the other kinds' fields are cleared, so a therapy keeps no dose
    and a medication no sessions. A note typed after the name, like "Abilify (augmentation)",
    becomes the trial's role."""
    for name, empty in TreatmentTrial.fields_not_of_kind(trial.kind).items():
        setattr(trial, name, empty)
    if trial.is_medication:
        trial.dose_unit = trial.dose_unit or TreatmentTrial.DoseUnit.MG_PER_DAY
        name, role = split_role_note(trial.name_as_entered)
        if role:
            trial.name_as_entered, trial.role = name, trial.role or role
    drug = match_drug(trial.name_as_entered) if trial.is_medication else None
    trial.drug_generic = drug.generic if drug else ""
    trial.drug_class = drug.drug_class if drug else ""
    trial.full_clean()
    trial.save()
    return trial


@transaction.atomic
def provider_save(*, patient: Patient, provider: Provider) -> Provider:
    """Add or change one of the patient's providers (the prescriber, the referring doctor)."""
    provider.patient = patient
    provider.full_clean()
    provider.save()
    return provider


@transaction.atomic
def history_record_delete(*, record: Diagnosis | TreatmentTrial | SymptomScore) -> None:
    """Remove a diagnosis, treatment trial or questionnaire result from the patient's history."""
    record.delete()


@transaction.atomic
def symptom_score_record(
    *,
    patient: Patient,
    instrument: str,
    taken_on: date,
    total: int | None = None,
    item_answers: list[int] | None = None,
    instrument_other: str = "",
    administered_by_clinician: bool = False,
    given_by: str = "",
) -> SymptomScore:
    """Record a questionnaire result: a total, or the item answers (the total is their sum, and
    PHQ-9 item 9 above zero sets the safety flag: patients.scales.needs_safety_response)."""
    scale = SCALES.get(instrument)
    if item_answers is not None:
        if scale is None or scale.items is None or scale.item_max is None:
            raise ValidationError(_("This questionnaire can only be recorded as a total."))
        try:
            total = score_answers(instrument, item_answers)
        except IncompleteAnswers as exc:
            raise ValidationError(
                _("Please answer all %(n)s questions.") % {"n": scale.items}, code="items"
            ) from exc
    if total is None:
        raise ValidationError({"total": _("Please enter the total score.")})
    if scale and not 0 <= total <= scale.total_max:
        raise ValidationError(
            {
                "total": _("A total on this questionnaire is between 0 and %(max)s.")
                % {"max": scale.total_max}
            }
        )
    score = SymptomScore(
        patient=patient,
        instrument=instrument,
        instrument_other=instrument_other,
        taken_on=taken_on,
        total=total,
        item_answers=item_answers,
        administered_by_clinician=administered_by_clinician,
        given_by=given_by,
        safety_flag=needs_safety_response(instrument, item_answers),
    )
    score.full_clean()
    score.save()
    return score


@transaction.atomic
def safety_acknowledge(*, score: SymptomScore) -> SymptomScore:
    """Record that the patient read the crisis resources shown for this answer. Once: a second
    press keeps the first time. Nothing about it is logged or sent anywhere."""
    SymptomScore.objects.filter(
        pk=score.pk, safety_flag=True, safety_acknowledged_at__isnull=True
    ).update(safety_acknowledged_at=timezone.now())
    score.refresh_from_db(fields=["safety_acknowledged_at"])
    return score


# --- Export and deletion -------------------------------------------------------------------------
#
# "Everything the app holds about a patient" is, by construction, everything that is deleted with
# their account: every record that points at the user through a cascading foreign key, in any app.
# Django's deletion Collector finds that set, so export and deletion cover the same rows and grow
# with new models without a list to keep up to date.

_NEVER_EXPORTED_FIELDS = {"password"}


@dataclass
class PatientRecords:
    instances: dict[type[models.Model], list[models.Model]]

    def all(self) -> Iterable[models.Model]:
        for items in self.instances.values():
            yield from items

    def files(self) -> Iterable[tuple[models.Model, FieldFile, str]]:
        """Each stored file: its record, the file, and its name in storage."""
        for obj in self.all():
            for field in obj._meta.concrete_fields:
                if isinstance(field, models.FileField):
                    file: FieldFile = getattr(obj, field.attname)
                    if file.name:
                        yield obj, file, file.name

    def public_ids(self) -> list[uuid.UUID]:
        return [obj.public_id for obj in self.all() if hasattr(obj, "public_id")]


def collect_patient_records(user: User) -> PatientRecords:
    """Every row that belongs to this account, found the way deleting the account would find it."""
    collector = Collector(using=router.db_for_write(User), origin=user)
    collector.collect([user])
    instances: dict[type[models.Model], list[models.Model]] = {}
    for model, objs in collector.data.items():
        instances.setdefault(model, []).extend(objs)
    for qs in collector.fast_deletes:
        instances.setdefault(qs.model, []).extend(qs)
    for model in list(instances):
        if model._meta.auto_created:  # many-to-many link rows are exported through their owners
            del instances[model]
        else:
            instances[model].sort(key=lambda o: o.pk)
    return PatientRecords(instances=instances)


def _serialize(records: PatientRecords) -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = {}
    for model, objs in sorted(records.instances.items(), key=lambda item: item[0]._meta.label):
        fields = [
            f.name
            for f in model._meta.fields
            if f.name not in _NEVER_EXPORTED_FIELDS and not f.primary_key
        ]
        data[model._meta.label] = [
            {"id": row["pk"], **row["fields"]}
            for row in json.loads(serializers.serialize("json", objs, fields=fields))
        ]
    return data


def patient_export_zip(*, user: User) -> bytes:
    """A zip of everything held about the account: data.json, access-log.json and the files."""
    records = collect_patient_records(user)
    access = AccessLog.objects.filter(object_id__in=[user.public_id, *records.public_ids()])
    access_rows = [
        {
            "at": row.at.isoformat(),
            "who": _("you") if row.actor_id == user.pk else row.get_actor_role_display(),
            "action": row.action,
            "record_type": row.object_type,
            "record_id": str(row.object_id),
        }
        for row in access.order_by("at")
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            _(
                "This archive holds everything Coverage Guide keeps about your account.\n"
                "data.json: your records, one list per kind of record.\n"
                "history.json: every earlier version of those records, with when it changed.\n"
                "access-log.json: when your records were viewed, downloaded or exported, and by "
                "whom (you or clinic staff).\n"
                "files/: the documents you uploaded and the packets made for you.\n"
            ),
        )
        archive.writestr(
            "data.json",
            json.dumps(
                {"exported_at": timezone.now().isoformat(), "records": _serialize(records)},
                indent=2,
                default=str,
                ensure_ascii=False,
            ),
        )
        archive.writestr("access-log.json", json.dumps(access_rows, indent=2))
        archive.writestr(
            "history.json",
            json.dumps(_history_rows(account_history_ids(user)), indent=2, default=str),
        )
        for obj, file, stored_name in records.files():
            name = stored_name.rsplit("/", 1)[-1]
            with file.open("rb") as fh:
                archive.writestr(f"files/{obj._meta.model_name}-{obj.pk}-{name}", fh.read())
    access_log_record(actor=user, action=AccessLog.Action.EXPORT, obj=user)
    return buffer.getvalue()


def patient_delete_account(*, user: User, password: str) -> None:
    """Delete a patient's account and everything held about them, including change history.

    The access log keeps its rows (they name records by id only) so the record of who looked at
    what survives, as an audit trail must.
    """
    if user.role != User.Role.PATIENT:
        raise AccountError(_("Staff accounts are closed by an administrator."))
    if not user.check_password(password):
        raise ValidationError({"password": _("That password is not right. Please try again.")})
    email = user.email
    language = user.patient.preferred_language
    with transaction.atomic():
        records = collect_patient_records(user)
        files = [(file.storage, name) for _obj, file, name in records.files()]
        # Taken first: deletion sets each instance's pk to None. From the history tables, so
        # records deleted earlier (a removed diagnosis, an old case) are found too.
        ids = account_history_ids(user)
        access_log_record(actor=user, action=AccessLog.Action.DELETE, obj=user)
        user.delete()
        _purge_history(ids)
        transaction.on_commit(lambda: _delete_files(files))
    send_email(to=email, template="account_deleted", context={}, language=language)


def _history_model(model: type[models.Model]) -> type[models.Model] | None:
    """The model of `model`'s change history (django-simple-history), or None if it keeps none."""
    manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
    if not manager_name:
        return None
    history: type[models.Model] = getattr(model, manager_name).model
    return history


# The primary keys of an account's records, by model.
RecordIds = dict[type[models.Model], set[Any]]


def account_history_ids(user: User) -> RecordIds:
    """The ids of every record, present or deleted, whose change history is about this account.

    Found in the history tables themselves: starting from the user, follow every foreign key of
    every history-keeping model to records already found (the patient, then their policies,
    cases, the cases' requests, the requests' denials...), until nothing new turns up.
    """
    tracked = [
        (model, history)
        for model in django_apps.get_models()
        if (history := _history_model(model)) is not None
    ]
    ids: RecordIds = {User: {user.pk}}
    grew = True
    while grew:
        grew = False
        for model, history in tracked:
            for field in model._meta.concrete_fields:
                target = field.related_model if field.is_relation else None
                # related_model is a class once the app registry is ready (never "self" then).
                if not isinstance(target, type) or target not in ids:
                    continue
                if field.name in _NOT_OWNERSHIP_LINKS:
                    continue
                found = set(
                    history._default_manager.filter(
                        **{f"{field.attname}__in": ids[target]}
                    ).values_list(model._meta.pk.attname, flat=True)
                )
                if not found <= ids.get(model, set()):
                    ids.setdefault(model, set()).update(found)
                    grew = True
    return ids


# Links that name a person who acted on a record, not the record's owner.
_NOT_OWNERSHIP_LINKS = {"uploaded_by", "edited_by", "requested_by"}


def _history_rows(ids: RecordIds) -> dict[str, list[dict[str, Any]]]:
    """Every earlier version of the account's records, for the export."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for model, pks in sorted(ids.items(), key=lambda item: item[0]._meta.label):
        history = _history_model(model)
        if history is None:
            continue
        versions = history._default_manager.filter(**{f"{model._meta.pk.attname}__in": pks})
        rows[model._meta.label] = [
            {k: v for k, v in row.items() if k not in _NEVER_EXPORTED_FIELDS}
            for row in versions.order_by("history_date").values()
        ]
    return rows


def _purge_history(ids: RecordIds) -> None:
    """Remove the change history of the account's records, including rows deletion just wrote."""
    for model, pks in ids.items():
        history = _history_model(model)
        if history is not None:
            history._default_manager.filter(**{f"{model._meta.pk.attname}__in": pks}).delete()


def _delete_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        storage.delete(name)
