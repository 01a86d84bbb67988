"""Which drafter writes each kind of letter. A new kind is one drafter module and one entry in
DRAFTERS (and its Letter.Kind)."""

from collections.abc import Callable

from claims.models import CoverageCase, Denial, Letter

from .appeal import draft_appeal_letter
from .claim_file import draft_claim_file_request
from .external_review import draft_external_review_request
from .medical_necessity import draft_medical_necessity_letter
from .network_gap import draft_network_gap_request
from .parity import draft_parity_request
from .peer_to_peer import draft_peer_to_peer_sheet
from .regulator import draft_regulator_complaint

# A drafter takes the case and the denial the letter answers (None for a kind that answers
# none), and returns the draft as plain text with paragraphs separated by a blank line.
Drafter = Callable[[CoverageCase, Denial | None], str]

DRAFTERS: dict[Letter.Kind, Drafter] = {
    Letter.Kind.MEDICAL_NECESSITY: draft_medical_necessity_letter,
    Letter.Kind.APPEAL: draft_appeal_letter,
    Letter.Kind.CLAIM_FILE: draft_claim_file_request,
    Letter.Kind.PARITY_ANALYSIS: draft_parity_request,
    Letter.Kind.EXTERNAL_REVIEW: draft_external_review_request,
    Letter.Kind.REGULATOR: draft_regulator_complaint,
    Letter.Kind.PEER_TO_PEER: draft_peer_to_peer_sheet,
    Letter.Kind.NETWORK_GAP: draft_network_gap_request,
}


def draft_letter(*, kind: str, case: CoverageCase, denial: Denial | None = None) -> str:
    """A draft letter of `kind` (a Letter.Kind value) from the case's records, answering
    `denial` for the kinds that answer one."""
    return DRAFTERS[Letter.Kind(kind)](case, denial)
