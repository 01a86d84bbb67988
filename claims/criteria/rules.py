"""Coverage criteria as rules: the kinds of criterion a payer policy uses, their parameters, and
the evaluation of one case against one criteria set. Pure: plain data in, a report out.

The kinds follow DOMAIN.md §1.2 "Modelling implications": minimum age; diagnosis in a code list;
failed antidepressant trials (count, distinct classes, minimum weeks, look-back window, current
episode, failure definition); augmentation; psychotherapy; a baseline scale score at or above a
threshold within N days; prescriber specialty; REMS-certified setting; PDMP check; a concurrent
oral antidepressant; substance-use and other exclusions; facts the clinic confirms; approval
duration; renewal evidence. Each criterion compares with ≥ ("gte") or > ("gt") where it has a
threshold (age, weeks, score, drop).

A criterion is met, not met, or unknown:
- NO: the record answers it and falls short, or nothing the criterion needs is documented yet
  (no psychotherapy entered, no score);
- UNKNOWN: a fact it needs is missing or waits on someone (the date of birth, a dose, "ask my
  clinic"), or only the clinic can answer it;
and every finding carries the evidence it rests on or the next thing to document. Trials are
judged by patients.adequate_trials (adequate dose and weeks, failure, intolerance, remission).

Not medical or legal advice: the report helps a patient see what a reviewer will look for.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from patients import scales
from patients.adequate_trials import (
    MEDICATION,
    TrialAssessment,
    TrialFacts,
    Verdict,
    all_of,
    assess_trial,
    counts_as_failed_trial,
    trial_in_window,
)
from patients.drugs import OTHER_ROLE

# Spravato's monotherapy approval (DOMAIN.md §1.1 [R21]): before it, the label required an oral
# antidepressant alongside; a policy that still requires one contradicts the current label.
MONOTHERAPY_APPROVAL = date(2025, 1, 21)
PSYCHOTHERAPY = "psychotherapy"  # patients.models.TreatmentTrial.Kind value


class Kind(StrEnum):
    MIN_AGE = "min_age"
    DIAGNOSIS = "diagnosis"
    FAILED_TRIALS = "failed_trials"
    AUGMENTATION = "augmentation"
    PSYCHOTHERAPY = "psychotherapy"
    BASELINE_SCORE = "baseline_score"
    PRESCRIBER = "prescriber"
    REMS_SETTING = "rems_setting"
    PDMP = "pdmp"
    ORAL_ANTIDEPRESSANT = "oral_antidepressant"
    SUBSTANCE_USE = "substance_use"
    EXCLUSION = "exclusion"
    CLINIC_CONFIRMS = "clinic_confirms"
    APPROVAL_DURATION = "approval_duration"
    RENEWAL = "renewal"


KIND_LABELS = {
    Kind.MIN_AGE: gettext_lazy("Age"),
    Kind.DIAGNOSIS: gettext_lazy("Diagnosis"),
    Kind.FAILED_TRIALS: gettext_lazy("Earlier antidepressants that did not work"),
    Kind.AUGMENTATION: gettext_lazy("Add-on (augmentation) medicine tried"),
    Kind.PSYCHOTHERAPY: gettext_lazy("Talk therapy tried"),
    Kind.BASELINE_SCORE: gettext_lazy("Symptom score before treatment"),
    Kind.PRESCRIBER: gettext_lazy("Who prescribes"),
    Kind.REMS_SETTING: gettext_lazy("Certified treatment site (REMS)"),
    Kind.PDMP: gettext_lazy("Prescription database (PDMP) checked"),
    Kind.ORAL_ANTIDEPRESSANT: gettext_lazy("An antidepressant taken alongside"),
    Kind.SUBSTANCE_USE: gettext_lazy("Substance use screen"),
    Kind.EXCLUSION: gettext_lazy("Something that rules treatment out"),
    Kind.CLINIC_CONFIRMS: gettext_lazy("Something your clinic confirms"),
    Kind.APPROVAL_DURATION: gettext_lazy("How long an approval lasts"),
    Kind.RENEWAL: gettext_lazy("What a renewal needs"),
}


class Coverage(StrEnum):
    CRITERIA = "criteria"  # covered when the criteria are met
    EXPERIMENTAL = "experimental"  # the policy calls it experimental / investigational
    NOT_COVERED = "not_covered"  # reported not covered (no policy text retrieved)


# --- parameters ---------------------------------------------------------------------------------

_INT, _BOOL, _STR, _LIST, _MAP = int, bool, str, list, dict
# kind -> {parameter: (type, required)}; staff edit them as JSON in admin, validated here.
PARAMS: dict[str, dict[str, tuple[type, bool]]] = {
    Kind.MIN_AGE: {"years": (_INT, True), "max_years": (_INT, False)},
    Kind.DIAGNOSIS: {"codes": (_LIST, True)},
    Kind.FAILED_TRIALS: {
        "count": (_INT, True),
        "distinct_classes": (_INT, False),
        "min_weeks": (_INT, True),
        "lookback_years": (_INT, False),
        "current_episode": (_BOOL, False),
        "in_current_episode": (_INT, False),  # at least this many in the current episode
        "max_improvement_percent": (_INT, False),
        "counts_intolerance": (_BOOL, False),
        "adherence": (_BOOL, False),
    },
    Kind.AUGMENTATION: {"count": (_INT, True), "min_weeks": (_INT, False), "types": (_LIST, False)},
    Kind.PSYCHOTHERAPY: {"min_weeks": (_INT, False), "if_available": (_BOOL, False)},
    Kind.BASELINE_SCORE: {"scales": (_MAP, True), "within_days": (_INT, False)},
    Kind.PRESCRIBER: {"specialties": (_LIST, True)},
    Kind.REMS_SETTING: {},
    Kind.PDMP: {},
    Kind.ORAL_ANTIDEPRESSANT: {"min_weeks": (_INT, False)},
    Kind.SUBSTANCE_USE: {},
    Kind.EXCLUSION: {"question": (_STR, True)},
    Kind.CLINIC_CONFIRMS: {"question": (_STR, True)},
    Kind.APPROVAL_DURATION: {"months": (_INT, False), "days": (_INT, False), "note": (_STR, False)},
    Kind.RENEWAL: {
        "scale": (_STR, False),
        "min_drop_percent": (_INT, False),
        "evidence": (_STR, False),
    },
}
# Kinds that describe the approval rather than what a request must show.
INFORMATION_KINDS = {Kind.APPROVAL_DURATION}


def params_errors(kind: str, params: Mapping[str, Any]) -> list[str]:
    """What is wrong with a criterion's parameters, in words staff can act on; [] when fine."""
    if kind not in PARAMS:
        return [_("Unknown kind of criterion: %(kind)s.") % {"kind": kind}]
    if not isinstance(params, Mapping):
        return [_('The parameters must be a JSON object, like {"years": 18}.')]
    schema = PARAMS[kind]
    errors = []
    for name, (kind_type, required) in schema.items():
        if name not in params:
            if required:
                errors.append(_("“%(name)s” is required.") % {"name": name})
            continue
        value = params[name]
        wrong_int = kind_type is int and (isinstance(value, bool) or not isinstance(value, int))
        if wrong_int or (kind_type is not int and not isinstance(value, kind_type)):
            errors.append(
                _("“%(name)s” must be %(type)s.") % {"name": name, "type": _TYPE_WORDS[kind_type]}
            )
    for name in params:
        if name not in schema:
            errors.append(_("“%(name)s” is not a parameter of this kind.") % {"name": name})
    if kind == Kind.BASELINE_SCORE and isinstance(params.get("scales"), Mapping):
        for scale, threshold in params["scales"].items():
            if scale not in scales.SCALES:
                errors.append(_("“%(scale)s” is not a known scale.") % {"scale": scale})
            elif threshold is not None and not isinstance(threshold, int):
                errors.append(_("A threshold must be a whole number or null."))
    return errors


_TYPE_WORDS = {
    int: gettext_lazy("a whole number"),
    bool: gettext_lazy("true or false"),
    str: gettext_lazy("text"),
    list: gettext_lazy("a list"),
    dict: gettext_lazy("an object"),
}


# --- the inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One criterion of a set, as plain data."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    comparison: str = "gte"  # "gte" (≥) or "gt" (>), for the kind's threshold
    group: str = ""  # rules sharing a non-empty group are alternatives (any of them)
    indication: str = ""  # "" for every indication, else only this one ("trd", "mdd_si")
    wording: str = ""  # as the policy says it

    def at_least(self, threshold: int) -> int:
        """The lowest whole number that passes `threshold` under this rule's comparison."""
        return threshold + 1 if self.comparison == "gt" else threshold


@dataclass(frozen=True)
class SetSpec:
    """A criteria set (one payer policy, one version), as plain data."""

    name: str
    coverage: str = Coverage.CRITERIA
    policy_number: str = ""
    payer_label: str = ""
    version_date: date | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    last_verified: date | None = None
    verified: bool = True
    source_url: str = ""
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class ScoreFact:
    instrument: str
    total: int
    taken_on: date


@dataclass(frozen=True)
class CaseFacts:
    """What the case shows, as plain data (claims.selectors.criteria_report_for builds it)."""

    on: date  # the requested start, else today: the day the criteria are judged for
    indication: str  # CoverageCase.Condition value
    date_of_birth: date | None = None
    diagnosis_codes: tuple[str, ...] = ()
    trials: tuple[TrialFacts, ...] = ()
    scores: tuple[ScoreFact, ...] = ()
    prescriber_specialty: str = ""  # Provider.Specialty value; "" when none is named
    prescriber_label: str = ""  # its display text
    rems_certified: str = ""  # TreatmentRequest.Answer value: yes / no / ask_clinic / ""
    pdmp_checked_on: date | None = None
    oral_antidepressant_continues: str = ""  # yes / no / ask_clinic / ""
    oral_antidepressant: str = ""
    substance_use_screen: str = ""  # no_concern / concern / ask_clinic / ""
    episode_start: date | None = None  # when the current depressive episode began, if known
    approved_from: date | None = None  # the start of an approval: renewal criteria apply


# --- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    rule: Rule
    verdict: Verdict
    evidence: str = ""  # what the record shows
    next_step: str = ""  # what to document or ask next; "" when met

    @property
    def label(self) -> str:
        return str(KIND_LABELS.get(Kind(self.rule.kind), self.rule.kind))


@dataclass(frozen=True)
class Line:
    """One row of the criteria table: a criterion, or a group of alternatives."""

    findings: tuple[Finding, ...]
    verdict: Verdict

    @property
    def any_of(self) -> bool:
        return len(self.findings) > 1


@dataclass(frozen=True)
class Report:
    spec: SetSpec
    lines: tuple[Line, ...]
    verdict: Verdict  # all lines: NO if any NO, else UNKNOWN if any, else YES
    information: tuple[Finding, ...] = ()  # approval duration
    renewal: tuple[Finding, ...] = ()  # only once the case has an approval
    appeal_points: tuple[str, ...] = ()

    @property
    def experimental(self) -> bool:
        return self.spec.coverage != Coverage.CRITERIA

    def count(self, verdict: str) -> int:
        return sum(1 for line in self.lines if line.verdict == verdict)

    @property
    def met(self) -> int:
        return self.count(Verdict.YES)

    @property
    def not_met(self) -> int:
        return self.count(Verdict.NO)

    @property
    def unknown(self) -> int:
        return self.count(Verdict.UNKNOWN)


# --- choosing the set ---------------------------------------------------------------------------


def in_effect(spec: SetSpec, on: date) -> bool:
    """Was this version of the policy in effect on `on` (both ends inclusive; open when unset)?"""
    if spec.effective_from is not None and on < spec.effective_from:
        return False
    return spec.effective_to is None or on <= spec.effective_to


# --- evaluation ---------------------------------------------------------------------------------


def evaluate(spec: SetSpec, facts: CaseFacts) -> Report:
    """The case against the set: a finding per criterion, alternatives grouped, an overall
    verdict, the approval facts, renewal findings once approved, and points an appeal can raise.
    A set that calls the treatment experimental (or not covered) has no criteria to meet."""
    rules = [r for r in spec.rules if not r.indication or r.indication == facts.indication]
    renewal = tuple(_judge(r, facts) for r in rules if r.kind == Kind.RENEWAL)
    information = tuple(_judge(r, facts) for r in rules if r.kind in INFORMATION_KINDS)
    lines: list[Line] = []
    groups: dict[str, list[Finding]] = {}
    for rule in rules:
        if rule.kind == Kind.RENEWAL or rule.kind in INFORMATION_KINDS:
            continue
        finding = _judge(rule, facts)
        if not rule.group:
            lines.append(Line((finding,), finding.verdict))
        elif rule.group in groups:
            groups[rule.group].append(finding)
        else:
            groups[rule.group] = [finding]
            lines.append(Line((), Verdict.UNKNOWN))  # placeholder, keeps the policy's order
    grouped = iter(groups.values())
    lines = [
        line if line.findings else _any_of(tuple(next(grouped)))  # in first-seen order
        for line in lines
    ]
    if spec.coverage != Coverage.CRITERIA:
        verdict = Verdict.NO
    else:
        verdict = all_of(*(line.verdict for line in lines))
    return Report(
        spec=spec,
        lines=tuple(lines),
        verdict=verdict,
        information=information,
        renewal=renewal if facts.approved_from else (),
        appeal_points=_appeal_points(spec, rules, facts),
    )


def _any_of(findings: tuple[Finding, ...]) -> Line:
    verdicts = {f.verdict for f in findings}
    if Verdict.YES in verdicts:
        return Line(findings, Verdict.YES)
    return Line(findings, Verdict.UNKNOWN if Verdict.UNKNOWN in verdicts else Verdict.NO)


def _appeal_points(spec: SetSpec, rules: Sequence[Rule], facts: CaseFacts) -> tuple[str, ...]:
    points = []
    requires_oral_ad = any(r.kind == Kind.ORAL_ANTIDEPRESSANT for r in rules)
    if requires_oral_ad and facts.on >= MONOTHERAPY_APPROVAL:
        label_day = date_format(MONOTHERAPY_APPROVAL)
        version = spec.version_date or spec.effective_from
        if version is not None and version < MONOTHERAPY_APPROVAL:
            points.append(
                _(
                    "This version of the policy (%(version)s) predates the FDA's approval of "
                    "Spravato on its own, without an oral antidepressant (%(label)s), yet it "
                    "still requires one. An appeal can point out that the requirement no longer "
                    "matches the drug's label."
                )
                % {"version": date_format(version), "label": label_day}
            )
        else:
            points.append(
                _(
                    "The policy requires an oral antidepressant alongside Spravato, although the "
                    "FDA approved Spravato on its own on %(label)s. If you cannot take one, an "
                    "appeal can point out that the requirement goes beyond the drug's label."
                )
                % {"label": label_day}
            )
    return tuple(points)


def _judge(rule: Rule, facts: CaseFacts) -> Finding:
    judge = _JUDGES[Kind(rule.kind)]
    verdict, evidence, next_step = judge(rule, facts)
    return Finding(rule, verdict, evidence, "" if verdict == Verdict.YES else next_step)


_Judgement = tuple[Verdict, str, str]


def _min_age(rule: Rule, facts: CaseFacts) -> _Judgement:
    years, oldest = rule.params["years"], rule.params.get("max_years")
    if facts.date_of_birth is None:
        return (
            Verdict.UNKNOWN,
            "",
            _("Add your date of birth on the “About you” page."),
        )
    age = _age(facts.date_of_birth, facts.on)
    evidence = _("%(age)s years old on %(day)s") % {"age": age, "day": date_format(facts.on)}
    if age < rule.at_least(years):
        return Verdict.NO, evidence, _("This policy covers adults only.")
    if oldest is not None and age > oldest:
        return (
            Verdict.NO,
            evidence,
            _("This policy sets an upper age limit of %(max)s.") % {"max": oldest},
        )
    return Verdict.YES, evidence, ""


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _diagnosis(rule: Rule, facts: CaseFacts) -> _Judgement:
    wanted = [str(c).upper() for c in rule.params["codes"]]
    matching = [c for c in facts.diagnosis_codes if any(c.upper().startswith(w) for w in wanted)]
    listed = ", ".join(wanted)
    if matching:
        return Verdict.YES, ", ".join(matching), ""
    if not facts.diagnosis_codes:
        return (
            Verdict.NO,
            _("No diagnosis with a code yet."),
            _("Add your diagnosis with its ICD-10 code in step 2 (your clinician can give it)."),
        )
    return (
        Verdict.NO,
        ", ".join(facts.diagnosis_codes),
        _("The policy lists %(codes)s. Ask your clinician whether one of them fits you.")
        % {"codes": listed},
    )


def _assess_all(rule: Rule, facts: CaseFacts, min_weeks: int) -> list[tuple[TrialFacts, Any]]:
    return [
        (
            trial,
            assess_trial(
                trial,
                min_weeks=min_weeks,
                max_improvement_percent=rule.params.get("max_improvement_percent", 25),
                counts_intolerance=rule.params.get("counts_intolerance", True),
            ),
        )
        for trial in facts.trials
        if trial.kind == MEDICATION
    ]


def _failed_trials(rule: Rule, facts: CaseFacts) -> _Judgement:
    """Count adequate, failed antidepressant trials: `count` of them, from at least
    `distinct_classes` classes, each at least `min_weeks` at an adequate dose, inside the
    look-back window and (where asked) the current episode."""
    params = rule.params
    need = params["count"]
    classes_needed = params.get("distinct_classes", 0)
    min_weeks = rule.at_least(params["min_weeks"])
    since = (
        _years_before(facts.on, params["lookback_years"]) if "lookback_years" in params else None
    )
    episode_rule = params.get("current_episode", False)
    in_episode_needed = params.get("in_current_episode", 0)

    sure: list[TrialAssessment] = []
    maybe: list[tuple[TrialAssessment, str]] = []
    episode_sure = 0
    for trial, assessment in _assess_all(rule, facts, min_weeks):
        # A known drug that is no antidepressant, or one the patient says was an add-on or for
        # something else, is not an antidepressant trial; an unknown drug may still be one.
        if not assessment.is_antidepressant and (
            assessment.drug is not None or assessment.is_augmentation or trial.role == OTHER_ROLE
        ):
            continue
        if assessment.drug is None and not trial.name_as_entered.strip():
            continue
        parts = [counts_as_failed_trial(assessment)]
        missing = assessment.missing
        if params.get("adherence"):
            parts.append(assessment.adherent)
            if assessment.adherent == Verdict.UNKNOWN and not missing:
                missing = _("whether you took %(drug)s as prescribed") % {
                    "drug": _trial_name(trial)
                }
        if since is not None:
            window = trial_in_window(trial, since=since)
            parts.append(window)
            if window == Verdict.UNKNOWN and not missing:
                missing = _("when you stopped %(drug)s") % {"drug": _trial_name(trial)}
        episode = _in_episode(trial, facts.episode_start)
        if episode_rule:
            parts.append(episode)
            if episode == Verdict.UNKNOWN and not missing:
                missing = _EPISODE_NEXT_STEP()
        verdict = all_of(*parts)
        if verdict == Verdict.YES:
            sure.append(assessment)
            episode_sure += episode == Verdict.YES
        elif verdict == Verdict.UNKNOWN:
            maybe.append((assessment, missing))

    classes = {a.drug_class for a in sure if a.drug_class}
    shown = sure + [a for a, _m in maybe]  # what counts, then what may count once documented
    evidence = "; ".join(a.evidence for a in shown) or _("none documented yet")
    enough = len(sure) >= need and len(classes) >= classes_needed
    episode_ok = episode_sure >= in_episode_needed
    if enough and episode_ok:
        return Verdict.YES, evidence, ""
    possible = sure + [a for a, _m in maybe]
    possible_classes = {a.drug_class for a in possible if a.drug_class} | {
        "?" for a in possible if not a.drug_class
    }
    if len(possible) >= need and len(possible_classes) >= classes_needed and maybe:
        return Verdict.UNKNOWN, evidence, _document(maybe[0][1])
    if enough and in_episode_needed and not facts.episode_start:
        return Verdict.UNKNOWN, evidence, _document(_EPISODE_NEXT_STEP())
    return Verdict.NO, evidence, _short_of(need, classes_needed, min_weeks, len(sure), classes)


def _EPISODE_NEXT_STEP() -> str:  # noqa: N802 - a translated constant, looked up when used
    return _(
        "when this episode of depression began (step 2, “This episode of depression”): the "
        "policy counts only the treatments tried since then"
    )


def _in_episode(trial: TrialFacts, episode_start: date | None) -> Verdict:
    if episode_start is None:
        return Verdict.UNKNOWN
    return trial_in_window(trial, since=episode_start)


def _short_of(need: int, classes: int, weeks: int, have: int, have_classes: set[str]) -> str:
    asked = ngettext(
        "The policy asks for %(count)s antidepressant that did not work after at least "
        "%(weeks)s weeks at an adequate dose",
        "The policy asks for %(count)s antidepressants that did not work, each after at least "
        "%(weeks)s weeks at an adequate dose",
        need,
    ) % {"count": need, "weeks": weeks}
    if classes > 1:
        asked += _(", from %(classes)s different classes") % {"classes": classes}
    shown = ngettext(
        "your record shows %(count)s (%(classes)s).",
        "your record shows %(count)s (%(classes)s).",
        have,
    ) % {"count": have, "classes": ", ".join(sorted(have_classes)) or "—"}
    return f"{asked}; {shown} " + _(
        "Add every antidepressant you have taken, with its dose, how long, and how it went. "
        "If you have not tried enough, ask your prescriber what comes next."
    )


def _document(missing: str) -> str:
    if not missing:
        return ""
    return _("Document %(missing)s.") % {"missing": missing.rstrip(".")}


def _trial_name(trial: TrialFacts) -> str:
    return " ".join(trial.name_as_entered.split()) or _("this treatment")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _augmentation(rule: Rule, facts: CaseFacts) -> _Judgement:
    params = rule.params
    need, types = params["count"], set(params.get("types", ()))
    min_weeks = rule.at_least(params.get("min_weeks", 0))
    sure, maybe = [], []
    for trial, assessment in _assess_all(rule, facts, min_weeks):
        if not assessment.is_augmentation:
            continue
        if types and assessment.augmentation_type not in types:
            continue
        if assessment.weeks_ok == Verdict.YES:
            sure.append(assessment)
        elif assessment.weeks_ok == Verdict.UNKNOWN:
            maybe.append(_("how many weeks you took %(drug)s") % {"drug": _trial_name(trial)})
    evidence = "; ".join(a.evidence for a in sure) or _("none documented yet")
    if len(sure) >= need:
        return Verdict.YES, evidence, ""
    if len(sure) + len(maybe) >= need:
        return Verdict.UNKNOWN, evidence, _document(maybe[0])
    weeks = _(" for at least %(weeks)s weeks") % {"weeks": min_weeks} if min_weeks else ""
    return (
        Verdict.NO,
        evidence,
        ngettext(
            "The policy asks for %(count)s add-on medicine (such as aripiprazole, lithium or "
            "thyroid hormone) taken with an antidepressant%(weeks)s. If you have taken one, add "
            "it in step 2.",
            "The policy asks for %(count)s add-on medicines (such as aripiprazole, lithium or "
            "thyroid hormone) taken with an antidepressant%(weeks)s. If you have taken them, "
            "add them in step 2.",
            need,
        )
        % {"count": need, "weeks": weeks},
    )


def _psychotherapy(rule: Rule, facts: CaseFacts) -> _Judgement:
    min_weeks = rule.at_least(rule.params.get("min_weeks", 0))
    therapies = [t for t in facts.trials if t.kind == PSYCHOTHERAPY]
    sure, maybe = [], []
    for therapy in therapies:
        assessment = assess_trial(therapy, min_weeks=min_weeks)
        if assessment.weeks_ok == Verdict.YES:
            sure.append(assessment.evidence)
        elif assessment.weeks_ok == Verdict.UNKNOWN:
            maybe.append(assessment.missing)
    if sure:
        return Verdict.YES, "; ".join(sure), ""
    if maybe:
        return Verdict.UNKNOWN, "", _document(maybe[0])
    next_step = _(
        "If you have had talk therapy (such as CBT), add it to your treatment history in step 2, "
        "with roughly when and for how long."
    )
    if rule.params.get("if_available"):
        return (
            Verdict.UNKNOWN,
            _("none documented yet"),
            next_step + " " + _("The policy asks for it only where it is available to you."),
        )
    return Verdict.NO, _("none documented yet"), next_step


def _baseline_score(rule: Rule, facts: CaseFacts) -> _Judgement:
    thresholds: Mapping[str, int | None] = rule.params["scales"]
    within = rule.params.get("within_days")
    earliest = facts.on - timedelta(days=within) if within else None
    named = ", ".join(_scale_name(s) for s in thresholds)
    candidates = [s for s in facts.scores if s.instrument in thresholds and s.taken_on <= facts.on]
    recent = [s for s in candidates if earliest is None or s.taken_on >= earliest]
    if not recent:
        window = _(" from the last %(days)s days") % {"days": within} if within else ""
        evidence = (
            _("latest: %(score)s") % {"score": _score_text(max(candidates, key=_taken))}
            if candidates
            else _("none documented yet")
        )
        return (
            Verdict.NO,
            evidence,
            _("Ask your prescriber for a %(scales)s score%(window)s, and add it in step 2.")
            % {"scales": named, "window": window},
        )
    # A threshold of None: any score on that scale counts (the policy names the scale only).
    passing = [
        score
        for score in recent
        if thresholds[score.instrument] is None
        or score.total >= rule.at_least(thresholds[score.instrument] or 0)
    ]
    if passing:
        return Verdict.YES, _score_text(max(passing, key=_taken)), ""
    latest = max(recent, key=_taken)
    needed = "; ".join(
        f"{_scale_name(s)} {'>' if rule.comparison == 'gt' else '≥'} {t}"
        for s, t in thresholds.items()
        if t is not None
    )
    return (
        Verdict.NO,
        _score_text(latest),
        _("The policy asks for %(needed)s. Ask your prescriber whether a current score is due.")
        % {"needed": needed},
    )


def _taken(score: ScoreFact) -> date:
    return score.taken_on


def _scale_name(instrument: str) -> str:
    return _SCALE_NAMES.get(instrument, instrument)


_SCALE_NAMES = {
    "phq9": "PHQ-9",
    "gad7": "GAD-7",
    "madrs": "MADRS",
    "hamd17": "HAM-D",
    "qids_sr16": "QIDS",
    "bdi2": "BDI-II",
    "pcl5": "PCL-5",
}


def _score_text(score: ScoreFact) -> str:
    return _("%(scale)s %(total)s on %(day)s") % {
        "scale": _scale_name(score.instrument),
        "total": score.total,
        "day": date_format(score.taken_on),
    }


def _prescriber(rule: Rule, facts: CaseFacts) -> _Judgement:
    wanted = rule.params["specialties"]
    if not facts.prescriber_specialty:
        return (
            Verdict.UNKNOWN,
            "",
            _("Name who will prescribe the treatment, with their specialty (step 5)."),
        )
    if facts.prescriber_specialty in wanted:
        return Verdict.YES, facts.prescriber_label, ""
    return (
        Verdict.NO,
        facts.prescriber_label,
        _(
            "The policy asks that a specialist (usually a psychiatrist) prescribes it. Ask your "
            "clinic who will sign the request."
        ),
    )


def _answer(value: str, yes: str, no_step: str, unknown_step: str) -> _Judgement:
    if value == "yes":
        return Verdict.YES, yes, ""
    if value == "no":
        return Verdict.NO, _("No"), no_step
    return Verdict.UNKNOWN, "", unknown_step


def _rems(rule: Rule, facts: CaseFacts) -> _Judgement:
    return _answer(
        facts.rems_certified,
        _("The site is REMS-certified."),
        _("Spravato is given only at REMS-certified sites; ask for one near you."),
        _("Ask the treatment site whether it is certified in the Spravato REMS (step 5)."),
    )


def _pdmp(rule: Rule, facts: CaseFacts) -> _Judgement:
    if facts.pdmp_checked_on is not None:
        return (
            Verdict.YES,
            _("checked on %(day)s") % {"day": date_format(facts.pdmp_checked_on)},
            "",
        )
    return (
        Verdict.UNKNOWN,
        "",
        _(
            "Ask your prescriber to check the state prescription database (PDMP) and give you "
            "the date (step 5)."
        ),
    )


def _oral_antidepressant(rule: Rule, facts: CaseFacts) -> _Judgement:
    taking = facts.oral_antidepressant or _("Yes")
    return _answer(
        facts.oral_antidepressant_continues,
        taking,
        _(
            "This policy asks that you keep taking an oral antidepressant during treatment. Ask "
            "your prescriber about it."
        ),
        _("Say whether you will keep taking an oral antidepressant (step 5)."),
    )


def _substance_use(rule: Rule, facts: CaseFacts) -> _Judgement:
    if facts.substance_use_screen == "no_concern":
        return Verdict.YES, _("Screened: no concern"), ""
    if facts.substance_use_screen == "concern":
        return (
            Verdict.UNKNOWN,
            _("Screened: a concern was noted"),
            _("Ask your clinic to document how the concern is being treated."),
        )
    return Verdict.UNKNOWN, "", _("Ask your clinic for a substance-use screen (step 5).")


def _question(rule: Rule, facts: CaseFacts) -> _Judgement:
    return (
        Verdict.UNKNOWN,
        "",
        _("Ask your clinic to confirm in the letter: %(question)s")
        % {"question": rule.params["question"]},
    )


def _approval(rule: Rule, facts: CaseFacts) -> _Judgement:
    months, days, note = (rule.params.get(k) for k in ("months", "days", "note"))
    parts = []
    if months:
        parts.append(ngettext("%(n)s month", "%(n)s months", months) % {"n": months})
    if days:
        parts.append(ngettext("%(n)s day", "%(n)s days", days) % {"n": days})
    if note:
        parts.append(str(note))
    return Verdict.YES, ", ".join(parts), ""


def _renewal(rule: Rule, facts: CaseFacts) -> _Judgement:
    scale, drop = rule.params.get("scale"), rule.params.get("min_drop_percent")
    evidence_asked = rule.params.get("evidence", "")
    if not scale or drop is None:
        return (
            Verdict.UNKNOWN,
            "",
            _("For a renewal, ask your prescriber to document: %(evidence)s")
            % {"evidence": evidence_asked or _("the benefit since treatment began")},
        )
    series = sorted((s for s in facts.scores if s.instrument == scale), key=_taken)
    start = facts.approved_from
    before = [s for s in series if start is None or s.taken_on <= start]
    baseline = before[-1] if before else (series[0] if series else None)
    after = [s for s in series if baseline is not None and s.taken_on > baseline.taken_on]
    if baseline is None or not after:
        return (
            Verdict.UNKNOWN,
            _score_text(baseline) if baseline else "",
            _(
                "Take a %(scale)s now and add it in step 2: a renewal compares it with your score "
                "before treatment."
            )
            % {"scale": _scale_name(scale)},
        )
    latest = after[-1]
    change = scales.percent_change(baseline.total, latest.total)
    evidence = _("%(before)s → %(after)s") % {
        "before": _score_text(baseline),
        "after": _score_text(latest),
    }
    if change is None:
        return Verdict.UNKNOWN, evidence, _("A baseline of 0 cannot show a drop.")
    dropped = -change
    evidence += " " + _("(%(drop)s%% drop)") % {"drop": f"{dropped:.0f}"}
    passes = dropped > drop if rule.comparison == "gt" else dropped >= drop
    if passes:
        return Verdict.YES, evidence, ""
    return (
        Verdict.NO,
        evidence,
        _(
            "The policy asks for a drop of %(sign)s%(drop)s%% for a renewal. Ask your prescriber "
            "what else documents the benefit."
        )
        % {"sign": ">" if rule.comparison == "gt" else "≥", "drop": drop},
    )


_JUDGES: dict[Kind, Callable[[Rule, CaseFacts], _Judgement]] = {
    Kind.MIN_AGE: _min_age,
    Kind.DIAGNOSIS: _diagnosis,
    Kind.FAILED_TRIALS: _failed_trials,
    Kind.AUGMENTATION: _augmentation,
    Kind.PSYCHOTHERAPY: _psychotherapy,
    Kind.BASELINE_SCORE: _baseline_score,
    Kind.PRESCRIBER: _prescriber,
    Kind.REMS_SETTING: _rems,
    Kind.PDMP: _pdmp,
    Kind.ORAL_ANTIDEPRESSANT: _oral_antidepressant,
    Kind.SUBSTANCE_USE: _substance_use,
    Kind.EXCLUSION: _question,
    Kind.CLINIC_CONFIRMS: _question,
    Kind.APPROVAL_DURATION: _approval,
    Kind.RENEWAL: _renewal,
}


def choose(specs: Iterable[SetSpec], on: date) -> SetSpec | None:
    """Of one policy's versions, the one in effect on `on`; None when none is."""
    effective = [s for s in specs if in_effect(s, on)]
    if not effective:
        return None
    return max(effective, key=lambda s: s.effective_from or date.min)
