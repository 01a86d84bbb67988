"""Check the services the app needs, from this process's configuration, and say what is down.

    python manage.py check_services

One line per check: its name, ok / down / not used, how long it took, and for a check that is
down the error with its cause (hosts, ports, paths: this is for operators). Exits 1 when any
check is down, so deploy scripts and cron jobs can act on it. The same checks as /health/
(coverage_guide/health.py), run here directly rather than over HTTP.
"""

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coverage_guide.health import DOWN, OK, check_services


class Command(BaseCommand):
    help = (
        "Check the database, Redis (cache and Celery broker), a live Celery worker and the file "
        "storage; print each with its timing and error, and exit 1 when any is down."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # django-health-check logs each failure with its traceback; the lines below say the same
        # in one line each (-v 2 shows the tracebacks too).
        library_log = logging.getLogger("health_check")
        level = library_log.level
        if options["verbosity"] < 2:
            library_log.setLevel(logging.ERROR)
        try:
            outcomes = check_services()
        finally:
            library_log.setLevel(level)
        for outcome in outcomes:
            took = "" if outcome.seconds is None else f"{outcome.seconds:.3f}s"
            line = f"{outcome.name:<9} {outcome.status:<9} {took:>7}  {outcome.detail}".rstrip()
            if outcome.status == OK:
                self.stdout.write(line, self.style.SUCCESS)
            elif outcome.status == DOWN:
                self.stdout.write(line, self.style.ERROR)
            else:
                self.stdout.write(line, self.style.WARNING)
        down = [outcome.name for outcome in outcomes if outcome.status == DOWN]
        if down:
            raise CommandError(f"down: {', '.join(down)}", returncode=1)
