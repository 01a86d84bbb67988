"""The packet's timeline figure: each treatment trial as a labelled bar on a year axis, with its
outcome written out beside it, and each questionnaire as a row of its scores over time: a dot
with its value for each score, higher in the row for a higher score (0 at the row's foot, the
scale's maximum at its head), joined by a line, and the change from the first score to the latest
beside the name (patients.scales.percent_change). Plain SVG drawn here (WeasyPrint renders inline
SVG, and so does the browser on step 2); every label is escaped.

Pure: plain records in, a string out, no queries. Outcomes are written, not only coloured, because
packets are often faxed in black and white. Text widths are estimated (DejaVu Sans averages about
0.5 em a character; 0.6 is used so an estimate errs wide), so no label is cut at the edge.
"""

import math
import textwrap
from datetime import date

from django.utils.html import escape

from patients.scales import SCALES, percent_change

WIDTH = 672  # 7 in at 96 px/in: the packet's text width (the template also scales it to fit)
LABEL_W = 200  # the left column: what each row is
PAD = 6
FONT = 11
CHAR_W = 0.6 * FONT
LINE_H = 12
AXIS_H = 24  # year labels above the first row
ROW_H = 28  # room for a label of two lines; a row with a longer one grows
LABEL_LINES = 3
SCORE_ROW_H = 64  # a line of scores, with values above and below its dots
SCORE_PAD_TOP = 16  # room for a value above a dot at the scale's maximum
SCORE_PAD_BOTTOM = 14  # and below one at 0
BAR_H = 12
BAR_COLORS = {
    "no_response": "#b3261e",
    "partial": "#c77c02",
    "side_effects": "#7b3fa0",
    "remission": "#2e7d32",
    "ongoing": "#1565c0",
    "": "#607d8b",
}
# Short enough for the label column; the full kind is in the treatment history table.
KIND_PREFIX = {"psychotherapy": "Psychotherapy", "ect": "ECT", "tms": "TMS"}


def _text_w(text: str) -> float:
    return len(text) * CHAR_W


def _wrap(text: str, width_px: float, max_lines: int | None = None) -> list[str]:
    """`text` in lines that fit `width_px`; past `max_lines`, the last line ends with "…"."""
    lines = textwrap.wrap(text, max(int(width_px / CHAR_W), 4)) or [""]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(int(width_px / CHAR_W) - 1, 1)].rstrip() + "…"
    return lines


def _two_lines(text: str) -> list[str]:
    """`text` broken at the space nearest its middle (one line if it has no space)."""
    spaces = [i for i, char in enumerate(text) if char == " "]
    if not spaces:
        return [text]
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return [text[:cut], text[cut + 1 :]]


def _text(
    x: float,
    y_center: float,
    lines: list[str],
    *,
    anchor: str = "start",
    backdrop: str = "",
    **attrs: str,
) -> str:
    """One <text> per line, the block centred on `y_center` (one element a line: WeasyPrint
    places plain <text> the same everywhere). A `backdrop` colour is painted behind each line,
    so the year lines do not cross the words (WeasyPrint has no paint-order for a halo)."""
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attrs.items())
    first = y_center - (len(lines) - 1) * LINE_H / 2 + FONT * 0.35
    parts = []
    for n, line in enumerate(lines):
        baseline = first + n * LINE_H
        if backdrop:
            width = _text_w(line)
            left = {"start": x, "end": x - width, "middle": x - width / 2}[anchor]
            parts.append(
                f'<rect x="{left - 1:.1f}" y="{baseline - FONT * 0.85:.1f}" '
                f'width="{width + 2:.1f}" height="{FONT * 1.1:.1f}" fill="{backdrop}"/>'
            )
        parts.append(
            f'<text x="{x:.1f}" y="{baseline:.1f}" text-anchor="{anchor}"{extra}>'
            f"{escape(line)}</text>"
        )
    return "".join(parts)


def trial_label(trial) -> str:
    """What the bar is: the drug and its dose, or the kind of treatment, its name and sessions."""
    name = (trial.drug_generic or trial.name_as_entered).strip()
    prefix = KIND_PREFIX.get(trial.kind, "")
    if prefix and not name.lower().startswith(prefix.lower()):
        name = f"{prefix}: {name}"
    return f"{name} {trial.amount_text}".rstrip()


def trial_outcome(trial) -> str:
    return trial.get_response_display() if trial.response else "Outcome not recorded"


def score_change(row_scores) -> str:
    """ "Since first: -57%": the latest score's change from the first (scores in date order)."""
    if len(row_scores) < 2:
        return ""
    change = percent_change(row_scores[0].total, row_scores[-1].total)
    if change is None:
        return ""
    return f"Since first: {change:+.0f}%".replace("-", "\u2212")


def score_row_label(score) -> str:
    if score.instrument == "other" and score.instrument_other.strip():
        return score.instrument_other.strip()
    scale = SCALES.get(score.instrument)
    name = score.get_instrument_display()
    return f"{name} (0–{scale.total_max})" if scale else name


def _outcome_placement(
    text: str, start: float, end: float, plot_left: float
) -> tuple[float, str, list[str], str]:
    """Where the outcome goes in its row: after the bar, before it, on two lines on the roomier
    side, or (a bar across most of the axis) inside it. Returns x, anchor, lines, fill."""
    room_right, room_left = WIDTH - PAD - (end + 4), (start - 4) - plot_left
    if _text_w(text) <= room_right:
        return end + 4, "start", [text], "#222"
    if _text_w(text) <= room_left:
        return start - 4, "end", [text], "#222"
    lines = _two_lines(text)
    widest = max(map(_text_w, lines))
    if widest <= max(room_right, room_left):
        if room_right >= room_left:
            return end + 4, "start", lines, "#222"
        return start - 4, "end", lines, "#222"
    return (start + end) / 2, "middle", lines, "#fff"


def _row_fill(row: int) -> str:
    return "#f3f3f3" if row % 2 == 0 else "#fff"


def _value_lanes(points: list[tuple[float, str]]) -> list[int]:
    """For each (x, value) in order, 0 to print the value above its dot, 1 below: the first lane
    where it does not touch the value before it (dots a few weeks apart sit close together)."""
    right_edge = [-math.inf, -math.inf]
    lanes = []
    for x, value in points:
        half = _text_w(value) / 2
        free = [lane for lane in (0, 1) if right_edge[lane] + 2 <= x - half]
        lane = free[0] if free else min((0, 1), key=lambda n: right_edge[n])
        right_edge[lane] = x + half
        lanes.append(lane)
    return lanes


def trials_timeline_svg(trials, scores, *, today: date) -> str:
    """SVG markup for the trials (those with a start date) and the symptom scores."""
    dated = [t for t in trials if t.start_date]
    undated = [t for t in trials if not t.start_date]
    points = sorted((s for s in scores if s.taken_on), key=lambda s: s.taken_on)
    if not dated and not points:
        return ""
    starts = [t.start_date for t in dated] + [s.taken_on for s in points]
    ends = [t.end_date or today for t in dated] + [s.taken_on for s in points]
    first = date(min(starts).year, 1, 1)
    last = date(max(ends).year + 1, 1, 1)
    span = max(last.toordinal() - first.toordinal(), 1)
    plot_left, plot_right = LABEL_W, WIDTH - PAD
    plot_w = plot_right - plot_left

    def x(day: date) -> float:
        return plot_left + plot_w * (day.toordinal() - first.toordinal()) / span

    instruments: dict[str, list] = {}
    for score in points:
        instruments.setdefault(score_row_label(score), []).append(score)
    note_lines = (
        _wrap(
            "Not on the timeline (no start date): " + "; ".join(trial_label(t) for t in undated),
            WIDTH - 2 * PAD,
        )
        if undated
        else []
    )
    labels = [_wrap(trial_label(t), LABEL_W - 2 * PAD, max_lines=LABEL_LINES) for t in dated]
    heights = [max(ROW_H, LINE_H * len(lines) + 6) for lines in labels]
    heights += [SCORE_ROW_H] * len(instruments)
    tops = [AXIS_H + sum(heights[:n]) for n in range(len(heights))]
    rows_bottom = AXIS_H + sum(heights)
    height = math.ceil(rows_bottom + (LINE_H * len(note_lines) + 6 if note_lines else 0) + 2)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, sans-serif" '
        f'font-size="{FONT}" role="img" aria-label="Treatment timeline">'
    ]
    # Every other row shaded, so a short bar far right is read against the right name.
    for row, (top, row_h) in enumerate(zip(tops, heights, strict=True)):
        parts.append(
            f'<rect x="0" y="{top}" width="{WIDTH}" height="{row_h}" fill="{_row_fill(row)}"/>'
        )
    years = last.year - first.year
    step = max(1, math.ceil(years * _text_w("2000 ") / plot_w))
    for year in range(first.year, last.year + 1):
        tick = x(date(year, 1, 1))
        parts.append(
            f'<line x1="{tick:.1f}" y1="{AXIS_H - 8}" x2="{tick:.1f}" y2="{rows_bottom}" '
            'stroke="#bbb" stroke-width="0.5"/>'
        )
        if year < last.year and (year - first.year) % step == 0:
            parts.append(f'<text x="{tick + 2:.1f}" y="{AXIS_H - 10}" fill="#555">{year}</text>')

    for row, trial in enumerate(dated):
        middle = tops[row] + heights[row] / 2
        parts.append(_text(PAD, middle, labels[row], fill="#222"))
        start, end = x(trial.start_date), x(trial.end_date or today)
        end = max(end, start + 3)  # a trial of a few weeks still shows
        color = BAR_COLORS.get(trial.response, BAR_COLORS[""])
        parts.append(
            f'<rect x="{start:.1f}" y="{middle - BAR_H / 2:.1f}" width="{end - start:.1f}" '
            f'height="{BAR_H}" fill="{color}" rx="2"/>'
        )
        at, anchor, lines, fill = _outcome_placement(trial_outcome(trial), start, end, plot_left)
        backdrop = "" if fill == "#fff" else _row_fill(row)
        parts.append(_text(at, middle, lines, anchor=anchor, fill=fill, backdrop=backdrop))

    for n, (row_label, row_scores) in enumerate(instruments.items()):
        row = len(dated) + n
        top = tops[row]
        label = _wrap(row_label, LABEL_W - 2 * PAD, 2)
        change = score_change(row_scores)
        parts.append(
            _text(PAD, top + SCORE_ROW_H / 2, [*label, *([change] if change else [])], fill="#222")
        )
        scale = SCALES.get(row_scores[0].instrument)
        ceiling = scale.total_max if scale else max(max(s.total for s in row_scores), 1)
        foot, head = top + SCORE_ROW_H - SCORE_PAD_BOTTOM, top + SCORE_PAD_TOP
        parts.append(
            f'<line x1="{plot_left}" y1="{foot:.1f}" x2="{plot_right}" y2="{foot:.1f}" '
            'stroke="#999" stroke-width="0.5"/>'
        )
        placed = [
            (x(s.taken_on), foot - (foot - head) * min(s.total, ceiling) / ceiling, str(s.total))
            for s in row_scores
        ]
        if len(placed) > 1:
            line = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in placed)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="#1565c0" stroke-width="1.5"/>'
            )
        lanes = _value_lanes([(px, value) for px, _, value in placed])
        for (px, py, value), lane in zip(placed, lanes, strict=True):
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="#1565c0"/>')
            offset = -10 if lane == 0 else 10
            parts.append(
                _text(
                    px,
                    py + offset,
                    [value],
                    anchor="middle",
                    backdrop=_row_fill(row),
                    fill="#111",
                    font_weight="bold",
                )
            )

    for n, line in enumerate(note_lines):
        parts.append(
            f'<text x="{PAD}" y="{rows_bottom + 6 + FONT + n * LINE_H:.1f}" fill="#555">'
            f"{escape(line)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
