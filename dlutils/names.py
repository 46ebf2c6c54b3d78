"""Real name lists that ship with installed packages, for the character-level sequence chapters.

* :func:`load_us_surnames`: the 88,799 surnames of the 1990 US census, bundled with the ``names``
  package (public-domain data), most frequent first.
* :func:`load_surname_origins`: surnames labelled with the language whose name list they come
  from, read from Faker's per-locale name providers; a surname that appears in the lists of two
  locales is left out, so every label is unambiguous.

Both read files of installed packages only: no network.
"""

from __future__ import annotations

import importlib
import unicodedata
from pathlib import Path

from .extras import require

#: Faker locales with Latin-script surname lists of at least 100 entries, and the language each
#: stands for.
SURNAME_LOCALES = {
    "cs_CZ": "Czech",
    "de_DE": "German",
    "en_US": "English",
    "es_ES": "Spanish",
    "et_EE": "Estonian",
    "fi_FI": "Finnish",
    "fr_FR": "French",
    "ga_IE": "Irish",
    "hr_HR": "Croatian",
    "hu_HU": "Hungarian",
    "it_IT": "Italian",
    "nl_NL": "Dutch",
    "sk_SK": "Slovak",
    "sl_SI": "Slovenian",
    "sv_SE": "Swedish",
}


def load_us_surnames() -> list[str]:
    """The surnames of the ``names`` package (US census 1990), lower-case, most frequent first."""
    names = require("names", "load_us_surnames")
    path = Path(names.__file__).parent / "dist.all.last"
    with open(path, encoding="ascii") as file:
        return [line.split()[0].lower() for line in file if line.strip()]


def _locale_surnames(locale: str) -> set[str]:
    require("faker", "load_surname_origins")
    try:
        module = importlib.import_module(f"faker.providers.person.{locale}")
    except ImportError as error:
        raise ValueError(
            f"Faker has no person provider for locale {locale!r}"
        ) from error
    provider = module.Provider
    found: set[str] = set()
    for attribute in dir(provider):
        if attribute.startswith("last_names"):
            found.update(getattr(provider, attribute))
    if not found:
        raise ValueError(f"Faker's {locale!r} provider has no surname list")
    return {unicodedata.normalize("NFC", name.strip()) for name in found if name.strip()}


def load_surname_origins(
    locales: dict[str, str] | None = None,
) -> tuple[list[str], list[int], list[str]]:
    """Surnames that occur in exactly one locale's list, with that locale as the label.

    Returns ``(surnames, labels, languages)``: ``labels[i]`` indexes ``languages``. The surnames
    are sorted by label, then alphabetically, so the result never depends on Faker's version of
    random state; shuffle and split it yourself. ``locales`` maps Faker locale codes to the
    names of their languages and defaults to :data:`SURNAME_LOCALES`.
    """
    locales = dict(SURNAME_LOCALES if locales is None else locales)
    if len(locales) < 2:
        raise ValueError(f"need at least two locales to tell apart, got {list(locales)}")
    per_locale = {code: _locale_surnames(code) for code in sorted(locales)}
    seen_in: dict[str, int] = {}
    for surnames in per_locale.values():
        for name in surnames:
            seen_in[name] = seen_in.get(name, 0) + 1
    languages = [locales[code] for code in sorted(locales)]
    surnames_out: list[str] = []
    labels: list[int] = []
    for label, code in enumerate(sorted(locales)):
        unique = sorted(n for n in per_locale[code] if seen_in[n] == 1)
        surnames_out += unique
        labels += [label] * len(unique)
    return surnames_out, labels, languages
