"""The notes map lists every section of every study note, in order, each with where it is taught.

The notes live outside the repository (see course/notes.py); without them the coverage check is
skipped and only the page's own structure is checked.
"""

from __future__ import annotations

import re

import pytest
from harness import ROOT

from course.notes import all_sections, notes_folder

NOTES_MAP = ROOT / "book" / "notes-map.md"
_ROW = re.compile(r"^\|(.*)\|(.*)\|\s*$")


def rows_by_note() -> dict[str, list[tuple[str, str]]]:
    """Each ``## `<note file>` …`` heading with the (section, where) rows of its table."""
    notes: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in NOTES_MAP.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## `([^`]+\.txt)`", line)
        if heading:
            current = notes.setdefault(heading.group(1), [])
        elif current is not None and (row := _ROW.match(line)):
            section, where = (cell.strip() for cell in row.groups())
            if section and not set(section) <= set("-: ") and section != "Section of the note":
                current.append((section.replace(r"\|", "|"), where))
    return notes


def test_every_row_says_where_the_section_is_taught_or_why_not():
    notes = rows_by_note()
    assert len(notes) >= 5, "the map covers fewer than five notes"
    for note, rows in notes.items():
        assert rows, f"{note} has no rows"
        for section, where in rows:
            linked = "{doc}" in where or re.search(r"\]\([^)]+\.md(#[^)]*)?\)", where)
            assert linked or where.startswith("Not covered:"), (
                f"{note}, section {section!r}: give a chapter link or 'Not covered: <reason>'"
            )


def test_every_section_of_every_note_is_listed_in_order():
    if not notes_folder().is_dir():
        pytest.skip(f"the study notes are not at {notes_folder()} (set COURSE_NOTES)")
    listed = rows_by_note()
    for note, sections in all_sections().items():
        assert note in listed, f"{note} is missing from the notes map"
        assert [s for s, _ in listed[note]] == sections, f"{note}: sections differ from the note"
