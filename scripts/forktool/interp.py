"""Find a Python interpreter that upstream Django supports."""

import os
import shutil
import subprocess
from pathlib import Path

from .errors import ForkError

MINIMUM = (3, 12)
PROBE = "import sys; print('%d.%d' % sys.version_info[:2])"


def version_of(executable):
    """Return (major, minor) of an interpreter, or None if it doesn't run."""
    try:
        out = subprocess.run(
            [str(executable), "-c", PROBE],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    try:
        major, minor = out.stdout.strip().split(".")
        return int(major), int(minor)
    except ValueError:
        return None


def candidates():
    """Interpreters on PATH first, then pyenv's installed versions."""
    seen = set()
    names = ["python3"] + [f"python3.{minor}" for minor in range(20, 11, -1)]
    for name in names:
        found = shutil.which(name)
        if found and found not in seen:
            seen.add(found)
            yield Path(found)
    pyenv_root = os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv"
    versions = Path(pyenv_root) / "versions"
    if versions.is_dir():
        for entry in sorted(versions.iterdir(), reverse=True):
            exe = entry / "bin" / "python3"
            if exe.exists() and str(exe) not in seen:
                seen.add(str(exe))
                yield exe


def find_python(explicit=None):
    """
    Return the path of a Python >= 3.12: the one given, else the oldest
    suitable version found (the one upstream's CI tests first).
    """
    if explicit:
        version = version_of(explicit)
        if version is None:
            raise ForkError(f"--python {explicit} does not run")
        if version < MINIMUM:
            raise ForkError(
                f"--python {explicit} is Python {version[0]}.{version[1]}; "
                "Django 6.1 needs Python >= 3.12"
            )
        return Path(explicit)
    found = []
    for exe in candidates():
        version = version_of(exe)
        if version and version >= MINIMUM:
            found.append((version, str(exe)))
    if not found:
        raise ForkError(
            "no Python >= 3.12 found on PATH or among pyenv's versions; "
            "install one (e.g. `pyenv install 3.12`, or your system's "
            "python3.12 package) or pass --python /path/to/python3.12"
        )
    found.sort()
    return Path(found[0][1])
