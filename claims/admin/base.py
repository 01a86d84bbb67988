"""What every claims admin shares: rows held to the cases this user may see, the read-only
inline, and small display helpers."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from patients.admin import ScopedHistoryAdmin

from ..selectors import cases_visible_to

READONLY = ["public_id", "created_at", "updated_at"]


class ScopedMixin:
    """Rows reachable from a case this user may see; `case_path` leads from the row to its case."""

    case_path = "case"

    def get_queryset(self, request):
        # A mixin: the ModelAdmin it is mixed into has get_queryset, the mixin's own base not.
        queryset = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.case_path}__in": cases_visible_to(request.user)})


def review_events_of_own_clinics(events, user):
    """The review steps taken while the case was with one of this user's clinics: a case sent
    on to another clinic does not show it the first clinic's notes or reviewers."""
    if user.is_superuser:
        return events
    return events.filter(clinic__in=user.clinics.all())


class ScopedAdmin(ScopedMixin, ScopedHistoryAdmin):
    """Scoped, with the change history of models that keep one."""


class CaseRecordAdmin(ScopedAdmin):
    list_select_related = ["case__patient__user"]
    autocomplete_fields = ["case"]
    readonly_fields = READONLY
    show_full_result_count = False


class ReadOnlyInline(admin.TabularInline):
    """A section of the case file: shown, never edited from here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        """Every field shown is read-only (so the section needs no second list of them)."""
        return [name for name in self.fields or () if isinstance(name, str)]


def table(headers, rows) -> str:
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, dict):
        return " ".join(str(m) for messages_ in error.values() for m in messages_)
    return str(error)
