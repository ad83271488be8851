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
    """ADMIN_SELENIUM_TESTS on `tree`; returns (ok, failures)."""
    log = testing.log_path(root, f"e2e-admin-{name.split()[0]}")
    script = ("-c", RUNTESTS_WITH_CHROMIUM, str(demo_dir(root) / "tests"))
    options = ("--selenium=chrome", "--headless", "--parallel=1")
    code, output, seconds = testing.runtests(
        tree, python, ADMIN_SELENIUM_TESTS, log, extra=options, script=script
    )
    ok = testing.report(f"admin Selenium tests on {name}", code, output, seconds, log)
    return ok, testing.failures_of(output)


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
        new = fork_failed - known
        if fork_failed:
            print(
                f"admin Selenium tests: {len(fork_failed) - len(new)} of the fork's "
                f"{len(fork_failed)} failures also fail on pristine upstream"
            )
        fork_ok = fork_ok or bool(fork_failed and not new)
    return ok and fork_ok
