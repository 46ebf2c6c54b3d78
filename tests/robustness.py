"""The robustness matrix: does every chapter's result hold on any machine?

A seeded chapter prints the same numbers twice on one machine, but another CPU changes the last
bits of its arithmetic (the math library's vector code path, PyTorch's kernel level, the number of
threads), and chaotic training can turn those bits into different results. This tool runs every
chapter under a designed set of such machines and seeds, and reports:

* per chapter and profile, each result that the chapter records with ``dl.record_result``, as
  min / median / max over the runs;
* every assertion (indeed every error) that failed, with the configuration that made it fail.

The configurations form an L9 orthogonal array over three three-level factors (the MKL code path
``MKL_ENABLE_INSTRUCTIONS``, PyTorch's ``ATEN_CPU_CAPABILITY`` and the seed) plus the thread count:
every pair of levels of any two factors occurs in exactly one run, so nine runs per profile cover
what 54 would cover one factor at a time. "native" leaves the variable unset: the machine's own
best path.

    python -m tests.robustness                      # everything: about an hour on 2 cores
    python -m tests.robustness --profiles default --chapters generative/gan

Runs with one thread execute two at a time (one per core); runs with two threads run alone. Run
it on an otherwise idle machine. It writes ``benchmarks/robustness.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import re
import statistics
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import jupytext
import nbclient
from papermill.parameterize import parameterize_notebook
import torch

from course.toc import ROOT, chapter_id, chapters
from dlutils.results import read_results

REPORT = ROOT / "benchmarks" / "robustness"
CORES = 2
MKL_PATHS = ("SSE4_2", "AVX2", "native")
ATEN_LEVELS = ("default", "avx2", "native")
SEEDS = (0, 1, 2)
THREADS = (1, 2, 1)  # the fourth column of the L9 array has three levels; two of them mean 1
# The L9(3^4) orthogonal array: columns are (MKL path, ATen level, seed, threads).
L9 = ((0, 0, 0, 0), (0, 1, 1, 1), (0, 2, 2, 2), (1, 0, 1, 2), (1, 1, 2, 0),
      (1, 2, 0, 1), (2, 0, 2, 1), (2, 1, 0, 2), (2, 2, 1, 0))  # fmt: skip


@dataclass(frozen=True)
class Config:
    mkl: str
    aten: str
    seed: int
    threads: int

    @property
    def label(self) -> str:
        return f"MKL {self.mkl}, ATen {self.aten}, {self.threads} thread(s), seed {self.seed}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("MKL_ENABLE_INSTRUCTIONS", "ATEN_CPU_CAPABILITY")}
        if self.mkl != "native":
            env["MKL_ENABLE_INSTRUCTIONS"] = self.mkl
        if self.aten != "native":
            env["ATEN_CPU_CAPABILITY"] = self.aten
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(self.threads)
        env["DLUTILS_DISPLAY"] = "text"
        return env


# The fast profile, which the tests also run under another machine's arithmetic, runs three rows
# in which every level of the MKL path, the ATen level and the seed occurs once (with 2 threads).
FAST_ROWS = [2, 6, 7]


def design() -> list[Config]:
    return [Config(MKL_PATHS[a], ATEN_LEVELS[b], SEEDS[c], THREADS[d]) for a, b, c, d in L9]


@dataclass
class Outcome:
    chapter: str
    profile: str
    config: Config
    seconds: float
    results: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def run_chapter(md_path: Path, profile: str, config: Config, timeout: int = 900) -> Outcome:
    """Execute every cell, even after a failure, so that each failing assertion is reported."""
    notebook = jupytext.read(md_path)
    for cell in notebook.cells:  # papermill looks for the parameters tag in every cell
        cell.metadata.setdefault("tags", [])
    notebook.metadata.setdefault("papermill", {})
    notebook = parameterize_notebook(notebook, {"profile": profile, "seed": config.seed})
    with tempfile.TemporaryDirectory() as tmp:
        env = config.environment()
        env["DLUTILS_RESULTS_FILE"] = results_path = str(Path(tmp) / "results.json")
        client = nbclient.NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(md_path.parent)}},
        )
        start = time.perf_counter()
        try:
            client.execute(env=env)
        except Exception as error:  # a timeout or a dead kernel: report it like a failed cell
            return Outcome(chapter_id(md_path), profile, config, time.perf_counter() - start,
                           read_results(results_path),
                           [{"cell": None, "source": "", "error": f"{type(error).__name__}: {error}"}])
        seconds = time.perf_counter() - start
        results = read_results(results_path)
    errors = []
    for index, cell in enumerate(c for c in notebook.cells if c.cell_type == "code"):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                errors.append({
                    "cell": index,
                    "source": failing_line(output.get("traceback", [])),
                    "error": f"{output.ename}: {output.evalue}"[:300],
                })
    return Outcome(chapter_id(md_path), profile, config, seconds, results, errors)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def failing_line(traceback: list[str]) -> str:
    """The source line that IPython's traceback marks with an arrow (the failing assertion)."""
    for frame in reversed(traceback):
        for line in ANSI.sub("", frame).splitlines():
            if line.lstrip().startswith("---->"):
                return line.split("---->", 1)[1].strip().lstrip("0123456789 ").strip()
    return ""


def run_matrix(paths: list[Path], profiles: list[str], configs: dict, log,
               on_result=lambda outcomes, planned: None) -> list[Outcome]:
    """Run every (chapter, profile, config), using at most CORES threads at once in total;
    ``on_result`` gets the outcomes so far after each run (so a long run leaves a report)."""
    tasks = [(p, prof, c) for prof in profiles for c in configs[prof] for p in paths]
    free = threading.Semaphore(CORES)
    lock = threading.Lock()
    outcomes: list[Outcome] = []

    def work(task):
        path, profile, config = task
        for _ in range(config.threads):
            free.acquire()
        try:
            outcome = run_chapter(path, profile, config)
        finally:
            for _ in range(config.threads):
                free.release()
        with lock:
            outcomes.append(outcome)
            verdict = "ok" if not outcome.errors else f"{len(outcome.errors)} error(s)"
            log(f"[{len(outcomes)}/{len(tasks)}] {outcome.chapter} {profile} "
                f"({config.label}): {outcome.seconds:.0f} s, {verdict}")
            on_result(outcomes, len(tasks))
        return outcome

    # Acquiring tokens one at a time could deadlock two 2-thread runs; they take turns instead.
    two_thread = threading.Lock()

    def guarded(task):
        if task[2].threads > 1:
            with two_thread:
                return work(task)
        return work(task)

    with concurrent.futures.ThreadPoolExecutor(max_workers=CORES) as pool:
        list(pool.map(guarded, tasks))
    return outcomes


def summarise(outcomes: list[Outcome]) -> dict:
    """Per chapter and profile: min / median / max of each recorded result, and every failure."""
    summary: dict = {}
    for o in sorted(outcomes, key=lambda o: (o.chapter, o.profile)):
        entry = summary.setdefault(o.chapter, {}).setdefault(
            o.profile, {"runs": 0, "seconds": [], "results": {}, "failures": []})
        entry["runs"] += 1
        entry["seconds"].append(round(o.seconds, 1))
        for r in o.results:
            key = f"{r['model']}; {r['data']}; {r['metric']}"
            entry["results"].setdefault(key, []).append(r["value"])
        for e in o.errors:
            entry["failures"].append({"config": o.config.label, **e})
    return summary


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.machine()}, {cpu}, {os.cpu_count()} cores, torch {torch.__version__}, "
            f"native ATen level {torch.backends.cpu.get_cpu_capability()}")


def markdown(summary: dict, outcomes: list[Outcome], started: str) -> str:
    ran = {}  # design row -> the profiles that ran it
    for o in outcomes:
        ran.setdefault(design().index(o.config) + 1, set()).add(o.profile)
    lines = [
        "# Robustness report: do the results hold on any machine?",
        "",
        "Written by `make robustness` (`python -m tests.robustness`); see that file for the design.",
        f"Machine: {machine()}. Run on {started}.",
        "",
        "The configurations form an L9 orthogonal array: every pair of levels of any two of the "
        "factors MKL path, ATen level and seed occurs in exactly one row (`native` leaves the "
        "variable unset: this CPU's own best path). The `default` profile runs every row; the `fast` "
        "profile, which the tests also run under another machine's arithmetic, runs at least three "
        "rows in which every level of each factor occurs once (the table says which ran).",
        "",
        "| row | configuration | profiles |",
        "| ---: | --- | --- |",
    ]
    for row, config in enumerate(design(), 1):
        profiles = ", ".join(p for p in ("fast", "default") if p in ran.get(row, ()))
        lines.append(f"| {row} | {config.label} | {profiles or '-'} |")
    failures = sum(len(p["failures"]) for ch in summary.values() for p in ch.values())
    lines += ["", f"**Failed assertions or errors: {failures}.**", ""]
    lines += ["| chapter | profile | result | min | median | max | runs |",
              "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
    for chapter, per_profile in summary.items():
        for profile, entry in per_profile.items():
            if not entry["results"]:
                lines.append(f"| {chapter} | {profile} | (records no result) | | | | {entry['runs']} |")
            for key, values in entry["results"].items():
                lines.append(
                    f"| {chapter} | {profile} | {key} | {min(values):.4g} | "
                    f"{statistics.median(values):.4g} | {max(values):.4g} | {len(values)} |")
    lines += ["", "## Failures", ""]
    if not failures:
        lines.append("None: every assertion of every chapter held in every configuration.")
    for chapter, per_profile in summary.items():
        for profile, entry in per_profile.items():
            for f in entry["failures"]:
                lines.append(f"- `{chapter}` ({profile}; {f['config']}), cell {f['cell']}: "
                             f"`{f['source']}` → `{f['error'].splitlines()[0] if f['error'] else ''}`")
    lines += ["", "## Wall times (s) per run, min / median / max",
              "", "Runs with one thread ran two at a time, so these are not the budgets' times.", "",
              "| chapter | profile | min | median | max |", "| --- | --- | ---: | ---: | ---: |"]
    for chapter, per_profile in summary.items():
        for profile, entry in per_profile.items():
            s = entry["seconds"]
            lines.append(f"| {chapter} | {profile} | {min(s):.0f} | {statistics.median(s):.0f} | {max(s):.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", nargs="+", default=["fast", "default"])
    parser.add_argument("--chapters", nargs="+", help="chapter ids such as generative/gan (default: all)")
    parser.add_argument("--configs", nargs="+", type=int,
                        help="rows of the design (1-9) for the default profile (default: all)")
    parser.add_argument("--fast-configs", nargs="+", type=int, default=FAST_ROWS,
                        help=f"rows for the fast profile (default: {FAST_ROWS})")
    parser.add_argument("--out", type=Path, default=REPORT, help="report path without suffix")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing; write the report again from the stored runs")
    parser.add_argument("--add", action="store_true",
                        help="keep the stored runs of chapters not run now, and report them all")
    args = parser.parse_args(argv)
    paths = chapters()
    if args.chapters:
        unknown = set(args.chapters) - {chapter_id(p) for p in paths}
        if unknown:
            parser.error(f"unknown chapter(s): {', '.join(sorted(unknown))}")
        paths = [p for p in paths if chapter_id(p) in args.chapters]
    rows = {"fast": args.fast_configs, "default": args.configs or range(1, 10)}
    configs = {profile: [design()[i - 1] for i in rows[profile]] for profile in args.profiles}
    started = time.strftime("%Y-%m-%d %H:%M")
    if args.report_only:
        paths, args.add = [], True
    stored = []
    if args.add and args.out.with_suffix(".json").exists():
        stored = json.loads(args.out.with_suffix(".json").read_text())["runs"]

    def write(outcomes: list[Outcome], planned: int) -> None:
        raw = [{**asdict(o), "config": asdict(o.config)} for o in outcomes]
        # Keep the stored runs of the chapters and profiles that are not run again now.
        again = {(chapter_id(p), profile) for p in paths for profile in args.profiles}
        raw = [r for r in stored if (r["chapter"], r["profile"]) not in again] + raw
        everything = [Outcome(**{**r, "config": Config(**r["config"])}) for r in raw]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".json").write_text(
            json.dumps({"machine": machine(), "runs": raw}, indent=1) + "\n")
        partial = len(outcomes) < planned
        text = markdown(summarise(everything), everything, started)
        if partial:
            text = text.replace("\n\n", f"\n\n**Incomplete: {len(outcomes)} of the {planned} "
                                "runs planned had finished when this was written.**\n\n", 1)
        args.out.with_suffix(".md").write_text(text)

    outcomes = run_matrix(paths, args.profiles, configs, log=lambda m: print(m, flush=True),
                          on_result=write)
    write(outcomes, len(outcomes))
    failures = sum(len(o.errors) for o in outcomes)
    print(f"{failures} failure(s) in this run; report in {args.out.with_suffix('.md')}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
