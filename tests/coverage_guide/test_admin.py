"""Every model is in admin, and its changelist, search, change and add pages render."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import build_patient_world, pdf_upload

APP_MODELS = [
    model
    for app in ("patients", "claims")
    for model in apps.get_app_config(app).get_models()
    if not model._meta.auto_created and not model.__name__.startswith("Historical")
]


@pytest.mark.parametrize("model", APP_MODELS, ids=lambda m: m._meta.label)
def test_every_model_is_registered(model):
    assert model in admin.site._registry


def test_admin_pages_render_for_a_superuser(admin_client, owner, subtests, rolled_back):
    world = build_patient_world(owner)
    for model in APP_MODELS:
        with subtests.test(model._meta.label), rolled_back():
            _check_admin_pages(admin_client, model, world)


def _check_admin_pages(admin_client, model, world):
    model_admin = admin.site._registry[model]
    info = (model._meta.app_label, model._meta.model_name)

    changelist = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
    assert changelist.status_code == 200
    assert model_admin.list_display != ("__str__",), "give it a list_display"
    if model_admin.search_fields:
        searched = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "x"})
        assert searched.status_code == 200
    obj = world.get(model) or model.objects.first()
    if obj is not None:
        change = admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        assert change.status_code == 200
        history = admin_client.get(reverse("admin:{}_{}_history".format(*info), args=[obj.pk]))
        assert history.status_code == 200
    if model_admin.has_add_permission(changelist.wsgi_request):
        assert admin_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200


def test_admin_never_shows_a_document_file_or_its_path(admin_client, owner):
    from claims.services import document_upload

    world = build_patient_world(owner)
    case = next(obj for model, obj in world.items() if model._meta.model_name == "coveragecase")
    document = document_upload(case=case, category="other", upload=pdf_upload(), by=owner)

    page = admin_client.get(
        reverse("admin:claims_supportingdocument_change", args=[document.pk])
    ).content.decode()

    assert document.file.name not in page
    assert 'type="file"' not in page
    assert admin_client.get(reverse("admin:claims_supportingdocument_add")).status_code == 403


def test_the_case_changelist_filters_on_step_state(admin_client, db):
    from tests.factories import CaseFactory, DenialFactory

    denied = DenialFactory().pa_request.case
    CaseFactory()
    url = reverse("admin:claims_coveragecase_changelist")

    response = admin_client.get(url, {"step_appeal": "not_started"})

    assert list(response.context["cl"].queryset) == [denied]
    assert admin_client.get(url, {"o": "5"}).status_code == 200  # sortable by a step column
