"""The pinned upstream sdist itself: fetched (or cached), verified, unpacked."""

import sys
import tarfile
from pathlib import Path

import pytest
from forktool import upstream
from forktool.paths import cache_dir, read_pin

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not (cache_dir() / read_pin(ROOT).sdist_name).exists(),
    reason="the pinned sdist is not in the cache (run `scripts/fork setup`)",
)
def test_pinned_sdist(tmp_path):
    pin = read_pin(ROOT)
    sdist = upstream.fetch(pin, sys.executable)
    assert upstream.sha256_of(sdist) == pin.sha256
    with tarfile.open(sdist) as tar:
        names = set(tar.getnames())
    top = f"django-{pin.version}"
    for expected in (
        "django",
        "tests/runtests.py",
        "tests/requirements/py3.txt",
        "docs",
        "tox.ini",
        "setup.cfg",
        "pyproject.toml",
        "AUTHORS",
    ):
        assert f"{top}/{expected}" in names
    tree = upstream.extract(sdist, tmp_path / "tree")
    assert (tree / "django" / "__init__.py").read_text().count(
        'VERSION = ({}, {}, {}, "final", 0)'.format(*pin.version.split("."))
    ) == 1
