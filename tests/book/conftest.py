"""The website, built once per test session exactly as the README's first command builds it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness import ROOT

from course.vendor import vendor_mathjax

OUTPUT = (
    ROOT / "_build" / "test-book"
)  # kept after the run, so a failure can be inspected


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Strict build (-W -n --keep-going, raise_on_error) from an empty cache: every chapter runs."""
    vendor_mathjax()  # `make test` has done this already; a no-op then
    shutil.rmtree(OUTPUT, ignore_errors=True)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", str(ROOT), "--path-output", str(OUTPUT)]
    result = subprocess.run(
        [*command, "-W", "-n", "--keep-going"], capture_output=True, text=True
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, "the strict book build failed:\n" + log[-6000:]
    return OUTPUT / "_build"
