"""The patient's pages in Spanish (issue 17): walked with the compiled catalog, none shows an
English sentence the catalog translates. A string missing from the catalog, a template that
builds its text outside {% translate %}, or a page rendered under English all show up here.

The letters' own sentences are left out: a letter goes to the payer in English, and its English
draft is meant to show where the patient reads and edits it.
"""

import html
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from claims.models import CoverageCase
from tests.factories import build_patient_world

CATALOG = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.django_db


def _sentences_that_must_not_show() -> list[str]:
    """English msgids long enough to be unmistakable (three words or more), with no placeholder,
    whose Spanish differs, used outside admin and outside the letters."""
    found = []
    for entry in polib.pofile(str(CATALOG)):
        paths = [path for path, _ in entry.occurrences]
        if not entry.translated() or entry.msgid_plural or entry.msgstr == entry.msgid:
            continue
        if all("/admin/" in p or p.endswith("admin.py") or p.startswith("claims/letters/")
               for p in paths):  # fmt: skip
            continue
        if len(entry.msgid.split()) < 3 or re.search(r"%\(|%s|\{", entry.msgid):
            continue
        found.append(entry.msgid)
    return found


def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_every_patient_page_reads_in_spanish(client, owner):
    assert (CATALOG.parent / "django.mo").exists(), "compile the catalog first: make messages"
    world = build_patient_world(owner)
    case = world[CoverageCase]
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    case_pages = [
        "case_overview", "step_policy", "question_script", "step_history", "step_referral",
        "step_documents", "step_submit", "step_appeal", "questionnaire_phq9", "questionnaire_gad7",
        "costs", "cost_estimate", "sessions", "oon_claims", "network_gap",
    ]  # fmt: skip
    urls = [reverse("claims:dashboard"), reverse("claims:case_start"), reverse("patients:profile")]
    urls += [reverse(f"claims:{name}", args=[case.public_id]) for name in case_pages]
    english = _sentences_that_must_not_show()
    assert len(english) > 500

    shown: dict[str, list[str]] = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="es"' in response.text, url
        text = _visible_text(response.text)
        left = [sentence for sentence in english if sentence in text]
        if left:
            shown[url] = left

    assert shown == {}
