"""Run every chapter on a GPU: ``make gpu-check`` (or ``python -m tests.gpu_check``).

Each chapter of ``_toc.yml`` is executed with papermill at the ``default`` profile, with
``device="cuda"`` injected next to the profile, so that every cell that uses ``device`` (training,
decoding, the solutions' code) runs on the GPU. A failing chapter does not stop the others. For
each chapter the check prints ok or FAILED (with the failing cell and its error), the wall time,
the first line of each warning, and the results the chapter recorded with ``dl.record_result``;
it exits with status 1 when a chapter failed, and with 2, before running anything, when the
machine has no CUDA GPU.

    python -m tests.gpu_check                                  # every chapter on cuda
    python -m tests.gpu_check --chapters attention/seq2seq cnn/detection
    python -m tests.gpu_check --device cpu --chapters foundations/neurons --jobs 1   # dry run

Chapters run ``--jobs`` at a time (3 by default), each in its own process and kernel.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from course.toc import ROOT, chapter_id, chapter_source, chapters

CELL_TIMEOUT_S = 600  # per cell, as in the book build
CHAPTER_TIMEOUT_S = 900


def run_one(md_path: Path, device: str, profile: str, report: Path) -> None:
    """Execute one chapter in a fresh kernel; write what happened to ``report`` (JSON)."""
    import jupytext
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from tests.harness import KERNEL, stderr_outputs

    outcome: dict = {"ok": True, "error": None, "warnings": []}
    with tempfile.TemporaryDirectory() as tmp:
        source, executed = Path(tmp) / "input.ipynb", Path(tmp) / "output.ipynb"
        nbformat.write(jupytext.read(md_path), source)
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(source), str(executed), parameters={"profile": profile, "device": device},
                kernel_name=KERNEL, cwd=str(md_path.parent), progress_bar=False,
                execution_timeout=CELL_TIMEOUT_S,
            )
        except PapermillExecutionError as error:
            first_line = next((line for line in error.source.splitlines()
                               if line.strip() and not line.startswith(":")), "")
            outcome["ok"] = False
            message = (error.evalue or "").strip().splitlines()[:1] or [""]
            outcome["error"] = (f"cell In [{error.exec_count}] ({first_line.strip()[:60]!r}): "
                                f"{error.ename}: {message[0][:300]}")
        except Exception as error:  # the kernel died, a timeout, ...
            outcome["ok"], outcome["error"] = False, f"{type(error).__name__}: {error}"
        outcome["seconds"] = time.perf_counter() - start
        if executed.exists():
            for text in stderr_outputs(nbformat.read(executed, as_version=4)):
                line = next((x for x in text.splitlines() if "Warning" in x), text.strip())
                if line and line not in outcome["warnings"]:
                    outcome["warnings"].append(line.strip()[:160])
    report.write_text(json.dumps(outcome), encoding="utf-8")


def run_chapter(md_path: Path, args, folder: Path) -> dict:
    """Run one chapter in a fresh process, with its own results file; return what it reported."""
    name = chapter_id(md_path)
    report = folder / (name.replace("/", "__") + ".report.json")
    results = folder / (name.replace("/", "__") + ".results.json")
    env = {**os.environ, "DLUTILS_DISPLAY": "text", "DLUTILS_RESULTS_FILE": str(results)}
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // args.jobs)))
    command = [sys.executable, "-m", "tests.gpu_check", "--run-one", str(md_path),
               "--device", args.device, "--profile", args.profile, "--report", str(report)]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=CHAPTER_TIMEOUT_S)
        if report.exists():
            outcome = json.loads(report.read_text(encoding="utf-8"))
        else:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            outcome = {"ok": False, "error": f"the runner failed: {tail[0]}", "warnings": []}
    except subprocess.TimeoutExpired:
        outcome = {"ok": False, "error": f"timed out after {CHAPTER_TIMEOUT_S} s", "warnings": []}
    outcome["seconds"] = time.perf_counter() - start  # wall time, kernel start included
    outcome["results"] = json.loads(results.read_text(encoding="utf-8")) if results.exists() else []
    outcome["chapter"] = name
    return outcome


def describe(outcome: dict) -> str:
    status = "ok" if outcome["ok"] else "FAILED"
    lines = [f"{status:<6} {outcome['chapter']:<26} {outcome['seconds']:6.1f} s"]
    if outcome["error"]:
        lines.append(f"       error: {outcome['error']}")
    lines += [f"       warning: {w}" for w in outcome["warnings"][:3]]
    for r in outcome["results"]:
        lines.append(f"       result: {r['model']} | {r['data']} | {r['metric']} = {r['value']:.4g}")
    return "\n".join(lines)


def announce(device: str) -> bool:
    """Print the GPU and the software; False (with the reason) when the GPU asked for is absent."""
    import torch

    if device == "cpu":
        print(f"torch {torch.__version__}; device cpu: a dry run of the check itself, no GPU")
        return True
    if not torch.cuda.is_available():
        print(f"torch.cuda.is_available() is False: this machine offers no usable CUDA GPU "
              f"(torch {torch.__version__}, built for CUDA {torch.version.cuda}), so the GPU "
              "check cannot run here. Run it on a machine with an NVIDIA GPU, or try the check "
              "itself with --device cpu.", file=sys.stderr)
        return False
    index = torch.device(device).index or 0
    properties = torch.cuda.get_device_properties(index)
    print(f"GPU {index}: {properties.name}, {properties.total_memory / 2**30:.0f} GiB "
          f"({torch.cuda.device_count()} visible)")
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, "
          f"cuDNN {torch.backends.cudnn.version()}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.gpu_check", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N, or cpu")
    parser.add_argument("--profile", default="default", choices=("fast", "default", "full"))
    parser.add_argument("--chapters", nargs="+", metavar="ID",
                        help="chapters to run, e.g. foundations/neurons (default: all)")
    parser.add_argument("--jobs", type=int, default=3, help="chapters run at the same time")
    parser.add_argument("--run-one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_one:
        run_one(args.run_one, args.device, args.profile, args.report)
        return 0
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    try:
        selected = ([chapter_source(c) for c in args.chapters] if args.chapters
                    else chapters())
    except ValueError as error:
        parser.error(str(error))
    if not announce(args.device):
        return 2
    print(f"{len(selected)} chapter(s), profile {args.profile!r}, device {args.device!r}, "
          f"{args.jobs} at a time\n", flush=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp, \
            ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_chapter, path, args, Path(tmp)) for path in selected]
        outcomes = []
        for future in futures:  # in the table of contents' order
            outcomes.append(future.result())
            print(describe(outcomes[-1]), flush=True)
    failed = [o["chapter"] for o in outcomes if not o["ok"]]
    print(f"\n{len(outcomes) - len(failed)} of {len(outcomes)} chapters ok in "
          f"{time.perf_counter() - start:.0f} s" + (f"; FAILED: {', '.join(failed)}" if failed
                                                    else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
