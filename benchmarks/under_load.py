"""How much slower does a chapter run when the machine is busy?

Runs a chapter notebook (papermill, the `default` profile) on an idle machine and beside two
CPU-bound processes, with PyTorch's thread count as it was before the course chose one
(``OMP_NUM_THREADS`` = the number of cores, PyTorch's own default) and as the course now sets it
(``OMP_NUM_THREADS`` unset: ``dl.get_device`` picks one thread on the CPU). Prints each wall
time and the slowdown under load, and writes them to ``benchmarks/under_load.json``.

    .venv/bin/python benchmarks/under_load.py                       # about 5 minutes
    .venv/bin/python benchmarks/under_load.py --chapters sequences/gated --repeats 3
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from harness import run_notebook  # noqa: E402

from course.toc import ROOT as BOOK_ROOT  # noqa: E402

BUSY_PROCESSES = 2


def burn() -> None:
    """A CPU-bound neighbour: a student's other program, a browser tab, a compile."""
    while True:
        pass


def timed_run(chapter: str, threads: str | None) -> float:
    saved = os.environ.get("OMP_NUM_THREADS")
    if threads is None:
        os.environ.pop("OMP_NUM_THREADS", None)
    else:
        os.environ["OMP_NUM_THREADS"] = threads
    try:
        return run_notebook(BOOK_ROOT / "book" / f"{chapter}.md", profile="default").seconds
    finally:
        if saved is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", nargs="+", default=["sequences/gated", "foundations/mlp"])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    settings = {f"before: {cores} threads (PyTorch's default)": str(cores),
                "after: the course's setting (1 thread)": None}
    rows = []
    for chapter in args.chapters:
        for label, threads in settings.items():
            times = {}
            for load in ("idle", f"{BUSY_PROCESSES} busy processes"):
                busy = []
                if load != "idle":
                    busy = [multiprocessing.Process(target=burn, daemon=True)
                            for _ in range(BUSY_PROCESSES)]
                    for p in busy:
                        p.start()
                try:
                    times[load] = [timed_run(chapter, threads) for _ in range(args.repeats)]
                finally:
                    for p in busy:
                        p.kill()
                        p.join()
            idle, loaded = (statistics.median(t) for t in times.values())
            row = {"chapter": chapter, "setting": label, "idle_s": round(idle, 1),
                   "loaded_s": round(loaded, 1), "slowdown": round(loaded / idle, 2),
                   "runs": {k: [round(x, 1) for x in v] for k, v in times.items()}}
            rows.append(row)
            print(f"{chapter:<20} {label:<40} idle {idle:6.1f} s   "
                  f"loaded {loaded:6.1f} s   x{loaded / idle:.1f}", flush=True)
    machine = f"{platform.machine()}, {cores} cores, Python {platform.python_version()}"
    out = Path(__file__).with_name("under_load.json")
    out.write_text(json.dumps({"machine": machine, "date": time.strftime("%Y-%m-%d"),
                               "repeats": args.repeats, "rows": rows}, indent=1) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
