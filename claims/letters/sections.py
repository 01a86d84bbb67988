"""The paragraphs that state the case's facts, the same in every letter: patient, requested
treatment and billing codes, diagnoses, treatment trials, symptom scores, provider signature."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_stubs_ext import StrOrPromise

from claims.codes import CodeUnits
from claims.models import CoverageCase, TreatmentRequest
from patients.models import SymptomScore, TreatmentTrial
from patients.scales import SCALES, severity

from .facts import CaseFacts
from .text import format_date, format_partial_date, or_placeholder

Response = TreatmentTrial.Response

# Clinical names for an insurer, not the step 5 labels written for patients.
PHASES: dict[str, StrOrPromise] = {
    TreatmentRequest.Phase.INDUCTION: gettext_lazy("induction"),
    TreatmentRequest.Phase.MAINTENANCE: gettext_lazy("maintenance"),
    TreatmentRequest.Phase.RENEWAL: gettext_lazy("renewal of an earlier approval"),
}


def patient_block(facts: CaseFacts) -> str:
    dob = facts.patient.date_of_birth
    policy = facts.policy
    lines = [
        _("Patient: %(name)s") % {"name": facts.patient_name},
        _("Date of birth: %(dob)s") % {"dob": format_date(dob) if dob else _("[Date of birth]")},
        _("Member ID: %(id)s")
        % {"id": or_placeholder(policy.member_id if policy else "", _("[Member ID]"))},
        _("Group number: %(group)s")
        % {
            "group": or_placeholder(
                policy.group_number if policy else "", _("[Group number, if any]")
            )
        },
    ]
    return "\n".join(lines)


def treatment_block(facts: CaseFacts) -> str:
    """What is asked for, the way a payer's prior-authorization form asks for it: product, dose,
    schedule, sessions, period, place, site and the codes with their units. A fact the request
    lacks (or a request not saved yet) is a placeholder naming it."""
    request = facts.request
    lines = [
        _("Requested treatment: %(treatment)s, for %(condition)s")
        % {"treatment": facts.treatment_name, "condition": facts.condition_name}
    ]
    product = request_product(facts)
    if product:
        lines.append(_("Product: %(product)s") % {"product": product})
    dose = request.dose_or_default if request else None
    lines.append(
        _("Dose per session: %(dose)s")
        % {"dose": f"{dose} mg" if dose else _("[dose per session, in mg]")}
    )
    if facts.case.treatment == CoverageCase.Treatment.IV_KETAMINE:
        minutes = request.infusion_minutes if request else None
        lines.append(
            _("Length of each infusion: %(minutes)s")
            % {
                "minutes": _("%(n)d minutes") % {"n": minutes}
                if minutes
                else _("[length of each infusion, in minutes]")
            }
        )
    lines += [
        _("Phase: %(phase)s")
        % {"phase": PHASES[request.phase] if request else _("[phase: induction or maintenance]")},
        _("Schedule: %(schedule)s")
        % {
            "schedule": or_placeholder(
                request.schedule if request else "", _("[schedule, e.g. twice a week]")
            )
        },
        _("Sessions: %(sessions)s")
        % {
            "sessions": request.sessions
            if request and request.sessions
            else _("[number of sessions]")
        },
        _("Period: %(period)s") % {"period": request_period(facts)},
        _("Place of service: %(pos)s")
        % {
            "pos": request.get_place_of_service_display()
            if request
            else _("[place of service code]")
        },
        *_site_lines(facts),
    ]
    if facts.request_lines:
        lines.append(_("Billing codes and units:"))
        lines += [f"- {_units_line(line)}" for line in facts.request_lines]
    elif facts.codes:
        lines.append(_("Billing codes:"))
        lines += [f"- {c.code} ({c.kind}): {c.description}" for c in facts.codes]
        if request is None or not request.sessions:
            lines.append(_("Units: [units, from the dose and the number of sessions]"))
    else:
        lines.append(_("Billing codes: [Provider: add the billing codes]"))
    return "\n".join(lines)


def request_product(facts: CaseFacts) -> str:
    """ "Spravato 84 mg dose kit (three 28 mg devices), NDC 50458-028-03"; "" when the request
    names no product the letter can state."""
    request = facts.request
    if request is None or request.product == TreatmentRequest.Product.OTHER:
        return ""
    ndc = request.ndc_or_default
    return _("%(product)s, NDC %(ndc)s") % {
        "product": request.get_product_display(),
        "ndc": ndc or _("[NDC of the product]"),
    }


def request_period(facts: CaseFacts) -> str:
    request = facts.request
    start = request.start_date if request else None
    end = request.end_date if request else None
    return _("%(start)s through %(end)s") % {
        "start": format_date(start) if start else _("[requested start date]"),
        "end": format_date(end) if end else _("[requested end date]"),
    }


def _site_lines(facts: CaseFacts) -> list[str]:
    request = facts.request

    def field(name: str, placeholder: str) -> str:
        value = getattr(request, name) if request else ""
        return or_placeholder(" ".join(value.split()) if value else "", placeholder)

    address = ", ".join(
        line.strip() for line in (request.site_address if request else "").splitlines() if line
    )
    return [
        _("Treatment site: %(name)s") % {"name": field("site_name", _("[treatment site name]"))},
        _("Site NPI: %(npi)s; tax ID: %(tax_id)s")
        % {
            "npi": field("site_npi", _("[site NPI]")),
            "tax_id": field("site_tax_id", _("[site tax ID]")),
        },
        _("Site address: %(address)s") % {"address": or_placeholder(address, _("[site address]"))},
        _("Site phone: %(phone)s; fax: %(fax)s")
        % {
            "phone": field("site_phone", _("[site phone]")),
            "fax": field("site_fax", _("[site fax]")),
        },
    ]


def _units_line(line: CodeUnits) -> str:
    """ "J0013 (HCPCS): Esketamine nasal spray, 1 mg: 84 units per session, 8 sessions, 672 units
    in all"; J3490 goes with the NDC, which payers want with it (DOMAIN.md §2.1 notes [U])."""
    code = line.code
    text = _(
        "%(code)s (%(kind)s): %(description)s: %(per)s per session, %(sessions)s, %(total)s in all"
    ) % {
        "code": code.code,
        "kind": code.kind,
        "description": code.description,
        "per": ngettext("%(n)d unit", "%(n)d units", line.units_per_session)
        % {"n": line.units_per_session},
        "sessions": ngettext("%(n)d session", "%(n)d sessions", line.sessions)
        % {"n": line.sessions},
        "total": ngettext("%(n)d unit", "%(n)d units", line.total_units) % {"n": line.total_units},
    }
    if code.code == "J3490":
        text += "; " + _("billed with the product's NDC")
    return text


def diagnosis_block(facts: CaseFacts) -> str:
    if not facts.diagnoses:
        return _("Diagnosis: [Provider: add the diagnosis and its ICD-10-CM code]")
    return "\n".join([_("Diagnoses (ICD-10-CM):"), *diagnosis_lines(facts)])


def diagnosis_lines(facts: CaseFacts) -> list[str]:
    lines = []
    for diagnosis in facts.diagnoses:
        code = diagnosis.icd10_code or _("[ICD-10-CM code]")
        line = f"- {code} {diagnosis.description}".rstrip()
        if diagnosis.is_primary:
            line += _(" (primary)")
        if diagnosis.diagnosed_on:
            line += _(", diagnosed %(date)s") % {"date": format_date(diagnosis.diagnosed_on)}
        lines.append(line)
    return lines


def failed_trials_paragraph(facts: CaseFacts) -> str:
    """The failed antidepressant trials, counted with their classes, one line each."""
    failed = facts.failed_antidepressant_trials
    if not failed:
        return _(
            "[Provider: add the treatment history: each antidepressant tried, with its dose, "
            "weeks at that dose, class and outcome.]"
        )
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
    return "\n".join([count, *(trial_line(t) for t in failed)])


def other_treatments_paragraph(facts: CaseFacts) -> str:
    """Every treatment no other paragraph states (a drug that worked, one still taken, ECT,
    TMS…); "" when there is none."""
    stated = {
        t.pk
        for t in [
            *facts.failed_antidepressant_trials,
            *facts.augmentation_trials,
            *facts.therapy_trials,
        ]
    }
    others = [t for t in facts.trials if t.pk not in stated]
    if not others:
        return ""
    return "\n".join([_("Other treatments on record:"), *map(trial_line, others)])


def scores_paragraph(facts: CaseFacts) -> str:
    if not facts.scores:
        return _("Symptom scores: [Provider: add the most recent symptom score and its date.]")
    latest = max(facts.scores, key=lambda s: (s.taken_on, s.pk))
    lines = [
        _("The most recent symptom score is %(name)s on %(date)s: %(value)s.")
        % {
            "name": _score_name(latest),
            "date": format_date(latest.taken_on),
            "value": _score_value(latest),
        }
    ]
    if len(facts.scores) > 1:
        lines.append(_("All symptom scores on record:"))
        lines += [_score_line(s) for s in facts.scores]
    return "\n".join(lines)


def provider_signature(facts: CaseFacts) -> str:
    provider = facts.provider
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
    lines.append(_("NPI: %(npi)s") % {"npi": or_placeholder(provider.npi, _("[NPI]"))})
    if provider.practice_name:
        lines.append(provider.practice_name)
    if provider.phone:
        lines.append(_("Phone: %(phone)s") % {"phone": provider.phone})
    if provider.fax:
        lines.append(_("Fax: %(fax)s") % {"fax": provider.fax})
    return "\n".join(lines)


def _response_label(response: str) -> str:
    # Clinical wording for an insurer, not the patient-facing choice labels.
    labels: dict[str, str] = {
        Response.NO_RESPONSE: _("no response"),
        Response.PARTIAL: _("partial response"),
        Response.REMISSION: _("remission"),
        Response.SIDE_EFFECTS: _("stopped because of side effects"),
        Response.ONGOING: _("ongoing"),
    }
    return labels.get(response, _("response not recorded"))


def trial_line(trial: TreatmentTrial, *, with_kind: bool = True) -> str:
    """One treatment as a list line: name, class, dose, weeks, dates, response, side effects;
    `with_kind=False` leaves out "Talk therapy (psychotherapy):" under a heading that says it."""
    name = trial.drug_generic or trial.name_as_entered
    if trial.drug_generic and trial.name_as_entered.strip().lower() != trial.drug_generic.lower():
        name = f"{trial.drug_generic} ({trial.name_as_entered.strip()})"
    if not trial.is_medication and with_kind:
        name = f"{trial.get_kind_display()}: {name}"
    elif trial.drug_class:
        name = f"{name}, {trial.drug_class}"
    if trial.role_note:
        name = f"{name}, {trial.role_note}"
    parts: list[str] = []
    if trial.therapy_type:
        parts.append(trial.get_therapy_type_display())
    if trial.amount_text:
        parts.append(trial.amount_text)
    elif trial.is_medication:
        parts.append(_("dose not recorded"))
    if trial.weeks_at_dose is not None and trial.daily_dose is not None:
        parts.append(
            ngettext(
                "%(weeks)d week at this dose", "%(weeks)d weeks at this dose", trial.weeks_at_dose
            )
            % {"weeks": trial.weeks_at_dose}
        )
    elif trial.weeks_at_dose is not None:
        parts.append(
            ngettext("%(weeks)d week", "%(weeks)d weeks", trial.weeks_at_dose)
            % {"weeks": trial.weeks_at_dose}
        )
    if trial.start_date and trial.end_date:
        parts.append(
            _("%(start)s to %(end)s")
            % {
                "start": format_partial_date(trial.start_date, trial.start_precision),
                "end": format_partial_date(trial.end_date, trial.end_precision),
            }
        )
    elif trial.start_date:
        parts.append(
            _("started %(start)s")
            % {"start": format_partial_date(trial.start_date, trial.start_precision)}
        )
    elif trial.end_date:
        parts.append(
            _("stopped %(end)s") % {"end": format_partial_date(trial.end_date, trial.end_precision)}
        )
    parts.append(_("response: %(response)s") % {"response": _response_label(trial.response)})
    if trial.percent_improvement is not None:
        parts.append(
            _("measured improvement: %(percent)d%%") % {"percent": trial.percent_improvement}
        )
    if trial.side_effects.strip():
        parts.append(_("side effects: %(text)s") % {"text": " ".join(trial.side_effects.split())})
    return f"- {name}: " + "; ".join(parts)


def drug_and_dose(trial: TreatmentTrial) -> str:
    """ "venlafaxine 225 mg/day", or the name alone when no dose is recorded."""
    name = trial.drug_generic or trial.name_as_entered.strip()
    if trial.daily_dose is None:
        return name
    return f"{name} {trial.daily_dose.normalize():f} {trial.dose_unit}"


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
    line = f"- {_score_name(score)}, {format_date(score.taken_on)}: {_score_value(score)}"
    if score.administered_by_clinician:
        line += _(" (scored by a clinician)")
    return line
