"""The grader on small made-up submissions: broken files and endless loops are reported, and never
stop the other submissions from being graded."""

from __future__ import annotations

import json

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from course.grading import grade_folder


def submission(path, answer: str):
    parameters = new_code_cell('profile = "default"')
    parameters.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[parameters, new_code_cell(answer)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


def test_broken_and_endless_submissions_are_reported_and_the_rest_graded(tmp_path):
    bundle = {
        "chapter": "made-up",
        "profile": "fast",
        "max_score": 3,
        "exercises": {"double": 2, "profile": 1},
        "tests": [
            {"exercise": "double", "points": 2, "source": "assert double(21) == 42"},
            {"exercise": "profile", "points": 1, "source": "assert profile == 'fast'"},
        ],
    }
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "a-garbled.ipynb").write_text("{ this is not a notebook")
    submission(folder / "b-endless.ipynb", "while True:\n    pass")
    submission(folder / "c-right.ipynb", "def double(x):\n    return 2 * x")
    submission(folder / "d-wrong.ipynb", "def double(x):\n    return x")
    submission(folder / "e-cheat.ipynb", "def double(x):\n    return x\nassert False")

    results = {
        r["student"]: r
        for r in grade_folder(folder, tmp_path / "bundle.json", tmp_path / "out", timeout=3)
    }

    assert results["a-garbled"]["score"] == 0
    assert "could not read the notebook" in results["a-garbled"]["output"]
    assert results["b-endless"]["score"] == 0
    assert "time limit of 3 s" in results["b-endless"]["output"]
    assert results["c-right"]["score"] == 3  # the grader also set profile = "fast"
    assert results["d-wrong"]["score"] == 1
    assert "AssertionError" in results["d-wrong"]["tests"][0]["output"]
    assert results["e-cheat"]["extra_data"]["failed_cells"][0]["error"].startswith("AssertionError")
    saved = json.loads((tmp_path / "out" / "c-right" / "results.json").read_text())
    assert saved["score"] == 3 and {t["max_score"] for t in saved["tests"]} == {1, 2}
    rows = (tmp_path / "out" / "summary.csv").read_text().splitlines()
    assert (
        "b-endless,double,0,2,not run: the notebook ran past the time limit of 3 s for one cell"
        in rows
    )
