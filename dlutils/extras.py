"""Packages that only some chapters need, imported by the function that uses them.

``import dlutils`` needs only torch, numpy, matplotlib, scikit-learn and tqdm; the chapters' data
sets and references (Babel, names, Faker, ...) come with the extra ``dlcourse-utils[chapters]``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL = 'pip install "dlcourse-utils[chapters]"'


def require(module: str, needed_by: str) -> ModuleType:
    """Import ``module``, or say which extra to install when it is missing."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        raise ImportError(
            f"{needed_by} needs the package {module.split('.')[0]!r}, "
            f"which comes with the course's extra: {INSTALL}"
        ) from error
