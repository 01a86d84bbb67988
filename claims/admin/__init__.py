"""Admin: the clinic's review queue and case files. Staff see only the cases patients shared
with their clinic(s), and those cases' records (claims.selectors.cases_visible_to); actions call
services (claims.services).

- base: scoping to the visible cases, the read-only inline, helpers;
- queue: the queue's filters and ordering, in SQL;
- cases: the case admin (queue, case file, review panel and actions);
- records, packets: the case's records, letters and packets, audit rows;
- criteria: the payers' coverage criteria sets (staff keep them current);
- costs: the patient's cost-estimate inputs, shown read-only (issue 16);
- sessions: the session log, entered by staff with its billing lines (issue 16);
- oon_claims: out-of-network claims and the in-network providers checked (issue 16).
"""

from . import cases, costs, criteria, oon_claims, packets, records, sessions

__all__ = ["cases", "costs", "criteria", "oon_claims", "packets", "records", "sessions"]
