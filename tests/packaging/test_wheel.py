"""The package installs and imports on its own: no chapter extras, no repository around it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from venvs import CORE, clean_env, make_venv, pinned, pip_install

CHECK = """
import importlib.metadata, dlutils
try:
    dlutils.date_splits(1, 1, 1)
except ImportError as error:
    print(error)
print(sorted(r for r in importlib.metadata.requires("dlcourse-utils") if "chapters" in r))
"""


@pytest.mark.packaging
def test_the_wheel_alone_imports_and_names_the_extra_it_lacks(package_source, tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path),
         str(package_source)],
        check=True,
    )
    (wheel,) = tmp_path.glob("dlcourse_utils-*.whl")
    python = make_venv(tmp_path / "venv", pinned(CORE))
    pip_install(python, "--no-deps", str(wheel))
    # pip check: every core dependency the wheel declares is among the ones installed above.
    subprocess.run([str(python), "-m", "pip", "check"], check=True, env=clean_env())

    # cwd outside the repository, so that `import dlutils` finds the installed copy
    run = subprocess.run(
        [str(python), "-c", CHECK], cwd=tmp_path, capture_output=True, text=True, env=clean_env()
    )
    assert run.returncode == 0, run.stderr
    message, extra = run.stdout.splitlines()
    assert message == (
        "dlutils.dates needs the package 'babel', which comes with the course's extra: "
        'pip install "dlcourse-utils[chapters]"'
    )
    for package in ("babel", "names", "faker", "gensim", "sacrebleu"):
        assert package in extra, f"{package} is missing from the extra `chapters`"
