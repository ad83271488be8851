"""scripts/fork: one CLI for the fork's patch stack."""

import argparse
import collections
import contextlib
import subprocess
import sys
from pathlib import Path

from . import lint as lint_mod
from . import stack, testing, venv
from .errors import ForkError
from .gitrepo import StackRepo
from .series import check_series, parse_patch, series_paths

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ("db", "cache", "cached_db", "file", "signed_cookies")


def cmd_setup(args):
    python = venv.create(args.root, args.python)
    stack.apply(args.root, python, force=args.force)
    venv.install(args.root, python)
    print(f"set up: {args.root / venv.VENV} with the patched Django (editable)")
    print(f"activate it with: source {venv.VENV}/bin/activate")
    print(
        "tests on PostgreSQL, Redis and Memcached, as CI runs them: "
        ".ci/services start; python3 scripts/fork test --services; "
        ".ci/services stop"
    )


def cmd_apply(args):
    python = venv.interpreter(args.root, args.python)
    stack.apply(args.root, python, force=args.force, three_way=args.three_way)
    print(f"applied {len(series_paths(args.root))} patches on the pinned base")
    if args.three_way and stack.export(args.root, check=True):
        print("some patches merged three-way: run `fork export` to refresh them")


def cmd_export(args):
    if args.check:
        if not _export_check(args):
            print("run `fork export` to regenerate patches/ from the applied stack")
            return 1
        print("export --check: patches/ matches the applied stack")
        return 0
    stack.export(args.root)
    print("exported the applied stack to patches/")
    return 0


def cmd_refresh(args):
    stack.refresh(args.root, args.patch)
    print(f"folded the edits into patches/{args.patch}")


def cmd_new(args):
    message = args.message_file.read() if args.message_file else None
    if message is None:
        if not args.ticket or not args.subject:
            raise ForkError("give --ticket and --subject, or --message-file")
        message = (
            f"{args.subject}\n\n{args.body or 'TODO: say why.'}\n\n"
            f"Bug: https://code.djangoproject.com/ticket/{args.ticket}\n"
            "Forwarded: no\n"
        )
    stack.new_patch(args.root, args.name, message, after=args.after, author=args.author)
    print(f"started patches/{args.name}")


def cmd_status(args):
    repo = StackRepo(args.root)
    paths = series_paths(args.root)
    applied = len(repo.stack_commits()) if repo.exists() else 0
    for i, path in enumerate(paths, 1):
        info = parse_patch(path)
        mark = "applied" if i <= applied else "not applied"
        print(f"{i:2d}. {path.name} [{mark}]")
        print(f"    {info.subject}")
        print(f"    ticket: {('#%d' % info.ticket) if info.ticket else 'none'}")
        for key in ("Bug", "Forwarded", "Applied-Upstream"):
            if key in info.trailers:
                print(f"    {key}: {info.trailers[key]}")
        print(f"    files: {len(info.files)}: {', '.join(info.files)}")
        print(f"    test labels: {' '.join(info.test_labels) or '-'}")
    if repo.exists():
        dirty = repo.dirty()
        if dirty:
            print(f"uncommitted edits in the upstream tree: {len(dirty)} files")
    else:
        print("the stack is not applied: run `fork setup`")


def cmd_lint(args):
    python = venv.venv_python(args.root)
    problems = lint_mod.lint(args.root, python, linters=not args.no_linters)
    for line in problems:
        print(line)
    if problems:
        return 1
    print(f"lint: {len(series_paths(args.root))} patches ok")
    return 0


def _test_python(root):
    python = venv.venv_python(root)
    if not python.exists():
        raise ForkError("no .venv: run `python3 scripts/fork setup` first")
    return python


def cmd_test(args):
    python = _test_python(args.root)
    if args.each:
        ok = testing.test_each(args.root, python)
    elif args.full:
        ok = testing.test_full(args.root, python)
    elif args.services:
        ok = testing.test_services(args.root, python, args.labels)
    else:
        ok = testing.test(args.root, python, args.labels)
    return 0 if ok else 1


def cmd_rebase(args):
    from . import rebase

    python = venv.interpreter(args.root, args.python)

    def run_tests():
        return testing.test(args.root, _test_python(args.root))

    outcomes, report, moved = rebase.rebase(
        args.root,
        python,
        args.to,
        args.sha256,
        run_tests=None if args.no_test else run_tests,
    )
    for outcome in outcomes:
        print(f"{outcome.name}: {outcome.status}")
        for line in outcome.evidence:
            print(f"    {line}")
    print(f"report: {report}")
    if not moved:
        print("the pin stays: resolve the conflicts, then run rebase again")
        return 1
    print(f"moved to {args.to}: review and commit upstream.toml and patches/")
    return 0


def cmd_pr(args):
    from . import pr

    out, mbox, needs, warnings, info = pr.pr(args.root, args.patch)
    print(f"mbox: {mbox}")
    print(f"PR body: {out / 'PR.md'}")
    if needs is None:
        print("applies alone on the pristine base (release notes aside)")
    for line in warnings:
        print(f"warning: {line}")
    if args.no_test or not info.test_labels:
        return 0
    python = _test_python(args.root)
    return 0 if testing.test_prefix(args.root, python, args.patch) else 1


def cmd_bench(args):
    from . import bench, upstream

    python = _test_python(args.root)
    missing = venv.pip(python, "install", *bench.REQUIREMENTS)
    if missing.returncode != 0:
        raise ForkError(
            "could not install the benchmark's requirements into .venv: "
            + " ".join(bench.REQUIREMENTS)
        )
    pristine = upstream.pristine_tree(args.root, python)
    bench.run(pristine, args.root, python, args.out, quick=args.quick)
    print((args.out / "results.md").read_text())


def cmd_compat(args):
    from . import compat, upstream

    python = venv.interpreter(args.root, args.python)
    pristine = upstream.pristine_tree(args.root, python)
    text, ok = compat.run(args.root, pristine, python, only=args.packages)
    print(text)
    print(f"report: {args.root / '.fork' / 'compat' / 'report.md'}")
    if not ok:
        print("compat: third-party packages see a different Django (diffs above)")
    return 0 if ok else 1


def cmd_build(args):
    from . import build

    args.out.mkdir(parents=True, exist_ok=True)
    for make in (build.sdist, build.wheel):
        print(args.out / make(args.out, args.root))


def cmd_demo(args):
    from . import demo

    return demo.serve(
        args.root, _test_python(args.root), args.session_engine, args.port
    )


def cmd_e2e(args):
    from . import demo

    pristine = getattr(args, "pristine", False)
    return 0 if demo.e2e(args.root, _test_python(args.root), pristine) else 1


def cmd_check(args):
    """Everything CI runs, in order; stops at nothing, reports all."""
    python = _test_python(args.root)
    steps = [
        ("lint", lambda: _lint(args.root, python)),
        ("export --check", lambda: _export_check(args)),
        ("tool tests", lambda: _tool_tests(args.root, python)),
        ("test --each", lambda: testing.test_each(args.root, python)),
        ("test --full", lambda: testing.test_full(args.root, python)),
        ("test --services", lambda: testing.test_services(args.root, python)),
        ("e2e", lambda: cmd_e2e(args) == 0),
        ("compat", lambda: _compat(args)),
        ("bench --quick", lambda: _bench_quick(args)),
    ]
    failures = []
    for name, step in steps:
        print(f"== {name}", flush=True)
        tail = _Tail(sys.stdout)
        with contextlib.redirect_stdout(tail):
            ok = bool(step())
        print(f"== {name}: {'ok' if ok else 'FAILED'}", flush=True)
        if not ok:
            failures.append((name, tail.lines))
    # CI shows only the end of a long output: repeat what went wrong there.
    for name, lines in failures:
        print(f"== {name} FAILED; its last lines were:")
        print("\n".join(lines).rstrip())
    print(f"check: {len(steps) - len(failures)} passed, {len(failures)} failed")
    return 0 if not failures else 1


class _Tail:
    """Write through to a stream, keeping the last lines written."""

    def __init__(self, stream, size=25):
        self.stream = stream
        self.lines = collections.deque([""], maxlen=size)

    def write(self, text):
        self.stream.write(text)
        first, *rest = text.split("\n")
        self.lines[-1] += first
        self.lines.extend(rest)
        return len(text)

    def flush(self):
        self.stream.flush()


def _bench_quick(args):
    """The quick benchmark reports figures; only a crash fails it."""
    args.quick = True
    args.out = args.root / ".fork" / "bench-quick"
    try:
        cmd_bench(args)
    except ForkError as e:
        print(f"bench: {e}")
        return False
    return True


def _compat(args):
    """`fork compat` on every package; a ForkError fails the step."""
    args.packages = None
    args.python = None
    try:
        return cmd_compat(args) == 0
    except ForkError as e:
        print(f"compat: {e}")
        return False


def _lint(root, python):
    problems = lint_mod.lint(root, python)
    for line in problems:
        print(line)
    return not problems


def _export_check(args):
    problems = check_series(args.root) + stack.export(args.root, check=True)
    for line in problems:
        print(line)
    return not problems


def _tool_tests(root, python):
    # Through print(), so that check can repeat the summary at the end.
    with subprocess.Popen(
        [str(python), "-m", "pytest", "-q", "scripts/tests"],
        cwd=root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as tests:
        for line in tests.stdout:
            print(line, end="", flush=True)
    return tests.returncode == 0


def parser():
    p = argparse.ArgumentParser(
        prog="fork",
        description="Upstream Django plus the fork's patch stack.",
    )
    p.add_argument(
        "--root", type=Path, default=ROOT, help="the fork's repository (default: here)"
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("setup", help="create .venv, fetch the base, apply, install")
    s.add_argument("--python", help="a Python >= 3.12 to build .venv with")
    s.add_argument("--force", action="store_true", help="discard edits in the tree")
    s.set_defaults(func=cmd_setup)

    s = sub.add_parser("apply", help="rebuild the pristine base and apply the series")
    s.add_argument("--python", help="a Python >= 3.12 (for pip download)")
    s.add_argument("--force", action="store_true", help="discard edits in the tree")
    s.add_argument(
        "--3way",
        dest="three_way",
        action="store_true",
        help="merge three-way where a patch's context moved (then `fork export`)",
    )
    s.set_defaults(func=cmd_apply)

    s = sub.add_parser("export", help="regenerate patches/ from the applied stack")
    s.add_argument("--check", action="store_true", help="only report differences")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("refresh", help="fold the tree's edits into a patch")
    s.add_argument("patch", help="the patch file name, as in patches/series")
    s.set_defaults(func=cmd_refresh)

    s = sub.add_parser("new", help="start a new patch from the tree's edits")
    s.add_argument("name", help="file name, e.g. 12345-short-description.patch")
    s.add_argument("--ticket", type=int, help="the Trac ticket number")
    s.add_argument("--subject", help="'Fixed #N -- Did X.' or 'Refs #N -- Did X.'")
    s.add_argument("--body", help="why the change is needed")
    s.add_argument("--message-file", type=argparse.FileType(), help="full message")
    s.add_argument("--after", help="the patch it goes after (default: last)")
    s.add_argument("--author", help="'Name <email>' (default: the fork's)")
    s.set_defaults(func=cmd_new)

    s = sub.add_parser("status", help="the patches, their tickets, files, tests")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("lint", help="check the patches and run upstream's linters")
    s.add_argument("--no-linters", action="store_true", help="skip black/isort/flake8")
    s.set_defaults(func=cmd_lint)

    s = sub.add_parser("test", help="run runtests.py on the labels the stack touches")
    group = s.add_mutually_exclusive_group()
    group.add_argument("--each", action="store_true", help="every prefix of the stack")
    group.add_argument(
        "--full", action="store_true", help="the whole suite vs pristine"
    )
    group.add_argument(
        "--services",
        action="store_true",
        help="on PostgreSQL, Redis and Memcached (.ci/services start)",
    )
    s.add_argument("labels", nargs="*", help="test labels (default: the stack's)")
    s.set_defaults(func=cmd_test)

    s = sub.add_parser("rebase", help="move the stack onto a new upstream release")
    s.add_argument("--to", required=True, metavar="VERSION", help="e.g. 6.1.4")
    s.add_argument("--sha256", help="pin this sha256 (default: the downloaded file's)")
    s.add_argument("--no-test", action="store_true", help="move without running tests")
    s.add_argument("--python", help="a Python >= 3.12 (for pip download)")
    s.set_defaults(func=cmd_rebase)

    s = sub.add_parser("pr", help="mbox and PR body to send one patch upstream")
    s.add_argument("patch", help="the patch file name, as in patches/series")
    s.add_argument("--no-test", action="store_true", help="do not run its tests")
    s.set_defaults(func=cmd_pr)

    s = sub.add_parser("bench", help="benchmark the fork against pristine upstream")
    s.add_argument(
        "--quick",
        action="store_true",
        help="hops, one storm and the large-body stall only",
    )
    s.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results", help="output folder"
    )
    s.set_defaults(func=cmd_bench)

    s = sub.add_parser("compat", help="third-party packages on the fork vs 6.1.3")
    s.add_argument(
        "packages", nargs="*", metavar="PACKAGE", help="only these (compat/packages)"
    )
    s.add_argument("--python", help="a Python >= 3.12 for the venvs")
    s.set_defaults(func=cmd_compat)

    s = sub.add_parser("build", help="sdist and wheel of the patched Django")
    s.add_argument(
        "--out", type=Path, default=ROOT / "dist", help="output folder (default: dist)"
    )
    s.set_defaults(func=cmd_build)

    s = sub.add_parser("demo", help="serve the demo site on the fork (uvicorn)")
    s.add_argument("--session-engine", choices=ENGINES, default="db")
    s.add_argument("--port", type=int, default=8000)
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("e2e", help="browser test of the demo, admin Selenium tests")
    s.add_argument(
        "--pristine", action="store_true", help="also run the admin subset on upstream"
    )
    s.set_defaults(func=cmd_e2e)

    s = sub.add_parser("check", help="all CI runs: lint, export --check, tests")
    s.set_defaults(func=cmd_check)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    args.root = args.root.resolve()
    try:
        return args.func(args) or 0
    except ForkError as e:
        print(f"fork: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fork: interrupted", file=sys.stderr)
        return 130
