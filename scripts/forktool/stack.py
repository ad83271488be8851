"""Materialize the pinned base at the root, apply the series, export it."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import upstream
from .errors import ForkError
from .gitrepo import BASE_AUTHOR, StackRepo, fork_git
from .paths import LOCAL_VERSION_FILE, read_pin, state_dir
from .series import insert_into_series, patches_dir, read_series, series_paths

# git format-patch options pinned so that an unchanged stack exports to
# byte-identical files whatever the user's configuration or git version.
FORMAT_PATCH = [
    "format-patch",
    "--zero-commit",
    "--no-signature",
    "--no-numbered",
    "--subject-prefix=PATCH",
    "--abbrev=12",
    "--no-renames",
    "--stat=80",
    "--stat-graph-width=40",
    "--no-color",
    "--no-binary",
    "--encode-email-headers",
]
# Upstream's own packaging file stays out of the root: the fork's
# pyproject.toml (its build backend) lives there. See README.md.
KEPT_ASIDE = ("pyproject.toml",)


def refuse_if_dirty(repo, force, action):
    if force or not repo.exists():
        return
    dirty = repo.dirty()
    if dirty:
        shown = "\n  ".join(dirty[:10])
        raise ForkError(
            f"{action} would discard uncommitted edits in the upstream tree:\n"
            f"  {shown}\n"
            "fold them into a patch first (`fork refresh PATCH`, or `fork new`), "
            "or pass --force to discard them"
        )


def _upstream_entries(repo):
    return sorted({path.split("/", 1)[0] for path in repo.tracked_files()})


def _write_excludes(root, entries):
    """The stack repository sees upstream's entries only; the fork's git
    repository ignores them."""
    root = Path(root)
    state = state_dir(root)
    inner = state / "git" / "info" / "exclude"
    inner.parent.mkdir(parents=True, exist_ok=True)
    lines = ["/*"] + [f"!/{name}" for name in entries]
    lines += ["__pycache__/", "*.py[co]", "/tests/.coverage*", f"/{LOCAL_VERSION_FILE}"]
    inner.write_text("\n".join(lines) + "\n")
    out = fork_git(root, "rev-parse", "--git-path", "info/exclude")
    if out.returncode == 0:
        outer = root / out.stdout.strip()
        outer.parent.mkdir(parents=True, exist_ok=True)
        text = outer.read_text() if outer.exists() else ""
        marker = "# upstream tree materialized by scripts/fork"
        kept = text.split(marker)[0].rstrip("\n")
        block = "\n".join([marker] + [f"/{name}" for name in entries])
        outer.write_text((kept + "\n\n" if kept else "") + block + "\n")


def materialize(root, python, force=False):
    """
    Make the root hold the pristine pinned base, committed as `base` in the
    stack repository. Reuses the unpacked base when the pin is unchanged.
    """
    root = Path(root).resolve()
    pin = read_pin(root)
    repo = StackRepo(root)
    refuse_if_dirty(repo, force, "rebuilding the base")
    if repo.exists() and repo.base_version() == f"{pin.version} {pin.sha256}":
        repo.run("checkout", "-q", "-f", "-B", "stack", "base")
        repo.run("clean", "-q", "-f", "-d")
        _write_excludes(root, _upstream_entries(repo))
        return repo
    sdist = upstream.fetch(pin, python)
    if repo.exists():
        # The old base goes; refuse_if_dirty() made sure nothing of the
        # user's is in it but ignored files (bytecode, logs).
        for name in _upstream_entries(repo):
            target = root / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
        shutil.rmtree(repo.git_dir)
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        unpacked = upstream.extract(sdist, Path(tmp) / "base")
        entries = sorted(p.name for p in unpacked.iterdir())
        clashes = [
            name
            for name in entries
            if name not in KEPT_ASIDE and (root / name).exists()
        ]
        if clashes and not force:
            raise ForkError(
                "the root already holds "
                + ", ".join(clashes[:5])
                + " not managed by the stack repository; move them away or "
                "pass --force to replace them"
            )
        aside = state_dir(root) / "upstream"
        aside.mkdir(parents=True, exist_ok=True)
        for name in entries:
            source = unpacked / name
            if name in KEPT_ASIDE:
                shutil.move(str(source), aside / name)
                continue
            target = root / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            shutil.move(str(source), target)
    entries = [name for name in entries if name not in KEPT_ASIDE]
    repo.git_dir.mkdir(parents=True, exist_ok=True)
    repo.run("init", "-q", "--initial-branch=stack")
    _write_excludes(root, entries)
    repo.run("add", "-A", "--", *entries)
    repo.run(
        "commit",
        "-q",
        "--no-verify",
        "-m",
        f"{pin.name} {pin.version} (pristine sdist, sha256 {pin.sha256})",
        env=BASE_AUTHOR,
    )
    repo.run("tag", "-f", "base")
    (state_dir(root) / "base-version").write_text(f"{pin.version} {pin.sha256}\n")
    return repo


def _failure_detail(output):
    """The file and hunk that did not apply, from git am/apply's messages."""
    for line in output.splitlines():
        match = re.match(r"error: patch failed: (.+):(\d+)$", line)
        if match:
            return f"{match.group(1)}, hunk at line {match.group(2)}"
    for line in output.splitlines():
        if line.startswith("error: "):
            return line[len("error: ") :]
    return output.strip().splitlines()[-1] if output.strip() else "unknown reason"


def apply_series(root, paths=None, three_way=False):
    """Apply the patches strictly (no fuzz) on top of the current HEAD."""
    repo = StackRepo(root)
    paths = series_paths(root) if paths is None else paths
    for path in paths:
        args = ["am", "--quiet", "--whitespace=nowarn", "--keep-cr"]
        args.append("--3way" if three_way else "--no-3way")
        out = repo.run(*args, str(path), check=False)
        if out.returncode != 0:
            repo.run("am", "--abort", check=False)
            raise ForkError(
                f"patches/{path.name} does not apply: "
                f"{_failure_detail(out.stderr + out.stdout)}. The tree holds the "
                "base and the patches before it (see README: when a patch does "
                "not apply)"
            )
    return repo


def apply(root, python, force=False, three_way=False):
    repo = materialize(root, python, force=force)
    apply_series(root, three_way=three_way)
    return repo


def format_patches(repo, commits):
    """Run git format-patch for the given commits; return their texts."""
    return [repo.out(*FORMAT_PATCH, "--stdout", "-1", commit) for commit in commits]


def export(root, check=False):
    """
    Regenerate patches/ from the stack repository. With check, write
    nothing and return the problems found.
    """
    root = Path(root)
    repo = StackRepo(root)
    if not repo.exists():
        raise ForkError("no applied stack: run `fork apply` (or `fork setup`) first")
    names = read_series(root)
    commits = repo.stack_commits()
    if len(commits) != len(names):
        raise ForkError(
            f"the stack repository has {len(commits)} commits above base but "
            f"patches/series lists {len(names)} patches; run `fork apply`, or "
            "use `fork new` to add a patch"
        )
    problems = []
    for name, text in zip(names, format_patches(repo, commits)):
        path = patches_dir(root) / name
        current = path.read_bytes().decode() if path.exists() else None
        if current != text:
            if check:
                problems.append(f"patches/{name} needs re-export")
            else:
                path.write_text(text)
    return problems


def refresh(root, name):
    """Fold the uncommitted edits of the tree into patch `name`."""
    root = Path(root)
    repo = StackRepo(root)
    names = read_series(root)
    if name not in names:
        raise ForkError(f"{name} is not in patches/series (see `fork status`)")
    if not repo.dirty():
        raise ForkError("no uncommitted edits in the upstream tree to fold in")
    commits = repo.stack_commits()
    if len(commits) != len(names):
        raise ForkError("the stack is not fully applied: run `fork apply` first")
    target = commits[names.index(name)]
    repo.run("add", "-A")
    if target == commits[-1]:
        repo.run("commit", "-q", "--no-verify", "--amend", "--no-edit")
    else:
        repo.run(
            "commit", "-q", "--no-verify", f"--fixup={target}", env=author_env(root)
        )
        _rebase_autosquash(repo, name)
    export(root)


def _rebase_autosquash(repo, name):
    out = repo.run(
        "rebase",
        "-q",
        "-i",
        "--autosquash",
        "--committer-date-is-author-date",
        "base",
        check=False,
        env={"GIT_SEQUENCE_EDITOR": "true", "GIT_EDITOR": "true"},
    )
    if out.returncode != 0:
        repo.run("rebase", "--abort", check=False)
        repo.run("reset", "-q", "--soft", "HEAD~1")
        raise ForkError(
            f"the edit conflicts with a later patch when moved into {name}; "
            "your edits are left uncommitted in the tree: fold them into the "
            "later patch instead, or split them"
        )


DEFAULT_AUTHOR = "Django fork maintainers <django-fork@localhost>"


def author_env(root, author=None):
    """
    The author of a new patch: --author, else $GIT_AUTHOR_NAME/EMAIL, else
    the user's git identity, else the fork's.
    """
    if not author:
        name = os.environ.get("GIT_AUTHOR_NAME")
        email = os.environ.get("GIT_AUTHOR_EMAIL")
        if not (name and email):
            ident = subprocess.run(
                ["git", "var", "GIT_AUTHOR_IDENT"],
                cwd=root,
                capture_output=True,
                text=True,
            )
            match = re.match(r"(.+?) <(.+)> \d+", ident.stdout)
            if ident.returncode == 0 and match and "(none)" not in match.group(2):
                name, email = match.groups()
        author = f"{name} <{email}>" if name and email else DEFAULT_AUTHOR
    match = re.fullmatch(r"\s*(.*?)\s*<(.+)>\s*", author)
    if not match:
        raise ForkError("--author takes 'Name <email>'")
    return {"GIT_AUTHOR_NAME": match.group(1), "GIT_AUTHOR_EMAIL": match.group(2)}


def new_patch(root, name, message, after=None, author=None):
    """Start a new patch from the tree's uncommitted edits."""
    root = Path(root)
    repo = StackRepo(root)
    names = read_series(root)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.patch", name):
        raise ForkError(f"{name}: patch names look like 12345-short-description.patch")
    if name in names:
        raise ForkError(f"{name} is already in patches/series")
    if after is not None and after not in names:
        raise ForkError(f"{after} is not in patches/series")
    commits = repo.stack_commits()
    if len(commits) != len(names):
        raise ForkError("the stack is not fully applied: run `fork apply` first")
    if not repo.dirty():
        raise ForkError(
            "no uncommitted edits in the upstream tree: edit files first, "
            "then start the patch from them"
        )
    env = author_env(root, author)
    repo.run("add", "-A")
    repo.run("commit", "-q", "--no-verify", "-F", "-", input=message, env=env)
    position = len(names) if after is None else names.index(after) + 1
    if position < len(names):
        # Move the new commit down to its place in the series.
        todo = [f"pick {c}" for c in commits[:position]]
        todo.append(f"pick {repo.head()}")
        todo += [f"pick {c}" for c in commits[position:]]
        with tempfile.NamedTemporaryFile("w", suffix=".todo", delete=False) as f:
            f.write("\n".join(todo) + "\n")
        out = repo.run(
            "rebase",
            "-q",
            "-i",
            "--committer-date-is-author-date",
            "base",
            check=False,
            env={"GIT_SEQUENCE_EDITOR": f"cp {f.name}", "GIT_EDITOR": "true"},
        )
        Path(f.name).unlink()
        if out.returncode != 0:
            repo.run("rebase", "--abort", check=False)
            repo.run("reset", "-q", "--soft", "HEAD~1")
            raise ForkError(
                f"the new patch conflicts with {names[position]} when placed "
                "before it; your edits are left uncommitted in the tree"
            )
    insert_into_series(root, name, after=names[position - 1] if position else None)
    if position == 0 and names:
        # insert_into_series appends; put the new name first instead.
        path = patches_dir(root) / "series"
        lines = [line for line in path.read_text().splitlines() if line != name]
        first = next(i for i, line in enumerate(lines) if line.split("#", 1)[0].strip())
        lines.insert(first, name)
        path.write_text("\n".join(lines) + "\n")
    export(root)
