"""End to end: a patient asks for a packet through the web view; a real Celery worker, fed
through a real Redis, renders it into the shared database and storage; the patient downloads it.
"""

import io
import os
import sys
import time

import pytest
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from claims.models import Packet
from tests import redis_server
from tests.coverage_guide.test_worker import _worker_env, project_app_using, wait_until_ready
from tests.factories import (
    CaseFactory,
    DiagnosisFactory,
    PolicyFactory,
    TreatmentTrialFactory,
    UserFactory,
)

redis_url = redis_server.redis_url

pytestmark = [pytest.mark.worker, pytest.mark.pdf, pytest.mark.django_db(transaction=True)]

RENDER_TIMEOUT = 90.0


def _database_url() -> str:
    """The test database, as a URL the worker process can open."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def packet_worker(redis_url, tmp_path, settings):
    """A real worker on the test database, writing packets where this test reads them."""
    media = tmp_path / "shared-media"
    settings.MEDIA_ROOT = media
    env = _worker_env(redis_url, tmp_path)
    env.update(DATABASE_URL=_database_url(), PRIVATE_MEDIA_ROOT=str(media))
    log_path = tmp_path / "worker.log"
    node = f"packet-worker-{os.getpid()}@localhost"
    args = [sys.executable, "-m", "celery", "-A", "coverage_guide", "worker", "--pool=solo"]
    args += ["--loglevel=INFO", f"--hostname={node}", "--without-gossip", "--without-mingle"]
    args += ["--without-heartbeat"]
    process = redis_server.spawn(args, log_path=log_path, env=env, cwd=settings.BASE_DIR)
    try:
        wait_until_ready(process, log_path)
        yield log_path
    finally:
        redis_server.stop_process(process)


def test_a_packet_requested_on_the_web_is_rendered_by_the_worker_and_downloaded(
    client, redis_url, packet_worker
):
    user = UserFactory(email="worker.patient@example.com")
    patient = user.patient
    policy = PolicyFactory(patient=patient, member_id="WRK-2026")
    case = CaseFactory(patient=patient, policy=policy)
    DiagnosisFactory(patient=patient)
    TreatmentTrialFactory(patient=patient)
    client.force_login(user)

    with project_app_using(redis_url):
        response = client.post(
            reverse("claims:packet_create", args=[case.public_id]),
            {"kind": "prior_authorization"},
        )
        assert response.status_code == 302
        packet = Packet.objects.get(case=case)
        status_url = reverse("claims:packet_status", args=[case.public_id, packet.public_id])
        deadline = time.monotonic() + RENDER_TIMEOUT
        status = None
        while time.monotonic() < deadline:
            status = client.get(status_url).json()["status"]
            if status in ("ready", "failed"):
                break
            time.sleep(0.2)

    assert status == "ready", redis_server.log_tail(packet_worker)
    packet.refresh_from_db()
    assert packet.render_ms > 0
    download = client.get(
        reverse("claims:packet_download", args=[case.public_id, packet.public_id])
    )
    data = b"".join(download.streaming_content)
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "WRK-2026" in text
    assert "F33.2" in text
    assert len(data) == packet.size
