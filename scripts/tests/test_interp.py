import os
import stat

import pytest
from forktool import interp
from forktool.errors import ForkError


def fake_python(directory, name, version):
    path = directory / name
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    return tmp_path


def test_picks_oldest_suitable_on_path(isolated):
    fake_python(isolated / "bin", "python3", "3.11")
    fake_python(isolated / "bin", "python3.13", "3.13")
    expected = fake_python(isolated / "bin", "python3.12", "3.12")
    assert interp.find_python() == expected


def test_finds_pyenv_versions_off_path(isolated):
    fake_python(isolated / "bin", "python3", "3.11")
    versions = isolated / "pyenv" / "versions" / "3.12.1" / "bin"
    versions.mkdir(parents=True)
    expected = fake_python(versions, "python3", "3.12")
    assert interp.find_python() == expected


def test_broken_shims_are_skipped(isolated):
    shim = isolated / "bin" / "python3.12"
    shim.write_text(
        "#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n"
    )
    shim.chmod(0o755)
    fake_python(isolated / "bin", "python3", "3.11")
    with pytest.raises(ForkError, match=r"no Python >= 3.12 found .* pass --python"):
        interp.find_python()


def test_explicit_too_old(isolated):
    old = fake_python(isolated / "bin", "python3", "3.11")
    with pytest.raises(
        ForkError, match="is Python 3.11; Django 6.1 needs Python >= 3.12"
    ):
        interp.find_python(str(old))
    assert os.environ["PATH"] == str(isolated / "bin")
