"""The packet's timeline figure (claims/timeline.py): plain records in, SVG out, no database."""

import datetime as dt
import re
from decimal import Decimal

from defusedxml import ElementTree

from claims.timeline import ROW_H, WIDTH, trials_timeline_svg
from patients.models import SymptomScore, TreatmentTrial

TODAY = dt.date(2027, 3, 1)
Response = TreatmentTrial.Response


def _trial(name, start, weeks=10, *, kind="medication", dose=None, response="", generic=""):
    return TreatmentTrial(
        kind=kind,
        name_as_entered=name,
        drug_generic=generic,
        daily_dose=Decimal(dose) if dose else None,
        start_date=start,
        end_date=start + dt.timedelta(weeks=weeks) if start else None,
        response=response,
    )


def _score(total, taken_on, instrument="phq9"):
    return SymptomScore(instrument=instrument, total=total, taken_on=taken_on)


def _texts(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg)
    return [el.text or "" for el in root.iter("{http://www.w3.org/2000/svg}text")]


def _lines(svg: str) -> list[str]:
    """The figure's texts, and each two in a row joined: a label wrapped onto two lines."""
    texts = _texts(svg)
    return texts + [f"{a} {b}" for a, b in zip(texts, texts[1:], strict=False)]


def _nine_years_of_trials() -> list[TreatmentTrial]:
    """Ten-week trials spread over 2018-2026, the last one still going."""
    responses = [Response.NO_RESPONSE, Response.PARTIAL, Response.SIDE_EFFECTS, Response.REMISSION]
    trials = [
        _trial(
            f"Drug{n}",
            dt.date(2018 + n, 1 + (n * 5) % 12, 1),
            dose="20",
            response=responses[n % 4],
        )
        for n in range(9)
    ]
    trials.append(_trial("Auvelity", dt.date(2026, 11, 1), dose="90", response=Response.ONGOING))
    return trials


def test_it_writes_every_outcome_in_full():
    svg = trials_timeline_svg(_nine_years_of_trials(), [], today=TODAY)

    # Whole: on one line, or on two lines broken at a space.
    for response in Response:
        assert response.label in _lines(svg), response.label
    assert "Helped a little (partial response)" in _texts(svg)  # cut at 22 characters before


def test_an_outcome_near_the_right_edge_goes_before_its_bar():
    svg = trials_timeline_svg(_nine_years_of_trials(), [], today=TODAY)

    ongoing = re.search(r'<text x="([\d.]+)" [^>]*text-anchor="(\w+)"[^>]*>Still taking', svg)
    assert ongoing, svg
    assert ongoing.group(2) == "end"  # right-aligned, ending where the bar starts
    for x in re.findall(r'<text x="([\d.]+)"', svg):
        assert float(x) <= WIDTH


def test_a_therapy_bar_is_labelled_with_its_kind_and_outcome():
    therapy = _trial(
        "CBT", dt.date(2022, 3, 1), weeks=16, kind="psychotherapy", response=Response.PARTIAL
    )
    unrated = _trial("DBT skills group", dt.date(2023, 3, 1), kind="psychotherapy")

    svg = trials_timeline_svg([therapy, unrated], [], today=TODAY)

    texts = _lines(svg)
    assert "Psychotherapy: CBT" in texts
    assert "Psychotherapy: DBT skills group" in texts  # on one line or two
    assert "Helped a little (partial response)" in texts
    assert "Outcome not recorded" in texts  # the bar still says how it went: unknown


def test_each_score_shows_its_value_in_a_row_per_questionnaire():
    scores = [
        _score(24, dt.date(2019, 9, 10)),
        _score(19, dt.date(2021, 5, 2)),
        _score(17, dt.date(2021, 6, 1)),  # a month on: the value goes below the dot
        _score(21, dt.date(2026, 10, 14)),
        _score(15, dt.date(2026, 10, 14), instrument="gad7"),  # same day, other questionnaire
    ]

    svg = trials_timeline_svg([], scores, today=TODAY)

    texts = _texts(svg)
    for value in ["24", "19", "17", "21", "15"]:
        assert value in texts, value
    assert "PHQ-9 (0–27)" in texts
    assert "GAD-7 (0–21)" in texts
    assert svg.count("<circle") == 5


def test_it_is_as_tall_as_its_rows_and_as_wide_as_the_page():
    one = trials_timeline_svg([_trial("Zoloft", dt.date(2020, 1, 1))], [], today=TODAY)
    ten = trials_timeline_svg(_nine_years_of_trials(), [], today=TODAY)

    height = int(re.search(r'height="(\d+)"', one).group(1))
    assert height < 60  # one row and the year axis, no empty band below
    taller = int(re.search(r'height="(\d+)"', ten).group(1))
    assert taller - height == 9 * ROW_H
    assert f'width="{WIDTH}"' in ten
    # Every year labelled: ten of them fit.
    assert [str(year) for year in range(2018, 2028)] == [t for t in _texts(ten) if t.isdigit()]


def test_undated_trials_are_named_below_the_figure():
    svg = trials_timeline_svg(
        [_trial("Zoloft", dt.date(2020, 1, 1)), _trial("Prozac", None, dose="20")],
        [],
        today=TODAY,
    )

    assert "Not on the timeline (no start date): Prozac 20 mg/day" in svg


def test_labels_are_escaped():
    trial = _trial("<script>alert(1)</script> & co", dt.date(2020, 1, 1))

    svg = trials_timeline_svg([trial], [], today=TODAY)

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    ElementTree.fromstring(svg)  # still well-formed


def test_nothing_dated_draws_nothing():
    assert trials_timeline_svg([_trial("Zoloft", None)], [], today=TODAY) == ""
