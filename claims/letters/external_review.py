"""The external review request: an independent reviewer looks at the denial once the plan's own
appeal is lost. The process follows the plan type and funding (claims/ladder.py): the state's
process for fully insured and individual plans (45 CFR 147.136(c)), the federal one for
self-funded plans (147.136(d); 29 CFR 2590.715-2719), a state fair hearing for Medicaid managed
care (42 CFR 438 Subpart F). DOMAIN.md §4.2 and §4.4a give the rules and the deadlines."""

from django.utils import translation
from django.utils.translation import gettext as _

from claims import deadlines, ladder
from claims.models import CoverageCase, Denial

from .escalation import (
    ENCLOSURES,
    DenialFacts,
    deadline_sentence,
    denial_reason,
    enclosure_list,
    opening,
    stored_due,
)
from .facts import CaseFacts
from .sections import diagnosis_block, treatment_block
from .text import format_date, join_paragraphs


def draft_external_review_request(case: CoverageCase, denial: Denial | None) -> str:
    with translation.override("en"):
        facts = CaseFacts.of(case)
        denial_facts = DenialFacts.of(facts, denial)
        process = denial_facts.ladder.review_process
        addressee, rule, what = _process(process)
        if process == "fair_hearing":
            key = deadlines.deadline_key(
                deadlines.Kind.APPEAL_FILING,
                of=denial_facts.denial.pk,
                level="state_fair_hearing",
            )
        else:
            key = deadlines.deadline_key(deadlines.Kind.EXTERNAL_REVIEW, of=denial_facts.denial.pk)
        lost = denial_facts.last_lost
        final = (
            _("My plan upheld its denial on appeal (%(level)s, decided %(date)s).")
            % {"level": lost.get_level_display(), "date": format_date(lost.decided_on)}
            if lost and lost.decided_on
            else _("My plan upheld its denial on appeal on [date of the final appeal decision].")
        )
        missing = []
        if not facts.case.documents.filter(category="insurer_letter").exists():
            missing.append(_("The plan's final decision on my appeal"))
        if not facts.case.documents.filter(category="denial_letter").exists():
            missing.append(_("The denial letter"))
        return join_paragraphs(
            *opening(
                facts,
                denial_facts,
                to=addressee,
                subject=_("Re: Request for %(what)s") % {"what": what},
                name_the_plan=True,
            ),
            _(
                "I ask for %(what)s of my health plan's denial of %(treatment)s for "
                "%(condition)s, under %(rule)s."
            )
            % {
                "what": what,
                "treatment": facts.treatment_name,
                "condition": facts.condition_name,
                "rule": rule,
            },
            final + " " + denial_reason(denial_facts.denial),
            deadline_sentence(stored_due(facts.case, key), _("ask for this review"))
            + " "
            + _("This request is made within it."),
            treatment_block(facts),
            diagnosis_block(facts),
            _(
                "My treating provider and I believe this treatment is medically necessary for "
                "me: the enclosed records show my diagnosis, the treatments I tried and how they "
                "failed, and my symptom scores."
            ),
            *(
                # DOMAIN.md §4.2 [R46][R51]: external review covers experimental/investigational
                # denials, expedited when a delay would reduce the treatment's effectiveness.
                [
                    _(
                        "If waiting would seriously harm my health, or make this treatment less "
                        "effective, I ask for an expedited review. [Provider: confirm, or delete "
                        "this paragraph.]"
                    )
                ]
                if process != "fair_hearing"
                else [
                    _(
                        "If waiting would seriously harm my health, I ask for an expedited "
                        "hearing. [Provider: confirm, or delete this paragraph.]"
                    )
                ]
            ),
            enclosure_list(facts, ENCLOSURES[ladder.EXTERNAL_REVIEW], missing),
            _("Sincerely,") + "\n" + _("[Patient signature]") + "\n" + facts.patient_name,
        )


def _process(process: str) -> tuple[str, str, str]:
    """Addressee, rule cited, and what is asked for, by review process."""
    if process == "state":
        return (
            _(
                "To the external review office of my state's department of insurance\n[Its "
                "address: your plan's final denial letter or the department's website gives it]"
            ),
            _("my state's external review process (45 CFR 147.136(c))"),
            _("an independent external review"),
        )
    if process == "federal":
        return (
            _(
                "To the external review contact named in my plan's final denial letter\n[Its "
                "address, from that letter]"
            ),
            _("the federal external review process (45 CFR 147.136(d); 29 CFR 2590.715-2719)"),
            _("an independent external review"),
        )
    if process == "fair_hearing":
        return (
            _(
                "To my state's Medicaid fair hearing office\n[Its address: your plan's appeal "
                "decision names it]"
            ),
            _("the state fair hearing rules for Medicaid managed care (42 CFR 438 Subpart F)"),
            _("a state fair hearing"),
        )
    return (
        _(
            "To the external review office named in my plan's final denial letter\n[Your plan's "
            "letter says whether this goes to your state (fully insured plans) or through the "
            "federal process (self-funded plans), and where]"
        ),
        _("the external review rules of 45 CFR 147.136 (state or federal process)"),
        _("an independent external review"),
    )
