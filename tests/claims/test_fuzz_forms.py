"""A fuzz test over every form a patient posts in the wizard (issue 14, "A fuzz test").

Each form is posted through the Django client, as the logged-in owner of a case, with values
drawn by hypothesis from what the form's own fields are (so a new field is fuzzed without touching
this file): strings with NULs, lone surrogates and 10,000 characters; dates from year 1 to 9999 and
malformed ones; numbers like 1e309, 99999999999999999999, -0 and NaN. Every example checks:

- no 500: the client raises the server's exception (raise_request_exception stays on);
- no NUL reaches the database: SQLite stores one, PostgreSQL (CI's second run, production)
  refuses the query, so every query here is checked the way PostgreSQL would;
- a save (a redirect) leaves the pages that read the case working: the page it lands on and
  step 5, which reads nearly everything (a far-future date once saved broke it, issue 14
  finding 3);
- a refused form (200) comes back with everything typed: posting the re-rendered form again
  would send the same values. Where a value cannot come back, the field says why instead:
  - a NUL: a browser shows U+FFFD in its place, so the page cannot give it back; the field is
    refused with its message ("Null characters are not allowed.", "Enter a valid date.") or,
    where the form sets the field aside (a medication's fields on a therapy), it is not kept;
  - a lone surrogate cannot be sent at all: a browser sends U+FFFD, and the bytes of one
    (CESU-8, which this test sends raw) are not UTF-8, so Django decodes them as U+FFFD. The
    page must give back what the server received: the U+FFFD characters;
  - a choice that is not in the list (a tampered post): no option can show it, and the field
    says "Select a valid choice";
  - only whitespace, in a field that strips it: it may come back as other whitespace (crispy
    collapses a textarea's), as the field reads it as empty either way.

Every example runs in a savepoint that is rolled back, so examples do not see each other's saves
and a failure replays the same way. The number of examples is fixed per profile (HYPOTHESIS_PROFILE,
"ci" by default: derandomized, so CI runs the same examples every time; "thorough" for a long
local run with new random examples).
"""

import datetime
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django import forms
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils.html import escape
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from claims.forms import CriteriaPolicyForm
from claims.models import PriorAuthorizationRequest
from claims.progress import STEP_SLUGS
from claims.selectors import criteria_sets_for
from claims.services import deadlines_refresh, letter_get_or_draft
from tests.factories import (
    CaseFactory,
    DenialFactory,
    PolicyFactory,
    ProviderFactory,
    TreatmentSessionFactory,
)

pytestmark = pytest.mark.fuzz

# "ci": a fixed budget per form, the same examples on every run (derandomize), no deadline (a
# page with a 10,000-character field takes what it takes on a busy CI machine), and no example
# database. Hypothesis still caches Unicode tables and constants: under .local/, not .hypothesis/.
set_hypothesis_home_dir(Path(__file__).resolve().parents[2] / ".local" / "hypothesis")
settings.register_profile(
    "ci", max_examples=25, derandomize=True, deadline=None, database=None, print_blob=True
)
settings.register_profile(
    "thorough", settings.get_profile("ci"), max_examples=1000, derandomize=False
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# --- values -------------------------------------------------------------------------------------

LONG = "x" * 10_000
# 10,000 characters, some of them two bytes: long enough for every max_length, and 40 of them
# (the longest form) still under DATA_UPLOAD_MAX_MEMORY_SIZE once percent-encoded.
LONG_TEXT = ("Lorem ipsum dolor sit amet, naïve café. " * 250)[:10_000]
NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\ud83d\ude00\ud800",
    LONG,
    LONG_TEXT,
    "<script>alert(1)</script>&amp;\"'",
    "\r\n\t",
    "ñé漢字😀\u200f\ufeff",
    "{{ case }}{% now 'Y' %}",
    "%s%n%(x)s",
    "' OR 1=1 --",
]
BAD_DATES = [
    "0000-00-00",
    "9999-12-31",
    "12/9999",
    "31/31/2020",
    "",
    "-1",
    "0001-01-01",
    "1899-12-31",
    "2100-01-01",
    "2020-02-30",
    "02/29/2023",
    "9999-12",
    "December 9999",
    "00/0000",
    "13/2024",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2024-03-10T02:30",  # does not exist in New York (clocks go forward)
    "2024-11-03T01:30",  # happens twice in New York
    "99999-01-01",
    "2020-1-1",
    "1e309",
]
HUGE_NUMBERS = [
    "1e309",
    "-1e309",
    "99999999999999999999",
    "-99999999999999999999",
    "-0",
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-inf",
    "1e-400",
    "-1",
    "32768",
    "65536",
    "2147483648",
    "9223372036854775808",
    "0.000000000000000000001",
    "1_000",
    "١٢٣",  # Arabic-Indic digits: int() and Decimal() take them
    "$1,500.00",
    "20%",
    "0x10",
    " 7 ",
    "1.5",
]
BAD_CHOICES = ["", "\x00", "not-a-choice", "99999999999999999999", "-1", "1e309", LONG]


def _nasty_text() -> st.SearchStrategy[str]:
    anything = st.sampled_from(NASTY_TEXT + BAD_DATES + HUGE_NUMBERS)
    return anything | st.text(max_size=30)


def _iso(d: datetime.date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"  # %Y would not pad the year to 4 digits


def _us(d: datetime.date) -> str:
    return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"


def _nasty_dates(with_time: bool) -> st.SearchStrategy[str]:
    """Any date from year 1 to 9999, as ISO or as US dates, and the malformed ones above."""
    if with_time:
        dates = st.datetimes().map(lambda d: f"{_iso(d)}T{d:%H:%M}")
    else:
        dates = st.dates().map(_iso) | st.dates().map(_us)
    return st.sampled_from(BAD_DATES) | dates | st.sampled_from(NASTY_TEXT)


def _nasty_numbers() -> st.SearchStrategy[str]:
    return (
        st.sampled_from(HUGE_NUMBERS)
        | st.integers().map(str)
        | st.decimals().map(str)
        | st.floats().map(repr)
        | st.sampled_from(NASTY_TEXT)
    )


@dataclass(frozen=True)
class Fuzzed:
    """How one field is fuzzed: plausible values (so that some posts save), and nasty ones."""

    kind: str
    plausible: st.SearchStrategy[str | None]
    nasty: st.SearchStrategy[str | None]
    options: tuple[str, ...] = ()  # for a select or radio buttons: the values it offers


def _options(f: forms.ChoiceField) -> tuple[str, ...]:
    values: list[str] = []
    for value, label in f.choices:
        if isinstance(label, list | tuple):  # an optgroup
            values.extend(str(v) for v, _ in label)
        else:
            values.append(str(value))
    return tuple(values)


def fuzzed(f: forms.Field) -> Fuzzed | None:
    """The strategies for a form field, by its type; None for a field not fuzzed here (uploads
    have their own tests). An unknown type fails, so a new kind of field gets a strategy."""
    if isinstance(f, forms.FileField):
        return None
    if isinstance(f, forms.BooleanField):
        box = st.sampled_from([None, "on"])  # None: not posted (the box is not ticked)
        return Fuzzed("checkbox", box, box)
    if isinstance(f, forms.ChoiceField):  # ModelChoiceField, TypedChoiceField too
        options = _options(f)
        valid = st.sampled_from(options)
        return Fuzzed("choice", valid, st.sampled_from(BAD_CHOICES) | valid, options)
    if isinstance(f, forms.UUIDField) and f.widget.is_hidden:
        # The form's one-time token: what the page rendered, not something a patient types.
        token = st.uuids().map(str)
        return Fuzzed("hidden", token, token)
    if isinstance(f, forms.DateTimeField):
        plausible = st.datetimes(
            min_value=datetime.datetime(1990, 1, 1),  # noqa: DTZ001 - wall-clock times, as typed
            max_value=datetime.datetime(2035, 1, 1),  # noqa: DTZ001
        ).map(lambda d: f"{d:%Y-%m-%dT%H:%M}")
        return Fuzzed("date", plausible, _nasty_dates(with_time=True))
    if isinstance(f, forms.DateField):
        plausible = st.dates(datetime.date(1990, 1, 1), datetime.date(2035, 1, 1)).map(_iso)
        return Fuzzed("date", plausible | st.just(""), _nasty_dates(with_time=False))
    if isinstance(f, forms.IntegerField):  # DecimalField, FloatField too
        plausible = st.integers(min_value=0, max_value=120).map(str) | st.just("")
        return Fuzzed("number", plausible, _nasty_numbers())
    if isinstance(f, forms.CharField):  # EmailField, UUIDField, ...
        words = st.text(alphabet="abcdefghij KLMNOP0123456789/-.,", max_size=20)
        return Fuzzed("text", st.just("") | words, _nasty_text())
    raise AssertionError(f"no fuzz strategy for {type(f).__name__}: add one in fuzzed()")


def posts(form: forms.BaseForm, extra: dict[str, st.SearchStrategy[str]]):
    """The fuzzed fields, and a strategy for the values posted. Half the examples give one or two
    fields nasty values and the rest plausible ones, so that saves happen too; the others may make
    any number of fields nasty. Shrinking leads to the field that matters."""
    fields = {name: fz for name, f in form.fields.items() if (fz := fuzzed(f)) is not None}

    @st.composite
    def draw(draw_one) -> Post:
        names = st.sampled_from(sorted(fields))
        nasty = draw_one(st.sets(names, max_size=2) | st.sets(names))
        data = Post()
        for name, fz in fields.items():
            value = draw_one(fz.nasty if name in nasty else fz.plausible)
            if value is not None:
                data[form.add_prefix(name)] = value
        for name, strategy in extra.items():
            data[name] = draw_one(strategy)
        return data

    return fields, draw()


class Post(dict[str, str]):
    """The posted values; a 10,000-character value is shown shortened in a failure report."""

    def __repr__(self) -> str:
        def short(v: str) -> str:
            return repr(v) if len(v) <= 60 else f"{v[:20]!r} + ... ({len(v)} characters)"

        return "{" + ", ".join(f"{k!r}: {short(v)}" for k, v in self.items()) + "}"


# --- what is posted, and what comes back --------------------------------------------------------


def received(value: str) -> str:
    """What Django decodes from the bytes sent for `value`: invalid UTF-8 (a lone surrogate's
    bytes) becomes U+FFFD."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def urlencoded(data: dict[str, str]) -> bytes:
    """The body, as a client that does not refuse lone surrogates would send it (CESU-8 bytes)."""
    return "&".join(
        f"{quote(k, safe='')}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
        for k, v in data.items()
    ).encode()


class _Forms(HTMLParser):
    """Each <form> in a page as what a browser would post for it: {name: [values]}."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, list[str]]] = []
        self._textarea: tuple[str, list[str]] | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({})
        if not self.forms or not a.get("name") and tag != "option":
            return
        current = self.forms[-1]
        if tag == "input":
            kind, value = a.get("type") or "text", a.get("value") or ""
            values = current.setdefault(a["name"] or "", [])
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    values.append("on" if a.get("value") is None else value)
            elif kind not in ("submit", "button", "file"):
                values.append(value)
        elif tag == "textarea":
            self._textarea = (a["name"] or "", [])
        elif tag == "select":
            self._select = (a["name"] or "", [])
        elif tag == "option" and self._select is not None:
            self._select[1].append((a.get("value") or "", "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            text = "".join(parts)
            # The newline Django writes after <textarea> is not part of the value (HTML spec).
            self.forms[-1].setdefault(name, []).append(text.removeprefix("\n"))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [v for v, selected in options if selected] or [v for v, _ in options[:1]]
            self.forms[-1].setdefault(name, []).extend(chosen)
            self._select = None


def form_as_posted(html: str, action: str | None, names: set[str]) -> dict[str, list[str]]:
    """The re-rendered form, as posting it again would send it."""
    parser = _Forms()
    parser.feed(html)
    parser.close()
    if action is not None:
        matching = [f for f in parser.forms if f.get("action") == [action]]
    else:
        best = max(len(names & f.keys()) for f in parser.forms)
        matching = [f for f in parser.forms if len(names & f.keys()) == best]
    assert len(matching) == 1, f"{len(matching)} forms for {action or sorted(names)}"
    return matching[0]


@contextmanager
def nul_refused_like_postgresql() -> Iterator[None]:
    """Fail any query with a NUL in a string parameter, as PostgreSQL does ("A string literal
    cannot contain NUL (0x00) characters"); SQLite would store it."""

    def execute(execute_query, sql, params, many, context):
        rows = params if many else [params]
        for row in rows or []:
            values = row.values() if isinstance(row, dict) else row or []
            bad = [v for v in values if isinstance(v, str) and "\x00" in v]
            assert not bad, f"a NUL reached the database (PostgreSQL refuses it): {sql[:200]}"
        return execute_query(sql, params, many, context)

    with connection.execute_wrapper(execute):
        yield


# --- the forms ----------------------------------------------------------------------------------


@dataclass
class World:
    case: Any
    deadline: Any
    letter: Any

    def case_url(self, name: str, **kwargs) -> str:
        return reverse(name, kwargs={"coveragecase_id": self.case.public_id, **kwargs})


AFTER = st.sampled_from(["stay", "continue", "later", "", "\x00"])


@dataclass(frozen=True)
class Target:
    """A form a patient posts: where, under which `action`, and how to get it unbound (from the
    page that shows it, so its choices are the ones the patient sees)."""

    name: str
    url: Callable[[World], str]
    action: str | None = None
    page: Callable[[World], str] | None = None  # the page showing the form, if not `url`
    context: str = "forms"  # where the page's context holds it: forms[action], or this key
    build: Callable[[World], forms.BaseForm] | None = None  # for a form not in any context
    redirects: bool = False  # the view always redirects, with a message, and re-renders nothing
    extra: dict[str, st.SearchStrategy[str]] = field(default_factory=dict)

    def blank_form(self, client, world: World) -> forms.BaseForm:
        if self.build is not None:
            return self.build(world)
        response = client.get((self.page or self.url)(world))
        assert response.status_code == 200
        return self.form_in(response)

    def form_in(self, response) -> forms.BaseForm:
        if self.context == "forms":
            return response.context["forms"][self.action]
        return response.context[self.context]


def _step(slug: str) -> Callable[[World], str]:
    return lambda w: w.case_url(f"claims:step_{slug}")


def _wizard(name: str, slug: str, action: str) -> Target:
    return Target(name, _step(slug), action, extra={"after": AFTER})


TARGETS = [
    Target("case-start", lambda w: reverse("claims:case_start"), context="form"),
    _wizard("step-1-choose-policy", "policy", "choose_policy"),
    _wizard("step-1-policy", "policy", "policy"),
    _wizard("step-1-call", "policy", "call"),
    Target(
        "criteria-policy",
        lambda w: w.case_url("claims:criteria_policy_choose"),
        build=lambda w: CriteriaPolicyForm(
            policies=criteria_sets_for(w.case.treatment, w.case.condition)
        ),
        redirects=True,
        extra={"page": st.sampled_from(["overview", "history", "submit", "", "\x00", LONG])},
    ),
    _wizard("step-2-diagnosis", "history", "diagnosis"),
    _wizard("step-2-trial", "history", "trial"),
    _wizard("step-2-score", "history", "score"),
    _wizard("step-2-episode", "history", "episode"),
    Target("step-2-phq9", lambda w: w.case_url("claims:questionnaire_phq9"), context="form"),
    Target("step-2-gad7", lambda w: w.case_url("claims:questionnaire_gad7"), context="form"),
    _wizard("step-3-provider", "referral", "provider"),
    _wizard("step-3-referral", "referral", "referral"),
    Target("step-4-document", _step("documents"), "upload", context="form", extra={"after": AFTER}),
    _wizard("step-5-treatment-request", "submit", "treatment_request"),
    _wizard("step-5-send", "submit", "send"),
    _wizard("step-5-request", "submit", "pa_request"),
    _wizard("step-5-decision", "submit", "decision"),
    Target(
        "step-5-letter",
        lambda w: w.case_url("claims:letter_edit", letter_id=w.letter.public_id),
        context="form",
    ),
    Target(
        "deadline-letter-date",
        lambda w: w.case_url("claims:deadline_letter_date", deadline_id=w.deadline.public_id),
        page=_step("submit"),
        context="letter_date_form",
        redirects=True,
        extra={"step": st.sampled_from([*STEP_SLUGS, "", "\x00", "../admin"])},
    ),
    _wizard("step-6-denial", "appeal", "denial"),
    _wizard("step-6-appeal", "appeal", "appeal"),
    Target("profile", lambda w: reverse("patients:profile"), context="form"),
    # Paying for treatment (issue 16).
    Target(
        "costs-estimate", lambda w: w.case_url("claims:cost_estimate"), "estimate", context="form"
    ),
    Target("sessions-add", lambda w: w.case_url("claims:sessions"), "session", context="form"),
    Target("oon-claim", lambda w: w.case_url("claims:oon_claims"), "claim", context="form"),
    Target(
        "network-gap-provider",
        lambda w: w.case_url("claims:network_gap"),
        "provider",
        context="form",
    ),
]


@pytest.fixture
def world(owner, clinic, criteria_sets) -> World:
    """A case with one of everything the forms offer to pick or edit: two policies, a provider,
    a request that was denied (steps 5 and 6), a deadline and a drafted letter."""
    patient = owner.patient
    policy = PolicyFactory(patient=patient)
    PolicyFactory(patient=patient, plan_name="Another plan")
    case = CaseFactory(patient=patient, policy=policy)
    ProviderFactory(patient=patient)
    DenialFactory(
        pa_request__case=case, pa_request__decision=PriorAuthorizationRequest.Decision.DENIED
    )
    TreatmentSessionFactory(case=case)  # a claim's form offers the case's sessions
    deadline = deadlines_refresh(case=case)[0]
    letter = letter_get_or_draft(case=case, kind="medical_necessity")
    return World(case=case, deadline=deadline, letter=letter)


def _pages_reading_the_case(world: World, landed: str) -> list[str]:
    """The page a save lands on (the record's own list, or the next step), and step 5, which
    reads the most: the criteria check, the deadlines and what the packet still misses."""
    return list(dict.fromkeys([landed, world.case_url("claims:step_submit")]))


def _explained(bound: forms.BaseForm, name: str, html: str) -> bool:
    """The field is refused with its message on the page, or the form took it without refusing
    it (TreatmentTrialForm empties the fields of another kind of treatment in cleaned_data)."""
    if name in bound.errors:
        return all(escape(message) in html for message in bound.errors[name])
    return name in getattr(bound, "cleaned_data", {})


def check_post(client, world: World, target: Target, url: str, data, fields) -> None:
    body = urlencoded(data)
    client.cookies.pop("messages", None)  # a message left by an earlier example's save
    with nul_refused_like_postgresql():
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    if len(body) > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        assert response.status_code == 400
        return
    assert response.status_code in (200, 302), response.status_code
    event(f"answered {response.status_code}")
    if response.status_code == 302:
        for page in _pages_reading_the_case(world, response["Location"]):
            assert client.get(page).status_code == 200, page
        return
    assert not target.redirects, "this view answers with a redirect and a message"
    bound = target.form_in(response)
    html = response.content.decode()
    assert bound.is_bound
    assert bound.errors or "alert-danger" in html, "a 200 to a post says what was refused"
    shown = form_as_posted(html, target.action, {bound.add_prefix(n) for n in fields})
    for name, fz in fields.items():
        key = bound.add_prefix(name)
        sent = received(data[key]) if key in data else None
        again = shown.get(key, [])
        if fz.kind == "checkbox":
            assert again == ([] if sent is None else ["on"]), (key, sent, again)
        elif "\x00" in (sent or ""):
            # A browser cannot show a NUL (it shows U+FFFD): refused with a message instead.
            assert _explained(bound, name, html), (key, "a NUL taken without a word")
        elif fz.options and sent not in fz.options:
            assert _explained(bound, name, html), (key, sent, "an unknown choice, silently")
        elif sent is not None and not sent.strip() and getattr(bound.fields[name], "strip", False):
            # Only whitespace, in a field that strips it to "" anyway: crispy's rendering collapses
            # 3 or more whitespace characters between two tags (a textarea's) into one space.
            assert [v.strip() for v in again] == [""], (key, sent, again)
        else:
            assert again == [sent], (key, sent, again)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_a_fuzzed_form_never_fails_and_gives_back_what_was_typed(
    owner_client, world, rolled_back, target
):
    """The @given function is built inside the test: the fixtures (the patient's case, the
    logged-in client) are made once per form, and each example runs in a savepoint that is rolled
    back, so every example starts from the same case (hence no function_scoped_fixture health
    check to suppress)."""
    form = target.blank_form(owner_client, world)
    url = target.url(world)
    extra = {"action": st.just(target.action), **target.extra} if target.action else target.extra
    fields, strategy = posts(form, extra)

    @settings(PROFILE)
    @given(strategy)
    def post_one(data: Post) -> None:
        with rolled_back():
            check_post(owner_client, world, target, url, data, fields)

    post_one()


def test_the_fuzz_covers_every_form_a_patient_posts():
    """A form class in claims/forms.py or patients/forms.py that a patient posts in the wizard
    and that is missing above fails here: staff, sign-in and account forms are listed apart."""
    import claims.forms
    import patients.forms

    not_the_wizard = {
        # Staff and sign-in: not a patient's wizard (patients/ auth has its own tests).
        "ReviewForm", "AdminLoginForm", "LoginForm", "SignUpForm", "TwoFactorSetupForm",
        "PasswordCheckForm", "LanguagePasswordResetForm",
        # Deletes the account: its password check is tested in tests/patients.
        "DeleteAccountForm",
        # Bases, not posted themselves.
        "OnceForm",
        # A row of a session's lines formset, posted with its session on the edit page: the
        # fuzz posts single forms; tests/claims/test_sessions.py posts the formset.
        "SessionLineForm",
    }  # fmt: skip
    wizard_forms = {
        "CaseStartForm", "PolicyChoiceForm", "InsurancePolicyForm", "InsurerCallForm",
        "CriteriaPolicyForm", "DiagnosisForm", "TreatmentTrialForm", "SymptomScoreForm",
        "EpisodeForm", "QuestionnaireForm", "ProviderForm", "ReferralForm", "DocumentUploadForm",
        "TreatmentRequestForm", "SendToClinicForm", "PARequestForm", "DecisionForm", "LetterForm",
        "DeadlineLetterDateForm", "DenialForm", "AppealForm", "PatientProfileForm",
        "CostEstimateForm", "TreatmentSessionForm", "OutOfNetworkClaimForm",
        "NetworkProviderCheckForm",
    }  # fmt: skip
    declared = {
        name
        for module in (claims.forms, patients.forms)
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, forms.BaseForm)
        and value.__module__ == module.__name__
    }
    assert declared - not_the_wizard == wizard_forms
    assert len(TARGETS) == len(wizard_forms) + 1  # the PHQ-9 and the GAD-7 share a form
