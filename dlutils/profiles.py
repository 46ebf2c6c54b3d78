"""Run profiles: one notebook, three sizes.

Every chapter has a ``profile`` parameter:

* ``"fast"``: what CI runs, at most 20 s on a 2-core CPU; small data, few epochs.
* ``"default"``: what the website shows and a laptop runs in about a minute.
* ``"full"``: bigger data and longer training for a GPU or Colab; may download data sets.
"""

from __future__ import annotations

from typing import TypeVar

#: The three profile names, from smallest to largest.
PROFILES = ("fast", "default", "full")

T = TypeVar("T")


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is one of :data:`PROFILES`, else raise a helpful error."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    return profile


def pick(profile: str, *, fast: T, default: T, full: T) -> T:
    """The value that belongs to ``profile``, e.g. ``epochs = pick(profile, fast=3, default=20, full=60)``."""
    return {"fast": fast, "default": default, "full": full}[check_profile(profile)]
