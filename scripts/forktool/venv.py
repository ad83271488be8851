"""The project's virtualenv: patched Django editable, test requirements."""

import re
import subprocess
import sys
from pathlib import Path

from .errors import ForkError
from .interp import MINIMUM, find_python, version_of

VENV = ".venv"
# What the tool itself needs beside upstream's test requirements.
TOOL_REQUIREMENTS = ["pytest", "isort >= 7.0.0", "flake8 >= 3.7.0", "sphinx-lint"]


def venv_python(root):
    return Path(root) / VENV / "bin" / "python"


def interpreter(root, explicit=None):
    """The venv's Python when it is there and suitable, else a discovered one."""
    python = venv_python(root)
    if not explicit and python.exists():
        version = version_of(python)
        if version and version >= MINIMUM:
            return python
    return find_python(explicit)


def create(root, explicit=None):
    python = venv_python(root)
    if python.exists() and not explicit:
        version = version_of(python)
        if version and version >= MINIMUM:
            return python
    base = find_python(explicit)
    print(f"creating {VENV} with {base}", file=sys.stderr)
    out = subprocess.run(
        [str(base), "-m", "venv", "--clear", str(Path(root) / VENV)],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise ForkError(f"{base} -m venv failed: {out.stderr.strip()[-300:]}")
    return python


def pip(python, *args, quiet=True):
    cmd = [str(python), "-m", "pip", *args, "--disable-pip-version-check"]
    if quiet:
        cmd.append("--quiet")
    return subprocess.run(cmd, capture_output=True, text=True)


def _requirement_name(line):
    return re.split(r"[\s<>=!~;\[]", line.strip(), maxsplit=1)[0]


def left_out_requirements():
    """Test requirements that cannot install on this machine, and why."""
    left_out = {}
    if not Path("/usr/include/libmemcached/memcached.h").exists():
        left_out["pylibmc"] = (
            "builds against libmemcached, whose headers are not installed "
            "(apt-get install libmemcached-dev); pymemcache covers the "
            "memcached cache tests"
        )
    return left_out


def install(root, python):
    """Install the tree editable, the test requirements and the tool's own."""
    root = Path(root)
    out = pip(python, "install", "--editable", str(root))
    if out.returncode != 0:
        raise ForkError(
            "installing the patched Django failed: "
            + (out.stderr.strip().splitlines() or ["?"])[-1]
        )
    left_out = left_out_requirements()
    wanted = []
    # postgres.txt: `test --services` runs the tests on PostgreSQL.
    for name in ("py3.txt", "postgres.txt"):
        requirements = root / "tests" / "requirements" / name
        for line in requirements.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and _requirement_name(line) not in left_out:
                wanted.append(line)
    wanted += TOOL_REQUIREMENTS
    out = pip(python, "install", *wanted)
    if out.returncode != 0:
        # Install one by one to find the ones this machine cannot build.
        for requirement in wanted:
            one = pip(python, "install", requirement)
            if one.returncode != 0:
                reason = (one.stderr.strip().splitlines() or ["?"])[-1]
                left_out[_requirement_name(requirement)] = (
                    f"failed to install: {reason}"
                )
    for name, reason in left_out.items():
        print(f"left out test requirement {name}: {reason}", file=sys.stderr)
    return left_out
