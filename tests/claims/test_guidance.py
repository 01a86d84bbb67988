"""The wizard's words (claims/guidance.py) and the pages built from them: plain and translatable.

Reading level is Flesch-Kincaid grade from textstat. textstat looks words up in NLTK's CMU
dictionary and tries to download it when it is missing; tests run without network, so the
`offline_textstat` fixture makes it count syllables with its bundled Pyphen dictionary instead.
"""

import html
import re
from types import SimpleNamespace

import pytest
import textstat
import textstat.backend.counts._count_syllables as textstat_syllables
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils.functional import Promise
from django.utils.html import strip_tags

from claims import guidance
from claims.models import SupportingDocument


@pytest.fixture
def offline_textstat(monkeypatch):
    monkeypatch.setattr(textstat_syllables, "get_cmudict", lambda lang: None)


def grade(text) -> float:
    return textstat.flesch_kincaid_grade(str(text))


def sentences(text) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", str(text).strip()) if s]


def user_facing_strings():
    """Every string guidance.py shows to a patient, with a name for failure messages."""
    for step in guidance.STEPS:
        yield f"step {step.slug} title", step.title
        yield f"step {step.slug} intro", step.intro
        yield f"step {step.slug} next_action", step.next_action
        for i, tip in enumerate(step.tips):
            yield f"step {step.slug} tip {i}", tip
    for i, q in enumerate(guidance.INSURER_QUESTIONS):
        yield f"question {i} topic", q.topic
        yield f"question {i} question", q.question
        yield f"question {i} why", q.why
    for i, item in enumerate(guidance.DOCUMENT_CHECKLIST):
        yield f"checklist {i} label", item.label
        yield f"checklist {i} why", item.why
    for name in ("CASE_OVERVIEW", "REFERRAL_ASKS", "PEER_TO_PEER", "APPEAL_TIPS"):
        for i, text in enumerate(getattr(guidance, name)):
            yield f"{name} {i}", text
    yield "CRISIS_LINE", guidance.CRISIS_LINE
    yield "NOT_ADVICE", guidance.NOT_ADVICE


def render_financing() -> str:
    request = RequestFactory().get("/")
    return render_to_string("claims/financing.html", {"cases": []}, request=request)


def readable_text(page: str) -> str:
    """The text of <main>, one sentence per line: headings and list items end without a period."""
    main = re.search(r"<main\b[^>]*>(.*)</main>", page, re.S).group(1)
    lines = [line.strip() for line in html.unescape(strip_tags(main)).splitlines()]
    return " ".join(
        line if line[-1] in ".!?:" else f"{line}." for line in lines if line and line[-1]
    )


def test_the_six_steps_are_in_order():
    assert [(s.number, s.slug) for s in guidance.STEPS] == [
        (1, "policy"),
        (2, "history"),
        (3, "referral"),
        (4, "documents"),
        (5, "submit"),
        (6, "appeal"),
    ]
    assert list(guidance.STEPS_BY_SLUG) == [s.slug for s in guidance.STEPS]
    assert all(guidance.STEPS_BY_SLUG[s.slug] is s for s in guidance.STEPS)
    assert str(guidance.STEPS_BY_SLUG["policy"].title) == "Research your policy"


def test_each_step_has_one_to_four_tips_and_one_next_action():
    for step in guidance.STEPS:
        assert 1 <= len(step.tips) <= 4, step.slug
        assert len(sentences(step.next_action)) == 1, step.slug


@pytest.mark.usefixtures("offline_textstat")
def test_each_step_intro_is_two_or_three_plain_sentences():
    for step in guidance.STEPS:
        assert 2 <= len(sentences(step.intro)) <= 3, step.slug
        assert grade(step.intro) <= 8, (step.slug, grade(step.intro))


@pytest.mark.usefixtures("offline_textstat")
def test_the_case_overview_is_plain():
    assert 3 <= len(guidance.CASE_OVERVIEW) <= 6
    assert grade(" ".join(str(p) for p in guidance.CASE_OVERVIEW)) <= 8


def test_the_case_overview_says_what_the_treatments_are_and_what_insurers_want():
    text = " ".join(str(p) for p in guidance.CASE_OVERVIEW)
    for words in ("Spravato", "nasal spray", "FDA", "two hours", "IV ketamine", "experimental"):
        assert words in text
    assert "two antidepressants" in text
    assert "6 weeks" in text
    assert "not medical or legal advice" in text


def test_every_user_facing_string_is_translatable():
    strings = list(user_facing_strings())
    assert len(strings) > 60
    for name, value in strings:
        assert isinstance(value, Promise), name
        assert str(value).strip(), name


def test_the_question_script_covers_what_to_ask():
    assert 8 <= len(guidance.INSURER_QUESTIONS) <= 14
    text = " ".join(f"{q.topic} {q.question} {q.why}" for q in guidance.INSURER_QUESTIONS)
    for words in (
        "pre-authorization",
        "medical",
        "pharmacy",
        "network",
        "criteria",
        "J0013",
        "G2082",
        "reference number",
    ):
        assert words in text, words


def test_checklist_categories_are_document_categories():
    assert 5 <= len(guidance.DOCUMENT_CHECKLIST) <= 7
    categories = {item.category for item in guidance.DOCUMENT_CHECKLIST}
    assert categories <= set(SupportingDocument.Category.values)
    assert {"medical_necessity", "treatment_history", "insurance_card"} <= categories


def test_the_short_lists_have_their_lengths():
    assert 3 <= len(guidance.REFERRAL_ASKS) <= 5
    assert 2 <= len(guidance.PEER_TO_PEER) <= 3
    assert 2 <= len(guidance.APPEAL_TIPS) <= 4
    assert "not an appeal" in " ".join(str(s) for s in guidance.PEER_TO_PEER)
    assert "988" in str(guidance.CRISIS_LINE)
    assert "911" in str(guidance.CRISIS_LINE)


def test_the_financing_page_renders_every_section():
    page = render_financing()
    assert "deferred interest" in page.lower()
    for words in ("superbill", "HSA", "FSA", "988", "ClinicalTrials.gov", "Spravato withMe"):
        assert words in page, words
    assert page.count("What to do next") == 7
    assert "not medical, legal, tax or financial advice" in page


def test_the_financing_page_lists_the_superbill_fields():
    page = render_financing()
    for words in ("date of birth", "member ID", "NPI", "tax ID", "place-of-service", "ICD-10"):
        assert words in page, words
    assert "CPT or HCPCS" in page


def test_the_financing_page_headings_go_in_order_and_nothing_is_inline():
    page = render_financing()
    main = re.search(r"<main\b[^>]*>(.*)</main>", page, re.S).group(1)
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", main)]
    assert levels[0] == 1
    assert levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert " style=" not in main
    assert "<script" not in main


@pytest.mark.usefixtures("offline_textstat")
def test_the_financing_page_is_plain():
    assert grade(readable_text(render_financing())) <= 9


def test_the_question_script_prints_with_room_for_answers():
    html_out = html.unescape(
        render_to_string(
            "claims/_question_script.html",
            {"questions": guidance.INSURER_QUESTIONS, "policy": None},
        )
    )
    assert html_out.count("Answer:") == len(guidance.INSURER_QUESTIONS)
    assert html_out.count("<li") == len(guidance.INSURER_QUESTIONS)
    for words in ("Date and time:", "Representative's name:", "Call reference number:"):
        assert words in html_out, words
    assert str(guidance.INSURER_QUESTIONS[0].question) in html_out
    assert "Member ID" not in html_out
    assert " style=" not in html_out
    assert "<script" not in html_out


def test_the_question_script_shows_the_policy_when_there_is_one():
    policy = SimpleNamespace(
        payer_name="Example Health",
        member_id="XYZ123",
        group_number="G-77",
        member_services_phone="1-800-555-0100",
    )
    html_out = render_to_string(
        "claims/_question_script.html",
        {"questions": guidance.INSURER_QUESTIONS, "policy": policy},
    )
    for value in ("Example Health", "XYZ123", "G-77", "1-800-555-0100"):
        assert value in html_out
