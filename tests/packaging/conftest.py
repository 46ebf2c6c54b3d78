"""Fixtures shared by the packaging and Colab tests."""

import pytest
from venvs import copy_sources


@pytest.fixture(scope="session")
def package_source(tmp_path_factory):
    """A copy of the package's sources, as `pip install git+...` would see them."""
    return copy_sources(tmp_path_factory.mktemp("source"))
