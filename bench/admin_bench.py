"""Benchmark: how fast the coverage-case admin answers with thousands of cases.

Seeds N fake cases (seed_fake_cases, 10,000 by default) into a throwaway SQLite database, then
times the CoverageCase changelist, the changelist with a search, the changelist filtered on
`review_status=submitted`, and one case's change page, each R times through Django's test
Client, for a superuser and for a clinic staff reviewer (staff of the busiest clinic, with the
view permissions of the patients and claims apps). Prints the median and fastest times, the
number of SQL queries per page, and the largest group of queries that differ only in their
literals (a number that grows with the page size is an N+1). Run with `make bench-admin`.

The settings module is loaded as in development (DJANGO_DEBUG=1: no HTTPS redirect, plain static
storage), then DEBUG is switched off for the timed requests, so templates and queries run as in
production. Users are logged in with force_login; when django-otp is installed, each also gets a
confirmed TOTP device marked as verified in its session, as the admin then requires.
"""

import argparse
import io
import re
import shutil
import statistics
import time
from collections import Counter

from throwaway import WORK  # first: sets Django up on a throwaway database

# isort: split
from django.apps import apps  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

CHANGELIST = "/admin/claims/coveragecase/"
_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def make_users():
    from patients.models import Clinic, User

    superuser = User.objects.create_superuser(email="bench-admin@example.invalid")
    clinic = Clinic.objects.annotate(n=Count("cases")).order_by("-n", "pk").first()
    reviewer = User.objects.create_user(
        email="bench-reviewer@example.invalid", role=User.Role.STAFF, is_staff=True
    )
    reviewer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["patients", "claims"], codename__startswith="view_"
        )
    )
    clinic.staff.add(reviewer)
    return superuser, reviewer, clinic


def logged_in_client(user) -> Client:
    """A test client with the user logged in and, once admin asks for it, a verified device."""
    client = Client()
    client.force_login(user)
    if apps.is_installed("django_otp"):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def largest_repeat(queries) -> int:
    """How many queries share one shape once literals are blanked: the N of an N+1."""
    shapes = Counter(_LITERALS.sub("?", q["sql"]) for q in queries)
    return max(shapes.values(), default=0)


def timed_get(client: Client, url: str) -> dict:
    # The query log is a bounded deque, full after seeding: empty it, or nothing is captured.
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    query_ms = [float(q["time"]) * 1000 for q in ctx.captured_queries]
    return {
        "ms": elapsed,
        "status": response.status_code,
        "sql": sum(query_ms),
        "slowest": max(query_ms, default=0),
        "queries": len(query_ms),
        "repeat": largest_repeat(ctx.captured_queries),
    }


def measure(client: Client, url: str, repeat: int, budget_s: float) -> dict:
    """The page `repeat` times after a warm-up (template compilation, first-use caches); fewer
    when that would take longer than the budget; the warm-up alone when it already does."""
    warm_up = timed_get(client, url)
    runs = min(repeat, int(budget_s * 1000 // warm_up["ms"]))
    samples = [timed_get(client, url) for _ in range(runs)] or [warm_up]
    counts = [s["queries"] for s in samples]
    return {
        "n": f"{len(samples)}" if runs else "1*",
        "status": samples[-1]["status"],
        "median": statistics.median(s["ms"] for s in samples),
        "sql": statistics.median(s["sql"] for s in samples),
        "slowest": statistics.median(s["slowest"] for s in samples),
        "queries": f"{min(counts)}"
        if min(counts) == max(counts)
        else f"{min(counts)}-{max(counts)}",
        "repeat": max(s["repeat"] for s in samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="fake cases to seed")
    parser.add_argument("--clinics", type=int, default=5, help="fake clinics")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the fake data")
    parser.add_argument("-r", "--repeat", type=int, default=7, help="timed requests per page")
    parser.add_argument(
        "--budget", type=float, default=30, help="seconds per page before timing fewer requests"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started
    out = io.StringIO()
    started = time.perf_counter()
    call_command(
        "seed_fake_cases",
        count=args.cases,
        clinics=args.clinics,
        seed=args.seed,
        force=True,
        stdout=out,
    )
    seed_s = time.perf_counter() - started
    print(out.getvalue().rstrip())
    print(f"migrate {migrate_s:.1f} s; seeding {args.cases} cases {seed_s:.1f} s")

    from claims.models import CoverageCase
    from patients.models import Patient

    superuser, reviewer, clinic = make_users()
    shared = CoverageCase.objects.filter(clinic=clinic)
    surname = (
        Patient.objects.filter(cases__clinic=clinic)
        .values("legal_last_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "legal_last_name")
        .first()["legal_last_name"]
    )
    case = shared.order_by("-updated_at").first()
    pages = [
        ("changelist", CHANGELIST),
        (f"search q={surname}", f"{CHANGELIST}?q={surname}"),
        ("filter review_status=submitted", f"{CHANGELIST}?review_status=submitted"),
        ("change page (one case)", f"{CHANGELIST}{case.pk}/change/"),
    ]
    print(
        f"\nreviewer: staff of {clinic.name!r}, which holds {shared.count()} of "
        f"{CoverageCase.objects.count()} cases; up to {args.repeat} timed requests per page, "
        f"DEBUG off, django-otp {'on' if apps.is_installed('django_otp') else 'not installed'}"
    )
    columns = ["page", "user", "status", "n", "median ms", "SQL ms", "slowest q", "queries"]
    header = f"{columns[0]:<32} {columns[1]:<10}" + "".join(f"{c:>10}" for c in columns[2:])
    header += f"{'same-shape':>11}"
    print(header)
    print("-" * len(header))
    with override_settings(DEBUG=False):
        for name, user in (("superuser", superuser), ("reviewer", reviewer)):
            client = logged_in_client(user)
            for label, url in pages:
                r = measure(client, url, args.repeat, args.budget)
                print(
                    f"{label:<32} {name:<10}{r['status']:>10}{r['n']:>10}{r['median']:>10.0f}"
                    f"{r['sql']:>10.0f}{r['slowest']:>10.0f}{r['queries']:>10}{r['repeat']:>11}"
                )
    print(
        "\nn: timed requests (1* = the warm-up alone, over the --budget); SQL ms: time in the"
        "\ndatabase; slowest q: the slowest query; same-shape: the largest group of queries that"
        "\ndiffer only in literals (an N+1 when it grows with the rows on the page)."
    )
    if args.keep:
        print(f"(database kept in {WORK})")
    else:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
