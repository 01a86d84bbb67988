"""Wording every letter shares: dates, placeholders, quotes, paragraphs and the draft note."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from django.utils import translation
from django.utils.translation import gettext_noop

from patients.models import DatePrecision

# Marked here, translated where a letter uses it: inside its translation.override("en").
DRAFT_NOTE = gettext_noop(
    "[Draft made by Coverage Guide from the records entered. Check and edit every statement, "
    "and remove this line, before sending. This draft is not medical or legal advice.]"
)


# The language a letter is drafted in: English, what payers read, whatever the page's language.
# Only the patient's Spanish reading copy (issue 17) drafts in another, by asking for it.
_LANGUAGE: ContextVar[str] = ContextVar("letter_language", default="en")


def letter_language() -> str:
    """The language letters are drafted in here: English unless inside `drafting_in`."""
    return _LANGUAGE.get()


@contextmanager
def drafting_in(language: str) -> Iterator[None]:
    """Inside the block, the drafters that offer a reading copy (the letter of medical necessity
    and the appeal letter) draft in `language`, and `language` is active. For the patient's
    reading copy only: a letter for the payer is drafted outside it, in English."""
    token = _LANGUAGE.set(language)
    try:
        with translation.override(language):
            yield
    finally:
        _LANGUAGE.reset(token)


def format_date(value: date) -> str:
    return value.strftime("%m/%d/%Y")


def format_partial_date(value: date, precision: str) -> str:
    """A date as entered: MM/YYYY when the patient only knew the month."""
    return value.strftime("%m/%Y") if precision == DatePrecision.MONTH else format_date(value)


def age_on(born: date, on: date) -> int:
    """Whole years from `born` to `on` (a February 29 birthday counts from March 1)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def or_placeholder(value: str, placeholder: str) -> str:
    return value.strip() or placeholder


def join_paragraphs(*parts: str) -> str:
    """The letter's text: non-empty parts, separated by a blank line."""
    return "\n\n".join(p.strip("\n") for p in parts if p and p.strip())


# How a letter's closing begins: "Sincerely," and the like, on a short line of its own.
SIGN_OFFS = ("sincerely", "respectfully", "regards", "best regards", "kind regards", "yours")


def split_closing(text: str) -> tuple[str, str]:
    """The letter's text as (body, closing). The closing runs from the paragraph before the
    sign-off ("Sincerely,") to the end, signatures included, so a printout can keep it on one
    page; with no sign-off in the last four paragraphs (an edited letter), the last two."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p.strip("\n") for p in re.split(r"\n{2,}", text) if p.strip()]
    start = max(len(paragraphs) - 2, 0)
    for index in range(len(paragraphs) - 1, max(len(paragraphs) - 5, -1), -1):
        first_line = paragraphs[index].split("\n", 1)[0].strip().rstrip(",").lower()
        if first_line.startswith(SIGN_OFFS) and len(first_line.split()) <= 4:
            start = max(index - 1, 0)
            break
    return "\n\n".join(paragraphs[:start]), "\n\n".join(paragraphs[start:])


def lower_first(text: str) -> str:
    """A label in the middle of a sentence: "Treatment-resistant…" but "PTSD", "OCD" kept."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def quoted(text: str) -> str:
    """`text` on one line, in curly quotes."""
    return "\u201c" + " ".join(text.split()) + "\u201d"
