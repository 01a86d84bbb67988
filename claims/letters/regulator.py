"""The complaint to the regulator of the plan (claims/ladder.py names it by plan type): what was
asked, what the plan decided, what was appealed, and what the patient asks the regulator to
look at. A complaint does not replace an appeal or its deadlines."""

from django.utils import translation
from django.utils.translation import gettext as _

from claims import ladder
from claims.models import CoverageCase, Denial

from .escalation import ENCLOSURES, DenialFacts, denial_reason, enclosure_list, opening
from .facts import CaseFacts
from .text import format_date, join_paragraphs


def draft_regulator_complaint(case: CoverageCase, denial: Denial | None) -> str:
    with translation.override("en"):
        facts = CaseFacts.of(case)
        denial_facts = DenialFacts.of(facts, denial)
        regulator = denial_facts.ladder.regulator
        addressee = (
            str(regulator.name) + "\n" + _("[Its complaint address or online form]")
            if regulator
            else _("[The regulator named in your plan's letter]")
        )
        return join_paragraphs(
            *opening(
                facts,
                denial_facts,
                to=_("To: %(who)s") % {"who": addressee},
                subject=_("Re: Complaint about my health plan's denial of treatment"),
                name_the_plan=True,
            ),
            _(
                "I am writing to complain about how my health plan handled my request for "
                "%(treatment)s for %(condition)s, prescribed by my treating provider."
            )
            % {"treatment": facts.treatment_name, "condition": facts.condition_name}
            + " "
            + denial_reason(denial_facts.denial),
            _("What happened:") + "\n" + "\n".join(_history(denial_facts)),
            *(
                [
                    _("My plan is subject to %(basis)s, which I understand you oversee.")
                    % {"basis": regulator.basis}
                ]
                if regulator and regulator.basis
                else []
            ),
            _("I ask you to review whether my plan followed the rules that apply to it, "
              "including:")
            + "\n"
            + "\n".join(_questions(denial_facts)),
            _(
                "I understand a complaint does not stop or replace my appeal rights or their "
                "deadlines."
            ),
            enclosure_list(facts, ENCLOSURES[ladder.REGULATOR], missing=[]),
            _("Sincerely,") + "\n" + _("[Your signature]") + "\n" + facts.patient_name,
        )  # fmt: skip


def _questions(denial_facts: DenialFacts) -> list[str]:
    questions = [
        _("- whether it decided my request and my appeal within the required times;"),
        _(
            "- whether its notice gave the specific reason and the criteria it relied on, and "
            "sent me my claim file when I asked;"
        ),
    ]
    # Parity law applies to group and individual plans, not Medicare (DOMAIN.md §4.4).
    if ladder.PARITY in denial_facts.ladder.letters:
        questions.append(
            _(
                "- whether its criteria for this mental health treatment are more restrictive "
                "than for comparable medical treatments (mental health parity)."
            )
        )
    return questions


def _history(denial_facts: DenialFacts) -> list[str]:
    denial = denial_facts.denial
    request = denial.pa_request
    lines = [
        _("- Request sent: %(date)s")
        % {"date": format_date(request.submitted_on) if request.submitted_on else _("[date]")},
        _("- Denied: %(date)s")
        % {"date": format_date(denial.notice_date) if denial.notice_date else _("[date]")},
    ]
    for appeal in denial_facts.appeals:
        line = _("- %(level)s filed %(filed)s: %(outcome)s") % {
            "level": appeal.get_level_display(),
            "filed": format_date(appeal.filed_on) if appeal.filed_on else _("[date]"),
            "outcome": appeal.get_outcome_display(),
        }
        lines.append(line)
    return lines
