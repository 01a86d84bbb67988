import io
import json
import zipfile

import pytest
from django.urls import reverse

from patients.models import AccessLog, Consent, User
from patients.services import patient_sign_up


@pytest.fixture
def signed_up(db, password):
    return patient_sign_up(email="signed.up@example.com", password=password)


def _export(client) -> zipfile.ZipFile:
    response = client.post(reverse("patients:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_export_holds_the_patients_records_and_not_the_password_hash(client, signed_up, outsider):
    client.force_login(signed_up)

    archive = _export(client)

    data = json.loads(archive.read("data.json"))["records"]
    assert [row["email"] for row in data["patients.User"]] == ["signed.up@example.com"]
    assert "password" not in data["patients.User"][0]
    assert {row["document"] for row in data["patients.Consent"]} == {"terms", "privacy"}
    assert "outsider@example.com" not in archive.read("data.json").decode()
    assert "README.txt" in archive.namelist()


def test_export_is_recorded_in_the_access_log_and_listed_next_time(client, signed_up):
    client.force_login(signed_up)

    _export(client)
    second = _export(client)

    entries = AccessLog.objects.filter(action=AccessLog.Action.EXPORT, actor=signed_up)
    assert [e.object_id for e in entries] == [signed_up.public_id] * 2
    log = json.loads(second.read("access-log.json"))
    assert [row["action"] for row in log] == ["export"]


def test_deletion_removes_account_consents_and_history_but_keeps_the_access_log(
    client, signed_up, outsider, password, mailoutbox
):
    client.force_login(signed_up)
    signed_up.full_name = "Changed Name"
    signed_up.save()  # a second history row
    user_id = signed_up.pk

    response = client.post(
        reverse("patients:delete_account"), {"password": password, "confirm": "on"}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=user_id).exists()
    assert not Consent.objects.filter(user_id=user_id).exists()
    assert not User.history.filter(id=user_id).exists()
    assert User.objects.filter(pk=outsider.pk).exists()
    assert User.history.filter(id=outsider.pk).exists()
    assert AccessLog.objects.filter(actor_id=user_id, action=AccessLog.Action.DELETE).exists()
    assert client.get(reverse("patients:home")).status_code == 302  # logged out
    assert len(mailoutbox) == 1
    assert "deleted" in mailoutbox[0].subject


def test_deletion_needs_the_right_password_and_the_box_ticked(client, signed_up):
    client.force_login(signed_up)

    wrong = client.post(reverse("patients:delete_account"), {"password": "nope", "confirm": "on"})
    unticked = client.post(reverse("patients:delete_account"), {"password": "nope"})

    assert wrong.status_code == 200
    assert "That password is not right" in wrong.content.decode()
    assert "Please tick the box" in unticked.content.decode()
    assert User.objects.filter(pk=signed_up.pk).exists()
