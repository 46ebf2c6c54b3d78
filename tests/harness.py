"""The notebook harness: find the chapters, run them, compare what they print, keep twins in sync.

Used by the tests (``tests/notebooks``) and by the Makefile (``python -m tests.harness sync``).
The conventions it enforces are described in CONTRIBUTING.md.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
import papermill
import yaml

from course.toc import ROOT, chapter_id, chapters, first_chapter_of_each_part, toc_files  # noqa: F401

EXPECTED_DIR = ROOT / "tests" / "expected"
# The front matter that makes a Markdown file a MyST notebook, for notebooks that tests write.
MYST_FRONT_MATTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""
CHECK_TAG = "nbval-check-output"  # nbval's name for "compare this cell's output"
KERNEL = "python3"
BUDGET_S = {"fast": 20.0, "default": 60.0}
BUDGET_TOLERANCE = 1.5  # a run over budget is reported; one over 1.5x the budget fails
# Another machine's arithmetic: the math library's and PyTorch's AVX2 code paths, the level of
# most laptops, instead of this CPU's own (CI's CPUs have AVX-512). The tests run the fast
# profiles under it and the book build runs the default profiles natively, so a result that
# holds only on the author's CPU fails one or the other (tests/robustness.py runs the whole
# matrix, with PyTorch's unvectorised kernels too; they are about a third slower, too slow for
# the fast profile's time budget).
ANOTHER_MACHINE = {"MKL_ENABLE_INSTRUCTIONS": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}


def text_outputs(notebook) -> list[str]:
    """What every code cell printed, in order."""
    return [text_output(c) for c in code_cells(notebook)]


# --- running ----------------------------------------------------------------------------------


@dataclass
class Run:
    notebook: nbformat.NotebookNode
    seconds: float


def run_notebook(
    md_path: Path, profile: str = "fast", timeout: int = 600, environment: dict | None = None
) -> Run:
    """Execute a MyST notebook with papermill, injecting ``profile``; raise on any failing cell.

    ``environment`` adds variables to the kernel's environment (such as :data:`ANOTHER_MACHINE`).
    """
    notebook = jupytext.read(md_path)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "input.ipynb"
        nbformat.write(notebook, source)
        # plain text progress: no widgets, no live plots
        environment = {"DLUTILS_DISPLAY": "text", **(environment or {})}
        previous = {k: os.environ.get(k) for k in environment}
        os.environ.update(environment)
        try:
            start = time.perf_counter()
            executed = papermill.execute_notebook(
                str(source),
                str(Path(tmp) / "output.ipynb"),
                parameters={"profile": profile},
                kernel_name=KERNEL,  # explicit: a default kernel may belong to another Python
                cwd=str(md_path.parent),
                progress_bar=False,
                execution_timeout=timeout,
            )
            seconds = time.perf_counter() - start
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return Run(executed, seconds)


def code_cells(notebook) -> list:
    """Code cells of the author's notebook, without the one papermill injects."""
    return [
        c
        for c in notebook.cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    ]


def text_output(cell) -> str:
    """What a cell printed (stdout) and returned (text/plain), as one string."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and output.name == "stdout":
            parts.append(output.text)
        elif (
            output.output_type in ("execute_result", "display_data") and "text/plain" in output.data
        ):
            if (
                "image/png" not in output.data
            ):  # a figure's text/plain is its repr, which holds an address
                parts.append(output.data["text/plain"] + "\n")
    return "".join(parts)


def stderr_outputs(notebook) -> list[str]:
    """Everything cells wrote to stderr: warnings, which a finished chapter does not show."""
    return [
        o.text
        for c in code_cells(notebook)
        for o in c.get("outputs", [])
        if o.output_type == "stream" and o.name == "stderr"
    ]


def checked_outputs(notebook) -> list[dict]:
    """The cells tagged ``nbval-check-output``, in order, with their source and text output."""
    return [
        {"source": c.source, "output": text_output(c)}
        for c in code_cells(notebook)
        if CHECK_TAG in c.metadata.get("tags", [])
    ]


# --- expected outputs ---------------------------------------------------------------------------


def expected_path(md_path: Path) -> Path:
    return EXPECTED_DIR / f"{chapter_id(md_path)}.json"


def save_expected(md_path: Path, checked: list[dict], path: Path | None = None) -> Path:
    path = path or expected_path(md_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"profile": "fast", "cells": checked}, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return path


def compare_expected(checked: list[dict], path: Path) -> list[str]:
    """Differences between this run's checked outputs and the stored ones, as readable messages."""
    if not path.exists():
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        return [f"no stored outputs at {shown}; run `make expected` to create them"]
    stored = json.loads(path.read_text(encoding="utf-8"))["cells"]
    problems = []
    if len(stored) != len(checked):
        problems.append(
            f"{len(checked)} cells are tagged {CHECK_TAG}, but {len(stored)} outputs are stored"
        )
    for i, (old, new) in enumerate(zip(stored, checked), start=1):
        if old["output"] != new["output"]:
            diff = "\n".join(
                difflib.unified_diff(
                    old["output"].splitlines(),
                    new["output"].splitlines(),
                    "stored",
                    "now",
                    lineterm="",
                )
            )
            first_line = new["source"].strip().splitlines()[0] if new["source"].strip() else ""
            problems.append(f"checked cell {i} ({first_line!r}) prints something else:\n{diff}")
    return problems


# --- twins --------------------------------------------------------------------------------------


def twin_path(md_path: Path) -> Path:
    return md_path.with_suffix(".ipynb")


def _essence(notebook) -> list[tuple]:
    return [(c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in notebook.cells]


def twin_problems(md_path: Path) -> list[str]:
    """Why the ``.ipynb`` twin is not an output-free copy of the ``.md`` (empty when it is)."""
    twin = twin_path(md_path)
    if not twin.exists():
        return [f"{twin.name} is missing"]
    source = jupytext.read(md_path)
    copy = nbformat.read(twin, as_version=4)
    problems = []
    if _essence(source) != _essence(copy):
        problems.append(f"{twin.name} differs from {md_path.name} (cells, sources or tags)")
    if copy.metadata.get("kernelspec") != source.metadata.get("kernelspec"):
        problems.append(f"{twin.name} names another kernel than {md_path.name}")
    if any(
        c.get("outputs") or c.get("execution_count") for c in copy.cells if c.cell_type == "code"
    ):
        problems.append(f"{twin.name} holds outputs; twins are stored without them")
    return [p + " - run `make sync`" for p in problems]


def sync_twin(md_path: Path) -> None:
    """Write the twin with jupytext (keeping cell ids stable), then drop any outputs it kept."""
    twin = twin_path(md_path)
    subprocess.run(
        [sys.executable, "-m", "jupytext", "--quiet", "--to", "ipynb", "--update", str(md_path)],
        check=True,
    )
    notebook = nbformat.read(twin, as_version=4)
    if any(
        c.get("outputs") or c.get("execution_count")
        for c in notebook.cells
        if c.cell_type == "code"
    ):
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(notebook, twin)


def repository_url() -> str:
    """The course repository, configured once in _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"]


def sync_colab_url(md_path: Path) -> bool:
    """Point the Colab cell's default source, ``git+...``, at the repository of _config.yml."""
    text = md_path.read_text(encoding="utf-8")
    updated = re.sub(
        r'("DLCOURSE_SOURCE", )"git\+[^"]*"', rf'\1"git+{repository_url()}"', text
    )
    if updated != text:
        md_path.write_text(updated, encoding="utf-8")
    return updated != text


if __name__ == "__main__":
    if sys.argv[1:] != ["sync"]:
        sys.exit("usage: python -m tests.harness sync")
    for source in [*chapters(), ROOT / "templates" / "chapter.md"]:
        if sync_colab_url(source):
            print(f"pointed the Colab cell of {source.relative_to(ROOT)} at {repository_url()}")
        if source.parent.name != "templates":
            sync_twin(source)
            print(f"synced {twin_path(source).relative_to(ROOT)}")
