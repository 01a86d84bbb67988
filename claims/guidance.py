"""The wizard's words, kept as data so views and templates stay simple and tests can check them.

Everything a patient reads here is a lazy translation (a Spanish version is planned) and aims at a
grade-8 reading level or below (tests/claims/test_guidance.py measures it). Facts come from
../shared/DOMAIN.md; the comments name the section and reference, e.g. "DOMAIN.md §1.2 [R1]".
Payer rules change and differ by plan, so the text says "most plans" or "ask" rather than
promising a rule: the criteria that count are the ones in the patient's own plan.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Step:
    number: int  # 1..6
    slug: str  # "policy" | "history" | "referral" | "documents" | "submit" | "appeal"
    title: StrOrPromise  # lazy
    intro: StrOrPromise  # lazy, 2–3 plain sentences: what to do and why it matters to the insurer
    tips: tuple[StrOrPromise, ...]  # lazy, 1–4 short tips
    next_action: StrOrPromise  # lazy, one imperative sentence for the dashboard


@dataclass(frozen=True)
class Question:
    topic: StrOrPromise  # lazy, short heading
    question: StrOrPromise  # lazy, what to say to the insurer, first person
    why: StrOrPromise  # lazy, one sentence


@dataclass(frozen=True)
class ChecklistItem:
    category: str  # a claims.models.SupportingDocument.Category value
    label: StrOrPromise  # lazy
    why: StrOrPromise  # lazy, one sentence


STEPS: tuple[Step, ...] = (
    Step(
        number=1,
        slug="policy",
        title=_("Research your policy"),
        intro=_(
            "Call your insurer and find out what your plan covers. Ask if you need their OK "
            "before you start, and ask for the written rules they use. Those rules tell you "
            "what proof to collect."
        ),
        tips=(
            _("Use the question list below. Print it and write the answers as you go."),
            _("Ask for the name of the person you talk to and a reference number for the call."),
            # DOMAIN.md §2.1 notes [R30]: the benefit decides who files the request.
            _(
                "For Spravato, ask if it is paid under your medical benefit or your pharmacy "
                "benefit. This decides who sends the request."
            ),
            _("Ask them to mail or email you a copy of their rules for this treatment."),
        ),
        next_action=_("Call your insurer and ask about your mental-health benefits."),
    ),
    Step(
        number=2,
        slug="history",
        title=_("Document your medical history"),
        intro=_(
            "List every medicine and treatment you have tried for depression. For each one, "
            "write the dose, the dates and what happened. Most insurers pay for this care only "
            "when earlier treatments did not help."
        ),
        tips=(
            # DOMAIN.md §1.2 [R1][R3][R9] and §3: two drugs, two classes, six weeks is common.
            _(
                "Many plans want at least two antidepressants from different groups, each taken "
                "for 6 weeks or more at a full dose."
            ),
            # DOMAIN.md §3 [R8][R9]: stopping for side effects usually counts as a failed trial.
            _("Side effects that made you stop a medicine count too. Write them down."),
            _("Your pharmacy can print a list of what you filled and when."),
            # DOMAIN.md §1.2 and §5: payers ask for a baseline symptom score.
            _("Add a recent symptom score, like the PHQ-9, with the date you took it."),
        ),
        next_action=_("List the medicines you have tried, with doses and dates."),
    ),
    Step(
        number=3,
        slug="referral",
        title=_("Obtain a referral"),
        intro=_(
            "Ask your doctor for a referral and a letter of medical necessity. The letter "
            "explains why you need this treatment now. The insurer reads it to decide if the "
            "care is needed."
        ),
        tips=(
            _("Give your doctor your list of past medicines. It saves them time."),
            # DOMAIN.md §1.2 [R1][R3]: several plans require a psychiatrist to prescribe.
            _("Some plans want the request to come from a psychiatrist. Check your plan's rules."),
            _("Ask when the letter will be ready, and call back if you do not hear."),
        ),
        next_action=_("Ask your doctor for a referral and a letter of medical necessity."),
    ),
    Step(
        number=4,
        slug="documents",
        title=_("Gather supporting documentation"),
        intro=_(
            "Collect the papers that back up your request and upload them here. Keep them all "
            "in one place. A full set helps the insurer decide without asking for more."
        ),
        tips=(
            _("A clear photo of a page is fine. Make sure every word can be read."),
            _("Name each file so you know what it is, like “Visit notes, March”."),
            _("Check the list below. Mark what you still need to ask for."),
        ),
        next_action=_("Upload your visit notes, medicine list and insurance card."),
    ),
    Step(
        number=5,
        slug="submit",
        title=_("Submit a pre-authorization request"),
        intro=_(
            "A pre-authorization is the insurer's OK before treatment starts. Most of the time "
            "your clinic or doctor sends it. Make sure it has all your papers, and write down "
            "the day it was sent."
        ),
        tips=(
            # DOMAIN.md §2.1 notes [R30]: medical benefit → clinic; pharmacy → specialty pharmacy.
            _(
                "Is Spravato under your pharmacy benefit? Then a specialty pharmacy may send the "
                "request, not the clinic."
            ),
            # DOMAIN.md §4.1 [R45][R48]: pre-service 15 days, urgent 72 hours (most job-based and
            # Marketplace plans; other plan types differ, so the tip says "many").
            _(
                "Many plans must decide within 15 days, or within 72 hours if it is urgent. "
                "Ask your insurer what applies to you."
            ),
            _("Call a few days after it is sent to make sure they got it."),
            _("Keep a copy of everything that was sent."),
        ),
        next_action=_("Ask your clinic to send the pre-authorization request, and note the date."),
    ),
    Step(
        number=6,
        slug="appeal",
        title=_("Appeal if necessary"),
        intro=_(
            "If the insurer says no, you can ask them to look again. This is called an appeal. "
            "Read the denial letter closely, because it gives the reason and the deadline."
        ),
        tips=(
            # DOMAIN.md §4.5 [R59]: peer-to-peer windows are short.
            _("Ask your doctor about a peer-to-peer review first. Its window is short."),
            # DOMAIN.md §4.2 / §4.4a: at least 180 days for job-based and Marketplace plans,
            # 65 days for Medicare Advantage; the letter's dates are the ones that count.
            _(
                "Many plans give you 180 days to appeal, but some give far less. The date in "
                "your letter is the one that counts."
            ),
            # DOMAIN.md §4.2 [R46]: external review, including for "experimental" denials.
            _(
                "If the appeal fails, you may be able to ask for an outside review. Your letter "
                "will tell you how."
            ),
        ),
        next_action=_("Read your denial letter and ask your doctor about a peer-to-peer review."),
    ),
)

STEPS_BY_SLUG: dict[str, Step] = {step.slug: step for step in STEPS}


CASE_OVERVIEW: tuple[StrOrPromise, ...] = (
    # DOMAIN.md §1.1 [R20][R22][R23]: indications, REMS setting, 2-hour monitoring.
    _(
        "Spravato (esketamine) is a nasal spray approved by the FDA. It is for adults with "
        "depression that has not gotten better with other medicines. It is also for adults "
        "with depression who have thoughts of suicide. You use it at a certified clinic, and "
        "staff watch you for at least two hours after each dose. You never take it home."
    ),
    # DOMAIN.md §1.3 [R14][R15][R12]: IV ketamine for depression is usually called experimental;
    # BCBS Massachusetts is the one confirmed exception.
    _(
        "IV ketamine is ketamine given through a vein, in a series of visits. Most insurers do "
        "not pay for it for depression. They call it experimental. A few plans do cover it, so "
        "it is still worth asking."
    ),
    # DOMAIN.md §1.2 [R1][R3][R9] and §3.
    _(
        "To approve treatment, insurers look for three things. First, a diagnosis from your "
        "doctor. Second, a reason the treatment is needed. Third, proof that other treatments "
        "did not help. Most plans want at least two antidepressants from different groups, "
        "each taken for 6 weeks or more at a full dose."
    ),
    # DOMAIN.md §1.2 and §5: baseline scales (PHQ-9, MADRS, HAM-D, QIDS).
    _(
        "Many plans also want a symptom score from before treatment, like the PHQ-9 or MADRS. "
        "Each plan has its own rules. This guide helps you find yours and gather the proof."
    ),
    _(
        "Coverage Guide helps you get organized and ask the right questions. It is not medical "
        "or legal advice. Your doctor and your insurer make the decisions."
    ),
)


# The call script for step 1. Codes: DOMAIN.md §2.1 [R26][R27][R28][R24][R13][R32].
INSURER_QUESTIONS: tuple[Question, ...] = (
    Question(
        topic=_("Mental-health benefits"),
        question=_("Does my plan cover mental-health care? Is there a separate phone number?"),
        why=_("Mental-health care often has its own rules and its own phone line."),
    ),
    Question(
        topic=_("Who manages the benefit"),
        question=_(
            "Does another company manage my mental-health benefits or drug approvals, like "
            "Evicore, Carelon, Optum or Magellan? How do I reach them?"
        ),
        # DOMAIN.md §1.2 [R3]: Evicore applies its own criteria for some plans.
        why=_("That company may make the decision, using its own rules."),
    ),
    Question(
        topic=_("Medical or pharmacy benefit"),
        question=_("Is Spravato covered under my medical benefit or my pharmacy benefit?"),
        # DOMAIN.md §2.1 notes [R30].
        why=_("This decides who sends the request: your clinic, or a specialty pharmacy."),
    ),
    Question(
        topic=_("In-network costs"),
        question=_(
            "Is my clinic in network? What is my deductible, my coinsurance or copay, and my "
            "out-of-pocket maximum?"
        ),
        why=_("These numbers tell you what you may pay yourself."),
    ),
    Question(
        topic=_("Out-of-network costs"),
        question=_(
            "Does my plan pay anything for out-of-network care? What are the deductible and "
            "out-of-pocket maximum for out-of-network care?"
        ),
        # DOMAIN.md §6 [R75]: PPO out-of-network benefits may pay back part after the deductible.
        why=_("Some plans pay back part of the cost when the clinic is out of network."),
    ),
    Question(
        topic=_("Pre-authorization"),
        question=_(
            "Does this treatment need pre-authorization? Who sends the request, and to what "
            "phone, fax or address?"
        ),
        why=_("Without approval first, the insurer may refuse to pay."),
    ),
    Question(
        topic=_("Written criteria"),
        question=_(
            "Can you send me a copy of the medical policy or clinical criteria you use for this "
            "treatment?"
        ),
        # DOMAIN.md §1.2 and §4.2 last paragraph [R80].
        why=_("The written rules tell you exactly what proof the insurer wants."),
    ),
    Question(
        topic=_("What the rules ask for"),
        question=_(
            "How many medicines must I have tried, for how many weeks each? Which symptom score "
            "do you want, and does it need a minimum?"
        ),
        # DOMAIN.md §1.2 and §3: 1–4 drugs, 4–8 weeks, MADRS/HAM-D/PHQ-9/QIDS thresholds vary.
        why=_("Plans differ a lot, from one medicine to four and from 4 weeks to 8."),
    ),
    Question(
        topic=_("Codes for Spravato"),
        question=_(
            "Do you cover Spravato with code J0013? If I have Medicare or TRICARE, do you use "
            "codes G2082 and G2083?"
        ),
        # DOMAIN.md §2.1 [R27][R28][R24]: J0013 from 2026-01-01 replaced S0013 (commercial and
        # Medicaid); Medicare and TRICARE use G2082/G2083.
        why=_(
            "From January 1, 2026, private plans and Medicaid use J0013 in place of S0013. "
            "Medicare "
            "and TRICARE use G2082 and G2083."
        ),
    ),
    Question(
        topic=_("Codes for IV ketamine"),
        question=_(
            "Is IV ketamine covered for my condition with code J3490 and infusion codes 96365 "
            "and 96366?"
        ),
        # DOMAIN.md §1.3 [R14][R15] and §2.1 [R13][R32].
        why=_("Many insurers call IV ketamine for depression experimental, so ask directly."),
    ),
    Question(
        topic=_("How long a decision takes"),
        question=_("How long will a decision take? How will I be told?"),
        # DOMAIN.md §4.1 [R45][R48].
        why=_("Knowing the date tells you when to call back."),
    ),
    Question(
        topic=_("If it is denied"),
        question=_("If the answer is no, how do I appeal, and how long do I have?"),
        # DOMAIN.md §4.2 and §4.5 [R59].
        why=_("Deadlines can be short, so it helps to know them before you need them."),
    ),
    Question(
        topic=_("Call record"),
        question=_("May I have your name and a reference number for this call?"),
        why=_("If you are told something different later, you can point to this call."),
    ),
)


# DOMAIN.md §1.2 (criteria), §3 (adequate trials), §5 (scales).
DOCUMENT_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        category="medical_records",
        label=_("Visit notes that show your diagnosis"),
        why=_("The insurer checks that a doctor has diagnosed the condition being treated."),
    ),
    ChecklistItem(
        category="treatment_history",
        label=_("Pharmacy or treatment history: each medicine, its dose, dates and result"),
        why=_("Most plans want proof that at least two antidepressants did not help."),
    ),
    ChecklistItem(
        category="therapy_records",
        label=_("Records of talk therapy you have had"),
        # DOMAIN.md §1.2 [R7][R9]: some plans ask for psychotherapy first.
        why=_("Some plans want proof that you tried therapy."),
    ),
    ChecklistItem(
        category="evaluation",
        label=_("Psychiatric evaluation and symptom scores (PHQ-9, MADRS, HAM-D or QIDS)"),
        why=_("Many plans want a score from before treatment, and some set a minimum score."),
    ),
    ChecklistItem(
        category="referral",
        label=_("Referral from your doctor"),
        why=_("Some plans need a referral before they pay for a specialist."),
    ),
    ChecklistItem(
        category="medical_necessity",
        label=_("Letter of medical necessity from the doctor who prescribes the treatment"),
        why=_("It explains in one place why you need this treatment now."),
    ),
    ChecklistItem(
        category="insurance_card",
        label=_("Insurance card, front and back"),
        why=_("It has your member ID, group number and the phone numbers the insurer uses."),
    ),
)


# DOMAIN.md §1.2 (what criteria check) and §2.2 (ICD-10 codes, e.g. F33.2).
REFERRAL_ASKS: tuple[StrOrPromise, ...] = (
    _("A referral to the clinic or doctor who will give the treatment."),
    _(
        "A letter of medical necessity that names your diagnosis and its ICD-10 code "
        "(for example, F33.2)."
    ),
    _("In the letter: every treatment you tried before, with the dose, the dates and the result."),
    _("In the letter: your symptom scores, like the PHQ-9 or MADRS, with the dates."),
    _("In the letter: why you need this treatment now."),
)


# DOMAIN.md §4.5 [R59].
PEER_TO_PEER: tuple[StrOrPromise, ...] = (
    _("If the request is denied, ask your doctor to request a peer-to-peer review right away."),
    _("This is a talk between your doctor and the insurer's doctor. It is not an appeal."),
    _(
        "The window is short. One plan allows only 5 business days after the denial, and it "
        "may not be offered once an appeal is filed."
    ),
)


APPEAL_TIPS: tuple[StrOrPromise, ...] = (
    _("Appeal with more proof and with your doctor's support."),
    _("Find the exact reason in the denial letter. Answer that reason in your appeal."),
    # DOMAIN.md §4.2 last paragraph [R80]: claim file and criteria free on request (ERISA/ACA).
    _(
        "Ask the insurer for your claim file and the rules they used to decide. Most plans "
        "must give them to you for free."
    ),
    _("Keep copies of all you send and get. Write down every date."),
)


# What each letter after a first appeal is for (claims/ladder.py says which fit a plan type).
ESCALATION_PURPOSES: dict[str, StrOrPromise] = {
    "claim_file": _(
        "Ask the insurer for your claim file and the rules they used. Do this before you "
        "appeal, so your appeal can answer those rules."
    ),
    "parity_analysis": _(
        "Ask your plan to show that its rules for this mental health treatment are no stricter "
        "than for similar medical treatments (mental health parity)."
    ),
    "external_review": _(
        "Ask for an independent review once the plan's own appeal is lost. The letter names the "
        "process for your kind of plan and the last day to ask."
    ),
    "regulator": _(
        "Tell the agency that oversees your plan what happened. It does not replace your appeal "
        "or its deadlines."
    ),
    "peer_to_peer": _(
        "A one-page sheet for your doctor's call with the insurer's doctor: the reason, the "
        "rules, your records and the three strongest points."
    ),
}


CRISIS_LINE: StrOrPromise = _(
    "If you are in crisis or thinking about suicide, call or text 988 (Suicide & Crisis "
    "Lifeline) or call 911. Messages and answers in this app are not monitored."
)

NOT_ADVICE: StrOrPromise = _(
    "Coverage Guide helps you organize your information and ask the right questions. It is not "
    "medical or legal advice."
)
