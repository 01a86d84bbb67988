import pytest

from tests.factories import PASSWORD, ClinicFactory, StaffFactory, UserFactory
from tests.services import redis_url  # noqa: F401 - a real Redis for tests that ask for it


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


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, stopped before the test database is dropped: its threads
    hold database connections, and PostgreSQL refuses to drop a database that is in use."""
    return live_server
