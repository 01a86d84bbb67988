"""Benchmark: how fast a patient's wizard pages answer on a large, filled case.

Builds one patient with a LARGE filled case (8 diagnoses, 30 treatment trials, 40 symptom scores,
20 documents, 5 pre-authorization requests, each denied and appealed, 10 packets, letters,
calls, a referral and a treatment request) in a throwaway SQLite database, through the factories
(tests/factories.py) and the services, as the app would have made them. Then times, with
Django's test Client logged in as that patient, the dashboard and every page of the six steps a
patient opens (claims/urls.py: the steps and the pages they link to), against the financing page
("Other ways to pay"), a signed-in page that shows no case: the baseline. Per page: the median
of R requests after a warm-up, its ratio to the baseline's median, and the SQL queries per
request. Pages over the targets (2x the baseline, 12 queries) are marked. Run with
`make bench-pages`.

The settings module is loaded as in development (DJANGO_DEBUG=1), then DEBUG is switched off for
the timed requests, so templates and queries run as in production. Ratios measured in one run are
what to compare: these machines are noisy.
"""

import argparse
import os
import shutil
import statistics
import time

from throwaway import WORK  # first: sets Django up on a throwaway database

# isort: split
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

MAX_RATIO = 2.0
MAX_QUERIES = 12


def build_large_case() -> dict:
    """One patient with a LARGE filled case (tests/factories.py build_filled_case) and a second,
    empty one: with one case the financing page sends the patient to that case's costs page;
    with two it renders its own list, the baseline timed here."""
    from claims.services import packets as packet_services
    from tests.factories import CaseFactory, UserFactory, build_filled_case

    user = UserFactory(email="bench-patient@example.com")
    # Outside a test's transaction the packets' dispatch would run on commit and render them
    # (eager Celery): the render is not what is timed here (make bench times it).
    dispatch = packet_services.packet_dispatch
    packet_services.packet_dispatch = lambda **kwargs: False
    try:
        world = build_filled_case(
            user, diagnoses=8, trials=30, scores=40, documents=20, denials=5, packets=10
        )
    finally:
        packet_services.packet_dispatch = dispatch
    CaseFactory(patient=user.patient, policy=world["case"].policy)
    return {**world, "user": user}


def pages_of(world) -> list[tuple[str, str]]:
    """(label, url) of the baseline, the dashboard and every wizard page a patient opens."""
    case = world["case"].public_id

    def url(name, **kwargs):
        return reverse(f"claims:{name}", kwargs={"coveragecase_id": case, **kwargs})

    return [
        ("financing (baseline)", reverse("claims:financing")),
        ("dashboard", reverse("claims:dashboard")),
        ("overview", url("case_overview")),
        ("1 policy", url("step_policy")),
        ("1 policy, editing a call", url("step_policy") + f"?call={world['call'].public_id}"),
        ("1 question script", url("question_script")),
        ("2 history", url("step_history")),
        ("2 history, editing a trial", url("step_history") + f"?trial={world['trial'].public_id}"),
        ("2 PHQ-9", url("questionnaire_phq9")),
        ("2 GAD-7", url("questionnaire_gad7")),
        ("2 score result", url("score_result", symptomscore_id=world["score"].public_id)),
        ("3 referral", url("step_referral")),
        ("4 documents", url("step_documents")),
        ("5 submit", url("step_submit")),
        (
            "5 submit, editing a request",
            url("step_submit") + f"?request={world['pa_request'].public_id}",
        ),
        (
            "5 letter of necessity",
            url("letter_edit", letter_id=world["medical_necessity"].public_id),
        ),
        ("5/6 packet status", url("packet_status", packet_id=world["packet"].public_id)),
        ("6 appeal", url("step_appeal")),
        (
            "6 appeal, oldest denial",
            url("step_appeal") + f"?denial={world['oldest_denial'].public_id}",
        ),
        ("6 appeal letter", url("letter_edit", letter_id=world["appeal_letter"].public_id)),
    ]


def timed_get(client: Client, url: str) -> tuple[float, int, int]:
    # The query log is a bounded deque, full after building the case: empty it first.
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, response.status_code, len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-r", "--repeat", type=int, default=15, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started
    started = time.perf_counter()
    world = build_large_case()
    print(
        f"migrate {migrate_s:.1f} s; large case built in {time.perf_counter() - started:.1f} s "
        "(8 diagnoses, 30 trials, 40 scores, 20 documents, 5 denied requests with appeals, "
        "10 packets)"
    )
    client = Client()
    client.force_login(world["user"])
    pages = pages_of(world)
    results = []
    with override_settings(DEBUG=False):
        # Interleaved rounds, not one page after another: a burst of load from elsewhere on the
        # machine then spreads over every page instead of landing on one.
        for _label, url in pages:
            timed_get(client, url)  # warm-up
        samples: dict[str, list[tuple[float, int, int]]] = {label: [] for label, _ in pages}
        for _ in range(args.repeat):
            for label, url in pages:
                samples[label].append(timed_get(client, url))
    for label, _url in pages:
        rows = samples[label]
        counts = {s[2] for s in rows}
        results.append(
            (
                label,
                statistics.median(s[0] for s in rows),
                rows[-1][1],
                max(counts),
                len(counts) > 1,
            )
        )
    baseline = results[0][1]
    print(
        f"\n{args.repeat} timed requests per page after a warm-up, interleaved; DEBUG off; "
        f"targets: <= {MAX_RATIO:g}x the baseline's median, <= {MAX_QUERIES} queries"
    )
    header = f"{'page':<30}{'status':>7}{'median ms':>11}{'ratio':>8}{'queries':>9}  over"
    print(header)
    print("-" * len(header))
    over_any = False
    for label, median, status, queries, varies in results:
        ratio = median / baseline
        over = []
        if ratio > MAX_RATIO:
            over.append("time")
        if queries > MAX_QUERIES:
            over.append("queries")
        if status != 200:
            over.append(f"HTTP {status}")
        over_any = over_any or bool(over)
        count = f"{queries}{'*' if varies else ''}"
        print(
            f"{label:<30}{status:>7}{median:>11.1f}{ratio:>8.2f}{count:>9}  "
            f"{'<-- ' + ', '.join(over) if over else ''}"
        )
    print(
        "\nratio: median / the baseline's median; queries: per request (* varied between"
        "\nrequests: the largest is shown)."
        + ("\nPages marked <-- are over a target." if over_any else "\nEvery page meets both.")
    )
    print(f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    if args.keep:
        print(f"(database kept in {WORK})")
    else:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
