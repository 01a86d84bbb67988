"""Field validators shared by patient, provider and clinic records."""

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import icd10

_NPI_RE = re.compile(r"^\d{10}$")

# The dates any record here may hold (issue 14, finding 3). A year like 9999 was once saved and
# broke every page that adds months or draws a timeline after it; far inside Python's and the
# databases' range, these bounds leave room for every computation (deadlines add at most months,
# the timeline a year).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def validate_sane_date(value: date | datetime | None) -> None:
    """A date (or date and time) from 1900 to 2099: anything else is a typo in the year."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("Please check the year: dates here run from 1900 to 2099."), code="date_range"
        )


def npi_check_digit_ok(npi: str) -> bool:
    """Luhn check over the NPI with the card-issuer prefix 80840 (CMS NPI check-digit standard).

    Source: CMS, "Requirements for National Provider Identifier (NPI) and NPI Enumeration"
    (the check digit is the Luhn formula applied to the prefix 80840 plus the first nine digits).
    """
    if not _NPI_RE.match(npi):
        return False
    digits = [int(d) for d in "80840" + npi]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def validate_npi(value: str) -> None:
    if not _NPI_RE.match(value or ""):
        raise ValidationError(
            _("An NPI is exactly 10 digits. You can look it up in the NPI Registry."),
            code="npi_format",
        )
    if not npi_check_digit_ok(value):
        raise ValidationError(
            _("This NPI's last digit does not match: please check it for a typo."),
            code="npi_check_digit",
        )


def validate_icd10_code(value: str) -> None:
    """A real ICD-10-CM code, category or billable (packets check for billable)."""
    if value and icd10.lookup(value) is None:
        raise ValidationError(
            _(
                "%(code)s is not an ICD-10-CM code. Check it against your paperwork, search by "
                "words instead, or leave it blank."
            ),
            code="icd10_unknown",
            params={"code": value},
        )
