"""Every chapter runs as in Colab: from its first cell, in an environment that has only what Colab
has preinstalled, so that the Colab cell itself installs the course's package and its extras.

The package is installed from a copy of this checkout (``DLCOURSE_SOURCE``) instead of GitHub. The
chapters run from their ``.ipynb`` twins, which are what Colab opens.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import papermill
import pytest
from harness import chapter_id, chapters, twin_path, twin_problems
from venvs import COLAB_PREINSTALLED, clean_env, make_venv, pinned

CHAPTERS = chapters()
CELL_TIMEOUT_S = 600  # the first chapter's Colab cell installs the extras


@dataclass
class Colab:
    python: Path  # the environment's interpreter
    kernel: str  # the name of its Jupyter kernel
    jupyter_path: Path  # where that kernel's spec lies
    source: Path  # what DLCOURSE_SOURCE points at


@pytest.fixture(scope="session")
def colab(tmp_path_factory, package_source) -> Colab:
    """A clean environment with Colab's preinstalled packages (the course's versions as stand-ins)
    and a Jupyter kernel that runs in it."""
    root = tmp_path_factory.mktemp("colab")
    python = make_venv(root / "venv", pinned(COLAB_PREINSTALLED))
    subprocess.run(
        [str(python), "-m", "ipykernel", "install", "--prefix", str(root / "kernel"),
         "--name", "colab-sim"],
        check=True, capture_output=True, env=clean_env(),
    )
    return Colab(python, "colab-sim", root / "kernel" / "share" / "jupyter", package_source)


def run_like_colab(notebook: Path, colab: Colab, cwd: Path, output: Path) -> None:
    """Execute ``notebook`` from its first cell in the ``fast`` profile; raise on a failing cell.

    The kernel's environment comes from this process's (see ``colab_runs``)."""
    papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters={"profile": "fast"},
        kernel_name=colab.kernel,
        cwd=str(cwd),
        progress_bar=False,
        execution_timeout=CELL_TIMEOUT_S,
    )


@pytest.fixture(scope="session")
def colab_runs(colab, tmp_path_factory) -> dict:
    """Every chapter's twin executed as in Colab: chapter -> None, or the exception it raised.

    The first chapter runs alone, since its Colab cell installs the package; the others run two
    at a time, one per core (each kernel uses one thread, see ``dl.get_device``)."""
    saved = dict(os.environ)
    os.environ["JUPYTER_PATH"] = str(colab.jupyter_path)  # finds the kernel spec
    os.environ["DLCOURSE_SOURCE"] = colab.source.as_uri()  # read by the Colab cell
    for name in ("PYTHONPATH", "VIRTUAL_ENV"):
        os.environ.pop(name, None)
    out = tmp_path_factory.mktemp("colab-runs")

    def run(md_path: Path):
        if twin_problems(md_path):
            return None  # the test reports the stale twin
        try:
            output = out / f"{chapter_id(md_path).replace('/', '__')}.ipynb"
            run_like_colab(twin_path(md_path), colab, md_path.parent, output)
        except Exception as error:  # reported by the chapter's own test
            return error
        return None

    try:
        results = {CHAPTERS[0]: run(CHAPTERS[0])}
        with ThreadPoolExecutor(max_workers=2) as pool:
            results.update(zip(CHAPTERS[1:], pool.map(run, CHAPTERS[1:])))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return results


def installed(colab: Colab) -> dict:
    """Versions in the environment, and where the course's package was installed from."""
    script = (
        "import importlib.metadata as m, json\n"
        "d = m.distribution('dlcourse-utils')\n"
        "print(json.dumps({'torch': m.version('torch'), 'numpy': m.version('numpy'),\n"
        "                  'from': json.loads(d.read_text('direct_url.json'))['url']}))"
    )
    run = subprocess.run(
        [str(colab.python), "-c", script], capture_output=True, text=True, env=clean_env(), cwd="/"
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.colab
@pytest.mark.parametrize("md_path", CHAPTERS, ids=[chapter_id(p) for p in CHAPTERS])
def test_chapter_runs_in_colab_from_its_first_cell(md_path, colab, colab_runs):
    problems = twin_problems(md_path)
    assert not problems, "Colab opens the .ipynb twin, which is stale: " + "; ".join(problems)
    error = colab_runs[md_path]
    if error is not None:
        raise error

    found = installed(colab)
    assert found["from"] == colab.source.as_uri(), "the Colab cell ignored DLCOURSE_SOURCE"
    # Colab's own torch and numpy stay: installing the course must not replace them.
    kept = [f"{name}=={found[name].split('+')[0]}" for name in ("torch", "numpy")]  # 2.13.0+cpu
    assert kept == pinned(("torch", "numpy"))
