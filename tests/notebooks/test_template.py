"""The chapter template runs as it is, so that a new chapter starts from something that works."""

import pytest
from harness import ROOT, run_notebook, stderr_outputs


@pytest.mark.notebook
def test_template_runs_in_the_fast_profile_without_warnings():
    run = run_notebook(ROOT / "templates" / "chapter.md", profile="fast")
    assert not stderr_outputs(run.notebook)
