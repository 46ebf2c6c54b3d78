"""The harness must fail on the faults it exists to catch; these tests feed it small bad notebooks."""

from __future__ import annotations

import textwrap

import harness
import nbformat
import papermill
import pytest

FRONT = harness.MYST_FRONT_MATTER


def notebook(tmp_path, *cells: str, name: str = "nb.md"):
    """Write a MyST notebook with one code cell per string (options such as `:tags:` first)."""
    body = "\n".join(
        "```{code-cell} ipython3\n" + textwrap.dedent(c).strip("\n") + "\n```\n" for c in cells
    )
    path = tmp_path / name
    path.write_text(FRONT + "\n" + body + "\n", encoding="utf-8")
    return path


PARAMS = """\
:tags: [parameters]

profile = "default"
"""
CHECKED = """\
:tags: [nbval-check-output]

print("answer", 6 * 7 if profile == "fast" else 0)
"""


def test_a_failing_cell_fails_the_run(tmp_path):
    path = notebook(tmp_path, PARAMS, "1 / 0")
    with pytest.raises(papermill.PapermillExecutionError, match="ZeroDivisionError"):
        harness.run_notebook(path)


def test_profile_is_injected_and_checked_outputs_are_collected(tmp_path):
    run = harness.run_notebook(notebook(tmp_path, PARAMS, CHECKED))
    assert harness.checked_outputs(run.notebook) == [
        {"source": 'print("answer", 6 * 7 if profile == "fast" else 0)', "output": "answer 42\n"}
    ]


def test_a_changed_output_is_reported_and_an_unchanged_one_is_not(tmp_path):
    path = notebook(tmp_path, PARAMS, CHECKED)
    stored = harness.save_expected(
        path,
        harness.checked_outputs(harness.run_notebook(path).notebook),
        tmp_path / "expected.json",
    )
    assert (
        harness.compare_expected(
            harness.checked_outputs(harness.run_notebook(path).notebook), stored
        )
        == []
    )
    path = notebook(tmp_path, PARAMS, CHECKED.replace("6 * 7", "6 * 8"))
    problems = harness.compare_expected(
        harness.checked_outputs(harness.run_notebook(path).notebook), stored
    )
    assert len(problems) == 1 and "-answer 42" in problems[0] and "+answer 48" in problems[0]


def test_missing_expected_outputs_are_reported(tmp_path):
    problems = harness.compare_expected([{"source": "x", "output": "1\n"}], tmp_path / "none.json")
    assert problems and "make expected" in problems[0]


def test_warnings_on_stderr_are_found(tmp_path):
    run = harness.run_notebook(
        notebook(tmp_path, PARAMS, "import warnings\nwarnings.warn('careful')")
    )
    assert any("careful" in text for text in harness.stderr_outputs(run.notebook))


def test_a_stale_twin_is_reported(tmp_path):
    path = notebook(tmp_path, PARAMS, "x = 1")
    assert harness.twin_problems(path) == ["nb.ipynb is missing"]
    harness.sync_twin(path)
    assert harness.twin_problems(path) == []
    notebook(tmp_path, PARAMS, "x = 2")  # the .md changes, the twin does not
    assert any("differs" in p for p in harness.twin_problems(path))
    harness.sync_twin(path)
    assert harness.twin_problems(path) == []


def test_a_twin_with_outputs_is_reported_and_sync_clears_them(tmp_path):
    path = notebook(tmp_path, PARAMS, "x = 1")
    harness.sync_twin(path)
    twin = nbformat.read(harness.twin_path(path), as_version=4)
    twin.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nbformat.write(twin, harness.twin_path(path))
    assert any("outputs" in p for p in harness.twin_problems(path))
    harness.sync_twin(path)
    assert harness.twin_problems(path) == []


def test_chapters_are_found_from_the_toc_only(tmp_path):
    (tmp_path / "book").mkdir()
    notebook(tmp_path / "book", PARAMS, name="listed.md")
    notebook(tmp_path / "book", PARAMS, name="unlisted.md")
    notebook(tmp_path / "book", PARAMS, name="other.md")
    (tmp_path / "book" / "intro.md").write_text("# Plain page\n", encoding="utf-8")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/listed\n  - file: book/other.md\n",
        encoding="utf-8",
    )
    assert [p.name for p in harness.chapters(tmp_path)] == ["listed.md", "other.md"]


def test_an_unseeded_notebook_prints_different_text_on_a_second_run(tmp_path):
    path = notebook(tmp_path, PARAMS, "import os\nprint(os.urandom(8).hex())")
    first = harness.text_outputs(harness.run_notebook(path).notebook)
    assert first != harness.text_outputs(harness.run_notebook(path).notebook)
