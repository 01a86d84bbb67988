"""Letters: drafted from the case once (claims/letters), then the patient's and the clinic's to
edit; packets render the saved text."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from patients.models import User

from .. import letters as drafting
from ..models import CoverageCase, Denial, Letter, SupportingDocument
from ..selectors import network_checks_digest
from .approvals import approval_withdraw_if_stale


@transaction.atomic
def letter_get_or_draft(*, case: CoverageCase, kind: str, denial: Denial | None = None) -> Letter:
    """The case's saved letter of this kind, drafted from the case the first time it is needed."""
    letter = Letter.objects.filter(case=case, kind=kind, denial=denial).first()
    if letter is not None:
        return letter
    with translation.override("en"):  # sent to the payer: English whatever the page's language
        text = drafting.draft_letter(kind=kind, case=case, denial=denial)
    letter = Letter(case=case, kind=kind, denial=denial, text=text)
    if kind == Letter.Kind.NETWORK_GAP:  # drafted from this list (issue 16 review)
        letter.source_digest = network_checks_digest(case.network_checks.all())
    letter.full_clean()
    letter.save()
    return letter


# The letters a patient may read in Spanish (issue 17, "What stays English"): what they ask for
# is theirs to understand; the rest are requests the payer reads.
READING_COPY_KINDS = frozenset({Letter.Kind.MEDICAL_NECESSITY, Letter.Kind.APPEAL})


def letter_reading_copy_pdf(letter: Letter) -> bytes:
    """A Spanish reading copy of the letter, as a PDF: the app's draft of it drafted again in
    Spanish (the patient's edits to the English text cannot be translated, and the copy says
    so), marked as a translation for information. Only reads: the saved English letter, the one
    that is sent, is untouched."""
    if letter.kind not in READING_COPY_KINDS:
        raise ValueError(f"No reading copy for {letter.kind!r} letters")
    # Imported here: claims.pdf loads WeasyPrint, about 0.9 s of start-up.
    from .. import pdf

    with drafting.drafting_in("es"):  # Spanish active, and the drafter asked to follow it
        text = drafting.draft_letter(kind=letter.kind, case=letter.case, denial=letter.denial)
        return pdf.render_reading_copy_pdf(letter=letter, text=text)


@transaction.atomic
def letter_save(*, letter: Letter, text: str, by: User) -> Letter:
    """Save an edited letter (by the patient, or a reviewer in admin); the next packet renders
    this text, and an approval of the old one is withdrawn."""
    letter.text = text
    letter.edited_by = by
    letter.full_clean()
    letter.save(update_fields=["text", "edited_by", "updated_at"])
    approval_withdraw_if_stale(case=letter.case)
    return letter


@transaction.atomic
def case_attach_signed_letter(*, case: CoverageCase, document: SupportingDocument) -> Letter:
    """Mark the letter of medical necessity as signed, by the uploaded signed copy."""
    if document.case_id != case.pk:
        raise ValidationError(_("That document belongs to another case."))
    letter = letter_get_or_draft(case=case, kind=Letter.Kind.MEDICAL_NECESSITY)
    letter.signed_copy = document
    letter.save(update_fields=["signed_copy", "updated_at"])
    return letter
