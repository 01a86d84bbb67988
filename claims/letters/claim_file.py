"""The request for the claim file and the criteria used: asked of the plan before appealing, so
the appeal can answer the criteria the plan actually applied."""

from django.utils import translation
from django.utils.translation import gettext as _

from claims.models import CoverageCase, Denial

from .escalation import (
    DenialFacts,
    deadline_sentence,
    denial_reason,
    enclosure_list,
    is_claim_denial,
    next_appeal_due,
    opening,
)
from .facts import CaseFacts
from .text import join_paragraphs


def draft_claim_file_request(case: CoverageCase, denial: Denial | None) -> str:
    with translation.override("en"):
        facts = CaseFacts.of(case)
        denial_facts = DenialFacts.of(facts, denial)
        return join_paragraphs(
            *opening(
                facts,
                denial_facts,
                to=_("To the appeals department, %(payer)s") % {"payer": facts.payer_name},
                subject=_("Re: Request for my claim file and the criteria used"),
                name_the_plan=False,
            ),
            (
                _("You denied my claim for %(treatment)s for %(condition)s, care I have received.")
                if is_claim_denial(denial_facts.denial)
                else _("You denied prior authorization of %(treatment)s for %(condition)s.")
            )
            % {"treatment": facts.treatment_name, "condition": facts.condition_name}
            + " "
            + denial_reason(denial_facts.denial),
            # DOMAIN.md §4.2 last paragraph [R80]: the criterion relied on, free on request, and
            # the whole claim file, free. The rules: 29 CFR 2560.503-1(h)(2)(iii) (ERISA plans),
            # which 45 CFR 147.136(b) applies to group and individual health coverage.
            _(
                "Under 29 CFR 2560.503-1(h)(2)(iii), which 45 CFR 147.136(b) applies to group and "
                "individual health coverage, I ask you to send me, free of charge, copies of all "
                "documents, records and other information relevant to my claim, including:"
            )
            + "\n"
            + "\n".join(
                [
                    _("- my complete claim file, with every note of the review;"),
                    _(
                        "- the internal rule, guideline, protocol or criterion you relied on, and "
                        "the medical policy for this treatment in the version you applied;"
                    ),
                    _(
                        "- the names and qualifications of the medical reviewers whose advice you "
                        "obtained (29 CFR 2560.503-1(h)(3)(iv));"
                    ),
                    _(
                        "- for a medical-necessity or experimental denial, the scientific or "
                        "clinical judgment applied to my case."
                    ),
                ]
            ),
            _("I need these to prepare my appeal.")
            + " "
            + deadline_sentence(next_appeal_due(facts, denial_facts), _("file my next appeal")),
            _(
                "Please send them to the address above, or tell me if you can send them "
                "electronically."
            ),
            enclosure_list(facts, ("denial_letter",), missing=[])
            if facts.case.documents.filter(category="denial_letter").exists()
            else _("Enclosed:") + "\n" + _("- [A copy of the denial letter]"),
            _("Sincerely,") + "\n" + _("[Patient signature]") + "\n" + facts.patient_name,
        )
