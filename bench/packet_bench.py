"""Benchmark: how long a realistic pre-authorization packet takes to render.

A case with 8 treatment trials, 3 diagnoses, 4 scores and 20 appended pages (10 PDF documents of
2 pages) is rendered N times through the task's service (packet_render), timing its stages:
html (facts, the uploads read, the template), WeasyPrint, merge (the uploads appended and fitted
to Letter), stamp (every page's footer), write (the PDF out), store (storage write, database
update); "other" is the rest (the claim, the packet's queries). Each render is followed by
WeasyPrint alone on the same HTML; the ratio of the medians is the pipeline's overhead over
WeasyPrint (target: 1.15 at most, issue 18). It is printed too as the median of each render's
total over its own WeasyPrint stage, which load from elsewhere on the machine does not skew.
Then packets per minute with 1 and 2 worker processes. Run with `make bench` (uses a throwaway
SQLite database and media folder).

Ratios measured in one run are what to compare: these machines are noisy.
"""

import argparse
import multiprocessing
import statistics
import time

from throwaway import WORK  # first: sets Django up on a throwaway database

# isort: split
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402


def build_case():
    import datetime as dt

    from claims import services
    from claims.models import Packet
    from tests.factories import (
        CaseFactory,
        DiagnosisFactory,
        PolicyFactory,
        SymptomScoreFactory,
        TreatmentTrialFactory,
        UserFactory,
        pdf_upload,
    )

    user = UserFactory(email="bench@example.com")
    patient = user.patient
    case = CaseFactory(patient=patient, policy=PolicyFactory(patient=patient))
    for code in ("F33.2", "F41.1", "F43.10"):
        DiagnosisFactory(patient=patient, icd10_code=code, is_primary=code == "F33.2")
    drugs = [
        "sertraline", "escitalopram", "bupropion", "venlafaxine",
        "duloxetine", "mirtazapine", "aripiprazole", "lithium",
    ]  # fmt: skip
    for n, drug in enumerate(drugs):
        start = dt.date(2018 + n // 2, 1 + (n % 2) * 6, 1)
        TreatmentTrialFactory(
            patient=patient,
            name_as_entered=drug.title(),
            drug_generic=drug,
            start_date=start,
            end_date=start + dt.timedelta(weeks=10),
        )
    for n in range(4):
        SymptomScoreFactory(patient=patient, taken_on=dt.date(2023 + n, 3, 1), total=18 + n)
    for n in range(10):
        services.document_upload(
            case=case,
            category="medical_records",
            upload=pdf_upload(f"records-{n}.pdf", pages=2),
            by=user,
            title=f"Records {n}",
        )
    services.letter_get_or_draft(case=case, kind="medical_necessity")
    return case, user, Packet


def new_packet(case, user, Packet, version):
    return Packet.objects.create(
        case=case, kind="prior_authorization", version=version, requested_by=user
    ).pk


def render_many(packet_ids):
    from claims.services import packet_render

    connections.close_all()
    for packet_id in packet_ids:
        packet_render(packet_id=packet_id)
    connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=7, help="renders for the medians")
    parser.add_argument("--per-process", type=int, default=4, help="packets per process")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    from django.utils import translation
    from weasyprint import HTML

    from claims import pdf
    from claims.services import packet_render

    case, user, Packet = build_case()
    version = 0

    stages = ("html", "weasyprint", "merge", "stamp", "write", "store")
    per_stage: dict[str, list[float]] = {stage: [] for stage in (*stages, "other")}
    task_ms, weasy_ms, pages = [], [], 0
    for _ in range(args.n):
        version += 1
        times: dict[str, float] = {}
        started = time.perf_counter()
        packet = packet_render(packet_id=new_packet(case, user, Packet, version), stages=times)
        task_ms.append((time.perf_counter() - started) * 1000)
        pages = packet.page_count
        for stage in stages:
            per_stage[stage].append(times[stage] * 1000)
        per_stage["other"].append(task_ms[-1] - sum(times.values()) * 1000)

        # Alternated with the task's renders, so both meet the same load on a shared machine.
        with translation.override("en"):
            html = pdf.packet_parts(packet).html
        started = time.perf_counter()
        HTML(string=html, base_url=pdf.STATIC_BASE, url_fetcher=pdf.StaticOnlyFetcher()).write_pdf()
        weasy_ms.append((time.perf_counter() - started) * 1000)

    task_median, weasy_median = statistics.median(task_ms), statistics.median(weasy_ms)
    print(f"packet: {pages} pages (20 appended), {args.n} renders each, medians")
    for stage, values in per_stage.items():
        print(f"  {stage:<28}{statistics.median(values):8.1f} ms")
    print(f"task (packet_render)          {task_median:8.0f} ms")
    print(f"WeasyPrint alone, same HTML   {weasy_median:8.0f} ms")
    print(f"ratio task / WeasyPrint       {task_median / weasy_median:8.2f}")
    # The same ratio within each render (its own WeasyPrint stage): untouched by load that hits
    # one render and not the other.
    within = [task / weasy for task, weasy in zip(task_ms, per_stage["weasyprint"], strict=True)]
    print(f"  within each render, median    {statistics.median(within):8.2f}")

    connections.close_all()
    context = multiprocessing.get_context("fork")
    for processes in (1, 2):
        batches = []
        for _ in range(processes):
            ids = []
            for _ in range(args.per_process):
                version += 1
                ids.append(new_packet(case, user, Packet, version))
            batches.append(ids)
        connections.close_all()
        started = time.perf_counter()
        workers = [context.Process(target=render_many, args=(ids,)) for ids in batches]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        done = processes * args.per_process
        print(f"{processes} worker process(es): {done} packets in {elapsed:5.1f} s = "
              f"{done / elapsed * 60:5.1f} packets/minute")  # fmt: skip
    print(f"(work files in {WORK})")


if __name__ == "__main__":
    main()
