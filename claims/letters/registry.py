"""Which drafter writes each kind of letter. A new kind is one drafter module and one entry in
DRAFTERS (and its Letter.Kind)."""

from collections.abc import Callable

from claims.models import CoverageCase, Denial, Letter

from .appeal import draft_appeal_letter
from .medical_necessity import draft_medical_necessity_letter

# A drafter takes the case and the denial the letter answers (None for a kind that answers
# none), and returns the draft as plain text with paragraphs separated by a blank line.
Drafter = Callable[[CoverageCase, Denial | None], str]

DRAFTERS: dict[Letter.Kind, Drafter] = {
    Letter.Kind.MEDICAL_NECESSITY: draft_medical_necessity_letter,
    Letter.Kind.APPEAL: draft_appeal_letter,
}


def draft_letter(*, kind: str, case: CoverageCase, denial: Denial | None = None) -> str:
    """A draft letter of `kind` (a Letter.Kind value) from the case's records, answering
    `denial` for the kinds that answer one."""
    return DRAFTERS[Letter.Kind(kind)](case, denial)
