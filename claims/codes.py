"""Billing codes for the requested treatment, by plan type and date of service.

A pure function of three values; every code names its source in ../shared/DOMAIN.md §2.1. Payers
change codes and apply them unevenly (J0013 replaced S0013 on 2026-01-01 and payer systems are
catching up), so a packet shows these as the codes to ask about, not as a promise of payment.
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class BillingCode:
    code: str  # "J0013"
    kind: str  # "HCPCS" | "CPT"
    description: str  # plain English, e.g. "Esketamine nasal spray, 1 mg"
    source: str  # "DOMAIN.md §2.1 [R27][R28]"
    note: str = ""  # something to check with the payer, when DOMAIN.md gives one


HCPCS, CPT = "HCPCS", "CPT"

# DOMAIN.md §2.1: Medicare keeps the G-codes; TRICARE West bills Spravato with G2082/G2083 only
# (DOMAIN.md §1.2 [R24]).
G_CODE_PLANS = {"medicare", "medicare_advantage", "tricare"}
J0013_START = date(2026, 1, 1)  # DOMAIN.md §2.1 [R27][R28]; S0013 discontinued 12/31/2025

_G_SOURCE = {
    "medicare": "DOMAIN.md §2.1 [R26][R28]",
    "medicare_advantage": "DOMAIN.md §2.1 [R26][R28]",
    "tricare": "DOMAIN.md §2.1 [R26], §1.2 [R24]",
}
_G2082_TEXT = (
    "Office visit with supervision and provision of esketamine nasal spray, 56 mg or less, "
    "including 2 hours of observation (drug included)"
)
_G2083_TEXT = (
    "Office visit with supervision and provision of esketamine nasal spray, more than 56 mg, "
    "including 2 hours of observation (drug included)"
)

S0013 = BillingCode("S0013", HCPCS, "Esketamine nasal spray, 1 mg", "DOMAIN.md §2.1 [R27][R19]")
J0013 = BillingCode(
    "J0013",
    HCPCS,
    "Esketamine nasal spray, 1 mg",
    "DOMAIN.md §2.1 [R27][R28]",
    # DOMAIN.md §2.1: "payer systems/PAs transitioning unevenly".
    note="New on 1/1/2026 in place of S0013: ask the payer whether its systems accept it yet.",
)
J3490 = BillingCode(
    "J3490",
    HCPCS,
    "Unclassified drug (used for IV ketamine)",
    "DOMAIN.md §2.1 [R13][R29][R16]",
    # DOMAIN.md §2.1 notes: "Most payers want the NDC with J3490 [U, general practice]".
    note="Ask the payer whether they need the NDC with this code.",
)
IV_INFUSION_FIRST_HOUR = BillingCode(
    "96365", CPT, "IV infusion, initial, up to 1 hour", "DOMAIN.md §2.1 [R32][R33]"
)
IV_INFUSION_EACH_ADDED_HOUR = BillingCode(
    "96366", CPT, "IV infusion, each additional hour", "DOMAIN.md §2.1 [R32][R33]"
)


def treatment_codes(*, treatment: str, plan_type: str, service_date: date) -> list[BillingCode]:
    """The codes for `treatment` (a CoverageCase.Treatment value) under `plan_type` (an
    InsurancePolicy.PlanType value, "" when unknown) for a service on `service_date`."""
    if treatment == "esketamine":
        if plan_type in G_CODE_PLANS:
            source = _G_SOURCE[plan_type]
            return [
                BillingCode("G2082", HCPCS, _G2082_TEXT, source),
                BillingCode("G2083", HCPCS, _G2083_TEXT, source),
            ]
        # Commercial, Medicaid, and an unknown plan type: the drug code, by date of service.
        return [J0013 if service_date >= J0013_START else S0013]
    if treatment == "iv_ketamine":
        return [J3490, IV_INFUSION_FIRST_HOUR, IV_INFUSION_EACH_ADDED_HOUR]
    return []


# --- units: how many of each code a request asks for --------------------------------------------

G2082_MAX_MG = 56  # DOMAIN.md §2.1 [R26]: G2082 is "≤56 mg", G2083 ">56 mg"
IV_PUSH_MAX_MINUTES = 15  # DOMAIN.md §2.1 [R32][R33]: "infusions ≤15 min are pushes"
IV_PUSH = BillingCode("96374", CPT, "IV push, initial", "DOMAIN.md §2.1 [R32]")


@dataclass(frozen=True)
class CodeUnits:
    """One line of a request: a code, how many units one session uses, and the total asked."""

    code: BillingCode
    units_per_session: int
    sessions: int
    note: str = ""

    @property
    def total_units(self) -> int:
        return self.units_per_session * self.sessions


def infusion_hours(minutes: int) -> tuple[int, int]:
    """(first-hour units, added-hour units) for an infusion of `minutes`.

    96365 covers the first hour; +96366 each additional hour (DOMAIN.md §2.1 [R32][R33]). An
    added hour is counted once more than 30 minutes of it have run: the usual CPT time rule,
    not in DOMAIN.md, so the line says to check it with the payer.
    """
    added = max(0, minutes - 60)
    return 1, added // 60 + (1 if added % 60 > 30 else 0)


def request_units(
    *,
    treatment: str,
    plan_type: str,
    service_date: date,
    dose_mg: int | None,
    sessions: int,
    infusion_minutes: int | None = None,
) -> list[CodeUnits]:
    """The codes of `treatment_codes` with their units for `sessions` sessions of `dose_mg`.

    - Esketamine on J0013/S0013 is billed per 1 mg (DOMAIN.md §2.1 [R27]): 56 mg is 56 units.
    - Medicare, Medicare Advantage and TRICARE bill a session code instead, G2082 up to 56 mg and
      G2083 above, one unit per session, drug included (DOMAIN.md §2.1 [R26][R28], §1.2 [R24]).
    - IV ketamine is J3490, one line per session with the NDC, plus 96365 for the first hour and
      +96366 for each added hour (DOMAIN.md §2.1 [R13][R32][R33]); 15 minutes or less is a push.
    Lines whose units cannot be known yet (no dose, no infusion length) are left out.
    """
    if sessions < 1:
        return []
    if treatment == "esketamine":
        if dose_mg is None:
            return []
        if plan_type in G_CODE_PLANS:
            code_name = "G2082" if dose_mg <= G2082_MAX_MG else "G2083"
            codes = treatment_codes(
                treatment=treatment, plan_type=plan_type, service_date=service_date
            )
            chosen = next(c for c in codes if c.code == code_name)
            return [CodeUnits(chosen, 1, sessions)]
        (drug_code,) = treatment_codes(
            treatment=treatment, plan_type=plan_type, service_date=service_date
        )
        return [CodeUnits(drug_code, dose_mg, sessions)]
    if treatment == "iv_ketamine":
        lines = [
            CodeUnits(
                J3490,
                1,
                sessions,
                note=f"{dose_mg} mg per session, with the NDC" if dose_mg else "with the NDC",
            )
        ]
        if infusion_minutes is None:
            return lines
        if infusion_minutes <= IV_PUSH_MAX_MINUTES:
            return [*lines, CodeUnits(IV_PUSH, 1, sessions)]
        first, added = infusion_hours(infusion_minutes)
        lines.append(CodeUnits(IV_INFUSION_FIRST_HOUR, first, sessions))
        if added:
            lines.append(
                CodeUnits(
                    IV_INFUSION_EACH_ADDED_HOUR,
                    added,
                    sessions,
                    note="An added hour counts after 30 minutes of it: check with the payer.",
                )
            )
        return lines
    return []
