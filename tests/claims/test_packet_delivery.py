"""Issue 14, findings 6, 11 and 12, without a real worker: limits per case, the large-packet
queue, retries only for transient errors, the packet outbox (dispatch that never blocks or
fails the request, the sweep), the render's claim, and stored files nobody refers to.

The same behaviour with a real Redis and worker, stopped and killed, is in
tests/claims/test_fault_packets.py.
"""

import datetime as dt
import errno
import io
import os
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageFile

from claims import services, uploads
from claims.models import Packet, SupportingDocument
from claims.services.packets import (
    LARGE_PACKET_PAGES,
    MAX_PACKET_REQUESTS_PER_HOUR,
    MAX_PACKET_UPLOADED_PAGES,
    MAX_RENDER_ATTEMPTS,
)
from claims.services.records import MAX_DOCUMENTS_PER_CASE
from claims.tasks import render_packet
from tests import redis_server
from tests.coverage_guide.test_worker import project_app_using
from tests.factories import CaseFactory, PolicyFactory, pdf_upload


@pytest.fixture
def case(owner):
    return CaseFactory(patient=owner.patient, policy=PolicyFactory(patient=owner.patient))


def _documents(case, count: int, pages: int = 1) -> None:
    """Rows standing for uploaded documents (their files are not read by these tests)."""
    SupportingDocument.objects.bulk_create(
        SupportingDocument(
            case=case,
            category="medical_records",
            file=f"documents/{case.public_id}/{uuid.uuid4().hex}.pdf",
            content_type="application/pdf",
            extension=".pdf",
            size=100,
            page_count=pages,
            sha256="0" * 64,
        )
        for _ in range(count)
    )


def _upload(client, case, file):
    url = reverse("claims:step_documents", args=[case.public_id])
    return client.post(
        url,
        {"action": "upload", "category": "medical_records", "submission_id": uuid.uuid4(),
         "file": file},
    )  # fmt: skip


def _ask_for_packet(client, case):
    url = reverse("claims:packet_create", args=[case.public_id])
    return client.post(url, {"kind": "prior_authorization"}, follow=True)


# --- finding 6: resource limits ---------------------------------------------------------------


def test_finding_6_a_picture_with_too_many_pixels_is_refused_before_decoding(owner_client, case):
    """The probe: a 370 KB PNG of 9,400 x 9,400 pixels took 3.5 s and 1 GB in the web process
    (under Pillow's default limit of about 89 million pixels, so it was decoded)."""
    buffer = io.BytesIO()
    Image.new("1", (9400, 9400), 1).save(buffer, "PNG", optimize=True)
    bomb = SimpleUploadedFile("scan.png", buffer.getvalue(), content_type="image/png")

    with mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError("decoded")):
        response = _upload(owner_client, case, bomb)

    assert response.status_code == 200
    assert "too big for us to process" in response.content.decode()
    assert case.documents.count() == 0
    assert uploads.MAX_IMAGE_PIXELS < 9400 * 9400


def test_finding_6_a_case_holds_a_limited_number_of_documents(owner_client, case):
    _documents(case, MAX_DOCUMENTS_PER_CASE)

    response = _upload(owner_client, case, pdf_upload())

    assert response.status_code == 200
    assert f"already has {MAX_DOCUMENTS_PER_CASE} documents" in response.content.decode()
    assert case.documents.count() == MAX_DOCUMENTS_PER_CASE
    # Room again after removing one.
    case.documents.first().delete()
    assert _upload(owner_client, case, pdf_upload()).status_code == 302


def test_finding_6_uploads_may_not_add_up_to_more_pages_than_a_packet_holds(owner_client, case):
    _documents(case, 2, pages=MAX_PACKET_UPLOADED_PAGES // 2)

    response = _upload(owner_client, case, pdf_upload(pages=2))

    assert response.status_code == 200
    assert f"more than {MAX_PACKET_UPLOADED_PAGES} pages" in response.content.decode()
    assert case.documents.count() == 2


def test_finding_6_a_packet_over_the_page_limit_is_refused_with_a_reason(owner_client, case):
    """Documents stored before the limit existed can still add up to too much."""
    _documents(case, 3, pages=MAX_PACKET_UPLOADED_PAGES // 2)

    response = _ask_for_packet(owner_client, case)

    assert "a packet can hold" in response.content.decode()
    assert not Packet.objects.filter(case=case).exists()


def test_finding_6_packet_requests_per_case_are_limited(owner_client, case):
    """The probe asked for packet after packet on one case; nothing capped them."""
    with mock.patch("claims.tasks.render_packet.apply_async"):
        for _ in range(MAX_PACKET_REQUESTS_PER_HOUR):
            _ask_for_packet(owner_client, case)
        refused = _ask_for_packet(owner_client, case)
        assert "in the last hour" in refused.content.decode()
        assert Packet.objects.filter(case=case).count() == MAX_PACKET_REQUESTS_PER_HOUR

        # An hour later (the requests moved back rather than the clock, which would end the
        # session).
        Packet.objects.update(created_at=timezone.now() - dt.timedelta(minutes=61))
        _ask_for_packet(owner_client, case)
    assert Packet.objects.filter(case=case).count() == MAX_PACKET_REQUESTS_PER_HOUR + 1


def test_finding_6_a_packet_with_many_uploaded_pages_goes_to_its_own_queue(
    owner, case, django_capture_on_commit_callbacks
):
    """The probe: four requests on a 1,000-page case held another patient's packet for 88 s."""
    small = CaseFactory(policy=PolicyFactory())
    _documents(case, 1, pages=LARGE_PACKET_PAGES + 1)
    _documents(small, 1, pages=LARGE_PACKET_PAGES)

    with (
        mock.patch("claims.tasks.render_packet.apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        large_packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
        small_packet = services.packet_request(
            case=small, kind="prior_authorization", by=small.patient.user
        )

    queues = {call.args[0][0]: call.kwargs["queue"] for call in send.call_args_list}
    assert queues == {
        large_packet.pk: settings.PACKET_LARGE_QUEUE,
        small_packet.pk: settings.PACKET_QUEUE,
    }
    limits = {call.args[0][0]: call.kwargs["time_limit"] for call in send.call_args_list}
    assert limits[large_packet.pk] > limits[small_packet.pk]


@pytest.mark.pdf  # patching claims.pdf loads WeasyPrint
def test_finding_6_a_render_error_that_cannot_succeed_is_not_retried(case, monkeypatch):
    """Each render used to be retried 4 times, 120 s each, whatever the error."""
    monkeypatch.setitem(render_packet.app.conf, "task_eager_propagates", False)
    packet = Packet.objects.create(case=case, kind="prior_authorization", version=1)
    with mock.patch("claims.pdf.render_packet_pdf", side_effect=ValueError("bad")) as render:
        result = render_packet.apply(args=[packet.pk], throw=False).get()

    packet.refresh_from_db()
    assert (result, render.call_count, packet.status) == ("failed", 1, Packet.Status.FAILED)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (OperationalError("database is locked"), True),
        (ConnectionResetError(), True),
        (TimeoutError(), True),
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OSError("image file is truncated"), False),  # what Pillow raises for a broken picture
        (ValueError(), False),
        (MemoryError(), False),
    ],
)
def test_only_transient_errors_count_as_worth_retrying(error, transient):
    assert services.packet_render_error_is_transient(error) is transient


# --- finding 11: Redis down -------------------------------------------------------------------


def test_finding_11_a_packet_request_with_the_broker_down_answers_and_keeps_the_packet(
    owner_client, case, django_capture_on_commit_callbacks
):
    """The probe: with the broker stopped, "make a packet" answered 500 after 19 s and the packet
    stayed queued, never sent. Here nothing listens on the broker's port at all."""
    dead_broker = f"redis://127.0.0.1:{redis_server.free_port()}/0"
    with (
        project_app_using(dead_broker),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _ask_for_packet(owner_client, case)

    assert response.status_code == 200
    assert "Your request is saved" in response.content.decode()
    packet = Packet.objects.get(case=case)
    assert (packet.status, packet.dispatched_at) == (Packet.Status.QUEUED, None)


def test_finding_11_the_sweep_sends_again_what_the_broker_never_took(case, owner):
    with mock.patch("claims.tasks.render_packet.apply_async", side_effect=ConnectionError):
        packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
    assert packet.dispatched_at is None
    now = timezone.now()

    with mock.patch("claims.tasks.render_packet.apply_async") as send:
        # Under a minute old: the request may still be on its way.
        assert services.packets_resend_stalled(now=now) == 0
        sent = services.packets_resend_stalled(now=now + settings.PACKET_RESEND_AFTER * 2)

    assert sent == 1
    assert send.call_args.args[0] == (packet.pk,)
    packet.refresh_from_db()
    assert packet.dispatched_at is not None


def test_the_sweep_leaves_a_packet_the_broker_took_until_it_may_have_been_lost(
    case, owner, django_capture_on_commit_callbacks
):
    with (
        mock.patch("claims.tasks.render_packet.apply_async"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        packet = services.packet_request(case=case, kind="prior_authorization", by=owner)
    packet.refresh_from_db()
    taken = packet.dispatched_at

    with mock.patch("claims.tasks.render_packet.apply_async") as send:
        services.packets_resend_stalled(now=taken + settings.PACKET_RESEND_AFTER * 2)
        assert not send.called  # waiting its turn in the queue
        services.packets_resend_stalled(now=taken + settings.PACKET_LOST_AFTER * 2)
        assert send.called


def test_finding_11_the_packet_page_says_when_to_come_back_after_a_long_wait(owner_client, case):
    """The probe: the page's polling stopped silently after 6 minutes."""
    with mock.patch("claims.tasks.render_packet.apply_async", side_effect=ConnectionError):
        _ask_for_packet(owner_client, case)
    url = reverse("claims:step_submit", args=[case.public_id])
    slow = "This is taking longer than usual."

    assert f"hidden data-packet-slow>{slow}" in _squeezed(owner_client.get(url))
    Packet.objects.update(created_at=timezone.now() - Packet.SLOW_AFTER * 2)
    page = _squeezed(owner_client.get(url))
    assert f"data-packet-slow>{slow}" in page
    assert f"hidden data-packet-slow>{slow}" not in page
    assert "come back in about 10 minutes" in page


def _squeezed(response) -> str:
    return " ".join(response.content.decode().split())


# --- finding 12: worker loss and files --------------------------------------------------------


def _rendering(case, *, task_id: str, claimed_at, attempts: int = 1) -> Packet:
    return Packet.objects.create(
        case=case,
        kind="prior_authorization",
        version=1,
        status=Packet.Status.RENDERING,
        render_task_id=task_id,
        claimed_at=claimed_at,
        attempts=attempts,
    )


@pytest.mark.pdf
def test_finding_12_a_render_redelivered_after_its_worker_died_takes_its_packet_back(case):
    """The probe: a killed render left the packet "rendering" for ever. The broker now hands the
    same message out again (reject_on_worker_lost); its task id still holds the claim."""
    packet = _rendering(case, task_id="message-1", claimed_at=timezone.now())

    other = services.packet_render(packet_id=packet.pk, task_id="a-duplicate")
    assert other.status == Packet.Status.RENDERING  # a second message does not start it twice
    again = services.packet_render(packet_id=packet.pk, task_id="message-1")

    assert again.status == Packet.Status.READY
    assert again.attempts == 2
    assert default_storage.listdir("packets")[1] == [os.path.basename(again.file.name)]


def test_finding_12_the_sweep_requeues_a_render_lost_with_its_worker(case):
    claimed = timezone.now()
    packet = _rendering(case, task_id="message-1", claimed_at=claimed)
    stale = claimed + dt.timedelta(seconds=settings.PACKET_TIME_LIMIT) + settings.PACKET_STALE_GRACE

    with mock.patch("claims.tasks.render_packet.apply_async") as send:
        assert services.packets_resend_stalled(now=claimed + dt.timedelta(seconds=30)) == 0
        assert services.packets_resend_stalled(now=stale + dt.timedelta(seconds=1)) == 1

    packet.refresh_from_db()
    assert packet.status == Packet.Status.QUEUED
    assert send.call_args.args[0] == (packet.pk,)


def test_finding_12_a_packet_that_kills_its_worker_every_time_is_failed_not_retried_for_ever(
    case,
):
    packet = _rendering(
        case, task_id="message-1", claimed_at=timezone.now(), attempts=MAX_RENDER_ATTEMPTS
    )

    services.packet_render(packet_id=packet.pk, task_id="message-1")  # handed out once more

    packet.refresh_from_db()
    assert packet.status == Packet.Status.FAILED
    assert "could not make this packet" in packet.error


def test_a_duplicate_message_does_not_fail_a_packet_the_sweep_just_put_back_in_the_queue(case):
    """A message whose claim missed (another live message held the packet) checked again whether
    the packet was claimable, and failed it for good if so, though it had tries left: the sweep
    had put it back in the queue in between. Only a packet out of tries is failed now."""
    packet = _rendering(case, task_id="message-1", claimed_at=timezone.now())
    real_update = QuerySet.update

    def sweep_runs_right_after_the_missed_claim(queryset, **kwargs):
        changed = real_update(queryset, **kwargs)
        if not changed and kwargs.get("render_task_id") == "message-2":
            real_update(Packet.objects.filter(pk=packet.pk), status=Packet.Status.QUEUED)
        return changed

    with mock.patch.object(QuerySet, "update", sweep_runs_right_after_the_missed_claim):
        services.packet_render(packet_id=packet.pk, task_id="message-2")

    packet.refresh_from_db()
    assert packet.status == Packet.Status.QUEUED
    assert packet.error == ""


def test_settings_hand_back_a_lost_render_and_outlast_the_longest_one():
    from coverage_guide.celery import app

    assert app.conf.task_reject_on_worker_lost
    assert render_packet.reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    longest = max(settings.PACKET_TIME_LIMIT, settings.PACKET_LARGE_TIME_LIMIT)
    assert app.conf.broker_transport_options["visibility_timeout"] > longest
    assert "claims.resend_stalled_packets" in {
        entry["task"] for entry in app.conf.beat_schedule.values()
    }


def test_finding_12_stored_files_no_record_names_are_removed_after_an_hour(case):
    """A crash between writing a file and saving its row left an orphan file of health data."""
    kept = default_storage.save("packets/kept.pdf", ContentFile(b"%PDF-1.4"))
    Packet.objects.create(case=case, kind="prior_authorization", version=1, file=kept)
    orphan_packet = default_storage.save("packets/orphan.pdf", ContentFile(b"%PDF-1.4"))
    orphan_upload = default_storage.save(
        f"documents/{case.public_id}/x.pdf", ContentFile(b"%PDF-1.4")
    )
    # The files' own clock (the file system's), which a test's travelling clock does not move.
    now = default_storage.get_modified_time(orphan_upload)

    assert services.files_prune_orphans(now=now) == 0  # too recent: a save may be on its way
    assert services.files_prune_orphans(now=now + dt.timedelta(hours=2)) == 2

    assert default_storage.exists(kept)
    assert not default_storage.exists(orphan_packet)
    assert not default_storage.exists(orphan_upload)


def test_a_refused_upload_leaves_no_file(owner_client, case):
    _documents(case, 1, pages=MAX_PACKET_UPLOADED_PAGES)

    _upload(owner_client, case, pdf_upload())

    stored = (
        default_storage.listdir(f"documents/{case.public_id}")[1]
        if default_storage.exists(f"documents/{case.public_id}")
        else []
    )
    assert stored == []
