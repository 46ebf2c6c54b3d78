"""Which chapters the book has: read from ``_toc.yml``, the one list that everything follows."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def is_notebook(path: Path) -> bool:
    """A MyST Markdown file is a notebook when its front matter names a kernel."""
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "kernelspec:" in head and "jupytext:" in head


def _source(root: Path, name: str) -> Path:
    # A toc entry may be written with or without its ".md" suffix.
    return root / (name if name.endswith(".md") else f"{name}.md")


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every page named in the table of contents, in order, as written there."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def chapters(root: Path = ROOT) -> list[Path]:
    """The notebooks listed in ``_toc.yml``: adding a line there is all it takes."""
    paths = [_source(root, name) for name in toc_files(root / "_toc.yml")]
    return [p for p in paths if p.exists() and is_notebook(p)]


def first_chapter_of_each_part(root: Path = ROOT) -> list[Path]:
    """One notebook per part of the book (the first listed)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    notebooks = set(chapters(root))
    firsts = []
    for part in toc.get("parts", []):
        for entry in part.get("chapters", []):
            path = _source(root, entry.get("file", ""))
            if path in notebooks:
                firsts.append(path)
                break
    return firsts


def chapter_id(path: Path, root: Path = ROOT) -> str:
    """``book/foundations/mlp.md`` → ``foundations/mlp``."""
    return path.resolve().relative_to(root).with_suffix("").as_posix().removeprefix("book/")


def chapter_source(chapter: str, root: Path = ROOT) -> Path:
    """``foundations/mlp`` → the path of its MyST source, checked against the table of contents."""
    for path in chapters(root):
        if chapter_id(path, root) == chapter:
            return path
    known = ", ".join(chapter_id(p, root) for p in chapters(root))
    raise ValueError(f"no chapter {chapter!r} in _toc.yml; the chapters are: {known}")
