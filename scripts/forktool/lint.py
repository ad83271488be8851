"""Checks on the patches: form, trailers, whitespace, and upstream's linters."""

import re
import subprocess
from pathlib import Path

try:
    import tomllib
except ImportError:  # pragma: no cover
    tomllib = None

from .gitrepo import StackRepo
from .series import (
    TICKET_SUBJECT,
    TICKET_URL,
    check_series,
    parse_hunks,
    parse_patch,
    series_paths,
)
from .twins import drifts

FORWARDED = re.compile(r"^(no|not-needed|https://\S+)$")
MAX_LINE = 72
LINT_ALLOW = ("add-then-delete", "twin-drift")


def check_message(info):
    problems = []
    where = f"patches/{info.name}"
    subject = info.subject
    if not subject:
        return [f"{where}: no Subject line"]
    if len(subject) > MAX_LINE:
        problems.append(f"{where}: subject is longer than {MAX_LINE} characters")
    if info.ticket is not None:
        if not TICKET_SUBJECT.match(subject):
            problems.append(
                f"{where}: subject must read 'Fixed #N -- Did X.' or "
                f"'Refs #N -- Did X.': {subject!r}"
            )
        bug = info.trailers.get("Bug")
        expected = f"https://code.djangoproject.com/ticket/{info.ticket}"
        if bug is None:
            problems.append(f"{where}: no 'Bug:' trailer")
        elif bug != expected:
            problems.append(f"{where}: 'Bug: {bug}' should be 'Bug: {expected}'")
    elif info.trailers.get("Forwarded") != "not-needed":
        problems.append(
            f"{where}: subject names no ticket ('Fixed #N -- ...'); only "
            "housekeeping patches marked 'Forwarded: not-needed' may omit it"
        )
    elif not re.match(r"^[A-Z][a-z]+ed\b.*\.$", subject):
        problems.append(f"{where}: subject must be past tense and end with '.'")
    forwarded = info.trailers.get("Forwarded")
    if forwarded is None:
        problems.append(
            f"{where}: no 'Forwarded:' trailer (no, not-needed or a PR URL)"
        )
    elif not FORWARDED.match(forwarded):
        problems.append(f"{where}: 'Forwarded: {forwarded}' is not no/not-needed/a URL")
    problems += _check_fork_trailers(info, where)
    body = [
        line
        for line in info.body
        if not line.startswith(tuple(f"{k}:" for k in info.trailers))
    ]
    if len([line for line in body if line.strip()]) == 0:
        problems.append(f"{where}: the message has no body saying why")
    for line in body:
        if len(line) > MAX_LINE and not re.search(r"https?://", line):
            problems.append(
                f"{where}: message line longer than {MAX_LINE}: {line[:40]}..."
            )
            break
    return problems


def _check_fork_trailers(info, where):
    """Backport-Of: and Lint-Allow:."""
    problems = []
    backport = info.trailers.get("Backport-Of")
    if backport is not None:
        if not TICKET_URL.match(backport):
            problems.append(
                f"{where}: 'Backport-Of: {backport}' should be the URL of the "
                "upstream ticket: https://code.djangoproject.com/ticket/N"
            )
        elif f"#{info.backport_of}" not in info.subject:
            problems.append(
                f"{where}: a backport's subject names its ticket: give it "
                f"upstream's subject, with #{info.backport_of}"
            )
        if info.trailers.get("Forwarded") != "not-needed":
            problems.append(
                f"{where}: a backport is on upstream's main already: mark it "
                "'Forwarded: not-needed'"
            )
    allow = info.trailers.get("Lint-Allow")
    if allow is not None:
        unknown = [a for a in _allowed(info) if a not in LINT_ALLOW]
        if unknown:
            problems.append(
                f"{where}: 'Lint-Allow: {allow}': known checks are "
                + ", ".join(LINT_ALLOW)
            )
    if len([line for line in info.body if line.startswith("Lint-Allow:")]) > 1:
        problems.append(
            f"{where}: give one 'Lint-Allow:' line, the checks separated by "
            "commas: 'Lint-Allow: add-then-delete, twin-drift'"
        )
    return problems


def _allowed(info):
    """The checks a patch's 'Lint-Allow:' trailer names, comma-separated."""
    return [a for a in re.split(r"[,\s]+", info.trailers.get("Lint-Allow", "")) if a]


def check_diff(path):
    """Trailing whitespace and missing final newlines in added lines."""
    problems = []
    where = f"patches/{Path(path).name}"
    current = None
    previous_added = False
    for line in Path(path).read_text(errors="replace").splitlines():
        if line.startswith("+++ b/"):
            current = line[len("+++ b/") :]
            previous_added = False
            continue
        if line.startswith("+") and not line.startswith("+++"):
            if line != line.rstrip():
                problems.append(f"{where}: trailing whitespace added in {current}")
            previous_added = True
            continue
        if line.startswith("\\ No newline at end of file") and previous_added:
            problems.append(f"{where}: {current} does not end with a newline")
        previous_added = False
    if not Path(path).read_bytes().endswith(b"\n"):
        problems.append(f"{where}: the patch file does not end with a newline")
    return problems


# Lines not worth a report: blank, brackets and punctuation, imports.
UNREMARKABLE = re.compile(r"^[\s()\[\]{}:;,.'\"#\\]*$|^\s*(import|from)\s+\S+")


def _carry(tracked, hunks):
    """
    Carry {line number: (patch, text)} of one file through the hunks a
    patch has in it. Returns the lines carried, renumbered, and the
    (patch, text) of those the hunks remove.
    """
    context, gone, ends = {}, {}, []
    for hunk in hunks:
        old = hunk.old_start + (not hunk.old)
        new = hunk.new_start + (len(hunk.old) == len(hunk.lines))
        for tag, text in hunk.lines:
            if tag == " ":
                context[old] = new
            elif tag == "-":
                gone[old] = text
            old += tag != "+"
            new += tag != "-"
        ends.append((old, new - old))
    carried, removed = {}, []
    for number, (owner, text) in tracked.items():
        if number in gone:
            # The same text too, in case a hand-edited patch's numbers drifted.
            if gone[number].strip() == text.strip():
                removed.append((owner, text))
        elif number in context:
            carried[context[number]] = (owner, text)
        else:
            shift = ([0] + [delta for end, delta in ends if end <= number])[-1]
            carried[number + shift] = (owner, text)
    return carried, removed


def check_add_then_delete(root, shown=3):
    """
    Lines a patch adds that a later patch removes or rewrites: the earlier
    patch should have been written that way. Follows each added line through
    the later patches by its line number (the diffs are read, not applied).
    Release notes are exempt, and so are the lines of backports, which stand
    for upstream's code; 'Lint-Allow: add-then-delete' in the later patch's
    message silences it. Pairs listed in patches/known-add-then-delete.txt
    (LATER EARLIER, one pair a line, # comments) are known debts: not
    reported while they occur, reported when they no longer do.
    """
    tracked = {}  # file: {line number: (patch, text)}
    problems = []
    known = _known_add_then_delete(root)
    occurring = set()
    for path in series_paths(root):
        backport = parse_patch(path).backport_of is not None
        hunks = {}
        for hunk in parse_hunks(path):
            hunks.setdefault(hunk.file, []).append(hunk)
        found = {}
        for file, its_hunks in hunks.items():
            carried, removed = _carry(tracked.get(file, {}), its_hunks)
            for owner, text in removed:
                if not file.startswith("docs/releases/") and not UNREMARKABLE.match(
                    text
                ):
                    found.setdefault(owner, []).append(f"{file}: {text.strip()!r}")
            for hunk in its_hunks:
                number = hunk.new_start
                for tag, text in hunk.lines:
                    if tag == "+" and not backport:
                        carried[number] = (path.name, text)
                    number += tag != "-"
            tracked[file] = carried
        if "add-then-delete" in _allowed(parse_patch(path)):
            continue
        for owner, lines in found.items():
            if (path.name, owner) in known:
                occurring.add((path.name, owner))
                continue
            count = f"{len(lines)} line{'s' if len(lines) > 1 else ''}"
            report = [
                f"patches/{path.name} removes lines that {owner} added: {count} "
                "(fold the change into the earlier patch; if intended, add "
                "'Lint-Allow: add-then-delete' to this patch's message)"
            ]
            report += [f"    {line}" for line in lines[:shown]]
            if len(lines) > shown:
                report.append(f"    ... and {len(lines) - shown} more")
            problems.append("\n".join(report))
    problems += [
        f"{KNOWN_ADD_THEN_DELETE}: {later} no longer removes lines of {earlier}: "
        "drop the line"
        for later, earlier in sorted(known.keys() - occurring)
    ]
    return problems


KNOWN_ADD_THEN_DELETE = "patches/known-add-then-delete.txt"


def _known_add_then_delete(root):
    path = Path(root) / KNOWN_ADD_THEN_DELETE
    if not path.exists():
        return {}
    known = {}
    for line in path.read_text().splitlines():
        pair, _, reason = line.partition("#")
        if pair.split():
            later, earlier = pair.split()
            known[later, earlier] = reason.strip()
    return known


def check_twin_drift(root):
    """
    Functions a patch changes while leaving their async (or sync) twin as
    it was, in the Python files under django/ that it modifies: a fix made
    on one path only (forktool.twins says what counts and what's exempt).
    Both versions of a file come from the patch's commit in the stack
    repository. 'Lint-Allow: twin-drift' in the patch's message silences it.
    """
    repo = StackRepo(root)
    if not repo.exists():
        return ["twin-drift: no applied stack to read the files from: run `fork apply`"]
    commits = repo.stack_commits("stack")
    problems = []
    for i, path in enumerate(series_paths(root)):
        info = parse_patch(path)
        if "twin-drift" in _allowed(info) or not any(map(_django_python, info.files)):
            continue
        commit = commits[i] if i < len(commits) else None
        if commit is None or not _same_diff(repo, path, commit):
            problems.append(
                f"patches/{path.name}: not checked for twin drift: the stack "
                "repository does not hold it as written; run `fork apply`"
            )
            continue
        for file in _modified_python(repo, commit):
            problems += _twin_drift(repo, path.name, commit, file)
    return problems


def _django_python(file):
    return file.startswith("django/") and file.endswith(".py")


def _same_diff(repo, path, commit):
    """Whether a commit makes a patch file's diff (git patch-id says)."""
    ids = [
        repo.run("patch-id", "--stable", input=diff).stdout.split()[:1]
        for diff in (path.read_text(errors="replace"), repo.out("show", commit))
    ]
    return ids[0] == ids[1]


def _modified_python(repo, commit):
    """The Python files under django/ that a commit modifies (not creates)."""
    out = repo.out(
        "diff-tree", "-r", "--no-commit-id", "--name-only", "--diff-filter=M", commit
    )
    return [file for file in out.splitlines() if _django_python(file)]


def _twin_drift(repo, name, commit, file):
    before = repo.out("show", f"{commit}^:{file}")
    after = repo.out("show", f"{commit}:{file}")
    return [
        f"patches/{name}: changes {d.changed} ({file}:{d.changed_line}) but not "
        f"its twin {d.twin} ({file}:{d.twin_line}); change both, or add "
        "'Lint-Allow: twin-drift' to the patch message if the one-sided change "
        "is intended"
        for d in drifts(before, after)
    ]


def check_tool_config(root):
    """The fork's pyproject.toml carries upstream's black and isort settings."""
    root = Path(root)
    upstream = root / ".fork" / "upstream" / "pyproject.toml"
    if tomllib is None or not upstream.exists():
        return []
    with open(upstream, "rb") as f:
        theirs = tomllib.load(f).get("tool", {})
    with open(root / "pyproject.toml", "rb") as f:
        ours = tomllib.load(f).get("tool", {})
    return [
        f"pyproject.toml: [tool.{name}] differs from upstream's; copy it from "
        f".fork/upstream/pyproject.toml"
        for name in ("black", "isort")
        if theirs.get(name) != ours.get(name)
    ]


def run_linters(root, python, files):
    """black, isort and flake8 with upstream's settings on the given files."""
    root = Path(root)
    files = [f for f in files if f.endswith(".py") and (root / f).exists()]
    problems = []
    if not files:
        return problems
    commands = [
        ("black", [str(python), "-m", "black", "--check", "--quiet", *files]),
        ("isort", [str(python), "-m", "isort", "--check-only", "--quiet", *files]),
        ("flake8", [str(python), "-m", "flake8", *files]),
    ]
    for name, cmd in commands:
        out = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        if out.returncode != 0:
            detail = (out.stdout + out.stderr).strip()
            problems.append(f"{name} failed:\n{detail}")
    return problems


def run_docs_lint(root, python, files):
    """Upstream's docs linter (sphinx-lint with Django's checks)."""
    docs = [f for f in files if f.startswith("docs/") and f.endswith(".txt")]
    if not docs:
        return []
    out = subprocess.run(
        [str(python), "lint.py"],
        cwd=Path(root) / "docs",
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        return ["docs lint failed:\n" + (out.stdout + out.stderr).strip()[-3000:]]
    return []


def lint(root, python, linters=True):
    problems = check_series(root)
    if problems:
        return problems
    touched = []
    for path in series_paths(root):
        info = parse_patch(path)
        problems += check_message(info)
        problems += check_diff(path)
        touched += [f for f in info.files if f not in touched]
    problems += check_add_then_delete(root)
    problems += check_twin_drift(root)
    problems += check_tool_config(root)
    if linters:
        problems += run_linters(root, python, touched)
        problems += run_docs_lint(root, python, touched)
    return problems
