"""Drafts of the letters a case needs, as plain text, one drafter module per kind of letter:

- facts: the case's records a letter may state, read once;
- sections: the paragraphs stating them that every letter shares;
- text: dates, placeholders, paragraphs and the draft note;
- medical_necessity, appeal: the drafters (the appeal answers its denial's reason);
- registry: the drafter for each Letter.Kind, and `draft_letter`, which picks it.

Built only from the case's records: every statement is either a fact the patient or clinic
entered, a rule from ../shared/DOMAIN.md (cited in a comment), or a placeholder in square
brackets for what only the provider or patient can fill in. The drafts never say a plan's
criteria are met: the insurer's criteria are not in the records. Paragraphs are separated by a
blank line; the PDF template escapes and renders them. Letters go to insurers, so they are
written in English (translation.override), with the fixed sentences marked for translation. The
letter of medical necessity and the appeal letter are also drafted in Spanish, for the patient's
reading copy only (issue 17): inside text.drafting_in("es").

These are drafts for the patient and clinic staff to check and edit, not medical or legal advice.
"""

from .appeal import draft_appeal_letter
from .medical_necessity import draft_medical_necessity_letter
from .registry import DRAFTERS, Drafter, draft_letter
from .text import drafting_in

__all__ = [
    "DRAFTERS",
    "Drafter",
    "draft_appeal_letter",
    "draft_letter",
    "draft_medical_necessity_letter",
    "drafting_in",
]
