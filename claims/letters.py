"""Drafts of the letter of medical necessity and the appeal letter, as plain text.

Built only from the case's records: every statement is either a fact the patient or clinic
entered, a rule from ../shared/DOMAIN.md (cited in a comment), or a placeholder in square
brackets for what only the provider or patient can fill in. The drafts never say a plan's
criteria are met: the insurer's criteria are not in the records. Paragraphs are separated by a
blank line; the PDF template escapes and renders them. Letters go to insurers, so they are
written in English (translation.override), with the fixed sentences marked for translation.

These are drafts for the patient and clinic staff to check and edit, not medical or legal advice.
"""

from datetime import date

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from claims import deadlines
from claims.codes import BillingCode, treatment_codes
from claims.models import CoverageCase, Deadline, Denial, appeal_levels_for
from patients.models import DatePrecision, Provider, SymptomScore, TreatmentTrial
from patients.scales import SCALES, severity

Reason = Denial.Reason
Response = TreatmentTrial.Response

# A trial that ended without remission: what criteria call a failed trial, including
# intolerance (DOMAIN.md §3, "Failure definitions" [R1][R3][R8][R9]).
FAILED_RESPONSES = {Response.NO_RESPONSE, Response.PARTIAL, Response.SIDE_EFFECTS}
# Classes that patients.drugs gives antidepressants (DOMAIN.md §3 table). Augmentation agents and
# NMDA antagonists are listed with the other treatments, never counted as antidepressant trials.
ANTIDEPRESSANT_CLASSES = {
    "SSRI",
    "SNRI",
    "NDRI",
    "NaSSA",
    "SARI",
    "serotonin modulator",
    "TCA",
    "MAOI",
}


# --- formatting -------------------------------------------------------------------------------


def _day(value: date) -> str:
    return value.strftime("%m/%d/%Y")


def _partial(value: date, precision: str) -> str:
    """A date as entered: MM/YYYY when the patient only knew the month."""
    return value.strftime("%m/%Y") if precision == DatePrecision.MONTH else _day(value)


def _or(value: str, placeholder: str) -> str:
    return value.strip() or placeholder


def _paragraphs(*parts: str) -> str:
    return "\n\n".join(p.strip("\n") for p in parts if p and p.strip())


def _lower_first(text: str) -> str:
    """A label in the middle of a sentence: "Treatment-resistant…" but "PTSD", "OCD" kept."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _quote(text: str) -> str:
    return "\u201c" + " ".join(text.split()) + "\u201d"


def _response_label(response: str) -> str:
    # Clinical wording for an insurer, not the patient-facing choice labels.
    return {
        Response.NO_RESPONSE: _("no response"),
        Response.PARTIAL: _("partial response"),
        Response.REMISSION: _("remission"),
        Response.SIDE_EFFECTS: _("stopped because of side effects"),
        Response.ONGOING: _("ongoing"),
    }.get(response, _("response not recorded"))


def _trial_line(trial: TreatmentTrial) -> str:
    name = trial.drug_generic or trial.name_as_entered
    if trial.drug_generic and trial.name_as_entered.strip().lower() != trial.drug_generic.lower():
        name = f"{trial.drug_generic} ({trial.name_as_entered.strip()})"
    if trial.kind != TreatmentTrial.Kind.MEDICATION:
        name = f"{trial.get_kind_display()}: {name}"
    elif trial.drug_class:
        name = f"{name}, {trial.drug_class}"
    facts = []
    if trial.daily_dose is not None:
        facts.append(f"{trial.daily_dose.normalize():f} {trial.dose_unit}")
    elif trial.kind == TreatmentTrial.Kind.MEDICATION:
        facts.append(_("dose not recorded"))
    if trial.weeks_at_dose is not None and trial.daily_dose is not None:
        facts.append(
            ngettext(
                "%(weeks)d week at this dose", "%(weeks)d weeks at this dose", trial.weeks_at_dose
            )
            % {"weeks": trial.weeks_at_dose}
        )
    elif trial.weeks_at_dose is not None:
        facts.append(
            ngettext("%(weeks)d week", "%(weeks)d weeks", trial.weeks_at_dose)
            % {"weeks": trial.weeks_at_dose}
        )
    if trial.start_date and trial.end_date:
        facts.append(
            _("%(start)s to %(end)s")
            % {
                "start": _partial(trial.start_date, trial.start_precision),
                "end": _partial(trial.end_date, trial.end_precision),
            }
        )
    elif trial.start_date:
        facts.append(
            _("started %(start)s") % {"start": _partial(trial.start_date, trial.start_precision)}
        )
    elif trial.end_date:
        facts.append(_("stopped %(end)s") % {"end": _partial(trial.end_date, trial.end_precision)})
    facts.append(_("response: %(response)s") % {"response": _response_label(trial.response)})
    if trial.percent_improvement is not None:
        facts.append(
            _("measured improvement: %(percent)d%%") % {"percent": trial.percent_improvement}
        )
    if trial.side_effects.strip():
        facts.append(_("side effects: %(text)s") % {"text": " ".join(trial.side_effects.split())})
    return f"- {name}: " + "; ".join(facts)


def _score_name(score: SymptomScore) -> str:
    if score.instrument == SymptomScore.Instrument.OTHER and score.instrument_other.strip():
        return score.instrument_other.strip()
    return score.get_instrument_display()


def _score_value(score: SymptomScore) -> str:
    """ "21 of 27, severe" — the band where DOMAIN.md §5 gives one (patients.scales)."""
    scale = SCALES.get(score.instrument)
    value = (
        _("%(total)d of %(max)d") % {"total": score.total, "max": scale.total_max}
        if scale
        else str(score.total)
    )
    band = severity(score.instrument, score.total)
    return f"{value}, {band}" if band else value


def _score_line(score: SymptomScore) -> str:
    line = f"- {_score_name(score)}, {_day(score.taken_on)}: {_score_value(score)}"
    if score.administered_by_clinician:
        line += _(" (scored by a clinician)")
    return line


# --- the case's facts --------------------------------------------------------------------------


class _Facts:
    """Everything a letter says about the case, read once through the ORM."""

    def __init__(self, case: CoverageCase) -> None:
        self.case = case
        self.patient = case.patient
        self.policy = case.policy
        self.plan_type = self.policy.plan_type if self.policy else ""
        self.diagnoses = list(self.patient.diagnoses.all())
        self.trials = list(self.patient.treatment_trials.all())
        self.scores = list(self.patient.symptom_scores.all())
        referral = case.referrals.filter(provider__isnull=False).select_related("provider").first()
        self.provider: Provider | None = referral.provider if referral else None
        self.codes: list[BillingCode] = treatment_codes(
            treatment=case.treatment, plan_type=self.plan_type, service_date=timezone.localdate()
        )

    @property
    def payer_name(self) -> str:
        return _or(self.policy.payer_name if self.policy else "", _("[Insurance company]"))

    @property
    def treatment_name(self) -> str:
        if self.case.treatment == CoverageCase.Treatment.OTHER and self.case.treatment_other:
            return self.case.treatment_other.strip()
        return self.case.get_treatment_display()

    @property
    def condition_name(self) -> str:
        if self.case.condition == CoverageCase.Condition.OTHER and self.case.condition_other:
            return self.case.condition_other.strip()
        return _lower_first(str(self.case.get_condition_display()))

    @property
    def failed_antidepressant_trials(self) -> list[TreatmentTrial]:
        return [
            t
            for t in self.trials
            if t.kind == TreatmentTrial.Kind.MEDICATION
            and t.response in FAILED_RESPONSES
            and t.drug_class in ANTIDEPRESSANT_CLASSES
        ]

    def patient_block(self) -> str:
        dob = self.patient.date_of_birth
        lines = [
            _("Patient: %(name)s") % {"name": _or(self.patient.legal_name, _("[Patient name]"))},
            _("Date of birth: %(dob)s") % {"dob": _day(dob) if dob else _("[Date of birth]")},
            _("Member ID: %(id)s")
            % {"id": _or(self.policy.member_id if self.policy else "", _("[Member ID]"))},
            _("Group number: %(group)s")
            % {
                "group": _or(
                    self.policy.group_number if self.policy else "", _("[Group number, if any]")
                )
            },
        ]
        return "\n".join(lines)

    def treatment_block(self) -> str:
        lines = [
            _("Requested treatment: %(treatment)s, for %(condition)s")
            % {"treatment": self.treatment_name, "condition": self.condition_name}
        ]
        if self.codes:
            lines.append(_("Billing codes:"))
            lines += [f"- {c.code} ({c.kind}): {c.description}" for c in self.codes]
        else:
            lines.append(_("Billing codes: [Provider: add the billing codes]"))
        return "\n".join(lines)

    def diagnosis_block(self) -> str:
        if not self.diagnoses:
            return _("Diagnosis: [Provider: add the diagnosis and its ICD-10-CM code]")
        lines = [_("Diagnoses (ICD-10-CM):")]
        for diagnosis in self.diagnoses:
            code = diagnosis.icd10_code or _("[ICD-10-CM code]")
            line = f"- {code} {diagnosis.description}".rstrip()
            if diagnosis.is_primary:
                line += _(" (primary)")
            if diagnosis.diagnosed_on:
                line += _(", diagnosed %(date)s") % {"date": _day(diagnosis.diagnosed_on)}
            lines.append(line)
        return "\n".join(lines)

    def trials_paragraphs(self) -> list[str]:
        """The failed antidepressant trials, counted and listed, then every other treatment."""
        failed = self.failed_antidepressant_trials
        if failed:
            classes = sorted({t.drug_class for t in failed})
            sentence = (
                _(
                    "The records document %(trials)s from %(classes)s (%(names)s) at documented "
                    "doses that ended without remission:"
                )
                if all(t.daily_dose is not None for t in failed)
                else _(
                    "The records document %(trials)s from %(classes)s (%(names)s) that ended "
                    "without remission:"
                )
            )
            count = sentence % {
                "trials": ngettext(
                    "%(count)d antidepressant trial",
                    "%(count)d antidepressant trials",
                    len(failed),
                )
                % {"count": len(failed)},
                "classes": ngettext("%(count)d class", "%(count)d classes", len(classes))
                % {"count": len(classes)},
                "names": ", ".join(classes),
            }
            first = "\n".join([count, *(_trial_line(t) for t in failed)])
        else:
            first = _(
                "No antidepressant trial that ended without remission is recorded yet. "
                "[Provider: add the treatment history.]"
            )
        others = [t for t in self.trials if t not in failed]
        if not others:
            return [first]
        return [first, "\n".join([_("Other treatments on record:"), *map(_trial_line, others)])]

    def scores_paragraph(self) -> str:
        if not self.scores:
            return _("Symptom scores: [Provider: add the most recent symptom score and its date.]")
        latest = max(self.scores, key=lambda s: (s.taken_on, s.pk))
        lines = [
            _("The most recent symptom score is %(name)s on %(date)s: %(value)s.")
            % {
                "name": _score_name(latest),
                "date": _day(latest.taken_on),
                "value": _score_value(latest),
            }
        ]
        if len(self.scores) > 1:
            lines.append(_("All symptom scores on record:"))
            lines += [_score_line(s) for s in self.scores]
        return "\n".join(lines)

    def provider_signature(self) -> str:
        provider = self.provider
        if provider is None:
            return "\n".join(
                [
                    _("[Provider signature]"),
                    _("[Provider name and credentials]"),
                    _("NPI: [NPI]"),
                    _("[Practice name, phone and fax]"),
                ]
            )
        lines = [_("[Provider signature]"), str(provider), provider.get_specialty_display()]
        lines.append(_("NPI: %(npi)s") % {"npi": _or(provider.npi, _("[NPI]"))})
        if provider.practice_name:
            lines.append(provider.practice_name)
        if provider.phone:
            lines.append(_("Phone: %(phone)s") % {"phone": provider.phone})
        if provider.fax:
            lines.append(_("Fax: %(fax)s") % {"fax": provider.fax})
        return "\n".join(lines)


DRAFT_NOTE = gettext_noop(
    "[Draft made by Coverage Guide from the records entered. Check and edit every statement, "
    "and remove this line, before sending. This draft is not medical or legal advice.]"
)


# --- letter of medical necessity --------------------------------------------------------------


def draft_medical_necessity_letter(case: CoverageCase) -> str:
    """A draft letter of medical necessity from the case's records, for the provider to edit."""
    with translation.override("en"):
        facts = _Facts(case)
        return _paragraphs(
            _(DRAFT_NOTE),
            _("[Date]"),
            _("To the utilization review department, %(payer)s") % {"payer": facts.payer_name},
            _("Re: Letter of medical necessity") + "\n" + facts.patient_block(),
            _(
                "I am writing to request coverage of %(treatment)s for my patient, "
                "%(patient)s, for %(condition)s."
            )
            % {
                "treatment": facts.treatment_name,
                "patient": _or(facts.patient.legal_name, _("[Patient name]")),
                "condition": facts.condition_name,
            },
            facts.treatment_block(),
            facts.diagnosis_block(),
            *facts.trials_paragraphs(),
            facts.scores_paragraph(),
            _("[Provider: add your clinical assessment of why this treatment is needed now.]"),
            _(
                "I ask you to approve this treatment. Please contact my office if you need more "
                "information."
            ),
            _("Sincerely,") + "\n" + facts.provider_signature(),
        )


# --- appeal letter ----------------------------------------------------------------------------


def _filing_deadline(facts: _Facts, denial: Denial) -> tuple[date | None, bool]:
    """The last day to file the first appeal, and whether it is the patient's letter's date: that
    date always wins when entered (claims/deadlines.py), else the computed one (DOMAIN.md §4.2,
    §4.4a)."""
    level = appeal_levels_for(facts.plan_type)[0]
    stored = (
        Deadline.objects.filter(
            case=facts.case, key=f"appeal_filing:{denial.pk}:{level}", letter_due_on__isnull=False
        )
        .values_list("letter_due_on", flat=True)
        .first()
    )
    if stored:
        return stored, True
    clock = deadlines.appeal_filing(
        plan_type=facts.plan_type,
        level=level,
        notice_date=denial.notice_date,
        received_on=denial.received_on,
    )
    return (clock.due if clock else None), False


def _external_review_open(facts: _Facts) -> bool:
    # DOMAIN.md §4.2 [R46]: external review covers experimental/investigational denials for
    # non-grandfathered commercial plans (claims/deadlines.py COMMERCIAL).
    return (
        facts.plan_type in deadlines.COMMERCIAL
        and facts.policy is not None
        and facts.policy.grandfathered != "yes"
    )


def _medical_necessity_paragraphs(facts: _Facts) -> list[str]:
    return [
        *facts.trials_paragraphs(),
        facts.scores_paragraph(),
        _(
            "Please compare these records with the criteria in your medical policy for this "
            "treatment, and tell me which criterion you consider unmet and what documentation "
            "would show it is met."
        ),
    ]


def _experimental_paragraphs(facts: _Facts) -> list[str]:
    paragraphs = []
    if facts.case.treatment == CoverageCase.Treatment.ESKETAMINE:
        # DOMAIN.md §1.1 [R20][R22] (indications) and [R21] (monotherapy, January 2025).
        fda = _(
            "Spravato (esketamine) nasal spray is approved by the U.S. Food and Drug "
            "Administration (FDA) for treatment-resistant depression in adults and for "
            "depressive symptoms in adults with major depressive disorder with acute suicidal "
            "ideation or behavior. In January 2025 the FDA also approved Spravato as "
            "monotherapy for treatment-resistant depression."
        )
        if facts.case.condition in (CoverageCase.Condition.TRD, CoverageCase.Condition.MDD_SI):
            fda += " " + _(
                "It is requested here for %(condition)s, one of these approved uses. Please "
                "explain why you consider an FDA-approved use experimental or investigational."
            ) % {"condition": facts.condition_name}
        paragraphs.append(fda)
    # DOMAIN.md §4.2 last paragraph [R80]: the notice must give the criterion relied on and,
    # for an experimental/investigational denial, the scientific or clinical judgment.
    paragraphs.append(
        _(
            "Please send me the specific criteria you used to decide that this treatment is "
            "experimental or investigational, and the scientific or clinical basis for that "
            "decision as it applies to my case."
        )
    )
    if facts.case.treatment != CoverageCase.Treatment.ESKETAMINE:
        paragraphs.append(_("[Provider: add the clinical literature you rely on]"))
    if _external_review_open(facts):
        paragraphs.append(
            _(
                "If this denial is upheld, I understand I may be able to ask for an independent "
                "external review, which is available for denials based on a treatment being "
                "experimental or investigational."
            )
        )
    return paragraphs


def _missing_information_paragraph(facts: _Facts) -> str:
    documents = list(facts.case.documents.all())
    lines = [_("The following documents are now enclosed:")]
    if documents:
        for document in documents:
            line = f"- {document.get_category_display()}"
            if document.title.strip():
                line += f": {document.title.strip()}"
            lines.append(line)
    else:
        lines.append(_("- [List the documents you are enclosing]"))
    lines.append(_("Please tell me if you need anything else to decide."))
    return "\n".join(lines)


def _out_of_network_paragraph() -> str:
    # The patient's own statement; network exceptions are not a confirmed right
    # (DOMAIN.md §6 [R75] [U]), so it is asked for, not claimed.
    return _(
        "I could not find an in-network provider able to provide this treatment within "
        "reasonable reach of my home. I contacted these in-network providers: [list the "
        "in-network providers you contacted]. I ask you to cover this treatment from the "
        "provider I have chosen at the in-network level of benefits."
    )


def _reconsider_paragraph() -> str:
    # DOMAIN.md §4.2 last paragraph [R80]: the notice must name the plan provision relied on.
    return _(
        "I ask you to reconsider this decision in light of the records described in this "
        "letter. Please tell me which plan provision the reason given above relies on."
    )


def _reason_paragraphs(facts: _Facts, denial: Denial) -> list[str]:
    if denial.reason in (Reason.NOT_MEDICALLY_NECESSARY, Reason.CRITERIA_NOT_MET):
        return _medical_necessity_paragraphs(facts)
    if denial.reason == Reason.EXPERIMENTAL:
        return _experimental_paragraphs(facts)
    if denial.reason == Reason.MISSING_INFORMATION:
        return [_missing_information_paragraph(facts)]
    if denial.reason == Reason.OUT_OF_NETWORK:
        return [_out_of_network_paragraph()]
    return [_reconsider_paragraph()]


def draft_appeal_letter(case: CoverageCase, denial: Denial) -> str:
    """A draft appeal of `denial` that answers its reason with the case's records."""
    if denial.pa_request.case_id != case.pk:
        raise ValueError("The denial belongs to another case.")
    with translation.override("en"):
        facts = _Facts(case)
        pa_request = denial.pa_request
        references = [
            _("Prior authorization reference number: %(ref)s")
            % {"ref": _or(pa_request.reference_number, _("[Prior authorization reference]"))},
            _("Denial reference number: %(ref)s")
            % {"ref": _or(denial.reference_number, _("[Denial reference number]"))},
            _("Date of the denial notice: %(date)s")
            % {"date": _day(denial.notice_date) if denial.notice_date else _("[Notice date]")},
            _("Date I received it: %(date)s")
            % {"date": _day(denial.received_on) if denial.received_on else _("[Date received]")},
        ]
        opening = _(
            "I am appealing your decision to deny prior authorization of %(treatment)s for "
            "%(condition)s."
        ) % {"treatment": facts.treatment_name, "condition": facts.condition_name}
        due, from_letter = _filing_deadline(facts, denial)
        if due:
            opening += " " + _("This appeal is filed within the deadline of %(date)s.") % {
                "date": _day(due)
            }
            if not from_letter:
                opening += " " + _("[Check this date against your denial letter.]")
        reason = _("Your notice gives the reason as: %(reason)s.") % {
            "reason": denial.get_reason_display()
        }
        if denial.reason_text.strip():
            reason += " " + _("It states: %(text)s") % {"text": _quote(denial.reason_text)}
        # DOMAIN.md §4.2 last paragraph [R80]: the claim file and the criteria, free on request.
        claim_file = _(
            "Please also send me, free of charge, a copy of my claim file and of the criteria, "
            "internal rules, guidelines or protocols you relied on in making this decision."
        )
        patient_name = _or(facts.patient.legal_name, _("[Patient name]"))
        return _paragraphs(
            _(DRAFT_NOTE),
            _("[Date]"),
            _("To the appeals department, %(payer)s") % {"payer": facts.payer_name},
            _("Re: Appeal of a prior authorization denial")
            + "\n"
            + facts.patient_block()
            + "\n"
            + "\n".join(references),
            facts.treatment_block(),
            opening,
            reason,
            facts.diagnosis_block(),
            *_reason_paragraphs(facts, denial),
            claim_file,
            _("Please send your decision to me in writing."),
            _("Sincerely,") + "\n" + _("[Patient signature]") + "\n" + patient_name,
            _("Treating provider (if co-signing):") + "\n" + facts.provider_signature(),
        )
