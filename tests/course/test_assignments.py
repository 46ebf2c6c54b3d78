"""Every chapter, turned into an assignment: the student copy leaks nothing, the reference earns
full marks, the stubs earn none, and one right answer earns exactly its points."""

from __future__ import annotations

import copy
import json

import nbformat
import pytest
from harness import MYST_FRONT_MATTER

from course.assignments import build, instructor_notebook, student_notebook
from course.grading import grade_folder
from course.toc import chapter_id, chapters

CHAPTERS = chapters()
IDS = [chapter_id(p) for p in CHAPTERS]


def cells_tagged(notebook, tag):
    return [c for c in notebook.cells if tag in c.metadata.get("tags", [])]


@pytest.mark.parametrize("md_path", CHAPTERS, ids=IDS)
def test_student_notebook_holds_no_solution_and_no_hidden_test(md_path):
    full = instructor_notebook(md_path)
    student = student_notebook(md_path)
    text = nbformat.writes(student)
    student_lines = {line.strip() for cell in student.cells for line in cell.source.splitlines()}
    assert not cells_tagged(student, "solution") and not cells_tagged(student, "hidden-test")
    secret_cells = cells_tagged(full, "solution") + cells_tagged(full, "hidden-test")
    # Lines that also appear in cells the student may see are not secrets.
    kept = {
        line.strip()
        for cell in full.cells
        if cell.cell_type == "code" and not any(cell is c for c in secret_cells)
        for line in cell.source.splitlines()
    }
    for cell in secret_cells:
        secret = [
            line.strip()
            for line in cell.source.splitlines()
            if len(line.strip()) > 12 and line.strip() not in kept
        ]
        assert secret, "a solution or hidden test with nothing of its own cannot be checked"
        for line in secret:
            assert line not in student_lines, f"the student notebook leaks: {line}"
    inside, explained = False, []  # prose inside a solution dropdown is part of the answer
    for cell in full.cells:
        starts = cell.cell_type == "markdown" and "{solution-start}" in cell.source
        inside = inside or starts
        if inside and cell.cell_type == "markdown":
            prose = [
                p.strip() for p in cell.source.split("\n\n") if p.strip() and "{solution" not in p
            ]
            explained += [p for p in prose if not p.startswith((":", "`"))]
        if cell.cell_type == "markdown" and "{solution-end}" in cell.source:
            inside = False
    shown = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    assert not [p for p in explained if p in shown], "a solution's explanation leaks"
    for marker in ("{solution}", "{solution-start}", "{solution-end}"):
        assert marker not in text
    # What the student needs is still there: the stubs, the public checks, the Colab cell.
    assert len(cells_tagged(student, "stub")) == len(cells_tagged(full, "stub")) > 0
    assert len(cells_tagged(student, "check")) == len(cells_tagged(full, "check")) > 0
    assert "pip install" in student.cells[[c.cell_type for c in student.cells].index("code")].source
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")


@pytest.mark.notebook
@pytest.mark.parametrize("md_path", CHAPTERS, ids=IDS)
def test_grading_rewards_the_reference_the_stubs_and_one_right_answer(md_path, tmp_path):
    chapter = chapter_id(md_path)
    build({chapter: md_path}, tmp_path / "out")
    bundle = json.loads((tmp_path / "out" / "grading" / f"{chapter}.json").read_text())
    reference = nbformat.read(tmp_path / "out" / "instructor" / f"{chapter}.ipynb", 4)
    student = nbformat.read(tmp_path / "out" / "student" / f"{chapter}.ipynb", 4)

    submissions = tmp_path / "submissions"
    submissions.mkdir()
    nbformat.write(reference, submissions / "reference.ipynb")
    nbformat.write(student, submissions / "stubs.ipynb")
    first = next(iter(bundle["exercises"]))
    if len(bundle["exercises"]) > 1:  # one exercise solved, the others left as stubs
        solved = copy.deepcopy(student)
        solution = "\n\n".join(
            c.source for c in cells_tagged(reference, "solution") if c.metadata["exercise"] == first
        )
        for cell in cells_tagged(solved, "stub"):
            if cell.metadata["exercise"] == first:
                cell.source = solution
        nbformat.write(solved, submissions / "one-right.ipynb")

    results = {
        r["student"]: r
        for r in grade_folder(
            submissions, tmp_path / "out" / "grading" / f"{chapter}.json", tmp_path / "grades"
        )
    }
    assert results["reference"]["score"] == bundle["max_score"], results["reference"]["tests"]
    assert results["reference"]["extra_data"]["failed_cells"] == []  # public checks pass too
    assert results["stubs"]["score"] == 0
    # The stubs fail, but nothing else in the student notebook does.
    failed = results["stubs"]["extra_data"]["failed_cells"]
    assert failed and all(f["exercise"] for f in failed), failed
    if "one-right" in results:
        assert results["one-right"]["score"] == bundle["exercises"][first]
    summary = (tmp_path / "grades" / "summary.csv").read_text().splitlines()
    assert summary[0] == "student,exercise,points,max_points,error"
    assert len(summary) == 1 + len(results) * len(bundle["exercises"])


def test_solution_spans_are_cut_out_even_from_the_middle_of_merged_cells():
    from nbformat.v4 import new_code_cell, new_markdown_cell

    from course.assignments import _without_solution_spans

    cells = [
        new_markdown_cell(
            "The prompt.\n\n```{solution-start} ex\n:class: dropdown\n```\n\nSecret idea."
        ),
        new_code_cell("secret_code = 1"),
        new_markdown_cell("More secret prose.\n\n```{solution-end}\n```\n\n## Next section"),
        new_code_cell("public_code = 2"),
        new_markdown_cell(
            "````{solution-start} ex2\n````\nhidden\n````{solution-end}\n````\nvisible"
        ),
    ]
    kept = _without_solution_spans(cells)
    text = "\n".join(c.source for c in kept)
    assert "The prompt." in text and "## Next section" in text and "visible" in text
    assert "public_code" in text
    for secret in ("Secret idea", "secret_code", "More secret", "hidden", "{solution"):
        assert secret not in text


def test_private_tests_are_added_to_the_bundle_or_replace_the_public_ones(tmp_path):
    md_path = CHAPTERS[0]
    chapter = chapter_id(md_path)
    full = instructor_notebook(md_path)
    exercise = cells_tagged(full, "hidden-test")[0].metadata["exercise"]
    private = tmp_path / "private" / f"{chapter}.md"
    private.parent.mkdir(parents=True)
    private.write_text(
        MYST_FRONT_MATTER + "\n"
        f"```{{code-cell}} ipython3\n:tags: [hidden-test]\n:exercise: {exercise}\n:points: 5\n\n"
        "assert True\n```\n"
    )
    public = sum(c.metadata["points"] for c in cells_tagged(full, "hidden-test"))
    for private_only, expected in ((False, public + 5), (True, 5)):
        build({chapter: md_path}, tmp_path / "out", tmp_path / "private", private_only)
        bundle = json.loads((tmp_path / "out" / "grading" / f"{chapter}.json").read_text())
        assert bundle["max_score"] == expected
