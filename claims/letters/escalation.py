"""What the letters after a first appeal share (issue 15): their opening, the references of the
denial and of each appeal, the deadlines stored for them, and the enclosures a kind of letter
asks for.

The letters themselves are one module each (claim_file, parity, external_review, regulator,
peer_to_peer); which fit a plan type is claims/ladder.py.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from claims import deadlines, ladder
from claims.models import Appeal, CoverageCase, Deadline, Denial, PriorAuthorizationRequest

from .facts import CaseFacts
from .sections import patient_block
from .text import DRAFT_NOTE, format_date, or_placeholder, quoted


@dataclass(frozen=True)
class DenialFacts:
    """The denial a letter follows up, its appeals, and its open deadlines."""

    denial: Denial
    appeals: list[Appeal]
    ladder: ladder.Ladder

    @classmethod
    def of(cls, facts: CaseFacts, denial: Denial | None) -> "DenialFacts":
        if denial is None:
            raise ValueError("This letter follows up a denial; none was given.")
        if denial.pa_request.case_id != facts.case.pk:
            raise ValueError("The denial belongs to another case.")
        return cls(
            denial=denial,
            appeals=list(denial.appeals.order_by("created_at")),
            ladder=ladder.ladder_for(facts.plan_type),
        )

    @property
    def last_lost(self) -> Appeal | None:
        """The latest appeal decided against the patient: the final internal denial, when it is
        an internal level."""
        lost = [a for a in self.appeals if a.outcome == Appeal.Outcome.UPHELD and a.decided_on]
        return max(lost, key=lambda a: a.decided_on or date.min) if lost else None


def is_claim_denial(denial: Denial) -> bool:
    """A denied out-of-network claim (issue 16): care already received, not a prior
    authorization."""
    return denial.pa_request.kind == PriorAuthorizationRequest.Kind.CLAIM


def references(facts: CaseFacts, denial_facts: DenialFacts) -> str:
    denial = denial_facts.denial
    is_claim = is_claim_denial(denial)
    lines = [
        (
            _("Claim number: %(ref)s")
            if is_claim
            else _("Prior authorization reference number: %(ref)s")
        )
        % {
            "ref": or_placeholder(
                denial.pa_request.reference_number,
                _("[Claim number]") if is_claim else _("[Prior authorization reference]"),
            )
        },
        _("Denial reference number: %(ref)s")
        % {"ref": or_placeholder(denial.reference_number, _("[Denial reference number]"))},
        _("Date of the denial notice: %(date)s")
        % {"date": format_date(denial.notice_date) if denial.notice_date else _("[Notice date]")},
    ]
    for appeal in denial_facts.appeals:
        line = _("%(level)s: %(outcome)s") % {
            "level": appeal.get_level_display(),
            "outcome": appeal.get_outcome_display(),
        }
        if appeal.decided_on:
            line += " " + _("(decided %(date)s)") % {"date": format_date(appeal.decided_on)}
        if appeal.reference_number:
            line += " · " + _("reference %(ref)s") % {"ref": appeal.reference_number}
        lines.append(line)
    return "\n".join(lines)


def opening(
    facts: CaseFacts, denial_facts: DenialFacts, *, to: str, subject: str, name_the_plan: bool
) -> tuple[str, ...]:
    """The paragraphs each letter opens with: the draft note, today's date, the addressee, and
    the subject over the patient's details (the plan's name too, for a letter to someone other
    than the plan) and the references."""
    heading = [subject, patient_block(facts)]
    if name_the_plan:
        heading.append(_("Health plan: %(payer)s") % {"payer": facts.payer_name})
    heading.append(references(facts, denial_facts))
    return (_(DRAFT_NOTE), format_date(facts.today), to, "\n".join(heading))


def denial_reason(denial: Denial) -> str:
    text = _("The reason given: %(reason)s.") % {"reason": denial.get_reason_display()}
    if denial.reason_text.strip():
        text += " " + _("The letter states: %(text)s") % {"text": quoted(denial.reason_text)}
    return text


def stored_due(case: CoverageCase, key: str) -> date | None:
    """A deadline's date as stored for the case (the patient's letter's date wins over the
    computed one; claims/services/deadlines.py keeps the rows current)."""
    return Deadline.objects.filter(case=case, key=key).values_list("due_on", flat=True).first()


def next_appeal_due(facts: CaseFacts, denial_facts: DenialFacts) -> date | None:
    """The last day to file the next appeal on the ladder: the first door not filed yet that
    has a deadline stored (claims/deadlines.py)."""
    filed = {a.level for a in denial_facts.appeals if a.filed_on}
    for rung in denial_facts.ladder.rungs:
        if rung.level in filed or rung.automatic:
            continue
        if rung.level == "external_review":
            key = deadlines.deadline_key(deadlines.Kind.EXTERNAL_REVIEW, of=denial_facts.denial.pk)
        else:
            key = deadlines.deadline_key(
                deadlines.Kind.APPEAL_FILING, of=denial_facts.denial.pk, level=rung.level
            )
        due = stored_due(facts.case, key)
        if due is not None:
            return due
    return None


def deadline_sentence(due: date | None, what: str) -> str:
    """ "Please note: the last day to … is …", or a placeholder to copy it from the letter."""
    if due is None:
        return _("The last day to %(what)s is [copy it from the denial letter].") % {"what": what}
    return _("The last day to %(what)s is %(date)s. [Check this date against your letter.]") % {
        "what": what,
        "date": format_date(due),
    }


def enclosure_list(facts: CaseFacts, categories: tuple[str, ...], missing: list[str]) -> str:
    """The enclosures a letter lists: the case's documents of these categories, in this order,
    and a bracketed line for each kind that is asked for but not uploaded."""
    lines = [_("Enclosed:")]
    documents = list(facts.case.documents.all())
    for category in categories:
        found = [d for d in documents if d.category == category]
        for document in found:
            line = f"- {document.get_category_display()}"
            if document.title.strip():
                line += f": {document.title.strip()}"
            lines.append(line)
    lines.extend(f"- [{item}]" for item in missing)
    if len(lines) == 1:
        lines.append(_("- [List what you enclose]"))
    return "\n".join(lines)


ENCLOSURES = ladder.ENCLOSURES
