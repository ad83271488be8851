"""Where things live: the repository root, the pin, the series, the caches."""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ForkError

PIN_FILE = "upstream.toml"
STATE_DIR = ".fork"
# Written by the build (build.py), read by django.get_version().
LOCAL_VERSION_FILE = "django/_local_version.py"


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    sha256: str

    @property
    def sdist_name(self):
        return f"{self.name.lower()}-{self.version}.tar.gz"


def read_pin(root):
    """Read upstream.toml: a flat table of `key = "value"` lines."""
    path = Path(root) / PIN_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ForkError(f"no {PIN_FILE} in {root}: is this the fork's repository?")
    values = dict(re.findall(r'^\s*(\w+)\s*=\s*"([^"]*)"', text, re.MULTILINE))
    missing = {"name", "version", "sha256"} - values.keys()
    if missing:
        raise ForkError(f"{path} lacks {', '.join(sorted(missing))}")
    return Pin(values["name"], values["version"], values["sha256"].lower())


def write_pin(root, pin):
    path = Path(root) / PIN_FILE
    text = path.read_text()
    for key in ("name", "version", "sha256"):
        text = re.sub(
            rf'^(\s*{key}\s*=\s*)"[^"]*"',
            lambda m: f'{m.group(1)}"{getattr(pin, key)}"',
            text,
            flags=re.MULTILINE,
        )
    path.write_text(text)


def cache_dir():
    """Downloaded sdists and cached pristine test results, outside the repo."""
    base = os.environ.get("FORK_CACHE_DIR")
    if base:
        path = Path(base)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        path = Path(xdg) / "django-fork"
    path.mkdir(parents=True, exist_ok=True)
    return path


def state_dir(root):
    return Path(root) / STATE_DIR
