"""Documents and packets kept in an S3 bucket (issue 18, item 3, FILE_STORAGE=s3).

The bucket is moto's S3 server, started in this process on 127.0.0.1; the storage settings are
the ones coverage_guide/settings.py builds from the environment, pointed at it. No test reaches
any other address: the credentials are dummies, the instance metadata service is off, and a
guard refuses (and reports) any connection that is not to loopback.
"""

import hashlib
import io
import ipaddress
import json
import logging
import os
import socket
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from moto.server import ThreadedMotoServer
from pypdf import PdfReader
from storages.backends.s3 import S3Storage

from claims import services
from claims.models import Packet, SupportingDocument
from coverage_guide.settings import file_storage_from_env
from tests.coverage_guide.test_settings import PRODUCTION_ENV, _import_settings
from tests.factories import CaseFactory, PolicyFactory, pdf_upload

REGION = "us-east-1"
PREFIX = "clinic-a/private"  # AWS_LOCATION: not the default, to show it is honoured
# What a URL into the bucket would carry: a signed query string (either signature version).
URL_MARKS = ("X-Amz-", "Signature=", "AWSAccessKeyId=", "amazonaws.com")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on loopback, with the process's AWS settings replaced by dummies."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("AWS_"):  # a developer's profile, region or endpoint
                mp.delenv(name)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        # The server logs each request it serves; the test output need not.
        mp.setattr(logging.getLogger("werkzeug"), "level", logging.WARNING)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch):
    """Refuse, and fail the test on, any connection to an address that is not loopback."""
    outside: list[object] = []
    connect = socket.socket.connect

    def loopback_only(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            outside.append(address)
            raise ConnectionRefusedError(f"test tried to reach {address}")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    yield
    assert outside == []


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:  # a name, not an address
        return host == "localhost"


@dataclass
class Bucket:
    name: str
    endpoint: str
    client: Any

    def keys(self) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return {entry["Key"] for entry in listed.get("Contents", ())}

    def assert_private_and_encrypted(self, key: str, encryption: str = "AES256") -> dict:
        head = self.client.head_object(Bucket=self.name, Key=key)
        assert head["ServerSideEncryption"] == encryption, key
        grants = self.client.get_object_acl(Bucket=self.name, Key=key)["Grants"]
        assert [g["Grantee"]["Type"] for g in grants] == ["CanonicalUser"], grants
        assert not [g for g in grants if "URI" in g["Grantee"]], grants  # AllUsers, AuthUsers
        return head


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch) -> Bucket:
    """A fresh bucket, and the default storage switched to it as FILE_STORAGE=s3 would.

    Setting STORAGES through pytest-django's `settings` sends setting_changed, on which Django
    forgets the storages it built (django.test.signals.storages_changed): `default_storage`, which
    the models' FileFields hold (they name no storage of their own), then resolves to the bucket,
    and back to local disk after the test.
    """
    name = f"coverage-guide-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    client.create_bucket(Bucket=name)
    monkeypatch.setenv("FILE_STORAGE", "s3")
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", name)
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_S3_REGION_NAME", REGION)
    monkeypatch.setenv("AWS_LOCATION", PREFIX)
    settings.STORAGES = {**settings.STORAGES, "default": file_storage_from_env()}
    assert isinstance(SupportingDocument._meta.get_field("file").storage, S3Storage)
    assert isinstance(Packet._meta.get_field("file").storage, S3Storage)
    return Bucket(name=name, endpoint=s3_endpoint, client=client)


def _assert_no_bucket_address(response, bucket: Bucket) -> None:
    """Neither a redirect nor a page (nor a file) hands out an address in the bucket."""
    location = response.get("Location", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    host = bucket.endpoint.removeprefix("http://")
    for mark in (*URL_MARKS, host, bucket.name, PREFIX):
        assert mark not in location, (mark, location)
        assert mark.encode() not in body, mark


def _text_pdf(text: str) -> bytes:
    """A one-page PDF that says `text` (pypdf reads it back)."""
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


@pytest.mark.pdf
def test_documents_and_packets_are_kept_in_the_bucket_and_leave_only_through_the_views(
    client, owner, outsider, bucket, django_capture_on_commit_callbacks
):
    patient = owner.patient
    patient.legal_first_name, patient.legal_last_name = "Robin", "Quill"
    patient.save()
    case = CaseFactory(patient=patient, policy=PolicyFactory(patient=patient))
    client.force_login(owner)
    marker = f"Visit note {uuid.uuid4().hex[:8]}"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("visit.pdf", _text_pdf(marker), content_type="application/pdf")

    uploaded = client.post(
        reverse("claims:step_documents", args=[case.public_id]),
        {"action": "upload", "category": "medical_records", "submission_id": uuid.uuid4(),
         "file": upload},
    )  # fmt: skip
    assert uploaded.status_code == 302
    _assert_no_bucket_address(uploaded, bucket)
    with django_capture_on_commit_callbacks(execute=True):
        requested = client.post(
            reverse("claims:packet_create", args=[case.public_id]),
            {"kind": "prior_authorization"},
        )
    assert requested.status_code == 302
    _assert_no_bucket_address(requested, bucket)

    document = case.documents.get()
    packet = case.packets.get()
    assert packet.status == Packet.Status.READY, packet.error
    # In the bucket under the prefix, private and encrypted, and nothing else there.
    assert bucket.keys() == {f"{PREFIX}/{document.file.name}", f"{PREFIX}/{packet.file.name}"}
    for stored in (document.file.name, packet.file.name):
        bucket.assert_private_and_encrypted(f"{PREFIX}/{stored}")

    # The packet, streamed through the authorized view: the patient's name, and the uploaded
    # document enclosed (claims/pdf.py read it back from the bucket).
    packet_url = reverse("claims:packet_download", args=[case.public_id, packet.public_id])
    response = client.get(packet_url)
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body) == packet.size
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "Robin Quill" in text
    assert marker in text
    # The document, byte for byte as it was stored.
    document_url = reverse("claims:document_download", args=[case.public_id, document.public_id])
    response = client.get(document_url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == document.sha256
    assert marker in PdfReader(io.BytesIO(body)).pages[0].extract_text()

    # No page that lists them, and no download, carries an address in the bucket.
    for url in (
        reverse("claims:step_documents", args=[case.public_id]),
        reverse("claims:step_submit", args=[case.public_id]),
        packet_url,
        document_url,
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_no_bucket_address(response, bucket)

    client.force_login(outsider)
    assert client.get(packet_url).status_code == 404
    assert client.get(document_url).status_code == 404


def test_the_orphan_sweep_lists_the_bucket_and_reads_its_times(owner, bucket):
    """Folders are not objects in a bucket: the sweep used to ask whether "documents" existed,
    S3 said no, and it found nothing to delete."""
    case = CaseFactory(patient=owner.patient)
    document = services.document_upload(
        case=case, category="medical_records", upload=pdf_upload(), by=owner
    )
    orphans = [
        default_storage.save(f"documents/{case.public_id}/orphan.pdf", ContentFile(b"%PDF-1.4")),
        default_storage.save("packets/orphan.pdf", ContentFile(b"%PDF-1.4")),
    ]
    written = default_storage.get_modified_time(orphans[0])
    assert written.utcoffset() == timedelta(0)  # aware, as the sweep's `now` is

    assert services.files_prune_orphans(now=written) == 0  # too recent
    assert services.files_prune_orphans(now=written + timedelta(hours=2)) == 2

    assert bucket.keys() == {f"{PREFIX}/{document.file.name}"}


def test_a_kms_key_id_encrypts_with_kms(bucket, settings, monkeypatch):
    monkeypatch.setenv("AWS_S3_KMS_KEY_ID", "alias/coverage-guide")
    settings.STORAGES = {**settings.STORAGES, "default": file_storage_from_env()}

    name = default_storage.save("packets/kms.pdf", ContentFile(b"%PDF-1.4"))

    head = bucket.assert_private_and_encrypted(f"{PREFIX}/{name}", encryption="aws:kms")
    assert head["SSEKMSKeyId"].endswith("alias/coverage-guide")


def test_the_export_reads_and_account_deletion_removes_the_files_in_the_bucket(
    client, owner, password, bucket, django_capture_on_commit_callbacks
):
    case = CaseFactory(patient=owner.patient)
    document = services.document_upload(
        case=case, category="medical_records", upload=pdf_upload(), by=owner
    )
    packet = Packet.objects.create(
        case=case, kind=Packet.Kind.PRIOR_AUTHORIZATION, version=1, status=Packet.Status.READY
    )
    packet.file.save("packet.pdf", ContentFile(b"%PDF-1.4 packet"))
    client.force_login(owner)

    export = client.post(reverse("patients:export"))
    archive = zipfile.ZipFile(io.BytesIO(export.content))
    files = {
        name.split("/")[1].split("-")[0]: archive.read(name)
        for name in archive.namelist()
        if name.startswith("files/")
    }
    assert files.keys() == {"supportingdocument", "packet"}
    assert hashlib.sha256(files["supportingdocument"]).hexdigest() == document.sha256
    assert files["packet"] == b"%PDF-1.4 packet"
    assert len(bucket.keys()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(
            reverse("patients:delete_account"), {"password": password, "confirm": "on"}
        )

    assert deleted.status_code == 302
    assert bucket.keys() == set()


# --- the switch, as the settings module reads it ----------------------------------------------


def _storages(**env) -> dict:
    """STORAGES from importing the settings module afresh with this environment (and none of
    the AWS settings of the process running the tests)."""
    blank = {name: "" for name in os.environ if name.startswith("AWS_")}
    result = _import_settings(
        "import json", "print(json.dumps(s.STORAGES))", **{**PRODUCTION_ENV, **blank, **env}
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _refusal(**env) -> str:
    blank = {name: "" for name in os.environ if name.startswith("AWS_")}
    result = _import_settings(**{**PRODUCTION_ENV, **blank, **env})
    assert result.returncode != 0
    return result.stderr.strip().splitlines()[-1]


WHITENOISE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


def test_files_stay_on_local_disk_unless_the_switch_says_s3():
    assert _storages(FILE_STORAGE="") == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": WHITENOISE,
    }


def test_the_switch_builds_a_private_encrypted_bucket_storage(tmp_path):
    secret = tmp_path / "aws-secret"
    secret.write_text("from-a-file\n")

    storages = _storages(
        FILE_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="clinic-files",
        AWS_S3_REGION_NAME="us-east-2",
        AWS_S3_ENDPOINT_URL="https://minio.internal:9000",
        AWS_S3_ADDRESSING_STYLE="path",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY_FILE=str(secret),
    )

    assert storages == {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "clinic-files",
                "location": "private-media",
                "region_name": "us-east-2",
                "endpoint_url": "https://minio.internal:9000",
                "addressing_style": "path",
                "object_parameters": {"ServerSideEncryption": "AES256"},
                "default_acl": None,  # no ACL sent: private, and new AWS buckets refuse ACLs
                "querystring_auth": True,
                "file_overwrite": False,
                "max_memory_size": 16 * 1024 * 1024,
                "access_key": "AKIAEXAMPLE",
                "secret_key": "from-a-file",
            },
        },
        "staticfiles": WHITENOISE,  # static files stay with WhiteNoise
    }


def test_without_keys_boto3_finds_its_own_and_kms_replaces_aes(monkeypatch):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("FILE_STORAGE", "S3")
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "clinic-files")
    monkeypatch.setenv("AWS_S3_KMS_KEY_ID", "arn:aws:kms:us-east-2:111122223333:key/abcd")
    monkeypatch.setenv("AWS_LOCATION", "/tenants/a/")
    monkeypatch.setenv("AWS_DEFAULT_ACL", "private")  # an older bucket that wants it said

    options = file_storage_from_env()["OPTIONS"]

    assert "access_key" not in options
    assert "secret_key" not in options
    assert options["object_parameters"] == {
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": "arn:aws:kms:us-east-2:111122223333:key/abcd",
    }
    assert options["location"] == "tenants/a"
    assert options["default_acl"] == "private"
    assert options["region_name"] is None
    assert options["endpoint_url"] is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FILE_STORAGE": "s3"}, "FILE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME"),
        ({"FILE_STORAGE": "gcs"}, "FILE_STORAGE must be local (the default) or s3"),
        (
            {"AWS_STORAGE_BUCKET_NAME": "clinic-files"},
            "AWS_STORAGE_BUCKET_NAME is set but FILE_STORAGE is not",
        ),
        (
            {
                "FILE_STORAGE": "s3",
                "AWS_STORAGE_BUCKET_NAME": "b",
                "AWS_DEFAULT_ACL": "public-read",
            },
            "AWS_DEFAULT_ACL must be one of private, bucket-owner-full-control, none",
        ),
        (
            {"FILE_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "b", "AWS_ACCESS_KEY_ID": "AKIA"},
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together",
        ),
    ],
)
def test_an_incomplete_or_unsafe_storage_setting_is_refused(env, message):
    assert message in _refusal(**{"FILE_STORAGE": "", **env})


def _s3_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject"
    )


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (EndpointConnectionError(endpoint_url="https://s3.example"), True),
        (ReadTimeoutError(endpoint_url="https://s3.example"), True),
        (ConnectionClosedError(endpoint_url="https://s3.example"), True),
        (_s3_error("SlowDown", 503), True),
        (_s3_error("InternalError", 500), True),
        (_s3_error("RequestTimeout", 400), True),
        (_s3_error("AccessDenied", 403), False),
        (_s3_error("NoSuchBucket", 404), False),
        (_s3_error("KMS.NotFoundException", 400), False),
    ],
)
def test_a_bucket_that_does_not_answer_is_retried_one_that_refuses_is_not(error, transient):
    """A packet render that cannot store its file: the task retries (with backoff) only what a
    later try can get past, and fails the packet at once on a bucket that refuses."""
    assert services.packet_render_error_is_transient(error) is transient
