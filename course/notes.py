"""The study notes the course follows, as a list of sections, for the notes map's coverage test.

The notes live outside the repository (``../shared/notes`` from its root; ``COURSE_NOTES``
overrides the folder). Four are Markdown, where a section is a heading outside code fences; one
is a Logseq outline without headings, where a section is a bullet at the top two levels.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .toc import ROOT

_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_BULLET = re.compile(r"^(\t?)- (\S.*)$")


def notes_folder() -> Path:
    return Path(os.environ.get("COURSE_NOTES", ROOT.parent / "shared" / "notes"))


def sections(path: Path) -> list[str]:
    """The section headings of one note, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    headings, in_code = [], False
    for line in lines:
        if line.strip().startswith("```"):
            in_code = not in_code
        elif not in_code and (match := _HEADING.match(line)):
            headings.append(match.group(2))
    if headings:
        return headings
    bullets = (_BULLET.match(line) for line in lines)
    return [m.group(2).strip() for m in bullets if m and not m.group(2).startswith("![")]


def all_sections(folder: Path | None = None) -> dict[str, list[str]]:
    """Each note's file name with its section headings."""
    folder = folder or notes_folder()
    return {path.name: sections(path) for path in sorted(folder.glob("*.txt"))}
