"""Every chapter in _toc.yml, executed in the ``fast`` profile under another machine's arithmetic
(``ANOTHER_MACHINE``): no errors, no warnings, the stored outputs reproduced, and within its time
budget. The book build runs the ``default`` profiles with this CPU's own arithmetic."""

from __future__ import annotations

import pytest
from harness import (
    ANOTHER_MACHINE,
    BUDGET_S,
    BUDGET_TOLERANCE,
    chapter_id,
    chapters,
    checked_outputs,
    compare_expected,
    expected_path,
    first_chapter_of_each_part,
    run_notebook,
    save_expected,
    stderr_outputs,
    text_outputs,
)

CHAPTERS = chapters()
FIRST_RUNS: dict = {}  # chapter -> what its cells printed in the test below, for the determinism check


@pytest.mark.notebook
@pytest.mark.parametrize("md_path", CHAPTERS, ids=[chapter_id(p) for p in CHAPTERS])
def test_chapter_runs_fast_and_prints_what_it_printed_before(md_path, update_expected, record_time):
    # raises with the failing cell on any error
    run = run_notebook(md_path, profile="fast", environment=ANOTHER_MACHINE)
    record_time(chapter_id(md_path), "fast", run.seconds)
    FIRST_RUNS[md_path] = text_outputs(run.notebook)

    warnings = stderr_outputs(run.notebook)
    assert not warnings, (
        "cells wrote to stderr (warnings are not allowed in a chapter):\n" + "\n".join(warnings)
    )

    checked = checked_outputs(run.notebook)
    if update_expected:
        save_expected(md_path, checked)
    problems = compare_expected(checked, expected_path(md_path))
    assert not problems, (
        "\n\n".join(problems)
        + "\n\nIf the change is intended, run `make expected` and commit the result."
    )

    limit = BUDGET_S["fast"] * BUDGET_TOLERANCE
    assert run.seconds <= limit, (
        f"the fast profile took {run.seconds:.1f} s; the budget is {BUDGET_S['fast']:.0f} s"
    )


@pytest.mark.notebook
@pytest.mark.parametrize(
    "md_path",
    first_chapter_of_each_part(),
    ids=[chapter_id(p) for p in first_chapter_of_each_part()],
)
def test_a_chapter_of_each_part_prints_the_same_text_when_run_again(md_path):
    def run():
        return text_outputs(run_notebook(md_path, "fast", environment=ANOTHER_MACHINE).notebook)

    first = FIRST_RUNS.get(md_path) or run()
    again = run()
    changed = [i for i, (a, b) in enumerate(zip(first, again, strict=True)) if a != b]
    assert not changed, f"code cells {changed} printed different text on a second run (unseeded?)"
