import subprocess
import sys
from pathlib import Path

import pytest
from forktool import stack
from forktool.errors import ForkError
from forktool.gitrepo import StackRepo
from forktool.paths import Pin, write_pin
from forktool.series import check_series, parse_patch, read_series

PYTHON = sys.executable
MESSAGE = """Fixed #{n} -- Changed line {n}.

Because line {n} needed it.

Bug: https://code.djangoproject.com/ticket/{n}
Forwarded: no
"""


def edit(root, path, old, new):
    target = Path(root) / path
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))


def add_patch(root, n, after=None, line=None):
    line = line or n
    edit(root, "django/core.py", f"line {line}\n", f"line {line} changed\n")
    name = f"{n}-change-line.patch"
    stack.new_patch(root, name, MESSAGE.format(n=n), after=after)
    return name


def test_materialize_layout(fork):
    stack.apply(fork, PYTHON)
    assert (fork / "django" / "core.py").exists()
    assert (fork / "tests" / "runtests.py").exists()
    # Upstream's pyproject.toml is kept aside; the fork's stays at the root.
    assert (fork / ".fork" / "upstream" / "pyproject.toml").exists()
    assert "tool.black" in (fork / "pyproject.toml").read_text()
    # Extracted without the archive's owners.
    assert (fork / "django" / "core.py").stat().st_uid != 4242
    # The fork's git sees only its own files.
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=fork,
        capture_output=True,
        text=True,
    ).stdout
    assert "django/" not in status and "tests/" not in status
    assert "upstream.toml" in status
    assert StackRepo(fork).dirty() == []


def test_round_trip_is_byte_identical(fork):
    stack.apply(fork, PYTHON)
    add_patch(fork, 11111, line=11)
    add_patch(fork, 22222, line=22)
    before = {p.name: p.read_bytes() for p in (fork / "patches").iterdir()}
    stack.apply(fork, PYTHON)
    assert stack.export(fork, check=True) == []
    stack.export(fork)
    after = {p.name: p.read_bytes() for p in (fork / "patches").iterdir()}
    assert before == after
    assert read_series(fork) == ["11111-change-line.patch", "22222-change-line.patch"]
    info = parse_patch(fork / "patches" / "11111-change-line.patch")
    assert info.subject == "Fixed #11111 -- Changed line 11111."
    assert info.trailers == {
        "Bug": "https://code.djangoproject.com/ticket/11111",
        "Forwarded": "no",
    }
    assert info.files == ["django/core.py"]


def test_export_check_reports_stale_patch(fork):
    stack.apply(fork, PYTHON)
    name = add_patch(fork, 11)
    path = fork / "patches" / name
    path.write_text(path.read_text().replace("Because", "As"))
    assert stack.export(fork, check=True) == [f"patches/{name} needs re-export"]


def test_strict_apply_names_patch_and_hunk(fork):
    stack.apply(fork, PYTHON)
    name = add_patch(fork, 12)
    path = fork / "patches" / name
    path.write_text(path.read_text().replace(" line 11\n", " line eleven\n"))
    with pytest.raises(ForkError) as e:
        stack.apply(fork, PYTHON)
    assert f"patches/{name} does not apply: django/core.py, hunk at line" in str(
        e.value
    )
    # The tree is left at the base plus the patches before it.
    assert "line 12\n" in (fork / "django" / "core.py").read_text()


def test_series_consistency(fork):
    stack.apply(fork, PYTHON)
    name = add_patch(fork, 13)
    (fork / "patches" / "stray.patch").write_text("x\n")
    (fork / "patches" / "series").write_text(f"{name}\nmissing.patch\n")
    assert check_series(fork) == [
        "patches/series names missing.patch, but there is no such file",
        "patches/stray.patch is not listed in patches/series",
    ]
    with pytest.raises(ForkError, match="names missing.patch, but there is no such"):
        stack.apply(fork, PYTHON)


def test_refuses_to_clobber_edits(fork):
    stack.apply(fork, PYTHON)
    edit(fork, "django/core.py", "line 3\n", "my edit\n")
    (fork / "tests" / "greeting" / "new_test.py").write_text("pass\n")
    with pytest.raises(ForkError, match="would discard uncommitted edits"):
        stack.apply(fork, PYTHON)
    assert "my edit" in (fork / "django" / "core.py").read_text()
    assert (fork / "tests" / "greeting" / "new_test.py").exists()
    stack.apply(fork, PYTHON, force=True)
    assert "my edit" not in (fork / "django" / "core.py").read_text()
    assert not (fork / "tests" / "greeting" / "new_test.py").exists()


def test_hash_mismatch(fork):
    write_pin(fork, Pin("Django", "9.9.9", "0" * 64))
    with pytest.raises(ForkError) as e:
        stack.apply(fork, PYTHON)
    message = str(e.value)
    assert "sha256 mismatch for django-9.9.9.tar.gz: expected " + "0" * 64 in message
    assert "got " in message
    assert not (fork / "django").exists()


def test_refresh_folds_into_lower_patch(fork):
    stack.apply(fork, PYTHON)
    first = add_patch(fork, 1)
    add_patch(fork, 2)
    edit(fork, "django/core.py", "line 30\n", "line 30 folded\n")
    stack.refresh(fork, first)
    assert "+line 30 folded" in (fork / "patches" / first).read_text()
    assert (
        "line 30 folded" not in (fork / "patches" / "2-change-line.patch").read_text()
    )
    stack.apply(fork, PYTHON)
    assert stack.export(fork, check=True) == []


def test_new_patch_at_chosen_place(fork):
    stack.apply(fork, PYTHON)
    first = add_patch(fork, 1)
    add_patch(fork, 2)
    add_patch(fork, 3, after=first, line=20)
    assert read_series(fork) == [
        "1-change-line.patch",
        "3-change-line.patch",
        "2-change-line.patch",
    ]
    stack.apply(fork, PYTHON)
    assert stack.export(fork, check=True) == []


def test_cli_errors_are_one_line(fork):
    write_pin(fork, Pin("Django", "9.9.9", "0" * 64))
    script = Path(__file__).resolve().parents[1] / "fork"
    out = subprocess.run(
        [sys.executable, str(script), "--root", str(fork), "apply", "--python", PYTHON],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1
    assert out.stderr.startswith("fork: error: sha256 mismatch")
    assert "Traceback" not in out.stderr
