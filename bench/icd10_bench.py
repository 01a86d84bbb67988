"""Benchmark: how fast the diagnosis search answers, over the phrase table patients would type
(tests/patients/icd10_phrases.py, 65 phrases).

Loads the code set first (from its cache file, as a web process does at its first search; the
load time is printed apart), then runs every phrase R times (5 by default) through
patients.icd10.search and prints the median, 90th-percentile and slowest search, and the
top-3/top-5 hit rates of the clinician's code. Run with `make bench-icd10`. Target: a median of
20 ms or less (issue 13).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coverage_guide.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each phrase (default 5)")
    args = parser.parse_args()

    import django

    django.setup()
    from patients import icd10
    from tests.patients.icd10_phrases import PHRASES

    started = time.perf_counter()
    icd10.search("warm up")  # loads the code set and the per-code index
    load_ms = (time.perf_counter() - started) * 1000

    timings, top3, top5 = [], 0, 0
    for phrase, code in PHRASES:
        for _ in range(args.repeat):
            started = time.perf_counter()
            hits = icd10.search(phrase, limit=10)
            timings.append((time.perf_counter() - started) * 1000)
        codes = [hit.code for hit in hits]
        rank = codes.index(code) + 1 if code in codes else None
        top3 += rank is not None and rank <= 3
        top5 += rank is not None and rank <= 5

    timings.sort()
    print(f"ICD-10-CM search over {len(PHRASES)} phrases x {args.repeat} runs")
    print(f"  code set load (first search)  {load_ms:8.1f} ms")
    print(f"  median search                 {statistics.median(timings):8.2f} ms")
    print(f"  90th percentile               {timings[int(len(timings) * 0.9)]:8.2f} ms")
    print(f"  slowest                       {timings[-1]:8.2f} ms")
    print(f"  clinician's code in top 3     {top3}/{len(PHRASES)} ({top3 / len(PHRASES):.0%})")
    print(f"  clinician's code in top 5     {top5}/{len(PHRASES)} ({top5 / len(PHRASES):.0%})")


if __name__ == "__main__":
    main()
