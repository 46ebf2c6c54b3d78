"""The website, built exactly as the README's first command builds it, from an empty cache.

The strict build (-W -n --keep-going, raise_on_error) executes every chapter with its `default`
profile; this test then checks the pages exist with their executed outputs, and records how long
each chapter took against its 60 s budget.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BUDGET_S, BUDGET_TOLERANCE, ROOT, chapter_id, chapters, toc_files
from jupyter_cache import get_cache


@pytest.mark.book
def test_every_page_in_the_toc_is_built(built_book):
    for name in toc_files():
        assert (built_book / "html" / f"{name}.html").exists(), f"{name} has no page"


@pytest.mark.book
@pytest.mark.parametrize("md_path", chapters(), ids=chapter_id)
def test_chapter_page_shows_executed_outputs_and_default_profile_is_within_budget(
    built_book, md_path, record_time
):
    html = (
        built_book / "html" / md_path.relative_to(ROOT).with_suffix(".html")
    ).read_text(encoding="utf-8")
    assert "cell_output" in html, "the page has no executed outputs"
    assert "<img" in html, "the page has no figures"
    assert "Traceback" not in html

    records = {
        Path(r.uri).resolve(): r
        for r in get_cache(built_book / ".jupyter_cache").list_cache_records()
    }
    seconds = records[md_path.resolve()].data["execution_seconds"]
    record_time(chapter_id(md_path), "default", seconds)
    limit = BUDGET_S["default"] * BUDGET_TOLERANCE
    assert seconds <= limit, (
        f"the default profile took {seconds:.1f} s; the budget is {BUDGET_S['default']:.0f} s"
    )


@pytest.mark.book
def test_run_times_page_lists_every_chapter(built_book):
    html = (built_book / "html" / "book" / "appendices" / "run-times.html").read_text(
        encoding="utf-8"
    )
    for md_path in chapters():
        assert md_path.relative_to(ROOT).with_suffix("").as_posix() in html


@pytest.mark.book
def test_landing_page_shows_a_result_and_run_time_for_every_chapter(built_book):
    html = (built_book / "html" / "book" / "intro.html").read_text(encoding="utf-8")
    start = html.index("course-results")
    table = html[start : html.index("</table>", start)]
    rows = table.split("<tr")[2:]  # skip the header row
    for md_path in chapters():
        link = md_path.relative_to(ROOT / "book").with_suffix(".html").as_posix()
        mine = [row for row in rows if link in row]
        assert mine, f"the results table has no row for {chapter_id(md_path)}"
        for row in mine:
            cells = [c.split("</td>")[0] for c in row.split("<td")[1:]]
            assert len(cells) == 6, row
            assert any(ch.isdigit() for ch in cells[4]) and any(
                ch.isdigit() for ch in cells[5]
            )
