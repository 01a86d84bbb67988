"""Symptom questionnaires: number of items, the range of each answer, the total's range, the
wording of the two the patient fills in here (PHQ-9, GAD-7), scoring, severity bands, the safety
rule for PHQ-9 item 9, and the change from baseline. Pure: plain data in, plain data out.

Sources (../shared/DOMAIN.md §5):
- PHQ-9: 9 items answered 0–3, total 0–27; bands 0–4 none (minimal), 5–9 mild, 10–14 moderate,
  15–19 moderately severe, 20–27 severe (Kroenke, Spitzer & Williams 2001) [R60].
- GAD-7: 7 items answered 0–3, total 0–21; 5/10/15 = mild/moderate/severe (Spitzer et al. 2006)
  [R61].
- Both: free to use. Pfizer released the PHQ screeners without copyright restriction in 2010 [R60]:
  "No permission required to reproduce, translate, display or distribute." The item wording below
  is the published English wording of both forms, word for word (punctuation aside).
- PCL-5, QIDS-SR16 and MADRS ranges are DOMAIN.md §5's. HAM-D17's 0–52 and BDI-II's 0–63 are the
  published scoring ranges of those scales (not in DOMAIN.md). The app records only their totals.
- Item 9 of the PHQ-9 asks about thoughts of being better off dead or of self-harm. DOMAIN.md §5:
  "app should store instrument, version, date, total, item 9/SI flags". Any answer above zero
  calls for the safety response (issue 13, part 2): see `needs_safety_response`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Scale:
    items: int | None  # None: the app does not administer it, only records the total
    item_max: int | None
    total_max: int
    bands: tuple[tuple[int, StrOrPromise], ...] = ()  # (lowest score, label)


SCALES: dict[str, Scale] = {
    "phq9": Scale(
        9,
        3,
        27,
        (
            (0, _("none")),
            (5, _("mild")),
            (10, _("moderate")),
            (15, _("moderately severe")),
            (20, _("severe")),
        ),
    ),
    "gad7": Scale(
        7, 3, 21, ((0, _("minimal")), (5, _("mild")), (10, _("moderate")), (15, _("severe")))
    ),
    "pcl5": Scale(20, 4, 80),
    "qids_sr16": Scale(None, None, 27),
    "hamd17": Scale(None, None, 52),
    "madrs": Scale(None, None, 60),
    "bdi2": Scale(None, None, 63),
}

# The scales a clinician gives and the patient records as a total, with the date and who gave it.
CLINICIAN_SCALES = ("madrs", "hamd17", "pcl5", "qids_sr16")


def severity(instrument: str, total: int) -> str:
    """The DOMAIN.md §5 band for a total, in the active language, or '' where the app has no
    bands for the scale."""
    scale = SCALES.get(instrument)
    label: StrOrPromise = ""
    for lowest, name in scale.bands if scale else ():
        if total >= lowest:
            label = name
    return str(label)


# --- The questionnaires the patient fills in, item by item ---------------------------------------

# Shown on the page and printed beside the questions (DOMAIN.md §5 [R60]).
COPYRIGHT = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
    "with an educational grant from Pfizer Inc. No permission required to reproduce, translate, "
    "display or distribute."
)


@dataclass(frozen=True)
class Questionnaire:
    instrument: str
    name: str
    stem: StrOrPromise  # the question every item answers
    items: tuple[StrOrPromise, ...]
    source: str  # the published paper


ANSWERS: tuple[tuple[int, StrOrPromise], ...] = (
    (0, _("Not at all")),
    (1, _("Several days")),
    (2, _("More than half the days")),
    (3, _("Nearly every day")),
)

PHQ9 = Questionnaire(
    instrument="phq9",
    name="PHQ-9",
    stem=_(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        _("Little interest or pleasure in doing things"),
        _("Feeling down, depressed, or hopeless"),
        _("Trouble falling or staying asleep, or sleeping too much"),
        _("Feeling tired or having little energy"),
        _("Poor appetite or overeating"),
        _(
            "Feeling bad about yourself — or that you are a failure or have let yourself or your "
            "family down"
        ),
        _("Trouble concentrating on things, such as reading the newspaper or watching television"),
        _(
            "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
            "being so fidgety or restless that you have been moving around a lot more than usual"
        ),
        _("Thoughts that you would be better off dead or of hurting yourself in some way"),
    ),
    source=(
        "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity "
        "measure. J Gen Intern Med. 2001;16(9):606–613."
    ),
)

GAD7 = Questionnaire(
    instrument="gad7",
    name="GAD-7",
    stem=_("Over the last 2 weeks, how often have you been bothered by the following problems?"),
    items=(
        _("Feeling nervous, anxious, or on edge"),
        _("Not being able to stop or control worrying"),
        _("Worrying too much about different things"),
        _("Trouble relaxing"),
        _("Being so restless that it is hard to sit still"),
        _("Becoming easily annoyed or irritable"),
        _("Feeling afraid as if something awful might happen"),
    ),
    source=(
        "Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized "
        "anxiety disorder: the GAD-7. Arch Intern Med. 2006;166(10):1092–1097."
    ),
)

QUESTIONNAIRES: dict[str, Questionnaire] = {q.instrument: q for q in (PHQ9, GAD7)}


class IncompleteAnswers(ValueError):
    """Answers that cannot be scored: some missing, or out of the scale's range."""


def score_answers(instrument: str, answers: Sequence[int | None]) -> int:
    """The total of a filled-in questionnaire: the sum of its items, each 0 to the scale's
    maximum. Raises IncompleteAnswers unless every item has an answer in range."""
    scale = SCALES[instrument]
    if scale.items is None or scale.item_max is None:
        raise IncompleteAnswers(f"{instrument} is recorded as a total, not item by item")
    if len(answers) != scale.items:
        raise IncompleteAnswers(f"{instrument} has {scale.items} items, not {len(answers)}")
    total = 0
    for answer in answers:
        # bool is an int subclass: True is not an answer.
        if type(answer) is not int or not 0 <= answer <= scale.item_max:
            raise IncompleteAnswers(f"{instrument}: every item needs an answer 0–{scale.item_max}")
        total += answer
    return total


# --- Safety: PHQ-9 item 9 -----------------------------------------------------------------------

SELF_HARM_ITEM = 9  # PHQ-9 item 9, numbered from 1 as on the form
# How long the crisis resources stay on the patient's dashboard, and the clinic's queue shows its
# flag, after the answer (issue 13, part 2).
SAFETY_WINDOW = timedelta(days=14)


def needs_safety_response(instrument: str, answers: Sequence[int | None] | None) -> bool:
    """True when the answers include PHQ-9 item 9 above zero ("Several days" or more)."""
    if instrument != PHQ9.instrument or not answers or len(answers) < SELF_HARM_ITEM:
        return False
    answer = answers[SELF_HARM_ITEM - 1]
    return answer is not None and answer > 0


def safety_window_open(answered_at: datetime, now: datetime) -> bool:
    """Whether an answer given at `answered_at` is still within SAFETY_WINDOW of `now`
    (13 days later: yes; 15 days later: no; exactly 14 days later: no). An answer stamped after
    `now` (a server clock set back, or two servers' clocks apart) is within it: the crisis
    resources never disappear because of a clock."""
    return now < answered_at + SAFETY_WINDOW


# --- Change from baseline ------------------------------------------------------------------------


def percent_change(baseline: int, latest: int) -> float | None:
    """How far the latest total moved from the baseline, as a percentage of the baseline:
    negative is a drop (improvement on every scale here, where higher is worse). 21 → 9 is
    -57.1...; 10 → 10 is 0.0. None when the baseline is 0 (no change can be a share of it).

    The baseline is the first score of a scale and `latest` the most recent one; a renewal
    usually asks for a drop from baseline (issue 12 reads this).
    """
    if baseline == 0:
        return None
    return (latest - baseline) / baseline * 100
