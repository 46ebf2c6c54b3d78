"""The repository's own tooling, for maintainers and instructors (students never need it).

* :mod:`course.toc` reads ``_toc.yml``: which chapters exist, and where their sources are.
* :mod:`course.assignments` builds, from a chapter's MyST source, the student notebook, the
  instructor notebook and the grading bundle (hidden tests and points).
* :mod:`course.grading` runs submitted notebooks in fresh kernels with a time limit, adds the
  hidden tests, and writes Gradescope-style ``results.json`` files and a summary CSV.

The assignment tools read only the cell tags and metadata described in CONTRIBUTING.md (``stub``,
``solution``, ``check``, ``hidden-test``, and the metadata keys ``exercise`` and ``points``); no
chapter needs code of its own. Command line: ``python -m course --help``.
"""
