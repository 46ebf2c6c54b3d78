"""A chapter's headline results, for the "results at a glance" table on the book's landing page.

A chapter calls :func:`record_result` once per result worth a line in that table. During the book
build, ``book/_ext/course_book.py`` names a file for each chapter in ``DLUTILS_RESULTS_FILE``;
the record is added there and the landing page gathers them. Anywhere else (a laptop, Colab, the
tests) nothing is written and the function just returns the record.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

RESULTS_ENV = "DLUTILS_RESULTS_FILE"


def record_result(model: str, data: str, metric: str, value: float) -> dict:
    """Record that ``model`` reached ``value`` of ``metric`` on ``data``, e.g.
    ``record_result("MLP 64-64-10", "digits (test split)", "accuracy", 0.967)``.

    A second record with the same model, data and metric replaces the first, so re-running a
    chapter does not add duplicate lines.
    """
    for name, text in (("model", model), ("data", data), ("metric", metric)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{name} must be a non-empty string, got {text!r}")
    if isinstance(value, (bool, str, bytes)):
        raise TypeError(f"value must be a number, got {value!r}")
    if not isinstance(value, (int, float)):
        # A 0-d tensor or NumPy number: take its Python value (a tensor with many values fails).
        try:
            value = float(value)
        except (TypeError, ValueError) as error:
            raise TypeError(f"value must be a number, got {value!r}") from error
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value}")
    record = {"model": model, "data": data, "metric": metric, "value": float(value)}
    path = os.environ.get(RESULTS_ENV)
    if path:
        _store(Path(path), record)
    return record


def read_results(path: str | os.PathLike) -> list[dict]:
    """The records in a results file, in the order they were first recorded ([] if none)."""
    path = Path(path)
    if not path.exists():
        return []
    records = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(records, list):
        raise ValueError(
            f"{path} does not hold a list of results; delete it and rebuild"
        )
    return records


def _store(path: Path, record: dict) -> None:
    records = read_results(path)
    keys = [(r["model"], r["data"], r["metric"]) for r in records]
    key = (record["model"], record["data"], record["metric"])
    if key in keys:
        records[keys.index(key)] = record
    else:
        records.append(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(
        json.dumps(records, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    os.replace(temporary, path)  # a half-written file never replaces a good one
