"""
fork demo: the demo site (demo/) on the fork, under uvicorn.
fork e2e: its browser test, and Django's admin Selenium tests on the fork
(and on pristine upstream, to tell the fork's failures from the machine's).
"""

import importlib.util
import os
import subprocess
import time
from pathlib import Path

from . import testing, upstream, venv
from .errors import ForkError

# Django's Selenium tests of the admin login and of a few admin pages, in
# tests/admin_views: `fork e2e` runs them with --selenium=chrome --headless.
ADMIN_SELENIUM_TESTS = [
    "admin_views.tests.SeleniumTests.test_login_button_centered",
    "admin_views.tests.SeleniumTests.test_first_field_focus",
    "admin_views.tests.SeleniumTests.test_messages",
    "admin_views.test_password_form.SeleniumAuthTests",
    "admin_views.test_nav_sidebar.SeleniumTests",
    "admin_views.test_skip_link_to_content.SeleniumTests."
    "test_use_skip_link_to_content",
]
# Runs tests/runtests.py after pointing Django's Selenium test case at
# Debian's Chromium (see demo/tests/chromium.py).
RUNTESTS_WITH_CHROMIUM = """\
import runpy, sys
sys.path.insert(0, sys.argv.pop(1))
import chromium
chromium.use_for_django_selenium_tests()
runpy.run_path("runtests.py", run_name="__main__")
"""


def demo_dir(root):
    return Path(root) / "demo"


def chromium(root):
    """demo/tests/chromium.py, where the browser and its flags are named."""
    path = demo_dir(root) / "tests" / "chromium.py"
    spec = importlib.util.spec_from_file_location("demo_chromium", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_uvicorn(python):
    found = subprocess.run([str(python), "-c", "import uvicorn"], capture_output=True)
    if found.returncode == 0:
        return
    print("installing uvicorn into .venv", flush=True)
    if venv.pip(python, "install", "uvicorn").returncode != 0:
        raise ForkError("could not install uvicorn into .venv")


def serve(root, python, engine="db", port=8000):
    """Serve the demo until interrupted; migrations run at start."""
    ensure_uvicorn(python)
    env = dict(os.environ, DEMO_SESSION_ENGINE=engine)
    print(f"demo: http://127.0.0.1:{port}/ (sessions: {engine}; Ctrl-C stops)")
    command = [str(python), "-m", "uvicorn", "demosite.asgi:application"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    return subprocess.run(command, cwd=demo_dir(root), env=env).returncode


def browser_test(root, python):
    """demo/tests under pytest; it skips, saying why, without a browser."""
    tmp = Path(root) / ".fork" / "e2e" / "tmp"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    command = [str(python), "-m", "pytest", "-s", "-rs", "-p", "no:cacheprovider"]
    command += [f"--basetemp={tmp}", str(demo_dir(root) / "tests")]
    started = time.monotonic()
    ok = subprocess.run(command, cwd=root).returncode == 0
    seconds = time.monotonic() - started
    status = "ok" if ok else "FAILED"
    if ok and chromium(root).missing():
        status = "skipped (no browser)"
    print(f"browser test: {status} in {seconds:.0f}s", flush=True)
    return ok


def admin_selenium(root, tree, python, name):
    """ADMIN_SELENIUM_TESTS on `tree`; returns (ok, failures, log)."""
    log = testing.log_path(root, f"e2e-admin-{name.split()[0]}")
    command = [str(python), "-c", RUNTESTS_WITH_CHROMIUM, str(demo_dir(root) / "tests")]
    command += ["--selenium=chrome", "--headless", "--parallel=1", "--noinput"]
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONHASHSEED="0")
    started = time.monotonic()
    with open(log, "w") as f:
        out = subprocess.run(
            command + ADMIN_SELENIUM_TESTS,
            cwd=Path(tree) / "tests",
            env=env,
            stdout=f,
            stderr=subprocess.STDOUT,
        )
    output = log.read_text(errors="replace")
    failed = testing.failures_of(output)
    ok = out.returncode == 0 and testing.ran_count(output) > 0
    status = "ok" if ok else f"{len(failed)} failed"
    print(
        f"admin Selenium tests on {name}: {status}, {testing.ran_count(output)} "
        f"tests in {time.monotonic() - started:.0f}s (log: {log})",
        flush=True,
    )
    if not ok and not failed:
        print("\n".join(output.strip().splitlines()[-15:]))
    return ok, failed


def e2e(root, python, pristine=False):
    """The browser test, then the admin subset: fork, and pristine if needed."""
    ensure_uvicorn(python)
    ok = browser_test(root, python)
    missing = chromium(root).missing()
    if missing:
        print(f"admin Selenium tests: skipped, {missing}")
        return ok
    fork_ok, fork_failed = admin_selenium(root, root, python, "fork")
    if pristine or not fork_ok:
        tree = upstream.pristine_tree(root, python)
        _, known = admin_selenium(root, tree, python, "pristine upstream")
        for line in sorted(fork_failed):
            shared = "also fails on pristine upstream: " if line in known else ""
            print(f"  {shared}{line}")
        new = fork_failed - known
        fork_ok = fork_ok or bool(fork_failed and not new)
    return ok and fork_ok
