"""Run upstream's tests/runtests.py on the stack: by label, per prefix, full."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import upstream
from .errors import ForkError
from .gitrepo import StackRepo
from .paths import cache_dir, read_pin, state_dir
from .series import parse_patch, series_paths

CORE_LABELS = [
    "auth_tests",
    "sessions_tests",
    "signals",
    "dispatch",
    "async",
    "handlers",
    "middleware",
    "asgi",
    "csrf_tests",
    "messages_tests",
    "test_client",
    "test_client_regress",
]
RESULT = re.compile(r"^(FAIL|ERROR|UNEXPECTED SUCCESS): (\S+) \((\S+)\)")


def parallel():
    return str(os.cpu_count() or 1)


def failures_of(output):
    """The set of failing tests in a runtests.py output."""
    found = set()
    for line in output.splitlines():
        match = RESULT.match(line)
        if match:
            kind, name, where = match.groups()
            found.add(
                f"{kind}: {where}"
                if where.endswith(name)
                else f"{kind}: {where}.{name}"
            )
    return found


def ran_count(output):
    match = re.search(r"^Ran (\d+) tests? in", output, re.MULTILINE)
    return int(match.group(1)) if match else 0


def runtests(
    tree, python, labels, log, extra=(), script=("runtests.py",), pythonpath=()
):
    """
    Run tests/runtests.py of `tree` (or `script`, the interpreter's arguments
    that run it), with `pythonpath` after the tree on the path; return
    (returncode, output, seconds).
    """
    tree = Path(tree)
    cmd = [str(python), *script, "--parallel", parallel(), "--noinput", *extra]
    cmd += list(labels)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), *map(str, pythonpath)])
    env.setdefault("PYTHONHASHSEED", "0")
    started = time.monotonic()
    # Some upstream tests read sys.stdin (shell.tests calls isatty()): give
    # them an empty one, the same under a terminal, a pipe or a closed stdin
    # (as CI starts us), so results match the cached pristine run.
    with open(log, "w") as f:
        out = subprocess.run(
            cmd,
            cwd=tree / "tests",
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=f,
            stderr=subprocess.STDOUT,
        )
    output = Path(log).read_text(errors="replace")
    seconds = time.monotonic() - started
    return out.returncode, output, seconds


def log_path(root, name):
    logs = state_dir(root) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs / f"{name}.log"


def stack_labels(root):
    labels = []
    for path in series_paths(root):
        labels += [
            label for label in parse_patch(path).test_labels if label not in labels
        ]
    return labels


def report(title, code, output, seconds, log, known=()):
    """Print the outcome; failures pristine upstream shares don't count."""
    count = ran_count(output)
    failed = sorted(failures_of(output))
    ok = code == 0 or bool(failed and count and not set(failed) - set(known))
    status = "ok" if ok else "FAILED"
    print(f"{title}: {status}, {count} tests in {seconds:.0f}s (log: {log})")
    for line in failed[:30]:
        mark = "also fails on pristine upstream: " if line in known else ""
        print(f"  {mark}{line}")
    if code != 0 and not failed:
        print("\n".join(output.strip().splitlines()[-15:]))
    return ok


def default_labels(root):
    """The labels the stack's patches change, then the core ones."""
    labels = stack_labels(root)
    return labels + [label for label in CORE_LABELS if label not in labels]


def test(root, python, labels=None):
    root = Path(root)
    labels = list(labels) if labels else default_labels(root)
    log = log_path(root, "test")
    code, output, seconds = runtests(root, python, labels, log)
    known = known_failures(root, python, labels) if code else ()
    return report(f"tests ({' '.join(labels)})", code, output, seconds, log, known)


def _run_prefix(root, python, repo, paths, count):
    labels = parse_patch(paths[count - 1]).test_modules
    name = paths[count - 1].name
    if not labels:
        print(f"[{count}/{len(paths)}] {name}: changes no tests/, skipped")
        return True
    repo.run("checkout", "-q", "--detach", repo.stack_commits("stack")[count - 1])
    log = log_path(root, f"each-{count:02d}")
    code, output, seconds = runtests(root, python, labels, log)
    known = known_failures(root, python, labels) if code else ()
    return report(f"[{count}/{len(paths)}] {name}", code, output, seconds, log, known)


def known_failures(root, python, labels):
    """What fails on pristine upstream here: the cached full run, or labels."""
    pin = read_pin(root)
    cached = list(cache_dir().glob(f"pristine-{pin.version}-{pin.sha256[:12]}-py*"))
    if cached:
        return set(cached[0].read_text().splitlines())
    tree = upstream.pristine_tree(root, python)
    log = log_path(root, "pristine-labels")
    code, output, seconds = runtests(tree, python, labels, log)
    return failures_of(output)


def test_prefix(root, python, name):
    """The tests of patch `name` on the stack up to it."""
    repo = StackRepo(root)
    if repo.dirty():
        raise ForkError("uncommitted edits in the tree: fold them into a patch first")
    paths = series_paths(root)
    count = [p.name for p in paths].index(name) + 1
    try:
        return _run_prefix(root, python, repo, paths, count)
    finally:
        repo.run("checkout", "-q", "stack")


def test_each(root, python):
    """Every prefix of the stack passes the tests of its last patch."""
    root = Path(root)
    repo = StackRepo(root)
    if repo.dirty():
        raise ForkError(
            "test --each checks out every prefix of the stack and would "
            "disturb uncommitted edits: fold them into a patch first"
        )
    paths = series_paths(root)
    ok = True
    try:
        for count in range(1, len(paths) + 1):
            ok &= _run_prefix(root, python, repo, paths, count)
    finally:
        repo.run("checkout", "-q", "stack")
    return ok


def pristine_failures(root, python):
    """Failures of the full suite on the pristine base, cached per machine."""
    pin = read_pin(root)
    version = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    cache = cache_dir() / f"pristine-{pin.version}-{pin.sha256[:12]}-py{version}.txt"
    if cache.exists():
        print(f"pristine failures: cached in {cache}")
        return set(cache.read_text().splitlines())
    tree = upstream.pristine_tree(root, python)
    log = log_path(root, "full-pristine")
    print("running the full suite on pristine upstream (cached afterwards)...")
    sys.stdout.flush()
    code, output, seconds = runtests(tree, python, [], log)
    if not ran_count(output):
        raise ForkError(f"the pristine full suite did not run; see {log}")
    failed = failures_of(output)
    print(
        f"pristine: {ran_count(output)} tests, {len(failed)} failures in {seconds:.0f}s"
    )
    cache.write_text("".join(f"{line}\n" for line in sorted(failed)))
    return failed


def test_full(root, python):
    """The whole suite on the top of the stack: only new failures fail."""
    known = pristine_failures(root, python)
    log = log_path(root, "full")
    print("running the full suite on the top of the stack...")
    sys.stdout.flush()
    code, output, seconds = runtests(root, python, [], log)
    failed = failures_of(output)
    new = sorted(failed - known)
    print(
        f"full suite: {ran_count(output)} tests in {seconds:.0f}s, "
        f"{len(failed)} failures, {len(failed & known)} of them also fail on "
        f"pristine upstream (log: {log})"
    )
    if not ran_count(output):
        print("\n".join(output.strip().splitlines()[-15:]))
        return False
    for line in new:
        print(f"  new: {line}")
    if code != 0 and not failed:
        print("\n".join(output.strip().splitlines()[-15:]))
        return False
    return not new


# The services .ci/services starts, and the settings that use them.
SERVICES = [
    ("PostgreSQL", "POSTGRESQL", 54329),
    ("Redis", "REDIS", 63799),
    ("Memcached", "MEMCACHED", 11219),
]
SERVICES_SETTINGS = Path(__file__).resolve().parents[1] / "services"


def services_down():
    """The services of .ci/services that don't answer on 127.0.0.1."""
    down = []
    for name, key, default in SERVICES:
        port = int(os.environ.get(f"FORK_{key}_PORT", default))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        except OSError:
            down.append(f"{name} on :{port}")
    return down


def test_services(root, python, labels=None):
    """
    The labels on PostgreSQL, with Redis and Memcached caches; failures that
    pristine upstream shows on the same services don't count. Skipped when
    the services aren't running, unless FORK_REQUIRE_SERVICES is set (CI).
    """
    root = Path(root)
    down = services_down()
    if down:
        message = f"not running: {', '.join(down)}; start them: .ci/services start"
        if os.environ.get("FORK_REQUIRE_SERVICES"):
            print(f"tests on services: FAILED, {message}")
            return False
        print(f"tests on services: skipped, {message}")
        return True
    labels = list(labels) if labels else default_labels(root)
    extra = ["--settings=fork_services_settings"]
    path = [SERVICES_SETTINGS]
    log = log_path(root, "services")
    code, output, seconds = runtests(root, python, labels, log, extra, pythonpath=path)
    known = ()
    if code:
        tree = upstream.pristine_tree(root, python)
        pristine_log = log_path(root, "services-pristine")
        _, pristine_output, _ = runtests(
            tree, python, labels, pristine_log, extra, pythonpath=path
        )
        known = failures_of(pristine_output)
    title = f"tests on PostgreSQL, Redis and Memcached ({' '.join(labels)})"
    return report(title, code, output, seconds, log, known)
