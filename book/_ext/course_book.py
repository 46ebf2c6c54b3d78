"""Sphinx extension: settings the book build needs in the kernels that execute the chapters.

Kernels inherit the environment of the build, so setting ``DLUTILS_DISPLAY`` here makes every
``dlutils.fit`` call on the website print one line per epoch and draw one final figure, instead of a
progress bar (stderr, which the strict build rejects) and live plots. It applies however the book
is built: ``make book`` or a plain ``jupyter-book build .``.
"""

import os


def setup(app):
    os.environ["DLUTILS_DISPLAY"] = "static"
    return {"parallel_read_safe": True, "parallel_write_safe": True}
