"""The letter of medical necessity: the provider asks the insurer to approve the treatment."""

from django.utils import translation
from django.utils.translation import gettext as _

from claims.models import CoverageCase, Denial

from .facts import CaseFacts
from .sections import (
    diagnosis_block,
    patient_block,
    provider_signature,
    scores_paragraph,
    treatment_block,
    trial_paragraphs,
)
from .text import DRAFT_NOTE, join_paragraphs


def draft_medical_necessity_letter(case: CoverageCase, denial: Denial | None = None) -> str:
    """A draft letter of medical necessity from the case's records, for the provider to edit.
    It answers no denial: `denial` is ignored, and taken so every drafter has one signature."""
    with translation.override("en"):
        facts = CaseFacts.of(case)
        return join_paragraphs(
            _(DRAFT_NOTE),
            _("[Date]"),
            _("To the utilization review department, %(payer)s") % {"payer": facts.payer_name},
            _("Re: Letter of medical necessity") + "\n" + patient_block(facts),
            _(
                "I am writing to request coverage of %(treatment)s for my patient, "
                "%(patient)s, for %(condition)s."
            )
            % {
                "treatment": facts.treatment_name,
                "patient": facts.patient_name,
                "condition": facts.condition_name,
            },
            treatment_block(facts),
            diagnosis_block(facts),
            *trial_paragraphs(facts),
            scores_paragraph(facts),
            _("[Provider: add your clinical assessment of why this treatment is needed now.]"),
            _(
                "I ask you to approve this treatment. Please contact my office if you need more "
                "information."
            ),
            _("Sincerely,") + "\n" + provider_signature(facts),
        )
