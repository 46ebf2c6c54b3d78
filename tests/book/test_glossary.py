"""The glossary gives every term its Chinese name and the chapter that teaches it."""

from __future__ import annotations

import re

from harness import ROOT

GLOSSARY = ROOT / "book" / "appendices" / "glossary.md"


def entries() -> dict[str, str]:
    """Map each glossary entry (its terms, joined by ' / ') to its definition text."""
    block = re.search(
        r"```\{glossary\}\n(.*?)\n```", GLOSSARY.read_text(encoding="utf-8"), re.S
    ).group(1)
    found, terms, definition = {}, [], []
    for line in block.splitlines():
        if line.startswith(":") or not line.strip():
            continue
        if not line.startswith(" "):
            if definition:
                found[" / ".join(terms)] = " ".join(definition)
                terms, definition = [], []
            terms.append(line.strip())
        else:
            definition.append(line.strip())
    found[" / ".join(terms)] = " ".join(definition)
    return found


def test_glossary_has_entries():
    assert len(entries()) >= 10


def test_every_entry_has_a_chinese_name_a_definition_and_a_chapter():
    for term, definition in entries().items():
        assert re.match(r"\*\*[^*]*[\u4e00-\u9fff][^*]*\*\*\.", definition), (
            f"{term}: start with its Chinese name in bold"
        )
        assert len(definition.split()) >= 8, f"{term}: give a one-line definition"
        pages = re.findall(r"\{doc\}`([^`]+)`", definition)
        assert pages, f"{term}: link the chapter that teaches it with {{doc}}"
        for page in pages:
            target = (GLOSSARY.parent / page).resolve()
            assert target.with_suffix(".md").exists(), f"{term}: {page} does not exist"
