"""Cheap checks that every chapter follows the authoring conventions in CONTRIBUTING.md.

The assignment builder and the website rely on these conventions, so they are enforced here rather
than left to review: the Colab setup cell, the ``parameters`` cell, and the exercise cell tags.
"""

from __future__ import annotations

import re

import jupytext
import pytest
from harness import (
    ROOT,
    chapter_id,
    chapters,
    code_cells,
    repository_url,
    sync_colab_url,
    twin_problems,
)

CHAPTERS = chapters()
IDS = [chapter_id(p) for p in CHAPTERS]
# The template a new chapter starts from must follow the conventions too.
TEMPLATE = ROOT / "templates" / "chapter.md"
NOTEBOOKS = CHAPTERS + [TEMPLATE]
NOTEBOOK_IDS = IDS + ["templates/chapter"]
REPOSITORY = repository_url()
MAX_LINE = 88  # characters per code line, so that cells read on a phone
EXERCISE_TAGS = ("stub", "solution", "check", "hidden-test")


def colab_cell_source(repository: str) -> str:
    return (
        "# Colab only: install the course's helper package and the chapters' extras when missing.\n"
        "import importlib.metadata, os\n"
        "try:\n"
        '    importlib.metadata.version("dlcourse-utils")  # not just any package named dlutils\n'
        "except importlib.metadata.PackageNotFoundError:\n"
        f'    source = os.environ.get("DLCOURSE_SOURCE", "git+{repository}")\n'
        '    %pip install --quiet "dlcourse-utils[chapters] @ {source}"'
    )


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


@pytest.mark.parametrize("md_path", CHAPTERS, ids=IDS)
def test_twin_is_in_sync(md_path):
    assert not twin_problems(md_path)


@pytest.mark.parametrize("md_path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_first_cell_installs_dlutils_in_colab_and_is_hidden(md_path):
    first = code_cells(jupytext.read(md_path))[0]
    assert "remove-cell" in tags(first)
    assert first.source.strip() == colab_cell_source(REPOSITORY), (
        "the first code cell must be the Colab setup cell from CONTRIBUTING.md, with the repository "
        f"URL of _config.yml ({REPOSITORY}); `make sync` updates the URL"
    )


def test_sync_points_the_colab_cell_at_the_repository_of_the_config(tmp_path):
    fork = tmp_path / "chapter.md"
    text = TEMPLATE.read_text(encoding="utf-8")
    fork.write_text(text.replace(REPOSITORY, "https://example.org/a/fork"), encoding="utf-8")
    assert sync_colab_url(fork)
    assert colab_cell_source(REPOSITORY) in fork.read_text(encoding="utf-8")


@pytest.mark.parametrize("md_path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_parameters_cell_holds_profile_seed_and_device(md_path):
    cells = code_cells(jupytext.read(md_path))
    tagged = [i for i, c in enumerate(cells) if "parameters" in tags(c)]
    assert len(tagged) == 1, "exactly one code cell must be tagged `parameters`"
    assert tagged[0] <= 2, "the parameters cell belongs near the top (at most the third code cell)"
    source = cells[tagged[0]].source
    for line in ('profile = "default"', "seed = ", 'device = "auto"'):
        assert re.search(rf"^{re.escape(line)}", source, re.M), (
            f"the parameters cell must set `{line}...`"
        )


@pytest.mark.parametrize("md_path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_exercises_follow_the_tag_conventions(md_path):
    notebook = jupytext.read(md_path)
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    labels = re.findall(r"^```\{exercise\}.*\n(?::[^\n]*\n)*?:label: *(\S+)", text, re.M)
    assert len(labels) >= 3, "a chapter has at least three exercises"
    graded: dict[str, dict[str, list]] = {}
    for cell in code_cells(notebook):
        role = [t for t in tags(cell) if t in EXERCISE_TAGS]
        if not role:
            continue
        assert len(role) == 1, f"a cell has one exercise role, not {role}"
        label = cell.metadata.get("exercise")
        assert label in labels, (
            f"cell tagged {role[0]} names exercise {label!r}, which has no {{exercise}} directive"
        )
        graded.setdefault(label, {t: [] for t in EXERCISE_TAGS})[role[0]].append(cell)
    assert graded, (
        "at least one exercise must be autogradable (stub, solution, check and hidden-test cells)"
    )
    for label, cells in graded.items():
        for role in EXERCISE_TAGS:
            assert cells[role], f"exercise {label} has no cell tagged {role}"
        assert len(cells["stub"]) == 1, f"exercise {label} needs exactly one stub cell"
        assert all("remove-cell" in tags(c) for c in cells["stub"] + cells["hidden-test"]), (
            f"exercise {label}: stub and hidden-test cells are hidden on the website (tag remove-cell)"
        )
        for cell in cells["hidden-test"]:
            points = cell.metadata.get("points")
            assert isinstance(points, int) and points > 0, (
                f"hidden test of {label} needs positive integer `points`"
            )
        assert f"{{solution-start}} {label}" in text, (
            f"exercise {label}: its solution must sit in a solution-start/end dropdown"
        )


@pytest.mark.parametrize("md_path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_code_lines_fit_on_a_phone(md_path):
    long = [
        line
        for cell in code_cells(jupytext.read(md_path))
        for line in cell.source.splitlines()
        if len(line) > MAX_LINE and "git+" not in line
    ]
    assert not long, f"code lines longer than {MAX_LINE} characters:\n" + "\n".join(long)


@pytest.mark.parametrize("md_path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_chapter_has_the_marks_of_the_standard(md_path):
    """Cheap signs of CHAPTER-STANDARD.md: PyTorch comparisons, glossary links, citations, checks."""
    notebook = jupytext.read(md_path)
    code = "\n".join(c.source for c in code_cells(notebook))
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "torch.testing.assert_close" in code, (
        "compare what you build with PyTorch's own, as an assertion"
    )
    assert "{term}`" in text, "link key terms to the glossary with {term}"
    assert "{cite}`" in text, "cite the original papers with {cite}"
    assert any("nbval-check-output" in tags(c) for c in code_cells(notebook)), (
        "tag the cells with deterministic outputs (shapes, counts, worked examples) nbval-check-output"
    )
    assert any(
        "remove-cell" in tags(c) and "assert" in c.source and not set(tags(c)) & set(EXERCISE_TAGS)
        for c in code_cells(notebook)
    ), "assert a training result with a margin, in a remove-cell cell"
