"""The letter of medical necessity: the provider asks the insurer to approve the treatment, with
what is requested and a paragraph for each thing a payer checks (evidence.py)."""

from django.utils import translation
from django.utils.translation import gettext as _

from claims.models import CoverageCase, Denial

from .evidence import evidence_points
from .facts import CaseFacts
from .sections import (
    other_treatments_paragraph,
    patient_block,
    provider_signature,
    treatment_block,
)
from .text import DRAFT_NOTE, format_date, join_paragraphs, letter_language


def draft_medical_necessity_letter(case: CoverageCase, denial: Denial | None = None) -> str:
    """A draft letter of medical necessity from the case's records, for the provider to edit.
    It answers no denial: `denial` is ignored, and taken so every drafter has one signature."""
    # English for the payer; Spanish only for the patient's reading copy (issue 17).
    with translation.override(letter_language()):
        facts = CaseFacts.of(case)
        points = evidence_points(facts)
        # The paragraphs in the order the points run; other treatments follow psychotherapy.
        after = next(i for i, p in enumerate(points) if p.key == "psychotherapy") + 1
        body = [p.render() for p in points]
        body.insert(after, other_treatments_paragraph(facts))
        return join_paragraphs(
            _(DRAFT_NOTE),
            format_date(facts.today),
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
            # DOMAIN.md §1.2 "Modelling implications": what payer policies check.
            _(
                "Below are the points medical policies for this treatment commonly check, each "
                "with the evidence in my patient's records."
            ),
            *body,
            _("[Provider: add your clinical assessment of why this treatment is needed now.]"),
            _(
                "I ask you to approve this treatment. Please contact my office if you need more "
                "information."
            ),
            _("Sincerely,") + "\n" + provider_signature(facts),
        )
