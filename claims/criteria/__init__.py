"""Payer coverage criteria: which set applies to a case, and how far the case meets it.

- rules: the kinds of criterion, their parameters, and the evaluation, pure (plain data in, a
  report out; no queries), cheap enough for every page load;
- the sets themselves are data (claims.models.CriteriaSet / Criterion, edited by staff in admin,
  seeded from ../shared/DOMAIN.md §1.2/§1.3 by migration 0010);
- claims.selectors.criteria_report_for builds a case's facts in a fixed number of queries.
"""
