"""The appeal letter: the patient appeals a prior authorization denial, with paragraphs that
answer the denial's reason from the case's records."""

from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _

from claims import deadlines
from claims.models import CoverageCase, Deadline, Denial, appeal_levels_for

from .facts import CaseFacts
from .sections import (
    diagnosis_block,
    patient_block,
    provider_signature,
    scores_paragraph,
    treatment_block,
    trial_paragraphs,
)
from .text import DRAFT_NOTE, format_date, join_paragraphs, or_placeholder, quoted

Reason = Denial.Reason


def draft_appeal_letter(case: CoverageCase, denial: Denial | None) -> str:
    """A draft appeal of `denial` that answers its reason with the case's records."""
    if denial is None:
        raise ValueError("An appeal letter answers a denial; none was given.")
    if denial.pa_request.case_id != case.pk:
        raise ValueError("The denial belongs to another case.")
    with translation.override("en"):
        facts = CaseFacts.of(case)
        pa_request = denial.pa_request
        references = [
            _("Prior authorization reference number: %(ref)s")
            % {
                "ref": or_placeholder(
                    pa_request.reference_number, _("[Prior authorization reference]")
                )
            },
            _("Denial reference number: %(ref)s")
            % {"ref": or_placeholder(denial.reference_number, _("[Denial reference number]"))},
            _("Date of the denial notice: %(date)s")
            % {
                "date": format_date(denial.notice_date)
                if denial.notice_date
                else _("[Notice date]")
            },
            _("Date I received it: %(date)s")
            % {
                "date": format_date(denial.received_on)
                if denial.received_on
                else _("[Date received]")
            },
        ]
        opening = _(
            "I am appealing your decision to deny prior authorization of %(treatment)s for "
            "%(condition)s."
        ) % {"treatment": facts.treatment_name, "condition": facts.condition_name}
        due, from_letter = _filing_deadline(facts, denial)
        if due:
            opening += " " + _("This appeal is filed within the deadline of %(date)s.") % {
                "date": format_date(due)
            }
            if not from_letter:
                opening += " " + _("[Check this date against your denial letter.]")
        reason = _("Your notice gives the reason as: %(reason)s.") % {
            "reason": denial.get_reason_display()
        }
        if denial.reason_text.strip():
            reason += " " + _("It states: %(text)s") % {"text": quoted(denial.reason_text)}
        # DOMAIN.md §4.2 last paragraph [R80]: the claim file and the criteria, free on request.
        claim_file = _(
            "Please also send me, free of charge, a copy of my claim file and of the criteria, "
            "internal rules, guidelines or protocols you relied on in making this decision."
        )
        return join_paragraphs(
            _(DRAFT_NOTE),
            _("[Date]"),
            _("To the appeals department, %(payer)s") % {"payer": facts.payer_name},
            _("Re: Appeal of a prior authorization denial")
            + "\n"
            + patient_block(facts)
            + "\n"
            + "\n".join(references),
            treatment_block(facts),
            opening,
            reason,
            diagnosis_block(facts),
            *_reason_paragraphs(facts, denial),
            claim_file,
            _("Please send your decision to me in writing."),
            _("Sincerely,") + "\n" + _("[Patient signature]") + "\n" + facts.patient_name,
            _("Treating provider (if co-signing):") + "\n" + provider_signature(facts),
        )


def _filing_deadline(facts: CaseFacts, denial: Denial) -> tuple[date | None, bool]:
    """The last day to file the first appeal, and whether it is the patient's letter's date: that
    date always wins when entered (claims/deadlines.py), else the computed one (DOMAIN.md §4.2,
    §4.4a)."""
    level = appeal_levels_for(facts.plan_type)[0]
    stored = (
        Deadline.objects.filter(
            case=facts.case, key=f"appeal_filing:{denial.pk}:{level}", letter_due_on__isnull=False
        )
        .values_list("letter_due_on", flat=True)
        .first()
    )
    if stored:
        return stored, True
    clock = deadlines.appeal_filing(
        plan_type=facts.plan_type,
        level=level,
        notice_date=denial.notice_date,
        received_on=denial.received_on,
    )
    return (clock.due if clock else None), False


# --- one answer per denial reason ---------------------------------------------------------------


def _reason_paragraphs(facts: CaseFacts, denial: Denial) -> list[str]:
    if denial.reason in (Reason.NOT_MEDICALLY_NECESSARY, Reason.CRITERIA_NOT_MET):
        return _medical_necessity_paragraphs(facts)
    if denial.reason == Reason.EXPERIMENTAL:
        return _experimental_paragraphs(facts)
    if denial.reason == Reason.MISSING_INFORMATION:
        return [_missing_information_paragraph(facts)]
    if denial.reason == Reason.OUT_OF_NETWORK:
        return [_out_of_network_paragraph()]
    return [_reconsider_paragraph()]


def _medical_necessity_paragraphs(facts: CaseFacts) -> list[str]:
    return [
        *trial_paragraphs(facts),
        scores_paragraph(facts),
        _(
            "Please compare these records with the criteria in your medical policy for this "
            "treatment, and tell me which criterion you consider unmet and what documentation "
            "would show it is met."
        ),
    ]


def _experimental_paragraphs(facts: CaseFacts) -> list[str]:
    paragraphs: list[str] = []
    if facts.case.treatment == CoverageCase.Treatment.ESKETAMINE:
        # DOMAIN.md §1.1 [R20][R22] (indications) and [R21] (monotherapy, January 2025).
        fda = _(
            "Spravato (esketamine) nasal spray is approved by the U.S. Food and Drug "
            "Administration (FDA) for treatment-resistant depression in adults and for "
            "depressive symptoms in adults with major depressive disorder with acute suicidal "
            "ideation or behavior. In January 2025 the FDA also approved Spravato as "
            "monotherapy for treatment-resistant depression."
        )
        if facts.case.condition in (CoverageCase.Condition.TRD, CoverageCase.Condition.MDD_SI):
            fda += " " + _(
                "It is requested here for %(condition)s, one of these approved uses. Please "
                "explain why you consider an FDA-approved use experimental or investigational."
            ) % {"condition": facts.condition_name}
        paragraphs.append(fda)
    # DOMAIN.md §4.2 last paragraph [R80]: the notice must give the criterion relied on and,
    # for an experimental/investigational denial, the scientific or clinical judgment.
    paragraphs.append(
        _(
            "Please send me the specific criteria you used to decide that this treatment is "
            "experimental or investigational, and the scientific or clinical basis for that "
            "decision as it applies to my case."
        )
    )
    if facts.case.treatment != CoverageCase.Treatment.ESKETAMINE:
        paragraphs.append(_("[Provider: add the clinical literature you rely on]"))
    if _external_review_open(facts):
        paragraphs.append(
            _(
                "If this denial is upheld, I understand I may be able to ask for an independent "
                "external review, which is available for denials based on a treatment being "
                "experimental or investigational."
            )
        )
    return paragraphs


def _external_review_open(facts: CaseFacts) -> bool:
    # DOMAIN.md §4.2 [R46]: external review covers experimental/investigational denials for
    # non-grandfathered commercial plans (claims/deadlines.py COMMERCIAL).
    return (
        facts.plan_type in deadlines.COMMERCIAL
        and facts.policy is not None
        and facts.policy.grandfathered != "yes"
    )


def _missing_information_paragraph(facts: CaseFacts) -> str:
    documents = list(facts.case.documents.all())
    lines = [_("The following documents are now enclosed:")]
    if documents:
        for document in documents:
            line = f"- {document.get_category_display()}"
            if document.title.strip():
                line += f": {document.title.strip()}"
            lines.append(line)
    else:
        lines.append(_("- [List the documents you are enclosing]"))
    lines.append(_("Please tell me if you need anything else to decide."))
    return "\n".join(lines)


def _out_of_network_paragraph() -> str:
    # The patient's own statement; network exceptions are not a confirmed right
    # (DOMAIN.md §6 [R75] [U]), so it is asked for, not claimed.
    return _(
        "I could not find an in-network provider able to provide this treatment within "
        "reasonable reach of my home. I contacted these in-network providers: [list the "
        "in-network providers you contacted]. I ask you to cover this treatment from the "
        "provider I have chosen at the in-network level of benefits."
    )


def _reconsider_paragraph() -> str:
    # DOMAIN.md §4.2 last paragraph [R80]: the notice must name the plan provision relied on.
    return _(
        "I ask you to reconsider this decision in light of the records described in this "
        "letter. Please tell me which plan provision the reason given above relies on."
    )
