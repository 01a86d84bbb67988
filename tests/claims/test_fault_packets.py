"""The fault suite (issue 14): a packet asked for through the web view while Redis is stopped, and
renders whose worker is SIGKILLed, each with a real Redis and a real Celery worker (prefork, the
production command, Celery beat embedded where the outbox sweep is needed) on the test database.
Also one patient's large packets against another's small one (finding 6: starvation).

Each test prints how long the packet took to be ready after the fault ended (Redis back, the
worker's process gone, the worker restarted); `pytest -m fault -s` shows them. Run with
`make test-fault`; `make test` (and so CI) runs them too.
"""

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from claims import services
from claims.models import Packet
from claims.services.packets import LARGE_PACKET_PAGES
from tests import redis_server
from tests.claims.test_worker_packets import _database_url
from tests.coverage_guide.test_worker import _worker_env, project_app_using, wait_until_ready
from tests.factories import (
    CaseFactory,
    DiagnosisFactory,
    PolicyFactory,
    TreatmentTrialFactory,
    UserFactory,
    pdf_upload,
)

redis_url = redis_server.redis_url

pytestmark = [
    pytest.mark.fault,
    pytest.mark.worker,
    pytest.mark.pdf,
    pytest.mark.django_db(transaction=True),
]

READY_TIMEOUT = 120.0
# Short enough for a test: renders here take a second or two. The sweep runs every second and
# sends again a packet the broker never took after one second.
FAST_OUTBOX = {
    "PACKET_SWEEP_SECONDS": "1",
    "PACKET_RESEND_AFTER_SECONDS": "1",
    "PACKET_TIME_LIMIT": "15",
    "PACKET_STALE_GRACE_SECONDS": "1",
}


class Worker:
    """`celery -A coverage_guide worker` (prefork, one child) on the test database and media."""

    def __init__(
        self, broker: str, tmp: Path, media: Path, *, beat: bool, name: str, queues: str = ""
    ):
        self.log = tmp / f"{name}.log"
        env = _worker_env(broker, tmp)
        env.update(DATABASE_URL=_database_url(), PRIVATE_MEDIA_ROOT=str(media), **FAST_OUTBOX)
        args = [sys.executable, "-m", "celery", "-A", "coverage_guide", "worker"]
        args += ["--pool=prefork", "--concurrency=1", "--loglevel=INFO"]
        queues = queues or f"{settings.PACKET_QUEUE},{settings.PACKET_LARGE_QUEUE}"
        args += [f"--queues={queues}"]
        args += [f"--hostname={name}-{os.getpid()}@localhost"]
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        if beat:
            args += ["--beat", f"--schedule={tmp / f'{name}-beat-schedule'}"]
        self.process = redis_server.spawn(args, log_path=self.log, env=env, cwd=settings.BASE_DIR)
        try:
            wait_until_ready(self.process, self.log)
        except BaseException:  # pytest.fail's outcome included: stop what was started
            self.stop()
            raise

    def pool_children(self) -> list[int]:
        """The prefork pool's processes (the worker's own children)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill(self) -> None:
        """SIGKILL the worker and everything it started, as an out-of-memory kill would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        redis_server.stop_process(self.process)


@pytest.fixture
def media(tmp_path, settings):
    """Where both this test and the worker keep files."""
    settings.MEDIA_ROOT = tmp_path / "shared-media"
    return settings.MEDIA_ROOT


@pytest.fixture
def workers(tmp_path, media):
    started: list[Worker] = []

    def start(broker: str, *, beat: bool = False, name: str = "worker", queues: str = "") -> Worker:
        worker = Worker(broker, tmp_path, media, beat=beat, name=name, queues=queues)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def patient_case():
    user = UserFactory(email="fault.patient@example.com")
    case = CaseFactory(patient=user.patient, policy=PolicyFactory(patient=user.patient))
    DiagnosisFactory(patient=user.patient)
    TreatmentTrialFactory(patient=user.patient)
    return user, case


def _ask_for_packet(client, user, case, broker: str) -> Packet:
    client.force_login(user)
    with project_app_using(broker):
        response = client.post(
            reverse("claims:packet_create", args=[case.public_id]), {"kind": "prior_authorization"}
        )
    assert response.status_code == 302
    return Packet.objects.get(case=case)


def _wait_for(packet: Packet, statuses: set[str], logs: list[Path], timeout=READY_TIMEOUT) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Packet.objects.values_list("status", flat=True).get(pk=packet.pk)
        if status in statuses:
            return status
        time.sleep(0.01)
    tails = "\n".join(redis_server.log_tail(log, 40) for log in logs)
    pytest.fail(f"packet still {status!r} after {timeout:.0f}s:\n{tails}")


def _stored_packet_files(media: Path) -> list[str]:
    folder = media / "packets"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _report(label: str, seconds: float) -> None:
    print(f"\nfault suite: {label}: {seconds:.1f} s")  # noqa: T201 - the closing note's figures


def test_fault_redis_stopped_during_a_packet_request_then_started(
    client, tmp_path, media, workers, patient_case
):
    """Redis goes down; the patient asks for a packet (answered at once, the packet queued, not
    sent); Redis comes back on the same port; with no user action the outbox sweep (beat) sends
    it and the worker makes it."""
    try:
        redis = redis_server.start_redis(tmp_path / "redis")
    except FileNotFoundError as exc:
        redis_server.missing_service(str(exc))
    try:
        worker = workers(redis.url, beat=True)
        redis.stop()
        user, case = patient_case

        packet = _ask_for_packet(client, user, case, redis.url)
        assert (packet.status, packet.dispatched_at) == (Packet.Status.QUEUED, None)

        redis = redis_server.start_redis(tmp_path / "redis", port=redis.port)
        back = time.monotonic()
        status = _wait_for(packet, {"ready", "failed"}, [worker.log])
        _report("Redis back -> packet ready", time.monotonic() - back)
    finally:
        redis.stop()

    packet.refresh_from_db()
    assert status == "ready", packet.error
    assert packet.attempts == 1
    assert _stored_packet_files(media) == [Path(packet.file.name).name]


def test_fault_the_rendering_process_is_killed_then_replaced(
    client, redis_url, media, workers, patient_case
):
    """SIGKILL of the pool process mid-render: the worker hands the message back
    (reject_on_worker_lost), the replacement process gets it, and the packet is made once."""
    worker = workers(redis_url)
    user, case = patient_case
    # Enclosures make the render long enough to be caught in the middle of it.
    services.document_upload(
        case=case, category="medical_records", upload=pdf_upload(pages=80), by=user
    )
    packet = _ask_for_packet(client, user, case, redis_url)

    _wait_for(packet, {"rendering"}, [worker.log])
    (child,) = worker.pool_children()
    os.kill(child, signal.SIGKILL)
    killed = time.monotonic()
    assert Packet.objects.get(pk=packet.pk).status == "rendering", "finished before the kill"

    status = _wait_for(packet, {"ready", "failed"}, [worker.log])
    _report("render process killed -> packet ready", time.monotonic() - killed)
    packet.refresh_from_db()
    assert status == "ready", packet.error
    assert packet.attempts == 2
    assert _stored_packet_files(media) == [Path(packet.file.name).name]


def test_fault_the_whole_worker_is_killed_during_a_render_then_restarted(
    client, redis_url, media, workers, patient_case
):
    """SIGKILL of the worker and its pool mid-render: nothing hands the message back until the
    broker's visibility timeout. The restarted worker's sweep finds the render's claim stale
    (older than its time limit) and queues the packet again; it is made once."""
    first = workers(redis_url, name="first")
    user, case = patient_case
    services.document_upload(
        case=case, category="medical_records", upload=pdf_upload(pages=80), by=user
    )
    packet = _ask_for_packet(client, user, case, redis_url)
    _wait_for(packet, {"rendering"}, [first.log])
    first.kill()
    assert Packet.objects.get(pk=packet.pk).status == "rendering", "finished before the kill"

    second = workers(redis_url, beat=True, name="second")
    restarted = time.monotonic()
    status = _wait_for(packet, {"ready", "failed"}, [first.log, second.log])
    _report("worker restarted -> packet ready", time.monotonic() - restarted)
    packet.refresh_from_db()
    assert status == "ready", redis_server.log_tail(second.log, 60)
    assert packet.attempts == 2
    assert _stored_packet_files(media) == [Path(packet.file.name).name]


def test_finding_6_large_packets_wait_on_their_own_queue_and_hold_up_no_one(
    client, redis_url, workers, patient_case
):
    """The probe: four requests on a 1,000-page case held another patient's packet for 88 s. A
    worker for the usual queue alone makes the small packet while four large ones wait for the
    large-packet worker (none runs here)."""
    user, large_case = patient_case
    services.document_upload(
        case=large_case,
        category="medical_records",
        upload=pdf_upload(pages=LARGE_PACKET_PAGES + 1),
        by=user,
    )
    worker = workers(redis_url, queues=settings.PACKET_QUEUE)
    with project_app_using(redis_url):
        large = [
            services.packet_request(case=large_case, kind="prior_authorization", by=user)
            for _ in range(4)
        ]
        other = UserFactory(email="other.patient@example.com")
        small_case = CaseFactory(patient=other.patient, policy=PolicyFactory(patient=other.patient))
        small = services.packet_request(case=small_case, kind="prior_authorization", by=other)

    assert _wait_for(small, {"ready", "failed"}, [worker.log]) == "ready"
    assert {p.queue for p in large} == {settings.PACKET_LARGE_QUEUE}
    assert set(Packet.objects.filter(case=large_case).values_list("status", flat=True)) == {
        "queued"
    }
