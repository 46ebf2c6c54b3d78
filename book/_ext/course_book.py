"""Sphinx extension: what the book build adds to Jupyter Book.

* Kernels inherit the environment of the build, so setting ``DLUTILS_DISPLAY`` here makes every
  ``dlutils.fit`` call on the website print one line per epoch and draw one final figure, instead
  of a progress bar (stderr, which the strict build rejects) and live plots.
* Before each page is read (and its notebook executed), ``DLUTILS_RESULTS_FILE`` names a file for
  that chapter, where ``dlutils.record_result`` stores the chapter's headline results.
* The ``course-results`` directive becomes the "results at a glance" table: one row per recorded
  result, in the order of the table of contents, with the chapter's measured run time. A chapter
  notebook that records no result is a warning, which fails the strict build.

It applies however the book is built: ``make book`` or a plain ``jupyter-book build .``.
"""

from __future__ import annotations

import os
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from dlutils.results import read_results

logger = logging.getLogger(__name__)


class results_table(nodes.General, nodes.Element):
    """Placeholder, replaced by the table once every chapter has executed."""


class ResultsDirective(SphinxDirective):
    has_content = False

    def run(self):
        return [results_table()]


def results_folder(app) -> Path:
    # Beside the HTML folder, like the execution cache, so both go away together.
    return Path(app.outdir).parent / "results"


def results_file(app, docname: str) -> Path:
    return results_folder(app) / (docname.replace("/", "__") + ".json")


def name_results_file(app, docname, source):
    os.environ["DLUTILS_RESULTS_FILE"] = str(results_file(app, docname))


def pages_in_toc_order(env) -> list[str]:
    order, stack = [], [env.config.root_doc]
    while stack:
        docname = stack.pop()
        if docname in order:
            continue
        order.append(docname)
        stack.extend(reversed(env.toctree_includes.get(docname, [])))
    return order


def execution_data(env) -> dict:
    # myst-nb keeps each executed notebook's run time here (it also feeds {nb-exec-table}).
    return {
        docname: data["exec_data"]
        for docname, data in getattr(env, "nb_metadata", {}).items()
        if data.get("exec_data")
    }


def refresh_landing_page(app, env):
    # The table depends on every chapter: rewrite the pages that show it on every build.
    return [
        docname
        for docname in env.found_docs
        if "course-results" in _source(env, docname)
    ]


def _source(env, docname: str) -> str:
    try:
        return Path(env.doc2path(docname)).read_text(encoding="utf-8")
    except OSError:
        return ""


def _cell(*children) -> nodes.entry:
    paragraph = nodes.paragraph()
    paragraph.extend(children)
    return nodes.entry("", paragraph)


def build_table(app, fromdocname: str) -> nodes.table:
    headers = ["Chapter", "Model", "Data", "Metric", "Value", "Run time (s)"]
    table = nodes.table(classes=["course-results"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in headers)
    head, body = nodes.thead(), nodes.tbody()
    group += head
    group += body
    head += nodes.row("", *(_cell(nodes.Text(h)) for h in headers))

    executed = execution_data(app.env)
    for docname in pages_in_toc_order(app.env):
        if docname not in executed:
            continue  # not a notebook
        records = read_results(results_file(app, docname))
        if not records:
            logger.warning(
                f"{docname} records no result for the landing page; call "
                "dl.record_result(model, data, metric, value) after its main result",
                location=docname,
            )
            continue
        runtime = executed[docname].get("runtime")
        title = app.env.titles[docname].astext()
        for record in records:
            link = nodes.reference(
                "",
                title,
                internal=True,
                refuri=app.builder.get_relative_uri(fromdocname, docname),
            )
            row = [
                _cell(link),
                _cell(nodes.Text(record["model"])),
                _cell(nodes.Text(record["data"])),
                _cell(nodes.Text(record["metric"])),
                _cell(nodes.Text(format_value(record["value"]))),
                _cell(nodes.Text("–" if runtime is None else f"{runtime:.0f}")),
            ]
            body += nodes.row("", *row)
    return table


def format_value(value: float) -> str:
    """Three decimals for fractions (0.950, 1.000), three significant digits otherwise."""
    if 0.01 <= abs(value) <= 1:
        return f"{value:.3f}"
    return f"{value:.3g}"


def fill_results_tables(app, doctree, fromdocname):
    for placeholder in doctree.findall(results_table):
        placeholder.replace_self(build_table(app, fromdocname))


# pydata-sphinx-theme reads the colour mode from localStorage; on a first visit it finds "" and
# logs a console error before falling back to "auto". Start from "auto" instead.
FIRST_VISIT_MODE = 'if (!document.documentElement.dataset.mode) { document.documentElement.dataset.mode = "auto"; }'


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    # Jupyter Book registers sphinx-thebe's inline configuration twice; the second copy
    # redeclares a constant and is a JavaScript error on every page.
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # The same inline script may come with filename None or "": compare what the page gets.
        attributes = getattr(script, "attributes", {})
        key = (
            getattr(script, "filename", script) or "",
            tuple(sorted(attributes.items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"][:] = (
        unique  # in place: later handlers (MathJax) append to it
    )


def add_static_files(app):
    app.config.html_static_path.append(str(Path(__file__).parent / "static"))


def setup(app):
    os.environ["DLUTILS_DISPLAY"] = "static"
    app.connect("builder-inited", add_static_files)
    app.add_css_file("course.css")
    app.add_node(results_table)
    app.add_directive("course-results", ResultsDirective)
    app.connect("source-read", name_results_file)
    app.connect("env-updated", refresh_landing_page)
    app.connect("doctree-resolved", fill_results_tables)
    app.connect(
        "html-page-context", drop_duplicate_scripts, priority=100
    )  # before any handler that ends the event
    app.add_js_file(None, body=FIRST_VISIT_MODE, priority=1)
    # The results file is named through an environment variable per page: read pages one by one.
    return {"parallel_read_safe": False, "parallel_write_safe": True}
