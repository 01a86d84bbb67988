"""Admin: the payers' coverage criteria sets, kept current by staff, with history. Parameters
are checked per kind of criterion (claims.criteria.rules.params_errors)."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..models import CriteriaSet, Criterion

_FIELDS = ["order", "kind", "params", "comparison", "group", "indication", "wording"]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = [*_FIELDS]


@admin.register(Criterion)
class CriterionAdmin(SimpleHistoryAdmin):
    """One criterion on its own page, for its change history; edited within its set."""

    list_display = ["criteria_set", "order", "kind", "group", "indication"]
    list_filter = ["kind"]
    list_select_related = ["criteria_set"]
    fields = ["criteria_set", *_FIELDS]


@admin.register(CriteriaSet)
class CriteriaSetAdmin(SimpleHistoryAdmin):
    list_display = [
        "payer_label",
        "name",
        "policy_number",
        "coverage",
        "effective_from",
        "effective_to",
        "last_verified",
        "verified",
    ]
    list_filter = ["coverage", "verified"]
    search_fields = ["payer_label", "name", "policy_number", "policy_key"]
    filter_horizontal = ["payers"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [CriterionInline]
    fieldsets = [
        (None, {"fields": ["policy_key", "name", "policy_number", "payer_label", "payers"]}),
        (_("Applies to"), {"fields": ["plan_types", "treatments", "indications", "coverage"]}),
        (_("Version"), {"fields": ["version_date", "effective_from", "effective_to"]}),
        (
            _("Source"),
            {"fields": ["source_url", "source_refs", "last_verified", "verified", "notes"]},
        ),
    ]
