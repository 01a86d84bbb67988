"""A record whose file the storage no longer has (files restored from a backup older than the
database, README "Deploying") answers 404 on download, not a server error."""

from django.urls import reverse

from claims.services import document_upload
from tests.factories import CaseFactory, build_patient_world, pdf_upload


def test_a_document_whose_file_is_gone_is_not_found(owner_client, owner):
    case = CaseFactory(patient=owner.patient)
    document = document_upload(case=case, category="medical_records", upload=pdf_upload(), by=owner)
    url = reverse("claims:document_download", args=[case.public_id, document.public_id])
    assert _download(owner_client, url) == 200

    document.file.storage.delete(document.file.name)

    assert _download(owner_client, url) == 404


def test_a_packet_whose_file_is_gone_is_not_found(owner_client, owner):
    from claims.models import Packet

    world = build_patient_world(owner)
    packet = world[Packet]
    url = reverse("claims:packet_download", args=[packet.case.public_id, packet.public_id])
    assert _download(owner_client, url) == 200

    packet.file.storage.delete(packet.file.name)

    assert _download(owner_client, url) == 404


def _download(client, url) -> int:
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code
