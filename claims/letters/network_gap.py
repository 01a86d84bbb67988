"""The network-gap exception / single-case agreement request (issue 16): the patient asks the plan
to cover an out-of-network provider at the in-network level, or to agree a rate with that
provider for this case, because no in-network provider they asked offers the treatment within a
reasonable distance or time.

DOMAIN.md §6 [R75] says such exceptions are possible when no in-network provider is nearby, and
cites "30–75 mi", marked uncertain [U]: so the letter states no distance rule. It says only what
the patient entered about each in-network provider they checked (claims.models
NetworkProviderCheck: name, distance, earliest date offered, what they said, when they asked),
and asks the plan which distance or waiting-time standard it applies. Nothing else is claimed:
a fact the patient did not enter is left out, never guessed.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from claims.models import CoverageCase, Denial, NetworkProviderCheck

from .facts import CaseFacts
from .sections import patient_block, treatment_block
from .text import DRAFT_NOTE, format_date, join_paragraphs, lower_first, quoted


class NoProvidersListed(ValueError):
    """The letter rests on the in-network providers the patient checked: none, no letter."""


def draft_network_gap_request(case: CoverageCase, denial: Denial | None = None) -> str:
    """The request letter, from the providers the patient listed and the case's request."""
    checks = list(case.network_checks.order_by("checked_on", "created_at"))
    if not checks:
        # Shown to the patient (claims/services/oon_claims.py), in their language.
        raise NoProvidersListed(_("List the in-network providers you checked first."))
    with translation.override("en"):
        facts = CaseFacts.of(case)
        return join_paragraphs(
            _(DRAFT_NOTE),
            format_date(facts.today),
            _("To the utilization management or network services department, %(payer)s")
            % {"payer": facts.payer_name},
            _(
                "Re: Request for a network-gap exception (in-network benefits for an "
                "out-of-network provider) or a single-case agreement"
            )
            + "\n"
            + patient_block(facts),
            _(
                "I am asking you to cover %(treatment)s for %(condition)s from the "
                "out-of-network provider named below at my in-network level of benefits, or to "
                "make a single-case agreement with that provider. I could not find an in-network "
                "provider who offers this treatment within a reasonable distance or time."
            )
            % {"treatment": facts.treatment_name, "condition": facts.condition_name},
            _("What is requested:") + "\n" + treatment_block(facts),
            _("The in-network providers I contacted, and what they told me:")
            + "\n"
            + "\n".join(provider_line(check) for check in checks),
            # Plans set their own network standards (DOMAIN.md §6 gives no rule it is sure of):
            # the letter asks which one applies rather than asserting a number.
            _(
                "Please tell me which distance and appointment waiting-time standards my plan "
                "applies to this treatment. If you know of an in-network provider who offers it "
                "and meets those standards, please give me their name and contact details. If "
                "there is none, please approve this request."
            ),
            _(
                "Please send me your decision in writing, with the reasons for it, and tell me "
                "how to appeal if you deny this request."
            ),
            _("Sincerely,") + "\n" + _("[Patient signature]") + "\n" + facts.patient_name,
        )


def provider_line(check: NetworkProviderCheck) -> str:
    """One provider as the patient entered it: only the facts entered, none guessed."""
    parts = [str(lower_first(str(check.get_answer_display())))]
    if check.distance_miles is not None:
        parts.append(_("%(miles)d miles away") % {"miles": check.distance_miles})
    if check.earliest_date is not None:
        parts.append(
            _("earliest appointment offered: %(date)s") % {"date": format_date(check.earliest_date)}
        )
    if check.checked_on is not None:
        parts.append(_("asked on %(date)s") % {"date": format_date(check.checked_on)})
    if check.answer_text.strip():
        parts.append(_("in their words: %(text)s") % {"text": quoted(check.answer_text)})
    return f"- {' '.join(check.name.split())}: " + "; ".join(parts)
