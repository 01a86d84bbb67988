"""The request for the plan's mental-health parity comparative analysis of the rule it applied
(prior authorization and medical-necessity criteria), addressed to the plan administrator.

DOMAIN.md §4.4 [R58]: group plans and issuers may not apply NQTLs (prior authorization, medical
necessity criteria, fail-first) more stringently to mental health than to comparable
medical/surgical benefits, and the CAA 2021 requires written NQTL comparative analyses, available
on request (ERISA §712(a)(8)). The 2024 rule's new parts are not enforced; the 2021 duty is.
An argument to make, not a guaranteed win; Medicare is not subject to MHPAEA.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from claims import ladder
from claims.models import CoverageCase, Denial

from .escalation import (
    ENCLOSURES,
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


def draft_parity_request(case: CoverageCase, denial: Denial | None) -> str:
    with translation.override("en"):
        facts = CaseFacts.of(case)
        denial_facts = DenialFacts.of(facts, denial)
        return join_paragraphs(
            *opening(
                facts,
                denial_facts,
                to=_("To the plan administrator of my health plan")
                + "\n"
                + _(
                    "[Plan administrator's name and address: your Summary Plan Description names "
                    "it; for an employer plan, often the employer's benefits office]"
                )
                + "\n"
                + _("Copy to: %(payer)s") % {"payer": facts.payer_name},
                subject=_("Re: Request for the parity comparative analysis (MHPAEA)"),
                name_the_plan=False,
            ),
            (
                _(
                    "My plan denied my claim for %(treatment)s for %(condition)s, a mental "
                    "health benefit I have received."
                )
                if is_claim_denial(denial_facts.denial)
                else _(
                    "My plan denied prior authorization of %(treatment)s for %(condition)s, a "
                    "mental health benefit."
                )
            )
            % {"treatment": facts.treatment_name, "condition": facts.condition_name}
            + " "
            + denial_reason(denial_facts.denial),
            _(
                "Under ERISA section 712(a)(8) (29 U.S.C. 1185a(a)(8)), as added by the "
                "Consolidated Appropriations Act, 2021, I ask for the comparative analysis of "
                "the nonquantitative treatment limitations applied to this claim: the "
                "medical-necessity criteria and the network and out-of-network rules for this "
                "treatment, including any requirement to try and fail other treatments first."
            )
            if is_claim_denial(denial_facts.denial)
            else _(
                "Under ERISA section 712(a)(8) (29 U.S.C. 1185a(a)(8)), as added by the "
                "Consolidated Appropriations Act, 2021, I ask for the comparative analysis of "
                "the nonquantitative treatment limitations applied to this request: the prior "
                "authorization requirement and the medical-necessity criteria for this "
                "treatment, including any requirement to try and fail other treatments first."
            ),
            _("Please include:")
            + "\n"
            + "\n".join(
                [
                    _(
                        "- the factors and evidentiary standards used to design these "
                        "limitations and to apply them to mental health benefits;"
                    ),
                    _(
                        "- the same for the prior authorization and medical-necessity rules "
                        "applied to medical/surgical benefits in the same classification, for "
                        "comparison;"
                    ),
                    _(
                        "- how the limitations are applied in operation, and the conclusion that "
                        "they are comparable and no more stringent for mental health benefits."
                    ),
                ]
            ),
            _("I need this to prepare my appeal.")
            + " "
            + deadline_sentence(next_appeal_due(facts, denial_facts), _("file my next appeal")),
            enclosure_list(facts, ENCLOSURES[ladder.PARITY], missing=[]),
            _("Sincerely,") + "\n" + _("[Patient signature]") + "\n" + facts.patient_name,
        )
