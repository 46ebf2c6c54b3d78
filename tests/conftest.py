"""Shared pytest options and the notebook timing report."""

from __future__ import annotations

import json

import pytest
from harness import BUDGET_S, BUDGET_TOLERANCE, ROOT

REPORT = ROOT / "_build" / "reports" / "notebook-times.json"
_times: list[dict] = []


def pytest_addoption(parser):
    parser.addoption(
        "--update-expected",
        action="store_true",
        help="store the current outputs of cells tagged nbval-check-output as the expected ones",
    )


@pytest.fixture(scope="session")
def update_expected(request) -> bool:
    return request.config.getoption("--update-expected")


@pytest.fixture(scope="session")
def record_time():
    """Tests call this with (chapter, profile, seconds); the run ends with a table of them."""

    def record(chapter: str, profile: str, seconds: float) -> None:
        _times.append(
            {
                "chapter": chapter,
                "profile": profile,
                "seconds": round(seconds, 1),
                "budget": BUDGET_S[profile],
            }
        )

    return record


def pytest_terminal_summary(terminalreporter):
    if not _times:
        return
    rows = sorted(_times, key=lambda t: (t["chapter"], t["profile"]))
    table = [
        "| notebook | profile | wall time (s) | budget (s) | verdict |",
        "| --- | --- | --- | --- | --- |",
    ]
    terminalreporter.section("notebook wall times (2-core CPU budgets: fast 20 s, default 60 s)")
    for t in rows:
        verdict = "ok" if t["seconds"] <= t["budget"] else "OVER BUDGET"
        if t["seconds"] > t["budget"] * BUDGET_TOLERANCE:
            verdict = "FAILED (over 1.5x budget)"
        table.append(
            f"| {t['chapter']} | {t['profile']} | {t['seconds']:.1f} | {t['budget']:.0f} | {verdict} |"
        )
        terminalreporter.write_line(
            f"{t['chapter']:<32} {t['profile']:<8} {t['seconds']:>6.1f} s / {t['budget']:>4.0f} s  {verdict}"
        )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    REPORT.with_suffix(".md").write_text(
        "# Notebook wall times\n\nMeasured by `make test` on this machine.\n\n"
        + "\n".join(table)
        + "\n",
        encoding="utf-8",
    )
    terminalreporter.write_line(
        f"(written to {REPORT.relative_to(ROOT)} and {REPORT.with_suffix('.md').name})"
    )
