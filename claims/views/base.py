"""What the wizard's views share: find the case (get_case_for_user), bind the form the patient
posted (or the one kept while their session had expired), and where to go after a save."""

import copy
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from patients.decorators import restored_post

from .. import guidance, services
from ..forms import (
    DeadlineLetterDateForm,
)
from ..models import CoverageCase, Denial, Letter, Packet, PriorAuthorizationRequest
from ..progress import STEP_SLUGS, steps_of
from ..selectors import (
    DenialPage,
    approval_was_withdrawn,
    denials_of,
    get_case_for_user,
    open_deadlines,
    packet_is_out_of_date,
    rows_together,
)


def case_for(request, coveragecase_id, *, for_wizard: bool = False) -> CoverageCase:
    """The case (get_case_for_user); `for_wizard`: with the step states and the treatment
    request read in the same query, for the pages that show them."""
    return get_case_for_user(request.user, coveragecase_id, for_wizard=for_wizard)


def posted(request):
    """What the patient sent: this POST, or a form kept while their session had expired."""
    if request.method == "POST":
        return request.POST
    return restored_post(request)


def bound(data, action: str):
    """The posted data if it is for this form (each form posts its own `action`), else None."""
    return data if data is not None and data.get("action") == action else None


def item_or_404(items, public_id):
    """The item with this public id among `items` (a queryset, or a list the page has read
    already: then a copy, so that a form bound to it leaves the listed row as it was)."""
    if not public_id:
        return None
    if isinstance(items, QuerySet):
        try:
            return items.get(public_id=public_id)
        except (items.model.DoesNotExist, ValidationError) as exc:
            raise Http404 from exc
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    item = next((item for item in items if item.public_id == wanted), None)
    if item is None:
        raise Http404
    return copy.copy(item)


def offer_together(*fields) -> None:
    """Read the choices of these ModelChoiceFields, each from its own queryset, in one query
    (selectors.rows_together) for a page that shows them all; a posted choice is still
    checked against the field's queryset."""
    for field, rows in zip(fields, rows_together(*(f.queryset for f in fields)), strict=True):
        iterator = field.iterator(field)
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        field.choices = [*empty, *(iterator.choice(obj) for obj in rows)]


def denial_for(case: CoverageCase, public_id, denials: list[Denial] | None = None) -> Denial | None:
    """The case's denial with this public id (404 if it is not one of the case's), or, with no
    id, its newest: the one step 6 answers unless the patient picked another. From `denials`
    (denials_of, read already) when given."""
    if denials is None:
        found = denials_of(case)
        return item_or_404(found, public_id) if public_id else found.first()
    if public_id:
        return item_or_404(denials, public_id)
    return copy.copy(denials[0]) if denials else None


def denial_label(denial: Denial) -> str:
    """How step 6 names a denial: of the pre-authorization, or of the claim of a date."""
    request = denial.pa_request
    if request.kind != PriorAuthorizationRequest.Kind.CLAIM:
        return _("pre-authorization")
    day = request.submitted_on or request.decided_on
    if day is None:
        return _("claim")
    return _("claim of %(date)s") % {"date": date_format(day, "DATE_FORMAT")}


def with_denial(response, case: CoverageCase, denial: Denial | None):
    """A redirect back to step 6 that stays on the denial the patient was answering."""
    back = reverse("claims:step_appeal", kwargs={"coveragecase_id": case.public_id})
    if denial is not None and response.get("Location") == back:
        response["Location"] = f"{back}?{urlencode({'denial': str(denial.public_id)})}"
    return response


def saved(request, case: CoverageCase, slug: str, message: str | None = None):
    """Where to go after a save: the next step, the dashboard ("come back later"), or back.

    The services withdrew an approval the save made stale; the patient is told here."""
    if approval_was_withdrawn(case):
        messages.info(request, _("Your clinic will look at your case again, as it changed."))
    after = request.POST.get("after")
    if after == "later":
        messages.success(request, _("Saved. You can stop here and come back any time."))
        return redirect("claims:dashboard")
    messages.success(request, message or _("Saved."))
    if after == "continue" and slug != STEP_SLUGS[-1]:
        following = STEP_SLUGS[STEP_SLUGS.index(slug) + 1]
        return redirect(f"claims:step_{following}", coveragecase_id=case.public_id)
    return redirect(f"claims:step_{slug}", coveragecase_id=case.public_id)


def save_once(request, form, save):
    """Run `save` (a service call) unless this exact form was already saved (a double click, a
    re-sent page), and return what it returned, or None after saying so. The form's one-time
    token is spent only if the save lands (services.form_submission_save_once)."""
    first, result = services.form_submission_save_once(
        token=form.cleaned_data.get("submission_id"), user=request.user, save=save
    )
    if not first:
        messages.info(request, _("That was already saved."))
    return result


def step_page(request, case, slug: str, template: str, context: dict):
    """A step's page. Steps 5 and 6 also show their deadlines, letters and packets: step 6 those
    of the denial it answers (`denial_page`, claims.selectors.DenialPage), when there is one."""
    steps = steps_of(case)
    index = STEP_SLUGS.index(slug)
    if slug in ("submit", "appeal"):
        kind = Packet.Kind.PRIOR_AUTHORIZATION if slug == "submit" else Packet.Kind.APPEAL
        page: DenialPage | None = context.pop("denial_page", None)
        if page is not None:
            # The denial the patient picked (issue 16: a case may have several): its own.
            shown, packets, letters = page.deadlines, page.packets, page.letters
        else:
            shown = list(case.deadlines.all())
            letter_kind = Letter.Kind.MEDICAL_NECESSITY if slug == "submit" else Letter.Kind.APPEAL
            packets, letters = rows_together(
                case.packets.filter(kind=kind), case.letters.filter(kind=letter_kind)
            )
        context["deadlines"] = open_deadlines(shown, timezone.localdate())
        context["letter_date_form"] = DeadlineLetterDateForm()
        newest = next((p for p in packets if p.is_newest), None)
        context["packets"] = packets
        context["packet_kind"] = kind
        context["packet_out_of_date"] = bool(
            newest and newest.status == Packet.Status.READY and packet_is_out_of_date(newest)
        )
        context["letters"] = letters
    return render(
        request,
        template,
        {
            "case": case,
            "step": guidance.STEPS_BY_SLUG[slug],
            "steps": [(guidance.STEPS_BY_SLUG[s.slug], s) for s in steps],
            "state": next(s for s in steps if s.slug == slug),
            "is_last": slug == STEP_SLUGS[-1],
            "prev_slug": STEP_SLUGS[index - 1] if index else "",
            "next_slug": STEP_SLUGS[index + 1] if index + 1 < len(STEP_SLUGS) else "",
            **context,
        },
    )


def staff_may_open_files(request) -> None:
    """Clinic staff open documents and packets only with the reviewer role's permission, and
    only in a session verified by their second factor, as admin requires."""
    user = request.user
    if user.is_patient:
        return
    verified = getattr(user, "is_verified", lambda: False)()
    if not verified or not user.has_perm("claims.view_supportingdocument"):
        raise Http404
