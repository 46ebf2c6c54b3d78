import pytest

from dlutils.extras import require


def test_require_returns_the_module():
    assert require("json", "anything").dumps([1]) == "[1]"


def test_a_missing_package_names_the_extra_to_install():
    with pytest.raises(ImportError, match=r'format_pair needs the package \'no_such_pkg\'.*'
                       r'pip install "dlcourse-utils\[chapters\]"'):
        require("no_such_pkg.dates", "format_pair")
