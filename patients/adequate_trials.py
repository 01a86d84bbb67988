"""Was a treatment trial adequate, and did it fail? The rules, as one pure module.

Payers count failed antidepressant trials only when each was adequate: at least a minimum daily
dose (DOMAIN.md §3 table [R38] [U], held in patients.drugs) for at least the criteria set's
minimum weeks (4, 6 or 8: §3 [R1][R3][R7][R8][R9][R11][R71]). A trial failed when it brought no
response or at most 25% improvement (§3 "Failure definitions" [R1][R3][R9]); stopping for side
effects usually counts as a failure too (§3 [R8][R9]). Remission is never a failure.

The module takes one trial as plain data (`TrialFacts`) and the set's parameters, and returns
verdicts that are yes, no or unknown: an unknown drug, a missing dose or duration, or a partial
response without a measured percentage is unknown, never silently adequate or failed, and the
assessment names the next thing to document. No queries, no models: criteria evaluation calls it
on every page load.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, Self

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .drugs import (
    ANTIDEPRESSANT_ROLE,
    AUGMENTATION_ROLE,
    MCG_PER_DAY,
    MG_PER_24H,
    MG_PER_DAY,
    OTHER_ROLE,
    Drug,
    match_drug,
)

# patients.models.TreatmentTrial's choice values (tests check they agree); a pure module does
# not import models.
MEDICATION = "medication"
NO_RESPONSE, PARTIAL, REMISSION = "no_response", "partial", "remission"
SIDE_EFFECTS, ONGOING = "side_effects", "ongoing"
AS_PRESCRIBED, MOSTLY, OFTEN_MISSED, ADHERENCE_UNKNOWN = (
    "as_prescribed",
    "mostly",
    "often_missed",
    "unknown",
)
DAY, MONTH = "day", "month"  # patients.partial_dates precisions


class Verdict(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


def all_of(*verdicts: Verdict) -> Verdict:
    """NO if any is NO, else UNKNOWN if any is UNKNOWN, else YES."""
    if Verdict.NO in verdicts:
        return Verdict.NO
    if Verdict.UNKNOWN in verdicts:
        return Verdict.UNKNOWN
    return Verdict.YES


class _TrialRow(Protocol):
    """The fields of patients.models.TreatmentTrial that `TrialFacts.from_trial` reads."""

    @property
    def name_as_entered(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def daily_dose(self) -> Decimal | None: ...
    @property
    def dose_unit(self) -> str: ...
    @property
    def weeks_at_dose(self) -> int | None: ...
    @property
    def start_date(self) -> date | None: ...
    @property
    def start_precision(self) -> str: ...
    @property
    def end_date(self) -> date | None: ...
    @property
    def end_precision(self) -> str: ...
    @property
    def response(self) -> str: ...
    @property
    def percent_improvement(self) -> int | None: ...
    @property
    def adherence(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def sessions(self) -> int | None: ...


@dataclass(frozen=True)
class TrialFacts:
    """One TreatmentTrial row as plain data."""

    name_as_entered: str
    kind: str  # TreatmentTrial.Kind value ("medication", "psychotherapy", ...)
    daily_dose: Decimal | None
    dose_unit: str  # TreatmentTrial.DoseUnit value ("mg/day", "mcg/day", "mg/24h")
    weeks_at_dose: int | None
    start_date: date | None
    end_date: date | None
    response: str  # TreatmentTrial.Response value or ""
    percent_improvement: int | None
    adherence: str = ADHERENCE_UNKNOWN
    # A month-precision date is stored as the month's first day (start) or last day (end).
    start_precision: str = DAY
    end_precision: str = DAY
    # A medication's part (patients.drugs roles); "" leaves it to the drug's class.
    role: str = ""
    sessions: int | None = None  # a course's sessions (talk therapy, ECT, TMS)

    @classmethod
    def from_trial(cls, trial: _TrialRow) -> Self:
        """The facts of a TreatmentTrial instance (no queries)."""
        return cls(
            name_as_entered=trial.name_as_entered,
            kind=trial.kind,
            daily_dose=trial.daily_dose,
            dose_unit=trial.dose_unit,
            weeks_at_dose=trial.weeks_at_dose,
            start_date=trial.start_date,
            end_date=trial.end_date,
            response=trial.response,
            percent_improvement=trial.percent_improvement,
            adherence=trial.adherence,
            start_precision=trial.start_precision,
            end_precision=trial.end_precision,
            role=trial.role,
            sessions=trial.sessions,
        )


@dataclass(frozen=True)
class TrialAssessment:
    drug: Drug | None  # None: an unknown drug, or not a medication
    # The antidepressant class the trial counts in (SSRI for olanzapine/fluoxetine); for any
    # other drug its class ("augmentation", "NMDA antagonist"); "" when unknown.
    drug_class: str
    is_antidepressant: bool
    is_augmentation: bool
    # dose >= minimum and weeks >= min_weeks, or stopped for side effects where counted.
    adequate: Verdict
    # no response / <= max improvement / intolerance where counted; remission NO; ongoing UNKNOWN.
    failed: Verdict
    evidence: str  # plain language: "sertraline 150 mg/day, 10 weeks, no response"
    # The next thing to document when a verdict is UNKNOWN ("the dose of Zoloft per day"); "".
    missing: str
    # The parts, for criteria that weigh them apart (e.g. an augmentation needing weeks only).
    dose_ok: Verdict = Verdict.UNKNOWN
    weeks_ok: Verdict = Verdict.UNKNOWN
    adherent: Verdict = Verdict.UNKNOWN  # Medical Mutual asks for adequate adherence (§1.2 [R9])
    daily_mg: Decimal | None = None  # the dose converted to mg per day (mcg / 1000)
    minimum_mg: Decimal | None = None  # the minimum it was held to, in mg per day
    weeks: int | None = None  # weeks at the dose; from the dates, the fewest they allow
    weeks_from_dates: bool = False
    augmentation_type: str = ""  # SGA, lithium, thyroid hormone, buspirone
    all_missing: tuple[str, ...] = ()  # every missing thing, `missing` first


@dataclass(frozen=True)
class _Part:
    verdict: Verdict
    missing: str = ""


def assess_trial(
    facts: TrialFacts,
    *,
    min_weeks: int,
    max_improvement_percent: int = 25,
    counts_intolerance: bool = True,
    improvement_inclusive: bool = True,
) -> TrialAssessment:
    """Adequacy and failure of one trial under a criteria set's parameters.

    `min_weeks` applies to a medication's weeks at its dose; for another kind (psychotherapy,
    ECT, TMS) there is no dose and only the weeks count, so pass the set's own minimum (0 for
    none). The outcome is judged from the response even for an unknown drug: the drug being
    unknown makes the trial's adequacy unknown, not its outcome.
    """
    medication = facts.kind == MEDICATION
    drug = match_drug(facts.name_as_entered) if medication else None
    entered = " ".join(facts.name_as_entered.split()) or _("this treatment")
    intolerance = facts.response == SIDE_EFFECTS and counts_intolerance

    weeks, weeks_max, from_dates = _weeks(facts)
    weeks_ok = _weeks_verdict(weeks, weeks_max, min_weeks, entered)
    daily_mg = _mg_per_day(facts)
    if not medication:
        dose_ok = _Part(Verdict.YES)  # nothing to reach
        minimum: Decimal | None = None
    elif drug is None:
        dose_ok = _Part(Verdict.UNKNOWN)
        minimum = None
    else:
        dose_ok, minimum = _dose_verdict(facts, drug, daily_mg, entered)

    if medication and drug is None:
        adequate = Verdict.UNKNOWN
        needs = [
            _("which drug “%(name)s” is: its generic name, from the label or a pharmacist")
            % {"name": entered}
        ]
    elif intolerance:
        adequate, needs = Verdict.YES, []
    else:
        adequate = all_of(dose_ok.verdict, weeks_ok.verdict)
        needs = [p.missing for p in (dose_ok, weeks_ok) if adequate == Verdict.UNKNOWN]

    failed = _failed(
        facts,
        entered,
        max_improvement_percent=max_improvement_percent,
        counts_intolerance=counts_intolerance,
        improvement_inclusive=improvement_inclusive,
    )
    missing = tuple(m for m in (*needs, failed.missing) if m)

    drug_class = (drug.antidepressant_class or drug.drug_class) if drug else ""
    is_antidepressant, is_augmentation = _roles(facts, drug)
    return TrialAssessment(
        drug=drug,
        drug_class=drug_class,
        is_antidepressant=is_antidepressant,
        is_augmentation=is_augmentation,
        adequate=adequate,
        failed=failed.verdict,
        evidence=_evidence(facts, drug, weeks, weeks_max, from_dates, counts_intolerance),
        missing=missing[0] if missing else "",
        dose_ok=dose_ok.verdict,
        weeks_ok=weeks_ok.verdict,
        adherent=_adherent(facts.adherence),
        daily_mg=daily_mg,
        minimum_mg=minimum,
        weeks=weeks,
        weeks_from_dates=from_dates,
        augmentation_type=drug.augmentation_type if drug else "",
        all_missing=missing,
    )


def _roles(facts: TrialFacts, drug: Drug | None) -> tuple[bool, bool]:
    """(counts as an antidepressant trial, counts as an augmentation trial). The role the
    patient chose decides: an antidepressant added to another one is an augmentation trial
    (DOMAIN.md §3 "Augmentation" accepts two antidepressants together [R7]) and not a trial of
    its own, and a drug taken for something else is neither. Left on "not sure", the drug's
    class decides, and a combination like olanzapine/fluoxetine counts as both."""
    if facts.kind != MEDICATION:
        return False, False
    if facts.role == AUGMENTATION_ROLE:
        return False, True
    if facts.role == OTHER_ROLE:
        return False, False
    is_antidepressant = drug is not None and drug.is_antidepressant
    if facts.role == ANTIDEPRESSANT_ROLE:
        return is_antidepressant, False
    return is_antidepressant, drug is not None and drug.is_augmentation


def sessions_text(sessions: int | None) -> str:
    """ "16 sessions"; "" when not recorded."""
    if sessions is None:
        return ""
    return ngettext("%(count)d session", "%(count)d sessions", sessions) % {"count": sessions}


def counts_as_failed_trial(assessment: TrialAssessment) -> Verdict:
    """An adequate trial that failed: YES only when both are; NO when either is NO."""
    return all_of(assessment.adequate, assessment.failed)


def distinct_classes(assessments: Iterable[TrialAssessment]) -> set[str]:
    """The antidepressant classes among the given trials (a combination counts in the class of
    its antidepressant part, so Symbyax adds no class beside fluoxetine)."""
    return {a.drug_class for a in assessments if a.is_antidepressant and a.drug_class}


def trial_in_window(facts: TrialFacts, *, since: date) -> Verdict:
    """Was the trial taken on or after `since` (a look-back window's first day)?

    YES when it stopped on or after that day, started on or after it, or is still being taken;
    NO when it stopped before; UNKNOWN without dates, or when a stop date known only to the
    month falls in the month the window opens.
    """
    if facts.end_date is not None:
        earliest_end = facts.end_date
        if facts.end_precision == MONTH:
            earliest_end = facts.end_date.replace(day=1)
        if earliest_end >= since:
            return Verdict.YES
        return Verdict.NO if facts.end_date < since else Verdict.UNKNOWN
    started = facts.start_date
    if started is not None and (started >= since or facts.response == ONGOING):
        return Verdict.YES
    return Verdict.UNKNOWN


# --- the parts ------------------------------------------------------------------------------


def _weeks(facts: TrialFacts) -> tuple[int | None, int | None, bool]:
    """(fewest weeks, most weeks, taken from the dates). The dates give whole weeks between
    start and stop; month-precision dates give the range their months allow."""
    if facts.weeks_at_dose is not None:
        return facts.weeks_at_dose, facts.weeks_at_dose, False
    if facts.start_date is None or facts.end_date is None:
        return None, None, False
    latest_start, earliest_end = facts.start_date, facts.end_date
    if facts.start_precision == MONTH:
        latest_start = _month_end(facts.start_date)
    if facts.end_precision == MONTH:
        earliest_end = facts.end_date.replace(day=1)
    fewest = max((earliest_end - latest_start).days, 0) // 7
    most = max((facts.end_date - facts.start_date).days, 0) // 7
    return fewest, most, True


def _month_end(day: date) -> date:
    next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month - timedelta(days=1)


def _weeks_verdict(fewest: int | None, most: int | None, min_weeks: int, name: str) -> _Part:
    if fewest is None or most is None:
        return _Part(
            Verdict.UNKNOWN,
            _("how many weeks %(name)s was taken at its dose (or its start and stop dates)")
            % {"name": name},
        )
    if fewest >= min_weeks:
        return _Part(Verdict.YES)
    if most < min_weeks:
        return _Part(Verdict.NO)
    # Only month-precision dates leave a range that straddles the minimum.
    return _Part(
        Verdict.UNKNOWN,
        _("the exact start and stop dates of %(name)s, or its weeks at the dose") % {"name": name},
    )


def _mg_per_day(facts: TrialFacts) -> Decimal | None:
    if facts.daily_dose is None:
        return None
    if facts.dose_unit == MCG_PER_DAY:
        return facts.daily_dose / 1000
    return facts.daily_dose  # mg/day, and mg/24 h for a patch, are the same amount a day


def _dose_verdict(
    facts: TrialFacts, drug: Drug, daily_mg: Decimal | None, name: str
) -> tuple[_Part, Decimal | None]:
    """The dose against the drug's minimum (a combination: its antidepressant part's)."""
    if drug.components:
        return _combination_dose(facts, drug, name)
    minimum = drug.min_mg_per_day_for(facts.name_as_entered)
    if daily_mg is None:
        return _Part(Verdict.UNKNOWN, _("the dose of %(name)s per day") % {"name": name}), minimum
    if minimum is None:
        if drug.adequacy_note:
            need = _("the %(drug)s blood level during the trial (%(target)s)") % {
                "drug": drug.generic,
                "target": drug.adequacy_note,
            }
        else:
            need = _(
                "your prescriber's note that %(dose)s of %(name)s was a full dose (no minimum "
                "dose is on file for %(drug)s)"
            ) % {"dose": _dose_text(facts), "name": name, "drug": drug.generic}
        return _Part(Verdict.UNKNOWN, need), None
    if daily_mg >= minimum:
        return _Part(Verdict.YES), minimum
    if _unit_slip(facts.dose_unit, drug.dose_unit):
        # "20 mcg" of a drug written in mg is more likely a slip of the unit than a dose a
        # thousand times too low: ask rather than call the trial inadequate.
        return _Part(
            Verdict.UNKNOWN,
            _("whether the dose of %(name)s was in mg or mcg") % {"name": name},
        ), minimum
    return _Part(Verdict.NO), minimum


def _unit_slip(entered: str, usual: str) -> bool:
    in_mcg = {MCG_PER_DAY}
    in_mg = {MG_PER_DAY, MG_PER_24H}
    return (entered in in_mcg and usual in in_mg) or (entered in in_mg and usual in in_mcg)


def _combination_dose(facts: TrialFacts, drug: Drug, name: str) -> tuple[_Part, Decimal | None]:
    """A combination's one daily dose does not say which part it measures, so the strength
    written with the name ("Symbyax 6/25": olanzapine 6 mg, fluoxetine 25 mg, in the order of
    the generic name) gives the antidepressant part; it is held to that antidepressant's
    minimum (DOMAIN.md §3 [R38]; §3 gives no minimum for the combination itself)."""
    parts = [match_drug(c) for c in drug.components]
    index = next((i for i, p in enumerate(parts) if p and p.is_antidepressant), None)
    part = parts[index] if index is not None else None
    minimum = part.min_mg_per_day if part else None
    strengths = _strengths(facts.name_as_entered)
    if index is None or minimum is None or len(strengths) != len(drug.components):
        return _Part(
            Verdict.UNKNOWN,
            _(
                "which strength of %(name)s was taken each day, written as on the label "
                "(e.g. 6/25: olanzapine 6 mg and fluoxetine 25 mg)"
            )
            % {"name": name},
        ), minimum
    part_mg = strengths[index]
    return _Part(Verdict.YES if part_mg >= minimum else Verdict.NO), minimum


def _strengths(text: str) -> list[Decimal]:
    """The numbers of a strength written "6/25" (or "6 / 25 mg"); [] when there is none."""
    match = re.search(r"(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)", text or "")
    return [Decimal(match[1]), Decimal(match[2])] if match else []


def _failed(
    facts: TrialFacts,
    name: str,
    *,
    max_improvement_percent: int,
    counts_intolerance: bool,
    improvement_inclusive: bool,
) -> _Part:
    response, percent = facts.response, facts.percent_improvement
    if response == NO_RESPONSE:
        return _Part(Verdict.YES)
    if response == REMISSION:
        return _Part(Verdict.NO)
    if response == SIDE_EFFECTS:
        return _Part(Verdict.YES if counts_intolerance else Verdict.NO)
    if response == ONGOING:
        return _Part(
            Verdict.UNKNOWN,
            _("how %(name)s worked, once it has been taken long enough to tell") % {"name": name},
        )
    if percent is not None and response in (PARTIAL, ""):
        within = (
            percent <= max_improvement_percent
            if improvement_inclusive
            else percent < max_improvement_percent
        )
        return _Part(Verdict.YES if within else Verdict.NO)
    if response == PARTIAL:
        return _Part(
            Verdict.UNKNOWN,
            _(
                "how much %(name)s helped, as a measured percentage (e.g. the change in your "
                "PHQ-9 score)"
            )
            % {"name": name},
        )
    return _Part(Verdict.UNKNOWN, _("how %(name)s went") % {"name": name})


def _adherent(adherence: str) -> Verdict:
    if adherence in (AS_PRESCRIBED, MOSTLY):
        return Verdict.YES
    if adherence == OFTEN_MISSED:
        return Verdict.NO
    return Verdict.UNKNOWN


# --- the evidence sentence ------------------------------------------------------------------


def _dose_text(facts: TrialFacts) -> str:
    if facts.daily_dose is None:
        return ""
    return f"{facts.daily_dose.normalize():f} {facts.dose_unit}"


def _evidence(
    facts: TrialFacts,
    drug: Drug | None,
    fewest: int | None,
    most: int | None,
    from_dates: bool,
    counts_intolerance: bool,
) -> str:
    name = drug.generic if drug else " ".join(facts.name_as_entered.split())
    parts = [f"{name} {_dose_text(facts)}" if facts.daily_dose is not None else name]
    if facts.daily_dose is None and facts.kind == MEDICATION:
        parts.append(_("dose not recorded"))
    if facts.sessions is not None:
        parts.append(sessions_text(facts.sessions))
    if fewest is None or most is None:
        parts.append(_("weeks not recorded"))
    elif not from_dates:
        parts.append(ngettext("%(weeks)d week", "%(weeks)d weeks", fewest) % {"weeks": fewest})
    elif fewest == most:
        parts.append(
            ngettext(
                "%(weeks)d week from the start and stop dates",
                "%(weeks)d weeks from the start and stop dates",
                fewest,
            )
            % {"weeks": fewest}
        )
    else:
        parts.append(
            _("%(fewest)d to %(most)d weeks from the start and stop months")
            % {"fewest": fewest, "most": most}
        )
    parts.append(_outcome_text(facts, counts_intolerance))
    if facts.adherence == OFTEN_MISSED:
        parts.append(_("many doses missed"))
    return ", ".join(parts)


def _outcome_text(facts: TrialFacts, counts_intolerance: bool) -> str:
    percent = facts.percent_improvement
    if facts.response == PARTIAL:
        if percent is None:
            return _("partial response, improvement not measured")
        return _("partial response, %(percent)d%% improvement") % {"percent": percent}
    if facts.response == SIDE_EFFECTS and not counts_intolerance:
        return _("stopped for side effects (not counted as a failure by this policy)")
    text = {
        NO_RESPONSE: _("no response"),
        REMISSION: _("remission"),
        SIDE_EFFECTS: _("stopped for side effects"),
        ONGOING: _("still being taken"),
    }.get(facts.response)
    if text is None:
        text = _("outcome not recorded")
        if percent is not None:
            text = _("%(percent)d%% improvement") % {"percent": percent}
    elif percent is not None:
        text = _("%(outcome)s, %(percent)d%% improvement") % {"outcome": text, "percent": percent}
    return text
