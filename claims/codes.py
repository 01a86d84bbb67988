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
