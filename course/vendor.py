"""Vendor MathJax into the website, so that a downloaded copy of the site renders maths offline.

The files come from MathJax's npm package (the registry tarball, checked against its SHA-256) and
are unpacked into ``book/_vendor/mathjax``. ``_config.yml`` serves ``book/_vendor`` with
``html_extra_path`` (so the files land at the root of the site, not under ``_static``, where
Jupyter Book would add every script to every page) and points ``mathjax_path`` at it.
``make install`` runs this once; it does nothing when the right version is already there.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from dlutils.archives import extract_archive
from dlutils.downloads import download

from .toc import ROOT

MATHJAX_VERSION = "3.2.2"
MATHJAX_URL = f"https://registry.npmjs.org/mathjax/-/mathjax-{MATHJAX_VERSION}.tgz"
MATHJAX_SHA256 = "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"
VENDOR_DIR = ROOT / "book" / "_vendor"
# The page loads tex-mml-chtml.js; MathJax then fetches its fonts, the TeX extensions a page
# asks for, and the menu and accessibility components on demand. Everything else (the SVG
# output, the other bundles, the speech rule engine) is left out to keep the site small.
MATHJAX_KEEP = (
    "tex-mml-chtml.js",
    "output/chtml",
    "input/tex/extensions",
    "input/mml",
    "ui",
    "a11y",
    "adaptors",
    "sre",
)


def vendor_mathjax(target: Path = VENDOR_DIR / "mathjax") -> Path:
    """Put MathJax's ``es5`` files under ``target`` (default ``book/_vendor/mathjax``)."""
    marker = target / "VERSION"
    if marker.is_file() and marker.read_text().strip() == MATHJAX_VERSION:
        return target
    with tempfile.TemporaryDirectory() as tmp:
        tarball = download(
            MATHJAX_URL, MATHJAX_SHA256, f"mathjax-{MATHJAX_VERSION}.tgz", folder=tmp
        )
        unpacked = extract_archive(tarball, Path(tmp) / "unpacked") / "package"
        staging = Path(tmp) / "mathjax"
        for relative in MATHJAX_KEEP:
            source = unpacked / "es5" / relative
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            copy = shutil.copytree if source.is_dir() else shutil.copy2
            copy(source, destination)
        shutil.copy2(unpacked / "LICENSE", staging / "LICENSE")
        (staging / "VERSION").write_text(MATHJAX_VERSION + "\n")
        # Replace the old copy only once the new one is complete.
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staging), target)
    return target
