"""A real drill: the stack onto the 6.1.x release before the pin, and back."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from forktool import rebase, stack
from forktool.paths import read_pin

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS = "6.1.2"


@pytest.fixture
def copy_of_fork(tmp_path):
    root = tmp_path / "fork"
    root.mkdir()
    shutil.copytree(ROOT / "patches", root / "patches")
    for name in ("upstream.toml", "pyproject.toml"):
        shutil.copy2(ROOT / name, root / name)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


@pytest.mark.skipif(
    read_pin(ROOT).version != "6.1.3", reason="the drill is written for 6.1.3"
)
def test_drill_previous_release_and_back(copy_of_fork):
    root = copy_of_fork
    pin = read_pin(root)
    originals = {p.name: p.read_bytes() for p in (root / "patches").glob("*.patch")}
    stack.apply(root, sys.executable)
    outcomes, report, moved = rebase.rebase(root, sys.executable, PREVIOUS)
    names = [o.name for o in outcomes]
    assert (
        names
        == [
            p
            for p in (root / "patches" / "series").read_text().split()
            if p.endswith(".patch")
        ]
        or moved
    )
    text = report.read_text()
    for name in originals:
        assert f"`{name}`" in text
    print(text)
    if not moved:
        pytest.skip(f"the stack does not apply on {PREVIOUS}; see {report}")
    back, report, moved = rebase.rebase(root, sys.executable, pin.version, pin.sha256)
    assert moved, report.read_text()
    assert read_pin(root) == pin
    for name, data in originals.items():
        if (root / "patches" / name).exists():
            assert (root / "patches" / name).read_bytes() == data, name
