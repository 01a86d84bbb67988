"""The evidence for each thing a payer's medical policy checks, one point each, from the case's
own records: the letter of medical necessity states them in turn, and an appeal of a "not
medically necessary" or "criteria not met" denial answers them point by point.

The points are the criteria DOMAIN.md §1.2 finds across payer policies ("Modelling
implications"): age, diagnosis, failed antidepressant trials (number, classes, dose, weeks,
outcome; §3), augmentation or psychotherapy, a baseline score on a validated scale, a concurrent
oral antidepressant, the Spravato REMS, the prescriber's specialty, a PDMP check and a
substance-use screen. A point states only what the records hold; what they lack is a bracketed
placeholder naming the fact, never a sentence saying it is so. No point says a criterion is met:
the plan's own criteria are not in the records.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from claims.models import CoverageCase, TreatmentRequest
from patients.models import Provider

from .facts import CaseFacts
from .sections import (
    diagnosis_lines,
    drug_and_dose,
    failed_trials_paragraph,
    scores_paragraph,
    trial_line,
)
from .text import age_on, format_date, lower_first

Answer = TreatmentRequest.Answer
Screen = TreatmentRequest.Screen


@dataclass(frozen=True)
class Point:
    """One thing a payer checks: its name, and the evidence as one sentence or a list."""

    key: str
    label: str
    text: str

    def render(self, number: int | None = None) -> str:
        """ "Age: 41 …", or "1. Age: 41 …" in an appeal; a list starts on the next line."""
        head = f"{number}. {self.label}:" if number is not None else f"{self.label}:"
        separator = "\n" if self.text.startswith("- ") else " "
        return head + separator + self.text


def evidence_points(facts: CaseFacts) -> list[Point]:
    points = [
        Point("age", _("Age"), _age(facts)),
        Point("diagnosis", _("Diagnosis (ICD-10-CM)"), _diagnosis(facts)),
        Point("trials", _("Antidepressant trials"), failed_trials_paragraph(facts)),
        Point("augmentation", _("Augmentation"), _augmentation(facts)),
        Point("psychotherapy", _("Psychotherapy"), _psychotherapy(facts)),
        Point("score", _("Baseline symptom score"), _score(facts)),
        Point("oral_ad", _("Concurrent oral antidepressant"), _oral_antidepressant(facts)),
    ]
    if facts.is_esketamine:
        points.append(Point("rems", _("Spravato REMS"), _rems(facts)))
    points += [
        Point("prescriber", _("Ordering prescriber"), _prescriber(facts)),
        Point("pdmp", _("Prescription drug monitoring program (PDMP)"), _pdmp(facts)),
        Point("substance_use", _("Substance-use screen"), _substance_use(facts)),
    ]
    return points


def _age(facts: CaseFacts) -> str:
    born = facts.patient.date_of_birth
    if born is None:
        return _("[patient's age, from the date of birth]")
    return _("%(age)d years old on %(today)s (date of birth %(born)s).") % {
        "age": age_on(born, facts.today),
        "today": format_date(facts.today),
        "born": format_date(born),
    }


def _diagnosis(facts: CaseFacts) -> str:
    if not facts.diagnoses:
        return _("[Provider: add the diagnosis and its ICD-10-CM code]")
    return "\n".join(diagnosis_lines(facts))


def _augmentation(facts: CaseFacts) -> str:
    trials = facts.augmentation_trials
    # DOMAIN.md §3 "Augmentation": the accepted kinds, for the placeholder.
    if not trials:
        return _(
            "[augmentation trials: the agent added to an antidepressant (a second "
            "antidepressant, an atypical antipsychotic, lithium or thyroid hormone), its dose, "
            "weeks and outcome; or that none was tried]"
        )
    return "\n".join(
        [
            *(trial_line(t) for t in trials),
            _("[Provider: name the antidepressant each agent was added to.]"),
        ]
    )


def _psychotherapy(facts: CaseFacts) -> str:
    trials = facts.therapy_trials
    if not trials:
        return _("[psychotherapy: its type, dates and outcome; or why it was not tried]")
    return "\n".join(trial_line(t, with_kind=False) for t in trials)


def _score(facts: CaseFacts) -> str:
    if not facts.scores:
        return _("[Provider: add the most recent symptom score and its date.]")
    return scores_paragraph(facts)


def _oral_antidepressant(facts: CaseFacts) -> str:
    request = facts.request
    answer = request.oral_antidepressant_continues if request else ""
    if answer == Answer.YES:
        named = request.oral_antidepressant.strip() if request else ""
        if not named and facts.ongoing_antidepressants:
            named = ", ".join(drug_and_dose(t) for t in facts.ongoing_antidepressants)
        return _("%(name)s continues alongside this treatment.") % {
            "name": named or _("[name and dose of the oral antidepressant]")
        }
    if answer == Answer.NO:
        text = _("No oral antidepressant is to continue alongside this treatment.")
        if facts.is_esketamine and facts.case.condition == CoverageCase.Condition.TRD:
            # DOMAIN.md §1.1 [R21]: monotherapy for TRD approved January 2025.
            text += " " + _(
                "In January 2025 the FDA approved Spravato as monotherapy for "
                "treatment-resistant depression."
            )
        return text
    return _("[whether an oral antidepressant continues alongside this treatment, and which]")


def _rems(facts: CaseFacts) -> str:
    request = facts.request
    answer = request.site_rems_certified if request else ""
    site = request.site_name.strip() if request else ""
    if answer == Answer.YES:
        # DOMAIN.md §1.1 [R22][R23]: what the REMS requires of a certified setting.
        first = (
            _("The treatment site, %(site)s, is certified in the Spravato REMS.") % {"site": site}
            if site
            else _("The treatment site is certified in the Spravato REMS.")
        )
        return (
            first
            + " "
            + _(
                "Under the REMS, each dose is taken under supervision in the certified setting, "
                "with at least 2 hours of monitoring afterwards, and Spravato is never dispensed "
                "for use at home."
            )
        )
    if answer == Answer.NO:
        # DOMAIN.md §1.1 [R22][R23]: Spravato only in a certified setting. Stated to the
        # provider as a placeholder, not to the insurer as a fact about the request.
        return _(
            "[The site is recorded as not certified in the Spravato REMS, and Spravato may only "
            "be given in a certified healthcare setting: name the certified setting where it "
            "will be given.]"
        )
    return _("[whether the treatment site is certified in the Spravato REMS]")


def _prescriber(facts: CaseFacts) -> str:
    prescriber = facts.request.prescriber if facts.request else None
    if prescriber is None:
        return _("[prescriber's name, specialty and NPI]")
    specialty = (
        prescriber.get_specialty_display()
        if prescriber.specialty and prescriber.specialty != Provider.Specialty.OTHER
        else _("[prescriber's specialty]")
    )
    return _("%(name)s, %(specialty)s (NPI %(npi)s).") % {
        "name": str(prescriber),
        "specialty": lower_first(specialty),
        "npi": prescriber.npi or _("[prescriber's NPI]"),
    }


def _pdmp(facts: CaseFacts) -> str:
    checked = facts.request.pdmp_checked_on if facts.request else None
    if checked is None:
        return _("[date of the PDMP check]")
    return _("The PDMP was checked on %(date)s.") % {"date": format_date(checked)}


def _substance_use(facts: CaseFacts) -> str:
    screen = facts.request.substance_use_screen if facts.request else ""
    if screen == Screen.NO_CONCERN:
        return _("Done, with no concern noted.")
    if screen == Screen.CONCERN:
        return _(
            "Done, and a concern was noted. [Provider: describe it and how it is being addressed.]"
        )
    return _("[result of the substance-use screen]")
