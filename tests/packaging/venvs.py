"""Clean virtual environments for the packaging and Colab tests: they hold only what we install."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from harness import ROOT

# What `import dlutils` needs (pyproject's dependencies), and what Colab has preinstalled besides.
CORE = ("torch", "numpy", "matplotlib", "scikit-learn", "tqdm")
COLAB_PREINSTALLED = (*CORE, "ipykernel")
# The files the distribution is built from. Building a copy leaves no build/ or *.egg-info behind
# in the checkout.
SOURCES = ("pyproject.toml", "README.md", "dlutils")


def pinned(names) -> list[str]:
    """``name==version`` from requirements.txt: the versions the course uses, so nothing new (such
    as a CUDA build of torch) is downloaded."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, flags=re.MULTILINE))
    return [f"{name}=={pins[name]}" for name in names]


def clean_env() -> dict[str, str]:
    """This process's environment, without what would add our packages to another Python."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def make_venv(path: Path, requirements: list[str]) -> Path:
    """A new virtual environment at ``path`` with ``requirements``; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    python = path / "bin" / "python"
    # --no-compile: byte-compiling all of torch doubles the install time; Python compiles what
    # it imports anyway.
    pip_install(python, "--no-compile", *requirements)
    return python


def pip_install(python: Path, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        check=True,
        env=clean_env(),
    )


def copy_sources(target: Path) -> Path:
    """A copy of the package's sources, as `pip install git+...` would see them."""
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / name, target / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, target / name)
    return target
