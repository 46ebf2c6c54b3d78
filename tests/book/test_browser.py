"""The built website in a real browser: Debian's chromium, headless, driven by Playwright.

The site is served from a local HTTP server on the loopback interface, and every request that
leaves it is refused and reported, so these checks also prove the site works offline. For every
page in the table of contents: maths rendered by the site's own MathJax, every image loaded, no
console errors, no horizontal overflow on a phone-width screen; for every chapter, the Colab link
and the download link point at notebooks that exist. Screenshots of the landing page and one
chapter are kept in ``_build/screenshots`` (CI artefacts).
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from urllib.parse import urlparse

import pytest
import yaml
from harness import ROOT, chapters, toc_files

SCREENSHOTS = ROOT / "_build" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHAPTER_PAGES = {p.relative_to(ROOT).with_suffix("").as_posix() for p in chapters()}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output readable
        pass


@pytest.fixture(scope="module")
def site(built_book):
    """The built site on http://127.0.0.1:<free port>/."""
    handler = functools.partial(QuietHandler, directory=str(built_book / "html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "Debian's chromium is needed for the browser test; `make test` installs it "
            "(apt-get install chromium)"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


def open_page(browser, site: str, page_name: str, viewport: dict):
    """Load a page; return it with the console errors and the refused outside requests."""
    context = browser.new_context(viewport=viewport)
    problems: list[str] = []

    def only_loopback(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            problems.append(f"request outside the site: {route.request.url}")
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.on(
        "console", lambda m: m.type == "error" and problems.append(f"console: {m.text}")
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda r: problems.append(f"failed to load: {r.url}"))
    response = page.goto(site + page_name + ".html", wait_until="load")
    assert response is not None and response.ok, f"{page_name}.html did not load"
    page.wait_for_load_state("networkidle")
    return page, problems


def wait_for_maths(page) -> None:
    """Wait until MathJax has typeset every maths element Sphinx wrote (or fail after 20 s)."""
    page.wait_for_function(
        """() => {
            const maths = document.querySelectorAll('.math');
            return Array.from(maths).every(m => m.querySelector('mjx-container'));
        }""",
        timeout=20_000,
    )


def untypeset_maths(page) -> list[str]:
    return page.evaluate(
        """() => {
            const raw = Array.from(document.querySelectorAll('.math'))
                .filter(m => !m.querySelector('mjx-container'))
                .map(m => m.textContent.trim().slice(0, 60));
            // Dollar signs left in the prose (outside code) mean maths the parser missed.
            const main = document.querySelector('main') || document.body;
            const prose = Array.from(main.querySelectorAll('p, li, td, h1, h2, h3'))
                .filter(e => !e.closest('pre, code, .cell_output'))
                .map(e => e.textContent)
                .filter(t => t.includes('$$') || /\\$[^$\\s][^$]*\\$/.test(t));
            return raw.concat(prose.map(t => 'raw dollars: ' + t.trim().slice(0, 60)));
        }"""
    )


def broken_images(page) -> list[str]:
    page.evaluate(
        "document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })"
    )
    page.wait_for_function(
        "Array.from(document.images).every(i => i.complete)", timeout=20_000
    )
    return page.evaluate(
        "Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.src)"
    )


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when nothing sticks out)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


@pytest.mark.book
@pytest.mark.parametrize("page_name", toc_files())
def test_page_renders_maths_and_images_without_errors(browser, site, page_name):
    page, problems = open_page(browser, site, page_name, DESKTOP)
    try:
        wait_for_maths(page)
        assert not untypeset_maths(page), untypeset_maths(page)
        if page.evaluate("document.querySelectorAll('.math').length"):
            # Sphinx adds MathJax only to pages with maths; there it must have loaded.
            assert page.evaluate("typeof MathJax") == "object"
        assert not broken_images(page), (
            f"images that did not load: {broken_images(page)}"
        )
        assert not problems, "\n".join(problems)
    finally:
        page.context.close()


@pytest.mark.book
@pytest.mark.parametrize("page_name", toc_files())
def test_page_fits_a_phone_screen(browser, site, page_name):
    page, problems = open_page(browser, site, page_name, PHONE)
    try:
        wait_for_maths(page)
        overflow = horizontal_overflow(page)
        if page_name in ("book/intro", "book/foundations/mlp"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = page_name.replace("/", "-")
            page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
            page.set_viewport_size(DESKTOP)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"))
        assert overflow <= 1, (
            f"the page is {overflow} px wider than a {PHONE['width']} px screen"
        )
        assert not problems, "\n".join(problems)
    finally:
        page.context.close()


def repository() -> tuple[str, str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))[
        "repository"
    ]
    return config["url"].rstrip("/"), config["branch"]


@pytest.mark.book
@pytest.mark.parametrize(
    "page_name", sorted(CHAPTER_PAGES), ids=lambda p: p.split("/", 1)[1]
)
def test_colab_and_download_links_point_at_notebooks_that_exist(
    browser, site, page_name
):
    page, _ = open_page(browser, site, page_name, DESKTOP)
    try:
        links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
        colab = [link for link in links if "colab.research.google.com" in link]
        assert colab, "no Colab button"
        url, branch = repository()
        expected = f"/github/{urlparse(url).path.strip('/')}/blob/{branch}/"
        for link in colab:
            path = urlparse(link).path
            assert path.startswith(expected), f"{link} does not open {url} at {branch}"
            notebook = ROOT / path.removeprefix(expected)
            assert notebook.suffix == ".ipynb" and notebook.is_file(), (
                f"{link}: no {notebook}"
            )

        downloads = [
            link for link in links if link.startswith(site) and link.endswith(".ipynb")
        ]
        assert downloads, "no download link for the notebook"
        for link in downloads:
            response = page.request.get(link)
            assert response.ok, f"{link} answers {response.status}"
            notebook = json.loads(response.body())
            assert notebook["nbformat"] == 4 and notebook["cells"], (
                f"{link} is not a notebook"
            )
    finally:
        page.context.close()
