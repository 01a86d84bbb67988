"""The appeal letter: the patient appeals a prior authorization denial, with paragraphs that
answer the denial's reason from the case's records."""

from datetime import date

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from claims import codes, deadlines
from claims.guidance import INSURER_QUESTIONS
from claims.models import (
    CoverageCase,
    Deadline,
    Denial,
    PriorAuthorizationRequest,
    TreatmentRequest,
    appeal_levels_for,
)

from .evidence import evidence_points
from .facts import CaseFacts
from .sections import (
    diagnosis_block,
    other_treatments_paragraph,
    patient_block,
    provider_signature,
    request_period,
    treatment_block,
)
from .text import DRAFT_NOTE, format_date, join_paragraphs, letter_language, or_placeholder, quoted

Reason = Denial.Reason
POINT_BY_POINT = (Reason.NOT_MEDICALLY_NECESSARY, Reason.CRITERIA_NOT_MET)


def draft_appeal_letter(case: CoverageCase, denial: Denial | None) -> str:
    """A draft appeal of `denial` that answers its reason with the case's records."""
    if denial is None:
        raise ValueError("An appeal letter answers a denial; none was given.")
    if denial.pa_request.case_id != case.pk:
        raise ValueError("The denial belongs to another case.")
    # English for the payer; Spanish only for the patient's reading copy (issue 17).
    with translation.override(letter_language()):
        facts = CaseFacts.of(case)
        pa_request = denial.pa_request
        # A denied out-of-network claim (issue 16) is a claim for care already received.
        is_claim = pa_request.kind == PriorAuthorizationRequest.Kind.CLAIM
        references = [
            (
                _("Claim number: %(ref)s")
                if is_claim
                else _("Prior authorization reference number: %(ref)s")
            )
            % {
                "ref": or_placeholder(
                    pa_request.reference_number,
                    _("[Claim number]") if is_claim else _("[Prior authorization reference]"),
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
        opening = (
            _(
                "I am appealing your decision to deny my claim for %(treatment)s for "
                "%(condition)s, care I have already received."
            )
            if is_claim
            else _(
                "I am appealing your decision to deny prior authorization of %(treatment)s for "
                "%(condition)s."
            )
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
        reason += " " + _("It states: %(text)s") % {
            "text": quoted(denial.reason_text)
            if denial.reason_text.strip()
            else _("[the reason, quoted exactly as the denial letter gives it]")
        }
        answers_point_by_point = denial.reason in POINT_BY_POINT
        # DOMAIN.md §4.2 last paragraph [R80]: the claim file and the criteria, free on request.
        claim_file = _(
            "Please also send me, free of charge, a copy of my claim file and of the criteria, "
            "internal rules, guidelines or protocols you relied on in making this decision."
        )
        return join_paragraphs(
            _(DRAFT_NOTE),
            format_date(facts.today),
            _("To the appeals department, %(payer)s") % {"payer": facts.payer_name},
            (
                _("Re: Appeal of a denied claim")
                if is_claim
                else _("Re: Appeal of a prior authorization denial")
            )
            + "\n"
            + patient_block(facts)
            + "\n"
            + "\n".join(references),
            treatment_block(facts),
            opening,
            reason,
            # The point-by-point answer states the diagnosis among the other points.
            "" if answers_point_by_point else diagnosis_block(facts),
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
    if denial.reason in POINT_BY_POINT:
        return _medical_necessity_paragraphs(facts)
    if denial.reason == Reason.EXPERIMENTAL:
        return _experimental_paragraphs(facts)
    if denial.reason == Reason.MISSING_INFORMATION:
        return [_missing_information_paragraph(facts)]
    if denial.reason == Reason.OUT_OF_NETWORK:
        return _out_of_network_paragraphs(facts)
    if denial.reason == Reason.QUANTITY_LIMIT:
        return _quantity_limit_paragraphs(facts)
    if denial.reason == Reason.CODING:
        return _coding_paragraphs(facts)
    return _reconsider_paragraphs(denial)


def _medical_necessity_paragraphs(facts: CaseFacts) -> list[str]:
    points = evidence_points(facts)
    return [
        # DOMAIN.md §1.2 "Modelling implications": what payer policies check.
        _(
            "Medical policies for this treatment commonly check the points below. For each one, "
            "here is the evidence in my records."
        ),
        *(point.render(number) for number, point in enumerate(points, start=1)),
        other_treatments_paragraph(facts),
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


# --- quantity limit: the labelled dosing and what is asked for ---------------------------------

# DOMAIN.md §1.1 [R20]: Spravato dosing. TRD induction is twice a week in weeks 1 to 4 (56 mg on
# day 1, then 56 or 84 mg); MDD with acute suicidal ideation is 84 mg twice a week for 4 weeks.
# Either way, the induction is 8 sessions. Each device holds 28 mg.
INDUCTION_SESSIONS = 8
TRD_FIRST_DAY_DOSE = 56
TRD_INDUCTION_DOSES = {56, 84}
SI_DOSE = 84
DEVICE_MG = 28
OLDER_ADULT_AGE = 65  # DOMAIN.md §1.1 [R20]: "Age ≥65: start 28 mg"


def _quantity_limit_paragraphs(facts: CaseFacts) -> list[str]:
    paragraphs = []
    if facts.is_esketamine:
        paragraphs.append(_label_dosing(facts))
    paragraphs.append(_requested_quantity(facts))
    paragraphs.append(
        _(
            "Please tell me the quantity limit you applied (the number of units, devices or "
            "sessions, and over what period) and where your policy sets it."
        )
    )
    return paragraphs


def _is_si(facts: CaseFacts) -> bool:
    return facts.case.condition == CoverageCase.Condition.MDD_SI


def _label_dosing(facts: CaseFacts) -> str:
    # DOMAIN.md §1.1 [R20].
    if _is_si(facts):
        text = _(
            "The Spravato prescribing information gives this dosing for depressive symptoms in "
            "adults with major depressive disorder with acute suicidal ideation or behavior: "
            "84 mg twice a week for 4 weeks. Each nasal spray device holds 28 mg, so an 84 mg "
            "dose uses 3 devices."
        )
    else:
        text = _(
            "The Spravato prescribing information gives this dosing for treatment-resistant "
            "depression: in weeks 1 to 4 (induction), twice a week, 56 mg on the first day and "
            "then 56 mg or 84 mg; in weeks 5 to 8, once a week; from week 9, once a week or once "
            "every 2 weeks. Each nasal spray device holds 28 mg, so a 56 mg dose uses 2 devices "
            "and an 84 mg dose uses 3."
        )
        if facts.age is not None and facts.age >= OLDER_ADULT_AGE:
            text += " " + _("For patients 65 and older, it starts at 28 mg.")
    request = facts.request
    if request is not None and request.phase != TreatmentRequest.Phase.INDUCTION:
        # DOMAIN.md §1.1 [R20]: "Evaluate benefit at end of induction (≈week 4)".
        text += " " + _(
            "It calls for the benefit to be evaluated at the end of induction, at about week 4. "
            "[Provider: state the response at the end of induction, with the scores.]"
        )
    return text


def _requested_quantity(facts: CaseFacts) -> str:
    request = facts.request
    sessions = request.sessions if request else None
    dose = request.dose_or_default if request else None
    schedule = request.schedule.strip() if request else ""
    lines = [
        _(
            "This request is for %(sessions)s of %(dose)s each from %(period)s, on the schedule "
            "%(schedule)s."
        )
        % {
            "sessions": ngettext("%(n)d session", "%(n)d sessions", sessions) % {"n": sessions}
            if sessions
            else _("[number of sessions]"),
            "dose": f"{dose} mg" if dose else _("[dose per session, in mg]"),
            "period": request_period(facts),
            "schedule": quoted(schedule) if schedule else _("[schedule, e.g. twice a week]"),
        }
    ]
    lines += _units_sentences(facts)
    comparison: list[str] = []
    if facts.is_esketamine and request is not None and sessions:
        comparison = _against_the_label(facts, request, sessions, dose)
    elif not facts.is_esketamine:
        comparison = [
            _("[Provider: explain the dose, schedule and number of sessions, and their basis.]")
        ]
    return join_paragraphs(" ".join(lines), " ".join(comparison))


def _units_sentences(facts: CaseFacts) -> list[str]:
    if not facts.request_lines:
        return [_("[units asked for, from the dose and the number of sessions]")]
    line = facts.request_lines[0]
    code = line.code.code
    if code in ("J0013", "S0013"):
        # DOMAIN.md §2.1 [R27]: per 1 mg; §1.1: 28 mg per device.
        mg = line.units_per_session
        devices = mg // DEVICE_MG if mg % DEVICE_MG == 0 else None
        sentence = (
            _(
                "%(code)s is billed per 1 mg of esketamine, so each %(mg)d mg session is "
                "%(mg)d units (%(devices)d devices of 28 mg), and the %(sessions)d sessions are "
                "%(total)d units in all."
            )
            if devices
            else _(
                "%(code)s is billed per 1 mg of esketamine, so each %(mg)d mg session is "
                "%(mg)d units, and the %(sessions)d sessions are %(total)d units in all."
            )
        )
        return [
            sentence
            % {
                "code": code,
                "mg": mg,
                "devices": devices or 0,
                "sessions": line.sessions,
                "total": line.total_units,
            }
        ]
    if code in ("G2082", "G2083"):
        # DOMAIN.md §2.1 [R26][R28]: one session code, drug included.
        return [
            _(
                "%(code)s is billed once per session, with the drug included, so the "
                "%(sessions)d sessions are %(sessions)d units."
            )
            % {"code": code, "sessions": line.sessions}
        ]
    return [_("The units for each code are listed above.")]


def _against_the_label(
    facts: CaseFacts, request: TreatmentRequest, sessions: int, dose: int | None
) -> list[str]:
    """How the request compares with the labelled dosing (DOMAIN.md §1.1 [R20]), stated only
    where the comparison holds; otherwise the provider is asked to explain."""
    explain = _("[Provider: explain why this number of sessions is needed.]")
    if request.phase == TreatmentRequest.Phase.INDUCTION:
        si = _is_si(facts)
        course = (
            _("the labelled course of 84 mg twice a week for 4 weeks")
            if si
            else _("the labelled induction of twice a week for 4 weeks")
        )
        sentences = []
        if sessions == INDUCTION_SESSIONS:
            sentences.append(_("That is %(course)s, 8 sessions in all.") % {"course": course})
        elif sessions < INDUCTION_SESSIONS:
            sentences.append(
                _("That is fewer than the 8 sessions of %(course)s.") % {"course": course}
            )
        if dose == (SI_DOSE if si else TRD_FIRST_DAY_DOSE):
            sentences.append(
                _("The dose asked for, %(dose)d mg, is a labelled dose.") % {"dose": dose}
            )
        elif not si and dose in TRD_INDUCTION_DOSES:
            sentences.append(
                _(
                    "The dose asked for, %(dose)d mg, is a labelled dose from the second session "
                    "on; the label starts at 56 mg on the first day. [Provider: confirm the first "
                    "session's dose and its units.]"
                )
                % {"dose": dose}
            )
        if sessions > INDUCTION_SESSIONS:
            sentences.append(explain)
        return sentences
    start, end = request.start_date, request.end_date
    if _is_si(facts) or start is None or end is None:
        return [explain]
    weeks = -(-((end - start).days + 1) // 7)
    if sessions <= weeks:
        return [
            _(
                "Over the %(weeks)d weeks asked for, that is at most one session a week, which "
                "the label allows after induction."
            )
            % {"weeks": weeks}
        ]
    return [explain]


# --- coding: the code for the date of service and the plan type -------------------------------


def _coding_paragraphs(facts: CaseFacts) -> list[str]:
    plan = facts.policy.get_plan_type_display() if facts.policy else _("[type of plan]")
    start = facts.request.start_date if facts.request else None
    if start:
        when = _(
            "The codes listed above are the ones for this service for a first date of service "
            "of %(date)s and my type of plan: %(plan)s."
        ) % {"plan": plan, "date": format_date(start)}
    else:
        when = _(
            "The codes listed above are the ones for this service on %(date)s, the date of "
            "this letter, and my type of plan: %(plan)s. [requested start date: the codes "
            "depend on the date of service]"
        ) % {"plan": plan, "date": format_date(facts.today)}
    return [
        when + " " + _coding_rule(facts),
        _("[Provider or billing office: confirm the codes, units and any modifiers billed.]"),
        _(
            "Please tell me which code, unit or modifier you consider wrong, and what you expect "
            "instead."
        ),
    ]


def _coding_rule(facts: CaseFacts) -> str:
    treatment = facts.case.treatment
    plan_type = facts.plan_type
    if treatment == CoverageCase.Treatment.ESKETAMINE and plan_type in codes.G_CODE_PLANS:
        if plan_type == "tricare":
            # DOMAIN.md §1.2 [R24]: TRICARE West's Spravato billing page, G2082/G2083 only.
            rule = _(
                "TRICARE's billing guidance for Spravato uses G2082 (56 mg or less) and G2083 "
                "(more than 56 mg) only, one unit per session, with the drug and the 2 hours of "
                "observation included."
            )
        else:
            # DOMAIN.md §2.1 [R26][R28][R31]: Medicare pays the G-codes instead of E/M.
            rule = _(
                "Medicare pays for a Spravato session with G2082 (56 mg or less) or G2083 (more "
                "than 56 mg), one unit per session, with the drug and the 2 hours of "
                "observation included, in place of an office visit code."
            )
        chosen = [line.code.code for line in facts.request_lines]
        if chosen and facts.request and facts.request.dose_or_default:
            rule += " " + _("For the %(dose)d mg dose asked for, the code is %(code)s.") % {
                "dose": facts.request.dose_or_default,
                "code": chosen[0],
            }
        return rule
    if treatment == CoverageCase.Treatment.ESKETAMINE:
        # DOMAIN.md §2.1 [R27][R28][R19]: S0013 through 12/31/2025, J0013 from 1/1/2026.
        if facts.service_date >= codes.J0013_START:
            return _(
                "Esketamine nasal spray is billed per 1 mg. For services from January 1, 2026, "
                "the code is J0013, which replaced S0013 (discontinued on December 31, 2025). "
                "If your systems do not accept J0013 yet, please tell me which code you want for "
                "this date of service."
            )
        return _(
            "Esketamine nasal spray is billed per 1 mg. For services through December 31, "
            "2025, the code is S0013; J0013 replaces it from January 1, 2026."
        )
    if treatment == CoverageCase.Treatment.IV_KETAMINE:
        # DOMAIN.md §1.3 [R14] (no specific code), §2.1 [R13][R32][R33] (J3490, 96365/96366,
        # push at 15 minutes or less) and the notes (NDC with J3490 [U]).
        return _(
            "Ketamine has no specific drug code: it is billed with J3490 (unclassified drug) "
            "and its NDC, and the infusion with 96365 for the first hour and 96366 for each "
            "additional hour; an infusion of 15 minutes or less is billed as an IV push."
        )
    return _("[Provider or billing office: list the codes billed, with their units.]")


# --- out of network: only what the patient recorded --------------------------------------------

# The call script's questions about the network (claims.guidance), by their English topic.
NETWORK_TOPICS = {"In-network costs", "Out-of-network costs"}


def _out_of_network_paragraphs(facts: CaseFacts) -> list[str]:
    request = facts.request
    site = request.site_name.strip() if request else ""
    prescriber = request.prescriber if request else None
    paragraphs = [
        _(
            "The treatment is to be given at %(site)s, the treatment site named above, and "
            "ordered by %(prescriber)s."
        )
        % {
            "site": site or _("[treatment site name]"),
            "prescriber": str(prescriber) if prescriber else _("[prescriber's name]"),
        }
    ]
    calls = _network_answers(facts)
    if calls:
        paragraphs.append(
            "\n".join([_("What your representatives told me when I called:"), *calls])
        )
    # The patient's own statements: only they can confirm them, so they stay placeholders
    # (network exceptions are not a confirmed right, DOMAIN.md §6 [R75] [U]).
    paragraphs.append(
        "\n".join(
            [
                _(
                    "[If true, confirm: I could not find an in-network provider able to provide "
                    "this treatment within reasonable reach of my home.]"
                ),
                _(
                    "[List the in-network providers you contacted, with the dates and what each "
                    "said.]"
                ),
            ]
        )
    )
    paragraphs.append(
        _(
            "I ask you to cover it there at the in-network level of benefits, or to tell me "
            "which in-network provider near me offers this treatment."
        )
    )
    return paragraphs


def _network_answers(facts: CaseFacts) -> list[str]:
    """The answers to the call script's network questions, as the patient recorded them, in
    whichever language the call was entered."""
    questions: set[str] = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            questions |= {
                str(q.question) for q in INSURER_QUESTIONS if _english(q.topic) in NETWORK_TOPICS
            }
    lines = []
    for call in facts.case.calls.order_by("called_at"):
        for qa in call.questions_and_answers:
            if qa.get("question") not in questions or not str(qa.get("answer", "")).strip():
                continue
            who = (
                _(", with %(name)s") % {"name": call.representative.strip()}
                if call.representative.strip()
                else ""
            )
            reference = (
                _(", reference %(ref)s") % {"ref": call.reference_number.strip()}
                if call.reference_number.strip()
                else ""
            )
            lines.append(
                _("- Call on %(date)s%(who)s%(reference)s: asked %(question)s; answer: %(answer)s")
                % {
                    "date": format_date(timezone.localtime(call.called_at).date()),
                    "who": who,
                    "reference": reference,
                    "question": quoted(qa["question"]),
                    "answer": quoted(str(qa["answer"])),
                }
            )
    return lines


def _english(text: object) -> str:
    with translation.override("en"):
        return str(text)


def _reconsider_paragraphs(denial: Denial) -> list[str]:
    # DOMAIN.md §4.2 last paragraph [R80]: the notice must name the plan provision relied on.
    paragraphs = [
        _(
            "I ask you to reconsider this decision. Please tell me which plan provision the "
            "reason given above relies on."
        )
    ]
    if denial.reason == Reason.NOT_COVERED:
        paragraphs.append(
            _("[Quote the part of your plan documents that you believe covers this treatment.]")
        )
    else:
        paragraphs.append(
            _(
                "[Explain why you disagree with the reason given, and name the records that "
                "show it.]"
            )
        )
    return paragraphs
