"""The paragraphs that state the case's facts, the same in every letter: patient, requested
treatment and billing codes, diagnoses, treatment trials, symptom scores, provider signature."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patients.models import SymptomScore, TreatmentTrial
from patients.scales import SCALES, severity

from .facts import CaseFacts
from .text import format_date, format_partial_date, or_placeholder

Response = TreatmentTrial.Response


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
    lines = [
        _("Requested treatment: %(treatment)s, for %(condition)s")
        % {"treatment": facts.treatment_name, "condition": facts.condition_name}
    ]
    if facts.codes:
        lines.append(_("Billing codes:"))
        lines += [f"- {c.code} ({c.kind}): {c.description}" for c in facts.codes]
    else:
        lines.append(_("Billing codes: [Provider: add the billing codes]"))
    return "\n".join(lines)


def diagnosis_block(facts: CaseFacts) -> str:
    if not facts.diagnoses:
        return _("Diagnosis: [Provider: add the diagnosis and its ICD-10-CM code]")
    lines = [_("Diagnoses (ICD-10-CM):")]
    for diagnosis in facts.diagnoses:
        code = diagnosis.icd10_code or _("[ICD-10-CM code]")
        line = f"- {code} {diagnosis.description}".rstrip()
        if diagnosis.is_primary:
            line += _(" (primary)")
        if diagnosis.diagnosed_on:
            line += _(", diagnosed %(date)s") % {"date": format_date(diagnosis.diagnosed_on)}
        lines.append(line)
    return "\n".join(lines)


def trial_paragraphs(facts: CaseFacts) -> list[str]:
    """The failed antidepressant trials, counted and listed, then every other treatment."""
    failed = facts.failed_antidepressant_trials
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
    others = [t for t in facts.trials if t not in failed]
    if not others:
        return [first]
    return [first, "\n".join([_("Other treatments on record:"), *map(_trial_line, others)])]


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


def _trial_line(trial: TreatmentTrial) -> str:
    name = trial.drug_generic or trial.name_as_entered
    if trial.drug_generic and trial.name_as_entered.strip().lower() != trial.drug_generic.lower():
        name = f"{trial.drug_generic} ({trial.name_as_entered.strip()})"
    if trial.kind != TreatmentTrial.Kind.MEDICATION:
        name = f"{trial.get_kind_display()}: {name}"
    elif trial.drug_class:
        name = f"{name}, {trial.drug_class}"
    parts: list[str] = []
    if trial.daily_dose is not None:
        parts.append(f"{trial.daily_dose.normalize():f} {trial.dose_unit}")
    elif trial.kind == TreatmentTrial.Kind.MEDICATION:
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
