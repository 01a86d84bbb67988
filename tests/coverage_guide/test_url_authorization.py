"""Every URL in the URLconf, requested as anonymous, owner, another patient, other clinic staff.

New URLs are covered without editing this file: object URLs name their record with a
`<uuid:<model>_id>` kwarg, and tests/factories.py::build_patient_world makes one of each record
for the owner. Only the public pages below may answer an anonymous visitor.
"""

import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import build_patient_world

PUBLIC = {
    "patients:login",
    "patients:logout",
    "patients:signup",
    "patients:signup_sent",
    "patients:signup_confirm",
    "patients:password_reset",
    "patients:password_reset_done",
    "patients:password_reset_confirm",
    "patients:password_reset_complete",
    "patients:terms",
    "patients:privacy",
    "patients:account_deleted",
    "patients:set_language",
    # Load balancers and monitors: statuses only, details for verified staff (test_health.py).
    "health",
    "health_web",
}
# Pages for clinic staff (who otherwise work in admin): patients get 404 there.
STAFF_ONLY = {"patients:two_factor_setup"}
FIXED_KWARGS = {"uidb64": "MQ", "token": "set-password"}


def _app_patterns(resolvers=None, namespace=""):
    """(qualified name, pattern) for every named URL outside the admin site."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _app_patterns(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.pattern


APP_URLS = sorted(_app_patterns(), key=lambda item: item[0])


def _model_for_kwarg(kwarg: str):
    name = kwarg.removesuffix("_id")
    for model in apps.get_models():
        if model._meta.model_name == name.replace("_", ""):
            return model
    raise AssertionError(f"No model for URL kwarg {kwarg!r}: name it <uuid:<model>_id>")


def _url_for(name, pattern, world) -> tuple[str, bool]:
    """The URL of `name` for the owner's records, and whether it names a record."""
    kwargs, names_record = {}, False
    for kwarg, converter in getattr(pattern, "converters", {}).items():
        if kwarg in FIXED_KWARGS:
            kwargs[kwarg] = FIXED_KWARGS[kwarg]
            continue
        assert type(converter).__name__ == "UUIDConverter", (
            f"{name}: records are named by UUID in URLs, never by a database id"
        )
        model = _model_for_kwarg(kwarg)
        assert model in world, f"add a {model.__name__} to tests/factories.py::build_patient_world"
        kwargs[kwarg] = world[model].public_id
        names_record = True
    return reverse(name, kwargs=kwargs), names_record


def _finish(response):
    """Read a streamed download to the end: the test client then closes its file (calling
    response.close() directly would also close the test's database connection)."""
    if response.streaming:
        response.streamed_body = b"".join(response.streaming_content)
    return response


@pytest.fixture
def world(owner):
    return build_patient_world(owner)


def test_the_urlconf_has_app_urls():
    names = {name for name, _ in APP_URLS}
    assert {"patients:home", "patients:export", "patients:delete_account"} <= names


def test_anonymous_is_sent_to_login_except_on_public_pages(client, world, subtests, rolled_back):
    for name, pattern in APP_URLS:
        url, _ = _url_for(name, pattern, world)
        for method in (client.get, client.post):
            with subtests.test(name, method=method.__name__), rolled_back():
                client.logout()
                response = method(url)
                if name in PUBLIC:
                    assert response.status_code < 400 or response.status_code == 405
                else:
                    assert response.status_code == 302, response.status_code
                    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_owner_is_served(client, owner, world, subtests, rolled_back):
    for name, pattern in APP_URLS:
        url, _ = _url_for(name, pattern, world)
        with subtests.test(name), rolled_back():
            client.force_login(owner)

            response = _finish(client.get(url))

            if name in STAFF_ONLY:
                assert response.status_code == 404, response.status_code
            else:
                assert response.status_code in (200, 302, 405), response.status_code
            # Issue 14, finding 8: no signed-in page may be cached.
            assert "no-store" in response.get("Cache-Control", ""), name
            assert "private" in response["Cache-Control"], name


@pytest.mark.parametrize("name", sorted(STAFF_ONLY))
def test_staff_only_pages_serve_staff(client, clinic_staff, name):
    client.force_login(clinic_staff)

    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("intruder", ["outsider", "other_clinic_staff"])
def test_others_get_404_for_the_owners_records(
    request, client, owner, world, intruder, subtests, rolled_back
):
    user = request.getfixturevalue(intruder)
    for name, pattern in APP_URLS:
        url, names_record = _url_for(name, pattern, world)
        for method in (client.get, client.post):
            with subtests.test(name, method=method.__name__), rolled_back():
                client.force_login(user)

                response = _finish(method(url))

                if names_record and method == client.get:
                    # POST-only views answer a GET with 405 before looking anything up.
                    assert response.status_code in (404, 405), response.status_code
                elif names_record:
                    assert response.status_code == 404, response.status_code
                else:
                    assert response.status_code != 500
                    body = response.streamed_body if response.streaming else response.content
                    assert owner.email.encode() not in body
                    assert str(owner.public_id).encode() not in body


def _admin_urls(world):
    yield reverse("admin:index")
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        yield reverse("admin:{}_{}_changelist".format(*info))
        obj = world.get(model)
        if obj is not None:
            yield reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            yield reverse("admin:{}_{}_history".format(*info), args=[obj.pk])


@pytest.mark.parametrize(
    "who", ["anonymous", "owner", "outsider", "staff_with_password_only", "staff_without_device"]
)
def test_admin_turns_away_everyone_but_staff_with_a_second_factor(
    request, client, otp_login, world, clinic_staff, who
):
    """Staff pass only with a verified authenticator code (tests/patients/test_two_factor.py)."""
    if who == "staff_with_password_only":
        otp_login(client, clinic_staff)  # gives the account a confirmed device...
        client.logout()
        client.force_login(clinic_staff)  # ...then logs in again with the password alone
    elif who == "staff_without_device":
        client.force_login(clinic_staff)
    elif who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    login = reverse("admin:login")

    for url in _admin_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url


def test_an_unknown_record_id_is_404_not_500(owner_client):
    for name, pattern in APP_URLS:
        if getattr(pattern, "converters", {}) and not set(pattern.converters) & set(FIXED_KWARGS):
            kwargs = {k: uuid.uuid4() for k in pattern.converters}
            assert owner_client.post(reverse(name, kwargs=kwargs)).status_code == 404, name
