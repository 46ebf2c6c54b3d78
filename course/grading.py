"""Grade submitted notebooks: run each in a fresh kernel, then its hidden tests.

Each submission is executed with nbclient in its own kernel, in the ``fast`` profile, with a time
limit per cell. Errors in the student's own cells do not stop the run (a stub that still raises
only costs that exercise's points). The hidden tests of the grading bundle are appended as extra
cells; each passing test earns its points. Anything that goes wrong with one submission, from a
file that is not a notebook to a kernel that dies or an endless loop, is recorded in that
student's results and the next submission is graded as usual.

Results follow Gradescope's autograder format (``results.json`` with ``score``, ``tests``,
``output``), one file per student, plus a summary CSV for all of them.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

KERNEL = "python3"


def _error_line(cell) -> str | None:
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return f"{output.ename}: {output.evalue}"[:500]
    return None


def prepare(notebook, bundle: dict):
    """The submission with ``profile`` set to the bundle's and the hidden tests appended."""
    # A student cannot smuggle in tests of their own, or keep the instructor's if they had them.
    cells = [c for c in notebook.cells if "hidden-test" not in c.metadata.get("tags", [])]
    setting = nbformat.v4.new_code_cell(f"profile = {bundle['profile']!r}  # set by the grader")
    where = next(
        (i + 1 for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])), 0
    )
    cells.insert(where, setting)
    for number, test in enumerate(bundle["tests"]):
        cell = nbformat.v4.new_code_cell(test["source"])
        cell.metadata["grading"] = {"test": number}
        cells.append(cell)
    notebook.cells = cells
    return notebook


def grade_notebook(path: Path, bundle: dict, timeout: int = 120) -> dict:
    """Gradescope-style results for one submitted notebook."""
    start = time.monotonic()
    problem = None
    executed = None
    try:
        notebook = nbformat.read(path, as_version=4)
        executed = prepare(notebook, bundle)
        client = NotebookClient(
            executed,
            timeout=timeout,
            kernel_name=KERNEL,
            allow_errors=True,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    except CellTimeoutError:
        problem = f"the notebook ran past the time limit of {timeout} s for one cell"
    except DeadKernelError:
        problem = "the kernel died while running the notebook (out of memory, or the code exited)"
    except Exception as error:  # noqa: BLE001 - any failure belongs to this submission only
        if executed is None:
            problem = f"could not read the notebook: {error.__class__.__name__}: {error}"[:500]
        else:
            problem = f"the notebook could not be run: {error.__class__.__name__}: {error}"[:500]

    ran, failed = {}, []
    if executed is not None:
        for index, cell in enumerate(executed.cells):
            if "grading" in cell.metadata:
                if cell.get("execution_count") is not None:
                    ran[cell.metadata["grading"]["test"]] = cell
            elif cell.cell_type == "code" and _error_line(cell):
                # The student's own cells that failed: expected in exercises, suspicious elsewhere.
                failed.append(
                    {
                        "cell": index,
                        "exercise": cell.metadata.get("exercise"),
                        "error": _error_line(cell),
                    }
                )
    tests = []
    for number, test in enumerate(bundle["tests"]):
        cell = ran.get(number)
        if cell is None:
            message, score = f"not run: {problem or 'the notebook stopped before this test'}", 0
        else:
            message = _error_line(cell)
            score = 0 if message else test["points"]
        tests.append(
            {
                "name": f"{test['exercise']} (hidden test {number + 1})",
                "tags": [test["exercise"]],
                "score": score,
                "max_score": test["points"],
                "output": message or "passed",
                "visibility": "visible",
            }
        )
    score = sum(t["score"] for t in tests)
    return {  # the keys of Gradescope's results.json
        "score": score,
        "execution_time": round(time.monotonic() - start, 1),
        "output": problem or f"{score} of {bundle['max_score']} points",
        "tests": tests,
        "extra_data": {"max_score": bundle["max_score"], "failed_cells": failed},
    }


def grade_folder(submissions: Path, bundle_path: Path, out: Path, timeout: int = 120) -> list[dict]:
    """Grade every ``*.ipynb`` in ``submissions``; write ``out/<student>/results.json`` and
    ``out/summary.csv`` (one row per student and exercise)."""
    bundle = json.loads(Path(bundle_path).read_text(encoding="utf-8"))
    notebooks = sorted(Path(submissions).glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no .ipynb files in {submissions}")
    out.mkdir(parents=True, exist_ok=True)
    rows, everything = [], []
    for path in notebooks:
        student = path.stem
        results = grade_notebook(path, bundle, timeout=timeout)
        (out / student).mkdir(exist_ok=True)
        (out / student / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        everything.append({"student": student, **results})
        for exercise, max_points in bundle["exercises"].items():
            mine = [t for t in results["tests"] if t["tags"] == [exercise]]
            errors = sorted({t["output"] for t in mine if t["score"] < t["max_score"]})
            rows.append(
                {
                    "student": student,
                    "exercise": exercise,
                    "points": sum(t["score"] for t in mine),
                    "max_points": max_points,
                    "error": "; ".join(errors),
                }
            )
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(
            f, fieldnames=["student", "exercise", "points", "max_points", "error"]
        )
        writer.writeheader()
        writer.writerows(rows)
    return everything
