"""The packet's timeline figure: each treatment trial as a bar on a time axis, symptom scores as
points below it. Plain SVG drawn here (WeasyPrint renders inline SVG); every label is escaped."""

from datetime import date

from django.utils.html import escape

WIDTH, LABEL_W, ROW_H, TOP, SCORE_H = 700, 190, 22, 28, 70
BAR_COLORS = {
    "no_response": "#b3261e",
    "partial": "#c77c02",
    "side_effects": "#7b3fa0",
    "remission": "#2e7d32",
    "ongoing": "#1565c0",
    "": "#607d8b",
}


def _ordinal(day: date) -> int:
    return day.toordinal()


def trials_timeline_svg(trials, scores, *, today: date) -> str:
    """SVG markup for the trials (those with a start date) and the symptom scores."""
    dated = [t for t in trials if t.start_date]
    points = [s for s in scores if s.taken_on]
    if not dated and not points:
        return ""
    starts = [t.start_date for t in dated] + [s.taken_on for s in points]
    ends = [t.end_date or today for t in dated] + [s.taken_on for s in points]
    first, last = min(starts), max(ends)
    first = date(first.year, 1, 1)
    last = date(last.year + 1, 1, 1)
    span = max(_ordinal(last) - _ordinal(first), 1)
    plot_w = WIDTH - LABEL_W - 10

    def x(day: date) -> float:
        return LABEL_W + plot_w * (_ordinal(day) - _ordinal(first)) / span

    height = TOP + ROW_H * len(dated) + (SCORE_H if points else 10) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, sans-serif" font-size="10" '
        'role="img" aria-label="Treatment timeline">'
    ]
    for year in range(first.year, last.year + 1):
        tick = x(date(year, 1, 1))
        parts.append(
            f'<line x1="{tick:.1f}" y1="{TOP - 6}" x2="{tick:.1f}" y2="{height - 10}" '
            'stroke="#ccc" stroke-width="0.5"/>'
        )
        if year < last.year:
            parts.append(f'<text x="{tick + 2:.1f}" y="{TOP - 10}" fill="#555">{year}</text>')
    for row, trial in enumerate(dated):
        y = TOP + row * ROW_H
        name = trial.drug_generic or trial.name_as_entered
        dose = f" {trial.daily_dose.normalize():f} {trial.dose_unit}" if trial.daily_dose else ""
        label = escape(f"{name}{dose}"[:34])
        start, end = x(trial.start_date), x(trial.end_date or today)
        color = BAR_COLORS.get(trial.response, BAR_COLORS[""])
        parts.append(f'<text x="4" y="{y + 14}" fill="#222">{label}</text>')
        parts.append(
            f'<rect x="{start:.1f}" y="{y + 4}" width="{max(end - start, 2):.1f}" height="13" '
            f'fill="{color}" rx="2"/>'
        )
        parts.append(
            f'<text x="{min(end + 3, WIDTH - 60):.1f}" y="{y + 14}" fill="#444">'
            f"{escape(trial.get_response_display())[:22]}</text>"
            if trial.response
            else ""
        )
    if points:
        base = TOP + ROW_H * len(dated) + SCORE_H - 12
        parts.append(f'<text x="4" y="{base - 20}" fill="#222">Symptom scores</text>')
        for score in points:
            px = x(score.taken_on)
            parts.append(f'<circle cx="{px:.1f}" cy="{base - 24}" r="4" fill="#1565c0"/>')
            parts.append(
                f'<text x="{px - 12:.1f}" y="{base - 8}" fill="#222">'
                f"{escape(score.get_instrument_display())} {score.total}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
