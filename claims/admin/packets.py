"""Letters and packets in admin: reviewers edit a letter's text (through the letter service);
packets are records, never edited."""

from django.contrib import admin

from .. import services
from ..models import (
    Letter,
    Packet,
)
from .base import READONLY, CaseRecordAdmin, ScopedAdmin


@admin.register(Letter)
class LetterAdmin(CaseRecordAdmin):
    """Reviewers edit a letter's text only: its case, denial and signed copy are set by the
    services (claims.services.case_attach_signed_letter), never by typing an id here."""

    list_display = ["kind", "case", "denial", "signed_copy", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["case__patient__legal_last_name"]
    autocomplete_fields: list[str] = []
    fields = ["public_id", "case", "kind", "denial", "signed_copy", "text", "edited_by"]
    readonly_fields = [*READONLY, "case", "kind", "denial", "signed_copy", "edited_by"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """A reviewer's edit goes through the letter service, as the patient's does: it records
        who edited, and withdraws an approval of the old text."""
        services.letter_save(letter=obj, text=form.cleaned_data["text"], by=request.user)


@admin.register(Packet)
class PacketAdmin(ScopedAdmin):
    list_display = [
        "__str__",
        "case",
        "status",
        "is_newest",
        "page_count",
        "render_ms",
        "created_at",
    ]
    list_filter = ["kind", "status", "is_newest"]
    list_select_related = ["case__patient__user"]
    search_fields = ["=sha256"]
    exclude = ["file"]
    readonly_fields = [
        *READONLY,
        "case",
        "kind",
        "denial",
        "version",
        "is_newest",
        "status",
        "source_digest",
        "page_count",
        "size",
        "sha256",
        "render_ms",
        "error",
        "requested_by",
    ]

    def has_add_permission(self, request):
        return False
