"""
The stack repository: a private git repository (.fork/git) whose work tree
is the fork's root. It tracks upstream's files only: a base commit holding
the pristine sdist, tagged `base`, and one commit a patch on top of it.
"""

import os
import subprocess
from pathlib import Path

from .errors import ForkError
from .paths import state_dir

# Fixed identity and dates make the stack's commits reproducible and keep
# the user's git configuration out of the patches.
COMMITTER = {
    "GIT_COMMITTER_NAME": "django-fork",
    "GIT_COMMITTER_EMAIL": "django-fork@localhost",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+00:00",
}
BASE_AUTHOR = {
    "GIT_AUTHOR_NAME": "Django upstream",
    "GIT_AUTHOR_EMAIL": "upstream@localhost",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+00:00",
}
CONFIG = [
    "-c",
    "core.autocrlf=false",
    "-c",
    "core.quotepath=false",
    "-c",
    "core.abbrev=12",
    "-c",
    "diff.algorithm=myers",
    "-c",
    "diff.renames=false",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "am.threeWay=false",
    "-c",
    "advice.detachedHead=false",
]


def without_git_variables():
    """The environment minus GIT_*, which would point git elsewhere."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def fork_git(root, *args):
    """Run git in the fork's own repository (not the stack repository)."""
    return subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=without_git_variables(),
    )


class StackRepo:
    def __init__(self, root, git_dir=None, work_tree=None):
        self.root = Path(work_tree or root).resolve()
        self.git_dir = Path(git_dir) if git_dir else state_dir(self.root) / "git"

    def exists(self):
        return (self.git_dir / "HEAD").exists()

    def env(self, extra=None):
        env = without_git_variables()
        env.update(
            GIT_DIR=str(self.git_dir),
            GIT_WORK_TREE=str(self.root),
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_CONFIG_NOSYSTEM="1",
            LC_ALL="C",
            **COMMITTER,
        )
        env.update(extra or {})
        return env

    def run(self, *args, check=True, env=None, input=None):
        cmd = ["git", *CONFIG, *args]
        out = subprocess.run(
            cmd,
            cwd=self.root,
            env=self.env(env),
            capture_output=True,
            text=True,
            input=input,
        )
        if check and out.returncode != 0:
            detail = (out.stderr or out.stdout).strip().splitlines()
            raise ForkError(
                f"git {args[0]} failed: {detail[-1] if detail else out.returncode}"
            )
        return out

    def out(self, *args):
        return self.run(*args).stdout

    # Queries.

    def head(self):
        return self.out("rev-parse", "HEAD").strip()

    def base(self):
        return self.out("rev-parse", "base^{commit}").strip()

    def stack_commits(self, ref="HEAD"):
        """The commits above base, oldest first."""
        out = self.out("rev-list", "--reverse", f"base..{ref}")
        return out.split()

    def dirty(self):
        """Uncommitted edits: modified, added, deleted or new files."""
        out = self.out("status", "--porcelain", "--untracked-files=normal")
        return [line for line in out.splitlines() if line.strip()]

    def base_version(self):
        path = state_dir(self.root) / "base-version"
        return path.read_text().strip() if path.exists() else None

    def tracked_files(self):
        return self.out("ls-files", "-z").split("\0")[:-1]
