"""Symptom questionnaires: number of items, the range of each answer, and the total's range.

Source: ../shared/DOMAIN.md §5 (PHQ-9, GAD-7, PCL-5, QIDS-SR16, MADRS ranges). HAM-D17's 0–52
and BDI-II's 0–63 are the published scoring ranges of those scales (not in DOMAIN.md).
Severity bands are DOMAIN.md §5's, for PHQ-9 and GAD-7 only.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    items: int | None  # None: the app does not administer it, only records the total
    item_max: int | None
    total_max: int
    bands: tuple[tuple[int, str], ...] = ()  # (lowest score, label)


SCALES: dict[str, Scale] = {
    "phq9": Scale(
        9,
        3,
        27,
        ((0, "none"), (5, "mild"), (10, "moderate"), (15, "moderately severe"), (20, "severe")),
    ),
    "gad7": Scale(7, 3, 21, ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe"))),
    "pcl5": Scale(20, 4, 80),
    "qids_sr16": Scale(None, None, 27),
    "hamd17": Scale(None, None, 52),
    "madrs": Scale(None, None, 60),
    "bdi2": Scale(None, None, 63),
}


def severity(instrument: str, total: int) -> str:
    """The DOMAIN.md §5 band for a total, or '' where the app has no bands for the scale."""
    scale = SCALES.get(instrument)
    label = ""
    for lowest, name in scale.bands if scale else ():
        if total >= lowest:
            label = name
    return label
