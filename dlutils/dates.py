"""Date-format translation: a small, real sequence-to-sequence task that needs no download.

A date written out by Babel in some language and format (``"samedi 21 mars 1987"``,
``"Mar 21, 1987"``, ``"Samstag, 21. März 1987"``) is the source; the same date in ISO form
(``"1987-03-21"``) is the target. The attention chapters translate one into the other character by
character. :func:`date_splits` draws distinct dates, so the training, validation and test sets
never share a date, and the whole thing is a function of the seed.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence

from .extras import require

LOCALES = ("en", "fr", "de", "es", "it")
FORMATS = ("full", "long", "medium")
FIRST, LAST = datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)


def format_pair(
    day: datetime.date, locale: str = "en", fmt: str = "long"
) -> tuple[str, str]:
    """The pair (``day`` written in ``locale`` with Babel's ``fmt`` format, ``day`` in ISO form)."""
    if not isinstance(day, datetime.date):
        raise TypeError(f"day must be a datetime.date, got {type(day).__name__}")
    if fmt not in ("full", "long", "medium", "short"):
        raise ValueError(f"fmt must be 'full', 'long', 'medium' or 'short', got {fmt!r}")
    babel_dates = require("babel.dates", "dlutils.dates")  # an extra, imported when used
    return babel_dates.format_date(day, format=fmt, locale=locale), day.isoformat()


def _check_choices(name: str, values: Sequence[str], allowed: Sequence[str]) -> None:
    if isinstance(values, str) or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty list such as {list(allowed)!r}, got {values!r}")
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {name} {unknown}; choose from {list(allowed)}")


def date_splits(
    n_train: int,
    n_valid: int,
    n_test: int,
    *,
    locales: Sequence[str] = LOCALES,
    formats: Sequence[str] = FORMATS,
    first: datetime.date = FIRST,
    last: datetime.date = LAST,
    seed: int = 0,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """Training, validation and test pairs ``(written date, ISO date)`` with no date in common.

    Distinct days between ``first`` and ``last`` are drawn at random; each is written in a locale
    and a format drawn at random from ``locales`` and ``formats``. The same arguments always give
    the same pairs.
    """
    sizes = (n_train, n_valid, n_test)
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in sizes):
        raise ValueError(f"split sizes must be non-negative integers, got {sizes}")
    _check_choices("locales", locales, LOCALES)
    _check_choices("formats", formats, ("full", "long", "medium", "short"))
    span = (last - first).days + 1
    if span < sum(sizes):
        raise ValueError(
            f"asked for {sum(sizes)} distinct dates but only {span} lie between {first} and {last}"
        )
    rng = random.Random(seed)
    offsets = rng.sample(range(span), sum(sizes))
    pairs = []
    for offset in offsets:
        day = first + datetime.timedelta(days=offset)
        pairs.append(format_pair(day, rng.choice(list(locales)), rng.choice(list(formats))))
    return (
        pairs[:n_train],
        pairs[n_train : n_train + n_valid],
        pairs[n_train + n_valid :],
    )
