import os
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, ClinicFactory, StaffFactory, UserFactory
from tests.redis_server import redis_url  # noqa: F401 - a real Redis for tests that ask for it

CLOCK_AHEAD_ENV = "TEST_CLOCK_AHEAD_DAYS"


def pytest_addoption(parser):
    parser.addoption(
        "--clock-ahead-days",
        type=int,
        default=int(os.environ.get(CLOCK_AHEAD_ENV) or 0),
        help=(
            "Run the whole session with the clock moved this many days ahead, ticking "
            f"(time-machine). Also read from ${CLOCK_AHEAD_ENV}. CI runs the fast suite "
            "a second time with it, so no test can depend on today's date."
        ),
    )


def pytest_configure(config):
    days = config.getoption("clock_ahead_days")
    if days:
        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        traveller.start()
        config.stash[_clock_key] = traveller


def pytest_unconfigure(config):
    traveller = config.stash.get(_clock_key, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    if config.stash.get(_clock_key, None) is not None:
        days = config.getoption("clock_ahead_days")
        return f"clock: moved {days} days ahead, now {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    return None


_clock_key = pytest.StashKey[time_machine.travel]()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def clinic(db):
    return ClinicFactory()


@pytest.fixture
def other_clinic(db):
    return ClinicFactory()


@pytest.fixture
def owner(db):
    """The patient whose records the test is about."""
    return UserFactory(email="owner@example.com")


@pytest.fixture
def outsider(db):
    """Another patient, who must never see the owner's records."""
    return UserFactory(email="outsider@example.com")


@pytest.fixture
def clinic_staff(clinic):
    staff = StaffFactory(email="staff@clinic.example.com")
    clinic.staff.add(staff)
    return staff


@pytest.fixture
def other_clinic_staff(other_clinic):
    staff = StaffFactory(email="staff@other-clinic.example.com")
    other_clinic.staff.add(staff)
    return staff


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def otp_force_login(client, user) -> TOTPDevice:
    """Log `user` in as if with password and authenticator code: admin needs both (django-otp).

    force_login() gives a password-only session; the confirmed device's id in the session is what
    a right code at the admin login leaves there.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def otp_login():
    """`otp_login(client, user)`: a staff login that admin accepts (password and second factor)."""
    return otp_force_login


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, verified by a second factor as the admin site requires.
    tests/patients/test_two_factor.py checks that the same login without it is refused."""
    otp_force_login(client, admin_user)
    return client


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, stopped before the test database is dropped: its threads
    hold database connections, and PostgreSQL refuses to drop a database that is in use."""
    return live_server
