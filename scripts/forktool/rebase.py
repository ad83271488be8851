"""Move the stack onto a new upstream release and say what became of each patch."""

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import stack, upstream
from .errors import ForkError
from .gitrepo import BASE_AUTHOR, StackRepo
from .lint import UNREMARKABLE
from .paths import Pin, read_pin, state_dir, write_pin
from .series import parse_hunks, parse_patch, patches_dir, series_paths

CLEAN = "applied cleanly"
THREE_WAY = "merged with three-way"
EMPTY = "became empty: upstream merged it, dropped"
CONFLICT = "conflict"
LIKELY = "conflict, likely upstreamed: verify"
BACKPORT_UPSTREAMED = "upstreamed (backport of #{})"
BACKPORT_CONFLICT = "conflict: backport of #{}, compare with upstream's change"


@dataclass
class Outcome:
    name: str
    status: str
    evidence: list = field(default_factory=list)
    dropped: bool = False  # upstream has it: it moves to patches/upstreamed/


def _commit_tree(repo, message, tag):
    repo.run("add", "-A", ".")
    repo.run(
        "commit", "-q", "--no-verify", "--allow-empty", "-m", message, env=BASE_AUTHOR
    )
    repo.run("tag", "-f", tag)


def _unpack(sdist, tree):
    for entry in tree.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    upstream.extract(sdist, tree)
    for name in stack.KEPT_ASIDE:
        if (tree / name).exists():
            (tree / name).unlink()


def _am(repo, path, three_way):
    args = ["am", "--quiet", "--whitespace=nowarn", "--keep-cr"]
    args.append("--3way" if three_way else "--no-3way")
    out = repo.run(*args, str(path), check=False)
    if out.returncode != 0:
        repo.run("am", "--abort", check=False)
    return out.returncode == 0


def _reverse_applies(repo, path):
    """Whether the patch's changes are all in the work tree already."""
    # Through the stack repository: a plain `git apply` in the work tree
    # would take it for a folder of the fork's repository and skip every path.
    return repo.run("apply", "-R", "--check", str(path), check=False).returncode == 0


def _blocks(lines):
    """Runs of 3 consecutive lines, stripped, blank and bracket lines aside."""
    kept = [line.strip() for line in lines if not UNREMARKABLE.match(line)]
    return {tuple(kept[i : i + 3]) for i in range(len(kept) - 2)}


def _moved_code(repo, tree, path):
    """
    Hunks that fail because upstream moved the lines they expect (removed or
    context lines, 3 in a row) out of their file into another one.
    """
    found = []
    for hunk in parse_hunks(path):
        target = tree / hunk.file
        text = target.read_text(errors="replace") if target.is_file() else ""
        if hunk.old and "\n".join(hunk.old) + "\n" in text:
            continue  # this hunk still applies
        gone = _blocks(hunk.old) - _blocks(text.splitlines())
        if not gone:
            continue
        patterns = [arg for block in gone for arg in ("-e", max(block, key=len))]
        grep = repo.run("grep", "-l", "-F", *patterns, check=False).stdout
        for other in grep.splitlines():
            if other == hunk.file:
                continue
            before = repo.run("show", f"old-base:{other}", check=False).stdout
            there = _blocks((tree / other).read_text(errors="replace").splitlines())
            if (gone & there) - _blocks(before.splitlines()):
                line = f"conflict: upstream moved code from {hunk.file} to {other}"
                if line not in found:
                    found.append(line)
    return found


def _evidence(repo, tree, path, version):
    """Signs that a conflicting patch was merged upstream in another form."""
    info = parse_patch(path)
    found = []
    if info.ticket:
        pattern = re.compile(rf"(:ticket:`{info.ticket}`|#{info.ticket}\b)")
        for notes in sorted((tree / "docs" / "releases").glob("*.txt")):
            if pattern.search(notes.read_text(errors="replace")):
                found.append(
                    f"ticket #{info.ticket} is cited in docs/releases/{notes.name}"
                )
    if _reverse_applies(repo, path):
        found.append(f"the patch reverse-applies onto {version}: its changes are there")
    text = Path(path).read_text(errors="replace")
    definition = r"^{}\s*(?:async\s+)?(?:def|class)\s+(\w+)"
    added = re.findall(definition.format(r"\+"), text, re.MULTILINE)
    # A definition the patch removes and adds back is changed, not new.
    changed = set(re.findall(definition.format("-"), text, re.MULTILINE))
    present = []
    for name in dict.fromkeys(added):
        if name.startswith("test") or name in changed:
            continue
        grep = subprocess.run(
            ["grep", "-rqE", rf"(def|class) {name}\b", "django"],
            cwd=tree,
        )
        if grep.returncode == 0:
            present.append(name)
    if present:
        found.append(f"APIs it adds already exist in {version}: {', '.join(present)}")
    return found


def rebase(root, python, version, sha256=None, run_tests=None):
    """
    Replay the stack on upstream `version`. Updates the pin and patches/ only
    when every patch applies (or became empty) and `run_tests` passes.
    Returns (outcomes, report path, moved).
    """
    root = Path(root)
    old = read_pin(root)
    if version == old.version:
        raise ForkError(f"the stack is already on {version}")
    stack.refuse_if_dirty(StackRepo(root), False, "rebase")
    old_sdist = upstream.fetch(old, python)
    new_sdist = upstream.fetch(Pin(old.name, version, sha256 or ""), python)
    new = Pin(old.name, version, sha256 or upstream.sha256_of(new_sdist))
    work = state_dir(root) / "rebase"
    shutil.rmtree(work, ignore_errors=True)
    tree = work / "tree"
    tree.mkdir(parents=True)
    repo = StackRepo(root, git_dir=work / "git", work_tree=tree)
    repo.git_dir.mkdir(parents=True)
    repo.run("init", "-q", "--initial-branch=old")
    current = StackRepo(root)
    if current.exists():
        # The blobs the patches' index lines name, for three-way merges.
        repo.run("fetch", "-q", "--no-tags", str(current.git_dir), "stack", check=False)
    _unpack(old_sdist, tree)
    _commit_tree(repo, f"{old.name} {old.version}", "old-base")
    paths = series_paths(root)
    for path in paths:
        if not _am(repo, path, three_way=False):
            raise ForkError(
                f"patches/{path.name} does not apply on {old.version}: "
                "run `fork apply` first"
            )
    repo.run("checkout", "-q", "--orphan", "new")
    _unpack(new_sdist, tree)
    _commit_tree(repo, f"{new.name} {new.version}", "new-base")
    outcomes = []
    kept = []
    for path in paths:
        before = repo.head()
        backport = parse_patch(path).backport_of
        if _am(repo, path, three_way=False):
            outcomes.append(Outcome(path.name, CLEAN))
        elif _am(repo, path, three_way=True):
            if repo.head() == before:
                status = BACKPORT_UPSTREAMED.format(backport) if backport else EMPTY
                outcomes.append(Outcome(path.name, status, dropped=True))
                continue
            outcomes.append(Outcome(path.name, THREE_WAY))
        else:
            outcomes.append(_conflict(repo, tree, path, version, backport))
            continue
        kept.append(path.name)
    moved = all(o.dropped or o.status in (CLEAN, THREE_WAY) for o in outcomes)
    report = _report(root, repo, old, new, outcomes, moved)
    if not moved:
        return outcomes, report, False
    _move(root, python, repo, old, new, outcomes, kept, run_tests)
    return outcomes, report, True


def _conflict(repo, tree, path, version, backport):
    """The outcome of a patch that does not apply, with the evidence."""
    moved_code = _moved_code(repo, tree, path)
    if backport:
        # Never dropped on a guess: only when all of it is there.
        if _reverse_applies(repo, path):
            evidence = [f"the patch reverse-applies onto {version}"]
            return Outcome(
                path.name, BACKPORT_UPSTREAMED.format(backport), evidence, True
            )
        return Outcome(path.name, BACKPORT_CONFLICT.format(backport), moved_code)
    # Moved code alone is no sign that upstream merged the patch.
    evidence = _evidence(repo, tree, path, version)
    return Outcome(path.name, LIKELY if evidence else CONFLICT, evidence + moved_code)


def _move(root, python, repo, old, new, outcomes, kept, run_tests):
    """Write the replayed patches and the new pin; undo if the tests fail."""
    patches = patches_dir(root)
    backup = state_dir(root) / "rebase" / "old-patches"
    shutil.copytree(patches, backup)
    shutil.copy2(root / "upstream.toml", backup / "upstream.toml")
    commits = repo.out("rev-list", "--reverse", "new-base..new").split()
    texts = stack.format_patches(repo, commits)
    for name, text in zip(kept, texts):
        (patches / name).write_text(text)
    dropped = [o.name for o in outcomes if o.dropped]
    if dropped:
        (patches / "upstreamed").mkdir(exist_ok=True)
        for name in dropped:
            text = (patches / name).read_text()
            text = re.sub(
                r"^(Forwarded: .*)$",
                rf"\1\nApplied-Upstream: {new.version}",
                text,
                count=1,
                flags=re.MULTILINE,
            )
            (patches / "upstreamed" / name).write_text(text)
            (patches / name).unlink()
        series = patches / "series"
        lines = [
            line
            for line in series.read_text().splitlines()
            if line.split("#", 1)[0].strip() not in dropped
        ]
        series.write_text("\n".join(lines) + "\n")
    write_pin(root, new)
    try:
        stack.apply(root, python)
        ok = run_tests() if run_tests else True
    except ForkError:
        ok = False
    if not ok:
        for entry in patches.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        for entry in backup.iterdir():
            if entry.name != "upstream.toml":
                shutil.copy2(entry, patches / entry.name)
        shutil.copy2(backup / "upstream.toml", root / "upstream.toml")
        stack.apply(root, python)
        raise ForkError(
            f"the stack applies on {new.version} but its tests fail there; "
            f"the pin and patches/ are back on {old.version}"
        )


def _report(root, repo, old, new, outcomes, moved):
    lines = [
        f"# Rebase of the stack from {old.name} {old.version} to {new.version}",
        "",
        f"New sdist sha256: `{new.sha256}`",
        "",
        "| patch | status | evidence |",
        "|---|---|---|",
    ]
    for o in outcomes:
        lines.append(f"| `{o.name}` | {o.status} | {'; '.join(o.evidence) or '-'} |")
    lines += [""]
    if moved:
        lines.append(
            f"Every patch applies on {new.version}: the pin moves after the tests pass."
        )
    else:
        lines.append(
            f"Not every patch applies on {new.version}: the pin stays on "
            f"{old.version}. Resolve the conflicts (see README) and run rebase again."
        )
    range_diff = repo.run(
        "range-diff", "--no-color", "old-base..old", "new-base..new", check=False
    ).stdout
    lines += ["", "## What changed in each replayed patch (git range-diff)", ""]
    lines += ["```", range_diff.rstrip() or "(no patches)", "```", ""]
    reports = state_dir(root) / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / f"rebase-{old.version}-to-{new.version}.md"
    path.write_text("\n".join(lines))
    return path
