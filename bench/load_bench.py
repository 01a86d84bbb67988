"""Load bench: 50 patients at once on the production-like stack, on PostgreSQL (issue 18).

    LOAD_DATABASE_URL=postgres://user@127.0.0.1:5432/empty_db make bench-load

1. starts the stack the way `make serve` does (scripts/serve.sh: gunicorn with its default
   workers, Celery workers and beat, DEBUG off, its own Redis), through scripts/smoke.py's
   ProductionStack, on LOAD_DATABASE_URL (an empty PostgreSQL database: it is migrated);
2. seeds LOAD_USERS patients (default 50), each with a filled case (tests.factories'
   build_patient_world: a denial, an appeal, a packet, documents, sessions...);
3. runs bench/locustfile.py headless: LOAD_USERS users, spawned 10 a second, for LOAD_SECONDS
   (default 90), each logging in, walking the steps one page per click, saving the referral's
   notes and now and then asking for a packet, LOAD_THINK_SECONDS apart (default "3,8": 3 to 8 s
   reading each page);
4. prints requests/s, p50/p95/p99 and errors per page, the packets the worker made, and the
   machine's load average before and after. Targets: p95 <= 300 ms, no errors.

A bench, not a test: numbers from one run on a noisy machine, where locust, gunicorn, Celery and
PostgreSQL share the cores. Every connection goes to 127.0.0.1.
"""

import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from smoke import ProductionStack, become_subreaper, wait_until_ready  # noqa: E402

PASSWORD = "load-bench-password-2026"  # noqa: S105 - throwaway accounts in a throwaway database
USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "90"))
TARGET_P95_MS = 300


def seed(count: int) -> None:
    """Runs in a child process with the stack's environment (development settings)."""
    import django

    django.setup()
    from django.db import transaction

    from patients.models import User
    from tests.factories import (
        DiagnosisFactory,
        SymptomScoreFactory,
        TreatmentTrialFactory,
        UserFactory,
        build_patient_world,
    )

    for n in range(count):
        email = f"load{n}@example.invalid"
        if User.objects.filter(email=email).exists():
            continue
        with transaction.atomic():
            user = UserFactory(email=email)
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
            build_patient_world(user)  # a case with a referral, a denial, documents, a packet
            for _ in range(3):
                DiagnosisFactory(patient=user.patient)
                SymptomScoreFactory(patient=user.patient)
            for _ in range(8):
                TreatmentTrialFactory(patient=user.patient)


def packet_counts() -> dict[str, int]:
    import django

    django.setup()
    from django.db.models import Count

    from claims.models import Packet

    rows = Packet.objects.filter(case__patient__user__email__startswith="load")
    return dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))


def _child(stack: ProductionStack, call: str) -> str:
    env = {**stack.env(), "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "coverage_guide.settings"}
    return subprocess.run(  # noqa: S603 - this file, fixed arguments
        [sys.executable, __file__, call],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def report(stats_csv: Path) -> bool:
    with stats_csv.open() as fh:
        rows = list(csv.DictReader(fh))
    print(
        f"{'page':<20} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50':>5} {'p95':>5} {'p99':>5}"
    )
    ok = True
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all pages"
        p95 = float(row["95%"])
        over = (p95 > TARGET_P95_MS or int(row["Failure Count"]) > 0) and name != "all pages"
        ok = ok and not over
        print(
            f"{name:<20} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>6.1f} {row['50%']:>5} {row['95%']:>5} {row['99%']:>5}"
            + ("  <- over target" if over else "")
        )
    print(f"(milliseconds; targets: p95 <= {TARGET_P95_MS} ms and no errors on every page)")
    return ok


def main() -> int:
    database_url = os.environ.get("LOAD_DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        print(
            "make bench-load runs on PostgreSQL, as production does: set LOAD_DATABASE_URL to an\n"
            "empty database, e.g. postgres://postgres@127.0.0.1:5432/coverage_guide_load",
            file=sys.stderr,
        )
        return 2
    become_subreaper()
    os.environ["SMOKE_DATABASE_URL"] = database_url
    with tempfile.TemporaryDirectory(prefix="coverage-guide-load-") as tmp:
        stack = ProductionStack(Path(tmp))
        # gunicorn_conf.py's own default (2 x the CPUs + 1) unless WEB_CONCURRENCY says
        # otherwise, not the smoke's 2.
        stack.overrides = {
            "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY"),
            "WORKER_CONCURRENCY": "1",
        }
        print(f"load: database {database_url.rsplit('/', 1)[-1]}")
        try:
            stack.start()
            wait_until_ready(stack)
            booted = stack.log_path.read_text(errors="replace").count("Booting worker with pid")
            print(f"load: {booted} gunicorn workers")
            started = time.monotonic()
            _child(stack, "seed")
            print(f"load: {USERS} patients seeded in {time.monotonic() - started:.0f} s")
            before = load_average()
            subprocess.run(  # noqa: S603 - locust from the virtualenv, fixed arguments
                [
                    str(Path(sys.executable).with_name("locust")),
                    *("-f", str(ROOT / "bench" / "locustfile.py"), "--headless"),
                    *("-u", str(USERS), "-r", "2", "-t", f"{SECONDS}s"),
                    *("--host", stack.base_url, "--csv", f"{tmp}/load", "--only-summary"),
                    *("--loglevel", "WARNING"),
                ],
                cwd=ROOT,
                env={**os.environ, "LOAD_PASSWORD": PASSWORD, "LOAD_USERS": str(USERS)},
                check=False,
            )
            after = load_average()
            think = os.environ.get("LOAD_THINK_SECONDS", "3,8").replace(",", "-")
            print(
                f"\nload: {USERS} users for {SECONDS} s against {stack.base_url} (gunicorn), "
                f"{think} s between clicks"
            )
            ok = report(Path(f"{tmp}/load_stats.csv"))
            print(f"packets of the load patients by state: {_child(stack, 'packets').strip()}")
            print(f"load average (1, 5, 15 min): before {before}; after {after}")
            print(f"cores: {os.cpu_count()}")
            errors = [
                line
                for line in stack.log_path.read_text(errors="replace").splitlines()
                if "ERROR django.request" in line
            ]
            if errors:
                print(f"server errors logged: {len(errors)}; the first:\n  {errors[0]}")
            return 0 if ok and not errors else 1
        finally:
            stack.stop()


if __name__ == "__main__":
    if sys.argv[1:] == ["seed"]:
        seed(USERS)
    elif sys.argv[1:] == ["packets"]:
        print(packet_counts())
    else:
        sys.exit(main())
