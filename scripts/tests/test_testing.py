"""How the tool runs upstream's test runner and reports on it."""

import argparse
import subprocess
import sys
from pathlib import Path

from forktool import cli

SCRIPTS = Path(__file__).resolve().parents[1]

# A runtests.py that reads its stdin, as shell.tests does with isatty().
RUNTESTS = """\
import sys
sys.stdin.read()
print("Ran 1 test in 0.0s")
"""


def test_runtests_gives_an_empty_stdin_when_the_caller_has_none(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "runtests.py").write_text(RUNTESTS)
    code = (
        "import sys; from forktool import testing; "
        f"code, output, _ = testing.runtests({str(tmp_path)!r}, sys.executable, "
        f"[], {str(tmp_path / 'log')!r}); print(code, output)"
    )
    # CI starts .ci/run with its standard input closed.
    out = subprocess.run(
        ["bash", "-c", 'exec 0<&-; exec "$0" "$@"', sys.executable, "-c", code],
        cwd=SCRIPTS,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.startswith("0 Ran 1 test"), out.stdout + out.stderr


def test_check_repeats_what_failed_at_the_end(monkeypatch, capsys, tmp_path):
    def failing_step(*args):
        print("first line of a long output")
        print("  new: FAIL: shell.tests.ShellCommandTestCase.test_x")
        return False

    monkeypatch.setattr(cli, "_test_python", lambda root: sys.executable)
    monkeypatch.setattr(cli, "_lint", lambda root, python: True)
    monkeypatch.setattr(cli, "_export_check", lambda args: True)
    monkeypatch.setattr(cli, "_tool_tests", lambda root, python: True)
    monkeypatch.setattr(cli.testing, "test_each", lambda root, python: True)
    monkeypatch.setattr(cli.testing, "test_full", failing_step)
    monkeypatch.setattr(cli.testing, "test_services", lambda root, python: True)
    monkeypatch.setattr(cli, "cmd_e2e", lambda args: 0)
    monkeypatch.setattr(cli, "_compat", lambda args: True)
    monkeypatch.setattr(cli, "_bench_quick", lambda args: True)

    assert cli.cmd_check(argparse.Namespace(root=tmp_path)) == 1
    tail = capsys.readouterr().out.splitlines()[-4:]
    assert tail == [
        "== test --full FAILED; its last lines were:",
        "first line of a long output",
        "  new: FAIL: shell.tests.ShellCommandTestCase.test_x",
        "check: 8 passed, 1 failed",
    ]


def test_each_prefix_runs_the_test_modules_its_patch_changes():
    from forktool.series import PatchInfo

    info = PatchInfo(
        name="x.patch",
        files=[
            "django/contrib/auth/hashers.py",
            "tests/auth_tests/test_hashers.py",
            "tests/auth_tests/test_models.py",
            "tests/sessions_tests/tests.py",
            "tests/middleware/views.py",
            "tests/middleware/test_default_stack.py",
            "tests/requirements/py3.txt",
        ],
    )
    # A change to anything else in a folder (views, models, urls) runs the
    # folder's tests.
    assert info.test_modules == [
        "auth_tests.test_hashers",
        "auth_tests.test_models",
        "sessions_tests.tests",
        "middleware",
    ]
    assert info.test_labels == ["auth_tests", "sessions_tests", "middleware"]


def test_services_step_skips_without_services_unless_ci_requires_them(
    monkeypatch, capsys, tmp_path
):
    import socket

    from forktool import testing

    # A port nothing listens on: bound, never listening.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        monkeypatch.setattr(testing, "SERVICES", [("Redis", "REDIS", port)])
        monkeypatch.delenv("FORK_REDIS_PORT", raising=False)
        monkeypatch.delenv("FORK_REQUIRE_SERVICES", raising=False)
        assert testing.test_services(tmp_path, sys.executable) is True
        assert "skipped, not running: Redis on" in capsys.readouterr().out
        monkeypatch.setenv("FORK_REQUIRE_SERVICES", "1")
        assert testing.test_services(tmp_path, sys.executable) is False
        assert ".ci/services start" in capsys.readouterr().out
