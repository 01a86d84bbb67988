"""In a real browser at 375 px: the language switcher fits the phone's width, switches the page
to Spanish, and keeps the choice on the account."""

import pytest
from django.urls import reverse

from patients.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_switcher_fits_a_phone_and_keeps_the_choice(live_server, owner, password, page):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("patients:login"))
    switcher = page.get_by_role("form", name="Language")
    assert switcher.get_by_role("button", name="Español").is_visible()
    assert _fits(page)

    page.fill("input[name=username]", owner.email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit], main input[type=submit]")
    page.wait_for_url(live_server.url + reverse("claims:dashboard"))
    assert _fits(page)

    switcher.get_by_role("button", name="Español").click()
    page.wait_for_function("document.documentElement.lang === 'es'")
    assert page.url == live_server.url + reverse("claims:dashboard")
    assert _fits(page)
    assert Patient.objects.get(user=owner).preferred_language == "es"
