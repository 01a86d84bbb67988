"""The peer-to-peer preparation sheet, for the prescriber's call with the plan's medical director
(DOMAIN.md §4.5 [R59]): not a formal appeal, often only days after the denial and sometimes not
once an appeal is filed; reviewers generally cannot waive written criteria. One page: the denial
reason, the criteria as the app reads the case against the plan's policy, the evidence, and the
three strongest points. Not sent to the plan."""

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from claims.models import CoverageCase, Denial
from claims.selectors import criteria_check_for
from patients.adequate_trials import Verdict

from .escalation import DenialFacts, denial_reason, references
from .evidence import Point, evidence_points
from .facts import CaseFacts
from .sections import patient_block, treatment_block
from .text import DRAFT_NOTE, format_date, join_paragraphs

VERDICT_WORDS = {Verdict.YES: "met", Verdict.NO: "NOT met", Verdict.UNKNOWN: "not shown"}
# The evidence points that carry an argument best, strongest first (DOMAIN.md §1.2 "Modelling
# implications": failed trials, then severity, then what else was tried).
STRONGEST_FIRST = ("trials", "score", "augmentation", "psychotherapy", "diagnosis")


def draft_peer_to_peer_sheet(case: CoverageCase, denial: Denial | None) -> str:
    with translation.override("en"):
        facts = CaseFacts.of(case)
        denial_facts = DenialFacts.of(facts, denial)
        check = criteria_check_for(case, today=timezone.localdate())
        points = {p.key: p for p in evidence_points(facts)}
        return join_paragraphs(
            _(DRAFT_NOTE),
            _("Peer-to-peer preparation sheet, for the prescriber (not for sending)"),
            format_date(facts.today),
            patient_block(facts)
            + "\n"
            + _("Health plan: %(payer)s") % {"payer": facts.payer_name}
            + "\n"
            + references(facts, denial_facts),
            # DOMAIN.md §4.5 [R59].
            _(
                "About the call: a peer-to-peer review is a conversation with the plan's medical "
                "director, not a formal appeal. Ask for it soon: some plans allow it only for a "
                "few business days after the denial, and not once an appeal is filed. The "
                "reviewer usually cannot waive the plan's written criteria, so show how they "
                "are met."
            ),
            _("1. The denial") + "\n" + denial_reason(denial_facts.denial),
            _("2. What is requested") + "\n" + treatment_block(facts),
            _("3. The plan's criteria, as the records show them") + "\n" + _criteria(check),
            _("4. The evidence") + "\n" + "\n".join(p.render() for p in points.values()),
            _("5. The three strongest points") + "\n" + _strongest(points, check),
            _("Notes from the call (date, reviewer's name, what was agreed):")
            + "\n"
            + _("[Notes]"),
        )


def _criteria(check) -> str:
    report = check.report
    if report is None:
        return _(
            "- The app has no coverage policy for this plan and treatment yet: ask the reviewer "
            "which criteria were applied, and ask for them in writing."
        )
    lines = [_("Policy: %(name)s") % {"name": report.spec.name}]
    for line in report.lines:
        labels = " / ".join(f.label for f in line.findings)
        lines.append(f"- {labels}: {VERDICT_WORDS.get(line.verdict, line.verdict)}")
    return "\n".join(lines)


def _strongest(points: dict[str, Point], check) -> str:
    chosen: list[str] = []
    if check.report is not None:
        chosen.extend(check.report.appeal_points)
    for key in STRONGEST_FIRST:
        point = points.get(key)
        if point is not None and "[" not in point.text:
            chosen.append(point.render())
    chosen = chosen[:3]
    while len(chosen) < 3:
        chosen.append(_("[Provider: add a point from your own assessment]"))
    return "\n".join(f"- {text}" for text in chosen)
