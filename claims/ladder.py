"""The appeal ladder: for each plan type, the doors after a denial, in order, who opens each, the
next door when one is lost, which escalation letters fit, and which regulator hears complaints.

Defined once here (claims.models.APPEAL_LEVELS_BY_PLAN_TYPE is built from it), each plan type
cited to ../shared/DOMAIN.md §4.2 or, where DOMAIN.md is silent, to the regulation named. A pure
module: plain values (Appeal.Level and Letter.Kind values), no models.

What it says is a map for the patient to check against their own letters, not legal advice.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Escalation letter kinds (claims.models.Letter.Kind values).
CLAIM_FILE = "claim_file"
PARITY = "parity_analysis"
EXTERNAL_REVIEW = "external_review"
REGULATOR = "regulator"
PEER_TO_PEER = "peer_to_peer"
ESCALATION_LETTERS = (CLAIM_FILE, PARITY, EXTERNAL_REVIEW, REGULATOR, PEER_TO_PEER)


@dataclass(frozen=True)
class Rung:
    level: str  # claims.models.Appeal.Level value
    decides: Promise  # who decides, in plain words
    source: str
    # The plan sends it on by itself after a loss (Medicare Advantage to the IRE): nothing to file.
    automatic: bool = False


@dataclass(frozen=True)
class Regulator:
    name: Promise
    how: Promise  # how to reach it, in plain words
    source: str
    basis: str = ""  # the law it oversees the plan under, as the complaint cites it


@dataclass(frozen=True)
class Ladder:
    rungs: tuple[Rung, ...]
    after_last: Promise  # what is left once the last door is lost
    letters: tuple[str, ...]  # the escalation letters that fit this plan type
    regulator: Regulator | None
    source: str
    # External review under the state process (fully insured, individual) or the federal one
    # (self-funded), or a fair hearing (Medicaid): what the external review letter asks for.
    review_process: str = ""  # "state" | "federal" | "either" | "fair_hearing" | ""
    check_letter: bool = False  # DOMAIN.md has no route for this plan type: follow the letter

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(rung.level for rung in self.rungs) + ("other",)

    def next_door(self, level: str) -> Rung | None:
        """The rung after `level`, or None when `level` is the last (or not on this ladder)."""
        levels = [rung.level for rung in self.rungs]
        if level not in levels:
            return None
        index = levels.index(level) + 1
        return self.rungs[index] if index < len(self.rungs) else None


# --- the rungs -----------------------------------------------------------------------------

PLAN = _("Your plan")
INTERNAL_1 = Rung(
    "internal_1",
    PLAN,
    "DOMAIN.md §4.2, §4.4a: 29 CFR 2560.503-1(h); 45 CFR 147.136(b): filed within 180 days",
)
# Group plans may have a second internal level; individual plans have one (45 CFR
# 147.136(b)(3)(ii)(G), DOMAIN.md §4.4a).
INTERNAL_2 = Rung("internal_2", PLAN, "DOMAIN.md §4.2: if the plan has two internal levels [U]")
STATE_EXTERNAL = Rung(
    "external_review",
    _("An independent reviewer, through your state's external review process"),
    "DOMAIN.md §4.2, §4.4a: 45 CFR 147.136(c); at least 4 months to ask",
)
FEDERAL_EXTERNAL = Rung(
    "external_review",
    _("An independent review organization (IRO), through the federal process"),
    "DOMAIN.md §4.2 [R50], §4.4a: 45 CFR 147.136(d); 29 CFR 2590.715-2719: 4 months to ask",
)
EITHER_EXTERNAL = Rung(
    "external_review",
    _("An independent reviewer (your state's process or the federal one, by how the plan is "
      "funded)"),
    "DOMAIN.md §4.2, §4.4a: 45 CFR 147.136(c) and (d)",
)  # fmt: skip

STATE_INSURANCE_DEPARTMENT = Regulator(
    _("Your state's department of insurance"),
    _("It oversees fully insured plans: find its consumer complaint form on its website."),
    "DOMAIN.md §4.2 [R47]: the state department of insurance helps only fully insured plans",
    basis="state insurance law and 45 CFR 147.136",
)
EBSA = Regulator(
    _("The U.S. Department of Labor, Employee Benefits Security Administration (EBSA)"),
    _("It oversees self-funded employer plans (ERISA): ask a benefits advisor at "
      "askebsa.dol.gov."),
    "DOMAIN.md §4.2: ERISA self-funded plans, 29 CFR 2560.503-1; state law is preempted [R47]; "
    "EBSA's participant assistance: dol.gov/agencies/ebsa",
    basis="ERISA and its claims procedure rule, 29 CFR 2560.503-1",
)  # fmt: skip
EMPLOYER_UNKNOWN_REGULATOR = Regulator(
    _("Your state's department of insurance, or the U.S. Department of Labor (EBSA)"),
    _("Which one depends on how your employer's plan is funded: ask your HR office whether it "
      "is fully insured (the state) or self-funded (EBSA)."),
    "DOMAIN.md §4.2 [R47]",
)  # fmt: skip
MEDICARE = Regulator(
    _("Medicare (1-800-MEDICARE)"),
    _("Call 1-800-MEDICARE or use the complaint form on medicare.gov."),
    "medicare.gov, 'Filing complaints about your health care' (1-800-MEDICARE)",
    basis="the Medicare appeal rules (42 CFR 422 Subpart M; 42 CFR 405)",
)
STATE_MEDICAID_AGENCY = Regulator(
    _("Your state's Medicaid agency"),
    _("Its member services line or ombudsman takes complaints about Medicaid plans; a state "
      "fair hearing is the formal appeal."),
    "DOMAIN.md §4.2 [R56]: 42 CFR 438 Subpart F; the state fair hearing",
    basis="the Medicaid managed care appeal rules, 42 CFR 438 Subpart F",
)  # fmt: skip
OPM = Regulator(
    _("The U.S. Office of Personnel Management (OPM)"),
    _("After your plan upholds its denial, OPM reviews the disputed claim: your plan's FEHB "
      "brochure says where to write."),
    "5 CFR 890.105(a)(1): the carrier reconsiders, then OPM reviews the disputed claim",
    basis="the FEHB disputed claims rule, 5 CFR 890.105",
)  # fmt: skip

_COMMERCIAL_LETTERS = (CLAIM_FILE, PARITY, EXTERNAL_REVIEW, REGULATOR, PEER_TO_PEER)

LADDERS: dict[str, Ladder] = {
    "employer_fully_insured": Ladder(
        rungs=(INTERNAL_1, INTERNAL_2, STATE_EXTERNAL),
        after_last=_("A complaint to your state's department of insurance, or a lawyer."),
        letters=_COMMERCIAL_LETTERS,
        regulator=STATE_INSURANCE_DEPARTMENT,
        source="DOMAIN.md §4.2: ACA non-grandfathered fully insured group",
        review_process="state",
    ),
    "marketplace": Ladder(
        rungs=(INTERNAL_1, STATE_EXTERNAL),
        after_last=_("A complaint to your state's department of insurance, or a lawyer."),
        letters=_COMMERCIAL_LETTERS,
        regulator=STATE_INSURANCE_DEPARTMENT,
        source="DOMAIN.md §4.2, §4.4a: individual plans, one internal level "
        "(45 CFR 147.136(b)(3)(ii)(G))",
        review_process="state",
    ),
    "employer_self_funded": Ladder(
        rungs=(INTERNAL_1, INTERNAL_2, FEDERAL_EXTERNAL),
        after_last=_(
            "A complaint to the U.S. Department of Labor (EBSA), or a lawsuit under ERISA "
            "§502(a) with a lawyer."
        ),
        letters=_COMMERCIAL_LETTERS,
        regulator=EBSA,
        source="DOMAIN.md §4.2: ERISA self-funded",
        review_process="federal",
    ),
    "employer_unknown": Ladder(
        rungs=(INTERNAL_1, INTERNAL_2, EITHER_EXTERNAL),
        after_last=_("A complaint to the regulator of your plan, or a lawyer."),
        letters=_COMMERCIAL_LETTERS,
        regulator=EMPLOYER_UNKNOWN_REGULATOR,
        source="DOMAIN.md §4.2: employer plan, funding not known",
        review_process="either",
    ),
    "other": Ladder(
        rungs=(INTERNAL_1, INTERNAL_2, EITHER_EXTERNAL),
        after_last=_("A complaint to the regulator of your plan, or a lawyer."),
        letters=_COMMERCIAL_LETTERS,
        regulator=EMPLOYER_UNKNOWN_REGULATOR,
        source="DOMAIN.md §4.2: treated as a commercial plan",
        review_process="either",
    ),
    "medicare_advantage": Ladder(
        rungs=(
            Rung(
                "ma_reconsideration",
                PLAN,
                "DOMAIN.md §4.2, §4.4a: 42 CFR 422.582; 65 days from the notice [R53]",
            ),
            Rung(
                "ma_ire",
                _("An independent review entity (IRE): your plan sends the case on by itself"),
                "DOMAIN.md §4.2 [R55]: auto-forward to the IRE",
                automatic=True,
            ),
            Rung(
                "alj",
                _("An administrative law judge (if the amount at stake is high enough)"),
                "DOMAIN.md §4.2 [R55]",
            ),
        ),
        after_last=_("The Medicare Appeals Council, then federal court."),
        letters=(REGULATOR, PEER_TO_PEER),
        regulator=MEDICARE,
        source="DOMAIN.md §4.2: Medicare Advantage, 42 CFR 422 Subpart M",
    ),
    "medicare": Ladder(
        rungs=(
            Rung(
                "redetermination",
                _("Your Medicare contractor"),
                "DOMAIN.md §4.2 [R72]: within 120 days",
            ),
            Rung(
                "qic_reconsideration",
                _("A qualified independent contractor (QIC)"),
                "DOMAIN.md §4.2 [R72]: within 180 days",
            ),
            Rung("alj", _("An administrative law judge"), "DOMAIN.md §4.2 [R72]"),
        ),
        after_last=_("The Medicare Appeals Council, then federal court."),
        letters=(REGULATOR, PEER_TO_PEER),
        regulator=MEDICARE,
        source="DOMAIN.md §4.2: Original Medicare, 42 CFR 405",
    ),
    "medicaid": Ladder(
        rungs=(
            Rung(
                "medicaid_plan_appeal",
                PLAN,
                "DOMAIN.md §4.2 [U]: plan appeal within 60 days",
            ),
            Rung(
                "state_fair_hearing",
                _("A state fair hearing officer"),
                "DOMAIN.md §4.2 [R56]: after the plan appeal, within 120 days",
            ),
        ),
        after_last=_(
            "Your state's court review of the hearing decision, with a lawyer or legal aid."
        ),
        letters=(EXTERNAL_REVIEW, REGULATOR, PEER_TO_PEER),
        regulator=STATE_MEDICAID_AGENCY,
        source="DOMAIN.md §4.2: Medicaid managed care, 42 CFR 438 Subpart F",
        review_process="fair_hearing",
    ),  # fmt: skip
    # DOMAIN.md has no TRICARE appeal route: the levels the plan names, and its letter decides.
    "tricare": Ladder(
        rungs=(
            Rung("internal_1", _("TRICARE"), "Not in DOMAIN.md: follow your letter"),
            Rung("internal_2", _("TRICARE"), "Not in DOMAIN.md: follow your letter"),
        ),
        after_last=_("Your denial letter names the next step: follow it."),
        letters=(PEER_TO_PEER,),
        regulator=None,
        source="Not in DOMAIN.md",
        check_letter=True,
    ),
    "fehb": Ladder(
        rungs=(
            Rung(
                "internal_1",
                _("Your plan (the carrier reconsiders)"),
                "5 CFR 890.105(a)(1), (b): ask the carrier to reconsider",
            ),
        ),
        after_last=_(
            "A review of the disputed claim by the U.S. Office of Personnel "
            "Management (OPM), then court."
        ),
        letters=(REGULATOR, PEER_TO_PEER),
        regulator=OPM,
        source="5 CFR 890.105: FEHB disputed claims",
        check_letter=True,
    ),  # fmt: skip
}
UNKNOWN = Ladder(
    rungs=(INTERNAL_1, INTERNAL_2, EITHER_EXTERNAL),
    after_last=_("Add your plan type in step 1 to see the doors that apply to it."),
    letters=(CLAIM_FILE, PEER_TO_PEER),
    regulator=None,
    source="No plan type yet",
    check_letter=True,
)


# The uploaded documents each escalation letter encloses, in order (SupportingDocument.Category
# values): its PDF appends them after the letter.
ENCLOSURES: dict[str, tuple[str, ...]] = {
    CLAIM_FILE: ("denial_letter",),
    PARITY: ("denial_letter",),
    EXTERNAL_REVIEW: (
        "denial_letter",
        "insurer_letter",
        "medical_necessity",
        "medical_records",
        "evaluation",
        "treatment_history",
    ),
    REGULATOR: ("denial_letter", "insurer_letter"),
    PEER_TO_PEER: (),
}


def enclosure_categories(kind: str) -> tuple[str, ...]:
    """The document categories a letter of `kind` encloses; none for other kinds."""
    return ENCLOSURES.get(kind, ())


def ladder_for(plan_type: str | None) -> Ladder:
    """The ladder of a plan type (a patients.InsurancePolicy.PlanType value)."""
    return LADDERS.get(plan_type or "", UNKNOWN)
