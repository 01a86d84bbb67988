"""Smoke test: start the stack exactly like `make run` does, then use it over HTTP and Celery.

    make smoke          (runs this file with the virtualenv's python)

1. runs scripts/dev.sh (migrate, seed the demo, honcho: web + Celery worker + Redis) in its own
   process session, on free loopback ports, with its database, Redis data, media and secret key
   in a temporary directory, so the developer's .local database is never touched;
2. waits (with a deadline) until the login page answers;
3. logs in over HTTP as the demo patient and checks the account page names them;
4. logs in as the demo staff reviewer (a second cookie jar): with the password alone it lands on
   the admin login, which asks for the authenticator code; with the code computed from the
   published demo key it reaches the admin index;
5. sends the `coverage_guide.ping` task through the stack's Redis and waits for the real worker's
   "pong";
6. always stops everything it started (SIGTERM to the process groups, SIGKILL after a deadline).

Then the production-like stack (issue 18), the way `make serve` runs it:

7. migrates and seeds the demo into SMOKE_DATABASE_URL (CI passes a database on its throwaway
   PostgreSQL cluster; without it, a temporary SQLite file), starts a Redis of its own and
   scripts/serve.sh: gunicorn + Celery workers + beat, DEBUG off, WhiteNoise after collectstatic;
8. requests come as from a TLS-terminating proxy (X-Forwarded-Proto: https), as in production;
   plain HTTP is redirected to HTTPS;
9. /health/ answers 200; a static file is served under its hashed name; the patient logs in,
   saves a wizard form (the referral's notes) and finds it saved, asks for a packet, the worker
   renders it, and the download is a PDF naming the patient; the access log holds no query
   string.

Prints each check with its timing; exits 1 on any failure after printing the tail of the stack's
output. Every connection goes to 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import ctypes.util
import html.parser
import http.client
import http.cookiejar
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PATIENT_EMAIL = "demo.patient@example.com"
STAFF_EMAIL = "reviewer@clinic.example.com"
DEMO_PASSWORD = "coverage-demo-2026"  # noqa: S105 - the published local demo password (seed_demo)
# The demo reviewer's published authenticator key (patients/management/commands/demo_totp_code.py)
STAFF_TOTP_SECRET = "COVERAGEGUIDEDEMOSTAFFREVIEWER23"  # noqa: S105

READY_TIMEOUT = 45.0  # migrate + seed + honcho starting three processes, on a slow CI machine
HTTP_TIMEOUT = 10.0
TASK_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0  # honcho itself gives its children 5 s before SIGKILL
POLL_INTERVAL = 0.2
TAIL_LINES = 60


class SmokeFailure(Exception):
    pass


class Stack:
    """scripts/dev.sh, started in a new session, with its output going to a log file."""

    script = "dev.sh"  # what make run starts

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.log_path = tmp / "stack.log"
        self.web_port, self.redis_port = free_ports(2)
        self.secret_key = secrets.token_urlsafe(50)
        self.process: subprocess.Popen | None = None
        self._seen: dict[int, tuple[int, str]] = {}  # pid -> (session id, start time)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.web_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://{HOST}:{self.redis_port}/0"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("SECRET_KEY_FILE", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PORT"):
            env.pop(name, None)
        env.update(
            WEB_PORT=str(self.web_port),
            REDIS_PORT=str(self.redis_port),
            REDIS_DIR=str(self.tmp / "redis"),
            DATABASE_URL=f"sqlite:///{self.tmp / 'db.sqlite3'}",
            PRIVATE_MEDIA_ROOT=str(self.tmp / "media"),
            # A secret of its own, so dev.sh does not create .local/secret_key for the smoke run.
            SECRET_KEY=self.secret_key,
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
                [shutil.which("bash") or "/bin/bash", str(ROOT / "scripts" / self.script)],
                cwd=ROOT,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def opener(self, jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
        return make_opener(jar)

    def remember_processes(self) -> None:
        """Note every process under the stack: honcho starts each service in its own session,
        out of reach of a signal to our process group should honcho die before passing it on."""
        if self.process is None:
            return
        for pid, sid, started in descendants(self.process.pid):
            self._seen.setdefault(pid, (sid, started))

    def stop(self) -> list[str]:
        """SIGTERM everything, SIGKILL what is left after STOP_TIMEOUT; return what needed it."""
        if self.process is None:
            return []
        self.remember_processes()
        sessions = {self.process.pid} | {sid for sid, _ in self._seen.values()}
        sessions.discard(os.getsid(0))
        for sid in sessions:
            signal_group(sid, signal.SIGTERM)  # honcho passes it on and waits for its children
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while self._alive() and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
        killed = [f"pid {pid}" for pid in self._alive()]
        if self.running():
            killed.append(f"dev.sh/honcho pid {self.process.pid}")
            signal_group(self.process.pid, signal.SIGKILL)
        for pid in self._alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while self._alive() and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
        reap_adopted()
        return killed

    def _alive(self) -> list[int]:
        """Remembered processes still running (same pid and start time: not a reused pid)."""
        return [pid for pid, (_, started) in self._seen.items() if process_start(pid) == started]

    def tail(self, lines: int = TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no output)"
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"


class _BehindTlsProxyPolicy(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):
        return True  # the browser's side of the proxy is HTTPS


class ProductionStack(Stack):
    """scripts/serve.sh (what `make serve` runs) with production settings, its own Redis, and the
    demo seeded into SMOKE_DATABASE_URL first (PostgreSQL in CI), else a temporary SQLite file."""

    script = "serve.sh"  # what make serve starts
    PROXY_HEADERS = {"X-Forwarded-Proto": "https"}  # as a TLS-terminating proxy sends

    def __init__(self, tmp: Path):
        super().__init__(tmp)
        self.database_url = os.environ.get("SMOKE_DATABASE_URL") or (
            f"sqlite:///{tmp / 'db.sqlite3'}"
        )
        self.redis: subprocess.Popen | None = None
        # The load bench's: more web processes, say; None leaves a variable unset.
        self.overrides: dict[str, str | None] = {}

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(
            DJANGO_DEBUG="0",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            ALLOWED_HOSTS=HOST,
            SECURE_PROXY_SSL_HEADER="1",
            STATIC_ROOT=str(self.tmp / "static"),
            GUNICORN_BIND=f"{HOST}:{self.web_port}",
            WEB_CONCURRENCY="2",
            WORKER_CONCURRENCY="1",
            CELERY_BEAT_SCHEDULE_FILE=str(self.tmp / "celerybeat-schedule"),
        )
        for name, value in self.overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def start(self) -> None:
        self.redis = subprocess.Popen(  # noqa: S603 - fixed arguments, loopback only
            [
                shutil.which("redis-server") or "redis-server",
                *("--port", str(self.redis_port), "--bind", HOST, "--save", ""),
                *("--appendonly", "no", "--dir", str(self.tmp)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        # seed_demo refuses DEBUG off (known passwords): seed with development settings first.
        seed_env = {**self.env(), "DJANGO_DEBUG": "1"}
        python = str(ROOT / os.environ.get("VENV", ".venv") / "bin" / "python")
        with open(self.log_path, "ab") as log:
            for command in (["migrate", "--noinput", "-v0"], ["seed_demo", "--quiet"]):
                subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
                    [python, "manage.py", *command],
                    cwd=ROOT,
                    env=seed_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=True,
                )
        super().start()

    def opener(self, jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
        """Requests as the proxy passes them on: marked HTTPS, so the Secure cookies go back
        although the hop to gunicorn is plain HTTP; POSTs carry the site's HTTPS origin, which
        Django's CSRF check compares with the host."""
        if jar is not None:
            jar.set_policy(_BehindTlsProxyPolicy())
        opener = make_opener(jar)
        origin = f"https://{HOST}:{self.web_port}"
        opener.addheaders = [*self.PROXY_HEADERS.items(), ("Origin", origin)]
        return opener

    def stop(self) -> list[str]:
        killed = super().stop()
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            try:
                self.redis.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.redis.kill()
                killed.append("redis-server")
        return killed


# --- processes -------------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """Distinct loopback ports with nothing listening on them (held open together while chosen)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def become_subreaper() -> None:
    """Linux: adopt orphaned descendants (honcho's services outlive honcho if it is killed), so
    they can be reaped here instead of lingering as zombies under a container's init."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(36, 1)  # PR_SET_CHILD_SUBREAPER


def reap_adopted() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, session, ...]."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def process_start(pid: int) -> str | None:
    stat = _proc_stat(pid)
    if stat is not None:
        return None if stat[0] == "Z" else stat[19]  # field 22, starttime
    try:  # no /proc (macOS): ask ps
        out = subprocess.run(  # noqa: S603
            ["ps", "-o", "lstart=", "-p", str(pid)],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return None
    return out or None


def descendants(root: int) -> list[tuple[int, int, str]]:
    """(pid, session id, start time) of every live process below ``root``."""
    parents: dict[int, int] = {}
    if Path("/proc/self/stat").exists():
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))) is not None:
                parents[int(entry.name)] = int(stat[1])
    else:
        with contextlib.suppress(OSError):
            out = subprocess.run(  # noqa: S603
                ["ps", "-A", "-o", "pid=,ppid="],  # noqa: S607
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            for line in out.splitlines():
                pid, ppid = line.split()
                parents[int(pid)] = int(ppid)
    found, frontier = [], {root}
    while frontier:
        children = {pid for pid, ppid in parents.items() if ppid in frontier}
        frontier = children - {pid for pid, _, _ in found}
        for pid in frontier:
            started = process_start(pid)
            with contextlib.suppress(OSError):
                if started is not None:
                    found.append((pid, os.getsid(pid), started))
    return found


# --- HTTP ------------------------------------------------------------------------------------


def make_opener(jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
    # ProxyHandler({}): never route these loopback requests through an http_proxy from the env.
    handlers: list = [urllib.request.ProxyHandler({})]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    return urllib.request.build_opener(*handlers)


def fetch(opener, url: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
    """(status, final URL, body) of a GET, or of a form POST when ``data`` is given."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body)  # noqa: S310 - http://127.0.0.1 only
    try:
        with opener.open(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, response.geturl(), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.geturl(), error.read().decode("utf-8", "replace")


def wait_until_ready(stack: Stack) -> float:
    """Poll the login page until it answers 200; fail early if the stack exits."""
    started = time.monotonic()
    deadline = started + READY_TIMEOUT
    opener = stack.opener()
    last = "no answer yet"
    while True:
        stack.remember_processes()
        if not stack.running():
            raise SmokeFailure(f"the stack exited with status {stack.process.returncode}")
        try:
            status, _, _ = fetch(opener, f"{stack.base_url}/account/login/")
        except (urllib.error.URLError, OSError) as error:
            last = str(getattr(error, "reason", error))
        else:
            if status == 200:
                return time.monotonic() - started
            last = f"HTTP {status}"
        if time.monotonic() > deadline:
            raise SmokeFailure(f"login page not answering after {READY_TIMEOUT:.0f}s ({last})")
        time.sleep(POLL_INTERVAL)


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
CASE_LINK = re.compile(r'href="(/cases/[0-9a-f-]{36}/)')  # a case on the dashboard


def csrf_token(jar: http.cookiejar.CookieJar, page: str, what: str) -> str:
    """The CSRF token of the form on ``page``; the page must also have set the CSRF cookie."""
    match = CSRF_INPUT.search(page)
    cookie = next((c.value for c in jar if c.name == "csrftoken"), None)
    token = match.group(1) if match else cookie
    if not token or cookie is None:
        raise SmokeFailure(f"{what} set no CSRF cookie / form token")
    return token


def log_in(
    stack: Stack, email: str
) -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar, str, str]:
    """Log in through the real login form; return (opener with the session, its cookie jar,
    final URL, body)."""
    jar = http.cookiejar.CookieJar()
    opener = stack.opener(jar)
    login_url = f"{stack.base_url}/account/login/"
    status, _, page = fetch(opener, login_url)
    if status != 200:
        raise SmokeFailure(f"GET /account/login/ answered {status}")
    token = csrf_token(jar, page, "the login page")
    form = {"csrfmiddlewaretoken": token, "username": email, "password": DEMO_PASSWORD}
    status, final_url, body = fetch(opener, login_url, form)
    if status != 200 or urllib.parse.urlsplit(final_url).path == "/account/login/":
        raise SmokeFailure(
            f"logging in as {email} did not succeed (HTTP {status}, ended at {final_url})"
        )
    return opener, jar, final_url, body


def staff_code() -> str:
    """The demo reviewer's current authenticator code, as the app would show it (RFC 6238)."""
    from django_otp.oath import TOTP  # plain HMAC code: needs no Django settings

    return f"{TOTP(base64.b32decode(STAFF_TOTP_SECRET)).token():06d}"


def check_patient(stack: Stack) -> str:
    opener, _, final_url, body = log_in(stack, PATIENT_EMAIL)
    if urllib.parse.urlsplit(final_url).path != "/cases/":
        raise SmokeFailure(f"the patient landed on {final_url}, expected /cases/")
    if "Esketamine nasal spray" not in body:
        raise SmokeFailure("the dashboard does not show the demo esketamine case")
    status, _, account = fetch(opener, f"{stack.base_url}/account/")
    if status != 200 or f"You are logged in as {PATIENT_EMAIL}" not in account:
        raise SmokeFailure(f"the account page does not say 'You are logged in as {PATIENT_EMAIL}'")
    return "patient login -> /cases/ shows the demo case; /account/ shows the demo email"


def check_staff(stack: Stack) -> str:
    # The password alone: the dashboard sends staff to admin, which asks for the second factor.
    opener, jar, final_url, page = log_in(stack, STAFF_EMAIL)
    if urllib.parse.urlsplit(final_url).path != "/admin/login/" or 'name="otp_token"' not in page:
        raise SmokeFailure(
            f"staff with a password only ended at {final_url}, not the admin login asking for "
            "the authenticator code"
        )
    login_url = f"{stack.base_url}/admin/login/?next=/admin/"
    form = {
        "csrfmiddlewaretoken": csrf_token(jar, page, "the admin login page"),
        "username": STAFF_EMAIL,
        "password": DEMO_PASSWORD,
        "otp_token": staff_code(),
        "next": "/admin/",
    }
    status, final_url, body = fetch(opener, login_url, form)
    path = urllib.parse.urlsplit(final_url).path
    if status != 200 or path != "/admin/":
        raise SmokeFailure(f"the admin login with the code answered {status} at {final_url}")
    if "Site administration" not in body or "/admin/logout/" not in body:
        raise SmokeFailure("/admin/ answered 200 but is not the admin index for a logged-in user")
    return "staff: password only -> admin login asks for the code; with the code -> /admin/ 200"


def check_task(stack: Stack) -> str:
    """Send coverage_guide.ping through the stack's Redis; the stack's worker must answer."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="coverage_guide.settings",
        DJANGO_DEBUG="1",
        REDIS_URL=stack.redis_url,
        DATABASE_URL=f"sqlite:///{stack.tmp / 'db.sqlite3'}",
        PRIVATE_MEDIA_ROOT=str(stack.tmp / "media"),
    )
    os.environ.pop("SECRET_KEY_FILE", None)
    os.environ["SECRET_KEY"] = stack.secret_key
    sys.path.insert(0, str(ROOT))
    from coverage_guide.celery import app

    if app.conf.task_always_eager or app.conf.broker_url != stack.redis_url:
        raise SmokeFailure(f"the Celery app is not using the smoke Redis ({app.conf.broker_url})")
    result = app.send_task("coverage_guide.ping", ignore_result=False)
    try:
        answer = result.get(timeout=TASK_TIMEOUT)
    except Exception as error:
        raise SmokeFailure(f"coverage_guide.ping got no answer: {error!r}") from error
    if answer != "pong":
        raise SmokeFailure(f"coverage_guide.ping answered {answer!r}, expected 'pong'")
    return f"coverage_guide.ping -> worker -> {answer!r} via {stack.redis_url}"


# --- the production-like stack ---------------------------------------------------------------


class _Forms(html.parser.HTMLParser):
    """The page's POST forms as {field name: value}, as a browser would send them unchanged
    (text inputs, hidden inputs, checked boxes, selected options, textareas; no buttons)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, str]] = []
        self._form: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = {}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._form[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self._form.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._form[name] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def post_forms(page: str) -> list[dict[str, str]]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def _raw_get(stack: Stack, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    """Status and headers of a GET, redirects not followed."""
    connection = http.client.HTTPConnection(HOST, stack.web_port, timeout=HTTP_TIMEOUT)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def check_production_settings(stack: ProductionStack) -> str:
    status, headers = _raw_get(stack, "/account/login/", {})
    if status != 301 or not headers.get("location", "").startswith("https://"):
        raise SmokeFailure(f"plain HTTP answered {status}, not a redirect to HTTPS (DEBUG off?)")
    status, headers = _raw_get(stack, "/account/login/", stack.PROXY_HEADERS)
    if status != 200 or "max-age" not in headers.get("strict-transport-security", ""):
        raise SmokeFailure(f"the login page over the proxy: {status}, no HSTS header")
    _, _, page = fetch(stack.opener(), f"{stack.base_url}/account/login/")
    css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    if not css:
        raise SmokeFailure("the login page links no stylesheet under a hashed name (collectstatic)")
    status, headers = _raw_get(stack, css.group(1), stack.PROXY_HEADERS)
    if status != 200 or "immutable" not in headers.get("cache-control", ""):
        raise SmokeFailure(f"WhiteNoise answered {status} for {css.group(1)}, not cached for good")
    return f"HTTP -> HTTPS redirect, HSTS, {css.group(1)} served by WhiteNoise (immutable)"


def check_health(stack: ProductionStack) -> str:
    """/health/ as a load balancer asks it: plain HTTP, no cookies. 503 until both workers are
    up (they start after gunicorn), so it is polled until 200 or the deadline."""
    opener = make_opener()
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        status, _, body = fetch(opener, f"{stack.base_url}/health/")
        try:
            answer = json.loads(body)
        except ValueError as error:
            raise SmokeFailure(f"/health/ answered {status} without JSON") from error
        if status == 200:
            break
        if time.monotonic() > deadline:
            raise SmokeFailure(
                f"/health/ still answers {status} after {READY_TIMEOUT:.0f}s: {answer}"
            )
        time.sleep(1)
    if answer.get("status") != "ok" or set(answer.get("checks", {}).values()) != {"ok"}:
        raise SmokeFailure(f"/health/ answered 200 but not every check is ok: {answer}")
    return f"/health/ 200 over plain HTTP: {answer['checks']}"


def check_patient_journey(stack: ProductionStack) -> str:
    """Log in, save the referral's notes, ask for a packet, wait for the worker, download it."""
    opener, _, final_url, dashboard = log_in(stack, PATIENT_EMAIL)
    case = CASE_LINK.search(dashboard)
    if urllib.parse.urlsplit(final_url).path != "/cases/" or not case:
        raise SmokeFailure(f"the patient landed on {final_url} without a link to their case")
    case_url = stack.base_url + case.group(1)

    status, _, page = fetch(opener, case_url + "referral/")
    form = next((f for f in post_forms(page) if f.get("action") == "referral"), None)
    if status != 200 or form is None:
        raise SmokeFailure(f"the referral step answered {status} without its form")
    marker = f"Smoke test note {secrets.token_hex(4)}"
    form.update(notes=marker, after="stay")
    status, _, _ = fetch(opener, case_url + "referral/", form)
    _, _, page = fetch(opener, case_url + "referral/")
    if status != 200 or marker not in page:
        raise SmokeFailure(f"the referral's notes were not saved (HTTP {status})")

    _, _, page = fetch(opener, case_url + "submit/")
    token = CSRF_INPUT.search(page)
    if not token:
        raise SmokeFailure("step 5 has no form to ask for a packet")
    data = {"csrfmiddlewaretoken": token.group(1), "kind": "prior_authorization"}
    status, _, page = fetch(opener, case_url + "packets/new/", data)
    # The new packet, watched while it is made (or already made: the worker can be that quick).
    packet = re.search(r"/packets/([0-9a-f-]{36})/(?:status|download)/", page)
    if status != 200 or not packet:
        raise SmokeFailure(f"asking for a packet answered {status} without a packet being made")
    packet_url = f"{case_url}packets/{packet.group(1)}/"
    started, state = time.monotonic(), ""
    while time.monotonic() - started < TASK_TIMEOUT:
        _, _, body = fetch(opener, packet_url + "status/")
        state = json.loads(body)["status"]
        if state in ("ready", "failed"):
            break
        time.sleep(POLL_INTERVAL)
    if state != "ready":
        raise SmokeFailure(f"the packet is {state or 'unknown'} after {TASK_TIMEOUT:.0f}s")
    rendered = time.monotonic() - started
    request = urllib.request.Request(packet_url + "download/")  # noqa: S310 - 127.0.0.1 only
    with opener.open(request, timeout=HTTP_TIMEOUT) as response:
        pdf = response.read()
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    if not pdf.startswith(b"%PDF") or "Alex Demo" not in text:
        raise SmokeFailure("the downloaded packet is not a PDF naming the demo patient")
    return (
        f"login, referral notes saved, packet rendered by the worker in {rendered:.1f}s, "
        f"downloaded ({len(pdf) // 1024} KB, names the patient)"
    )


def check_access_log(stack: ProductionStack) -> str:
    secret = f"smoke-query-{secrets.token_hex(4)}"
    fetch(stack.opener(), f"{stack.base_url}/account/login/?q={secret}")
    time.sleep(0.5)
    log = stack.log_path.read_text(errors="replace")
    if secret in log:
        raise SmokeFailure("a query string reached the log")
    if '"GET /account/login/ HTTP/1.1" 200' not in log:
        raise SmokeFailure("gunicorn's access log has no line for the login page")
    return "gunicorn's access log has the path without its query string"


# --- main ------------------------------------------------------------------------------------


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # run the finally blocks: stop the stack


def run_stack(kind: type[Stack], label: str, checks) -> bool:
    """Start one stack in a temporary directory, run the checks in order, always stop it."""
    ok = False
    with tempfile.TemporaryDirectory(prefix="coverage-guide-smoke-") as tmp:
        stack = kind(Path(tmp))
        print(f"smoke: starting {label}: web :{stack.web_port}, Redis :{stack.redis_port}")
        if isinstance(stack, ProductionStack):
            print(f"smoke: database {urllib.parse.urlsplit(stack.database_url).scheme}")
        print(f"smoke: database, Redis data and media in {tmp}")
        try:
            stack.start()
            took = wait_until_ready(stack)
            print(f"  ok  {took:5.1f}s  login page answers at {stack.base_url}/account/login/")
            for check in checks:
                started = time.monotonic()
                what = check(stack)
                print(f"  ok  {time.monotonic() - started:5.1f}s  {what}")
                stack.remember_processes()
            ok = True
        except SmokeFailure as error:
            print(f"smoke: FAILED: {error}", file=sys.stderr)
        except Exception:
            print("smoke: FAILED with an unexpected error:", file=sys.stderr)
            traceback.print_exc()
        except KeyboardInterrupt:
            print("smoke: interrupted", file=sys.stderr)
        except SystemExit:
            print("smoke: terminated by a signal", file=sys.stderr)
            raise
        finally:
            stopping = time.monotonic()
            killed = stack.stop()
            print(f"smoke: stack stopped in {time.monotonic() - stopping:.1f}s", end="")
            print(f" (SIGKILL needed for {', '.join(killed)})" if killed else "")
            if not ok:
                print(f"--- last {TAIL_LINES} lines of the stack's output ---", file=sys.stderr)
                print(stack.tail(), file=sys.stderr)
                print("--- end of the stack's output ---", file=sys.stderr)
    return ok


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # keep stdout and stderr in order in CI logs
    signal.signal(signal.SIGTERM, _terminate)
    become_subreaper()
    if shutil.which("redis-server") is None:
        print(
            "smoke: FAILED: redis-server is not installed, so the stack would run without a\n"
            "Celery worker and there is nothing to smoke-test. Install it (Debian/Ubuntu:\n"
            "apt-get install redis-server; macOS: brew install redis). CI (.ci/run) does.",
            file=sys.stderr,
        )
        return 1
    began = time.monotonic()
    ok = run_stack(
        Stack, "scripts/dev.sh (make run)", (check_patient, check_staff, check_task)
    ) and run_stack(
        ProductionStack,
        "scripts/serve.sh (make serve: gunicorn, DEBUG off)",
        (check_production_settings, check_health, check_patient_journey, check_access_log),
    )
    print(f"smoke: {'passed' if ok else 'FAILED'} in {time.monotonic() - began:.1f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
