"""Wording every letter shares: dates, placeholders, quotes, paragraphs and the draft note."""

from datetime import date

from django.utils.translation import gettext_noop

from patients.models import DatePrecision

# Marked here, translated where a letter uses it: inside its translation.override("en").
DRAFT_NOTE = gettext_noop(
    "[Draft made by Coverage Guide from the records entered. Check and edit every statement, "
    "and remove this line, before sending. This draft is not medical or legal advice.]"
)


def format_date(value: date) -> str:
    return value.strftime("%m/%d/%Y")


def format_partial_date(value: date, precision: str) -> str:
    """A date as entered: MM/YYYY when the patient only knew the month."""
    return value.strftime("%m/%Y") if precision == DatePrecision.MONTH else format_date(value)


def or_placeholder(value: str, placeholder: str) -> str:
    return value.strip() or placeholder


def join_paragraphs(*parts: str) -> str:
    """The letter's text: non-empty parts, separated by a blank line."""
    return "\n\n".join(p.strip("\n") for p in parts if p and p.strip())


def lower_first(text: str) -> str:
    """A label in the middle of a sentence: "Treatment-resistant…" but "PTSD", "OCD" kept."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def quoted(text: str) -> str:
    """`text` on one line, in curly quotes."""
    return "\u201c" + " ".join(text.split()) + "\u201d"
