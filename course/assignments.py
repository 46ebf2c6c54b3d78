"""Build student notebooks, instructor notebooks and grading bundles from chapter sources."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jupytext
import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

# A {solution} directive in a markdown cell: ```{solution} label ... ``` (three or more backticks).
SOLUTION_DIRECTIVE = re.compile(r"^(`{3,})\{solution\}.*?^\1[ \t]*$\n?", re.M | re.S)
# The fences that open and close a solution dropdown; everything between them is the answer.
SOLUTION_START = re.compile(r"^(`{3,})\{solution-start\}.*?^\1[ \t]*$\n?", re.M | re.S)
SOLUTION_END = re.compile(r"^(`{3,})\{solution-end\}.*?^\1[ \t]*$\n?", re.M | re.S)
# An {exercise} directive, turned into plain Markdown that Jupyter and Colab display well.
EXERCISE_DIRECTIVE = re.compile(
    r"^(`{3,})\{exercise\}[ \t]*(?P<title>[^\n]*)\n(?P<options>(?::[^\n]*\n)*)(?P<body>.*?)^\1[ \t]*$",
    re.M | re.S,
)


def _plain_exercise(match: re.Match) -> str:
    label = re.search(r":label:\s*(\S+)", match["options"])
    name = f" `{label[1]}`" if label else ""
    return f"**Exercise{name}: {match['title'].strip()}**\n\n{match['body'].strip()}\n"


def tags(cell) -> list[str]:
    return list(cell.metadata.get("tags", []))


def _without_solution_spans(cells) -> list:
    """Drop every cell, and every part of a markdown cell, between solution-start and -end.

    jupytext merges neighbouring markdown, so a marker can sit in the middle of a cell, with the
    end of the prompt before it or the start of the next section after it.
    """
    kept, inside = [], False
    for cell in cells:
        if cell.cell_type != "markdown":
            if not inside:
                kept.append(cell)
            continue
        text, public = cell.source, []
        while text:
            marker = (SOLUTION_END if inside else SOLUTION_START).search(text)
            if not inside:
                public.append(text[: marker.start()] if marker else text)
            if marker is None:
                break
            text, inside = text[marker.end() :], not inside
        cell.source = "".join(public)
        kept.append(cell)
    return kept


def read_chapter(md_path: Path) -> nbformat.NotebookNode:
    notebook = jupytext.read(md_path)
    notebook.metadata.pop("jupytext", None)
    return notebook


def _clear_outputs(notebook) -> nbformat.NotebookNode:
    notebook, _ = ClearOutputPreprocessor().preprocess(notebook, {})
    return notebook


def instructor_notebook(md_path: Path) -> nbformat.NotebookNode:
    """The whole chapter, solutions and hidden tests included, without outputs."""
    return _clear_outputs(read_chapter(md_path))


def student_notebook(md_path: Path) -> nbformat.NotebookNode:
    """The chapter as a student receives it.

    Solution cells, hidden tests, solution dropdowns (``{solution-start}`` … ``{solution-end}``,
    with everything between them) and pen-and-paper ``{solution}`` answers are removed; stubs,
    public checks and the Colab setup cell stay; outputs are cleared.
    """
    notebook = read_chapter(md_path)
    remover = TagRemovePreprocessor(remove_cell_tags={"solution", "hidden-test"})
    notebook, _ = remover.preprocess(notebook, {})
    kept = _without_solution_spans(notebook.cells)
    for cell in kept:
        if cell.cell_type == "markdown":
            source = SOLUTION_DIRECTIVE.sub("", cell.source)
            source = EXERCISE_DIRECTIVE.sub(_plain_exercise, source)
            cell.source = re.sub(r"\n{3,}", "\n\n", source).strip()
        if "stub" in tags(cell):  # the website hides stubs; the student works in them
            cell.metadata["tags"] = [t for t in tags(cell) if t != "remove-cell"]
    notebook.cells = [c for c in kept if c.cell_type != "markdown" or c.source.strip()]
    return _clear_outputs(notebook)


def hidden_tests(notebook) -> list[dict]:
    """Every hidden-test cell: its exercise, points and source."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and "hidden-test" in tags(cell):
            exercise, points = cell.metadata.get("exercise"), cell.metadata.get("points")
            if not exercise or not isinstance(points, int) or points <= 0:
                raise ValueError(
                    "every hidden-test cell needs metadata `exercise` and a positive integer "
                    f"`points`; this one has exercise={exercise!r}, points={points!r}"
                )
            found.append({"exercise": exercise, "points": points, "source": cell.source})
    return found


def grading_bundle(
    md_path: Path, chapter: str, private_tests: Path | None = None, private_only: bool = False
) -> dict:
    """Hidden tests and points of a chapter, plus those of a private overlay if one is given.

    ``private_tests`` is a MyST notebook holding further hidden-test cells for the same chapter,
    kept outside the public repository; with ``private_only`` the public ones are left out.
    """
    tests = [] if private_only else hidden_tests(read_chapter(md_path))
    if private_tests is not None:
        tests += hidden_tests(read_chapter(private_tests))
    if not tests:
        raise ValueError(f"{md_path} has no hidden-test cells, so there is nothing to grade")
    exercises: dict[str, int] = {}
    for test in tests:
        exercises[test["exercise"]] = exercises.get(test["exercise"], 0) + test["points"]
    return {
        "chapter": chapter,
        "profile": "fast",
        "exercises": exercises,
        "max_score": sum(exercises.values()),
        "tests": tests,
    }


def build(
    chapters: dict[str, Path],
    out: Path,
    private_dir: Path | None = None,
    private_only: bool = False,
) -> list[Path]:
    """Write student/, instructor/ and grading/ files for each chapter id → MyST source."""
    written = []
    for chapter, md_path in chapters.items():
        private = private_dir / f"{chapter}.md" if private_dir is not None else None
        if private is not None and not private.exists():
            private = None
        outputs = {
            out / "student" / f"{chapter}.ipynb": student_notebook(md_path),
            out / "instructor" / f"{chapter}.ipynb": instructor_notebook(md_path),
        }
        for path, notebook in outputs.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(copy.deepcopy(notebook), path)
            written.append(path)
        bundle_path = out / "grading" / f"{chapter}.json"
        bundle_path.parent.mkdir(parents=True, exist_ok=True)
        if private_only and private is None:
            raise ValueError(f"no private tests for {chapter}: expected {private_dir}/{chapter}.md")
        bundle = grading_bundle(md_path, chapter, private, private_only)
        bundle_path.write_text(
            json.dumps(bundle, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        written.append(bundle_path)
    return written
