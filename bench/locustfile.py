"""Load: patients who log in, walk the six steps, save forms and ask for a packet (issue 18).

A bench, not a test. `make bench-load` (bench/load_bench.py) starts the production-like stack
(scripts/serve.sh: gunicorn, Celery workers, DEBUG off) on PostgreSQL, seeds LOAD_USERS patients
(load{n}@example.invalid, each with a filled case) and runs this file headless against it. Run by
hand: `locust -f bench/locustfile.py --host http://127.0.0.1:8000` with LOAD_PASSWORD and
LOAD_USERS set as load_bench.py sets them.

Requests come as through the TLS-terminating proxy of a deployment (X-Forwarded-Proto: https);
the Secure cookies it sets are sent back over the plain-HTTP hop to gunicorn (`_get`, `_post`).
Request names are the page, never
the URL (case ids are not health data, but one name per page makes the percentiles readable).
"""

import itertools
import os
import secrets
import sys
from pathlib import Path

from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from smoke import CASE_LINK, CSRF_INPUT, post_forms  # noqa: E402 - the smoke's page readers

PASSWORD = os.environ.get("LOAD_PASSWORD", "")
USERS = int(os.environ.get("LOAD_USERS", "50"))
_numbers = itertools.cycle(range(USERS))  # each simulated patient logs in as its own account

STEPS = {
    "step 1 policy": "policy/",
    "step 2 history": "history/",
    "step 3 referral": "referral/",
    "step 4 documents": "documents/",
    "step 5 submit": "submit/",
    "step 6 appeal": "appeal/",
}


# A person reading a page before the next click, in seconds ("min,max"). Patients filling in
# forms take minutes per page; 3-8 s is a brisk walk through pages already filled.
THINK_SECONDS = [float(s) for s in os.environ.get("LOAD_THINK_SECONDS", "3,8").split(",")]
STEP_NAMES = list(STEPS)


class Patient(HttpUser):
    wait_time = between(*THINK_SECONDS)
    step = -1

    def on_start(self):
        origin = self.host.replace("http://", "https://")
        self.client.headers.update({"X-Forwarded-Proto": "https", "Origin": origin})
        self.email = f"load{next(_numbers)}@example.invalid"
        page = self._get("/account/login/", name="login page").text
        response = self._post(
            "/account/login/",
            {"csrfmiddlewaretoken": _token(page), "username": self.email, "password": PASSWORD},
            name="log in",
        )
        link = CASE_LINK.search(response.text)
        if link is None:
            raise RuntimeError(f"{self.email} saw no case after logging in")
        self.case = link.group(1)

    def _get(self, path, **kwargs):
        _cookies_over_the_proxy_hop(self.client.cookies)
        return self._follow(self.client.get(path, allow_redirects=False, **kwargs), kwargs)

    def _post(self, path, data, **kwargs):
        _cookies_over_the_proxy_hop(self.client.cookies)
        return self._follow(self.client.post(path, data, allow_redirects=False, **kwargs), kwargs)

    def _follow(self, response, kwargs):
        """Redirects by hand: requests would follow them with a copy of the cookie jar that
        holds back the Secure cookies just set (the session, after logging in)."""
        for _ in range(5):
            if not response.is_redirect:
                break
            _cookies_over_the_proxy_hop(self.client.cookies)
            name = f"{kwargs.get('name', '')} -> redirect"
            response = self.client.get(
                response.headers["Location"], allow_redirects=False, name=name
            )
        return response

    @task(3)
    def dashboard(self):
        self._get("/cases/", name="dashboard")

    @task(12)
    def next_step(self):
        """The steps in order, one page per click, and round again."""
        self.step = (self.step + 1) % len(STEP_NAMES)
        name = STEP_NAMES[self.step]
        self._get(self.case + STEPS[name], name=name)

    @task(4)
    def save_referral_notes(self):
        page = self._get(self.case + "referral/", name="step 3 referral").text
        form = next((f for f in post_forms(page) if f.get("action") == "referral"), None)
        if form is None:
            return
        form.update(notes=f"Called the office again ({secrets.token_hex(3)})", after="stay")
        _cookies_over_the_proxy_hop(self.client.cookies)
        with self.client.post(
            self.case + "referral/",
            form,
            name="step 3 save",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if not response.is_redirect:  # a saved form redirects; a refused one comes back
                response.failure("the referral form was refused")
        self._follow(response, {"name": "step 3 save"})

    @task(1)
    def ask_for_a_packet(self):
        page = self._get(self.case + "submit/", name="step 5 submit").text
        self._post(
            self.case + "packets/new/",
            {"csrfmiddlewaretoken": _token(page), "kind": "prior_authorization"},
            name="packet request",
        )


def _cookies_over_the_proxy_hop(jar) -> None:
    """The browser's side of the proxy is HTTPS, so Secure cookies go back; requests would keep
    them from the plain-HTTP hop (it copies the jar for each request, dropping its policy)."""
    for cookie in jar:
        cookie.secure = False


def _token(page: str) -> str:
    match = CSRF_INPUT.search(page)
    return match.group(1) if match else ""
