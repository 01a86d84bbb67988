"""Dates a patient remembers only roughly: "March 2021" or "03/2021" as well as "2021-03-14".

A month-precision date is stored as the first day of the month when it starts something and as
the last day when it ends something, so "started March 2021, stopped March 2021" is a valid range
and comparisons between full and partial dates stay correct.
"""

import calendar
import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .validators import EARLIEST_DATE, LATEST_DATE, validate_sane_date

DAY, MONTH = "day", "month"

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_DAY_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y")


def parse_partial_date(text: str, *, end: bool = False) -> tuple[date | None, str]:
    """(date, precision) from what a patient typed; (None, "day") for blank input.

    With end=True a month-only date becomes the month's last day.
    """
    text = (text or "").strip()
    if not text:
        return None, DAY
    for fmt in _DAY_FORMATS:
        try:
            exact = datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
        validate_sane_date(exact)
        return exact, DAY
    year = month = None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"(\d{1,2})\s*/\s*(\d{4})", text):
        month, year = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"([A-Za-z]+)\.?,?\s+(\d{4})", text):
        month, year = _MONTHS.get(m[1].lower()), int(m[2])
    if not year or not month or not 1 <= month <= 12:
        raise ValidationError(
            _("Please enter a date like 03/2021, March 2021 or 03/14/2021."), code="partial_date"
        )
    if not EARLIEST_DATE.year <= year <= LATEST_DATE.year:
        validate_sane_date(date(max(year, 1), month, 1))  # raises, with the range
    day = calendar.monthrange(year, month)[1] if end else 1
    return date(year, month, day), MONTH


def format_partial_date(value: date | None, precision: str) -> str:
    if value is None:
        return ""
    return value.strftime("%m/%Y") if precision == MONTH else value.strftime("%m/%d/%Y")


def treatment_dates_from_text(*, started: str, stopped: str) -> dict[str, date | str | None]:
    """Model field values from dates typed as "03/2021", "March 2021" or "03/14/2021"."""
    start, start_precision = parse_partial_date(started)
    end, end_precision = parse_partial_date(stopped, end=True)
    if start and end and end < start:
        raise ValidationError(
            {"end_date": _("The stop date is before the start date. Please check both.")}
        )
    return {
        "start_date": start,
        "start_precision": start_precision,
        "end_date": end,
        "end_precision": end_precision,
    }
