"""
PEP 517/660 build backend of the fork's repository (see pyproject.toml), and
`fork build`.

A wheel or an sdist holds the patched Django: the pinned, hash-checked
upstream sdist with the series applied. A root that `fork setup` has
materialized is packaged as it is; a fresh clone (`pip install .`, `pip
install git+URL`) has the stack applied in a temporary folder first.
Upstream's pyproject.toml (kept aside in .fork/upstream/) gives the metadata,
and the version gets a PEP 440 local label, 6.1.3+asyncfork.N, N counting the
fork's commits, which the build also writes to django/_local_version.py so
that django.get_version() reports it (patches/fork-local-version.patch).
"""

import base64
import contextlib
import hashlib
import io
import re
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

try:
    import tomllib
except ImportError:  # pragma: no cover
    tomllib = None

from .errors import ForkError
from .gitrepo import StackRepo, fork_git
from .paths import LOCAL_VERSION_FILE, state_dir

ROOT = Path(__file__).resolve().parents[2]
LABEL = "asyncfork"
# Reproducible archives: every member gets this date.
EPOCH = (1980, 1, 1, 0, 0, 0)


def local_label(root):
    """asyncfork.N, N being the number of commits of the fork's repository."""
    out = fork_git(root, "rev-list", "--count", "HEAD")
    count = out.stdout.strip() if out.returncode == 0 else "0"
    return f"{LABEL}.{count}"


def materialized(tree):
    return (tree / "django" / "__init__.py").exists() and (
        state_dir(tree) / "upstream" / "pyproject.toml"
    ).exists()


@contextlib.contextmanager
def patched_tree(root=ROOT):
    """The materialized root, or the stack applied in a temporary folder."""
    root = Path(root)
    if materialized(root):
        yield root
        return
    from . import stack

    with tempfile.TemporaryDirectory(prefix="django-fork-build-") as tmp:
        tree = Path(tmp)
        (tree / "upstream.toml").write_bytes((root / "upstream.toml").read_bytes())
        (tree / "patches").mkdir()
        for path in (root / "patches").iterdir():
            (tree / "patches" / path.name).write_bytes(path.read_bytes())
        stack.apply(tree, sys.executable)
        yield tree


def _project(tree):
    with open(state_dir(tree) / "upstream" / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def _base_version(tree):
    text = (tree / "django" / "__init__.py").read_text()
    match = re.search(
        r"^VERSION = \((\d+), (\d+), (\d+), \"(\w+)\", (\d+)\)", text, re.M
    )
    major, minor, micro, level, serial = match.groups()
    version = f"{major}.{minor}" + (f".{micro}" if micro != "0" else "")
    if level != "final":
        version += {"alpha": "a", "beta": "b", "rc": "rc"}[level] + serial
    return version


def _stamp(label):
    return (
        "# Written by the fork's build (scripts/forktool/build.py).\n"
        f'LOCAL_VERSION = "{label}"\n'
    ).encode()


def _metadata(project, version):
    lines = [
        "Metadata-Version: 2.4",
        f"Name: {project['name']}",
        f"Version: {version}",
        f"Summary: {project['description']}",
        f"Requires-Python: {project['requires-python']}",
        f"License-Expression: {project['license']}",
    ]
    for author in project.get("authors", []):
        lines.append(f"Author-email: {author['name']} <{author['email']}>")
    for classifier in project.get("classifiers", []):
        lines.append(f"Classifier: {classifier}")
    for label, url in project.get("urls", {}).items():
        lines.append(f"Project-URL: {label}, {url}")
    for requirement in project.get("dependencies", []):
        lines.append(f"Requires-Dist: {requirement}")
    for extra, requirements in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        for requirement in requirements:
            marker = f'extra == "{extra}"'
            lines.append(f"Requires-Dist: {requirement}; {marker}")
    return "\n".join(lines) + "\n"


def _entry_points(project):
    scripts = project.get("scripts", {})
    lines = ["[console_scripts]"] + [f"{k} = {v}" for k, v in scripts.items()]
    return "\n".join(lines) + "\n"


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"{name},sha256={digest.decode()},{len(data)}"


def _write_wheel(directory, tree, label, files):
    project = _project(tree)
    version = f"{_base_version(tree)}+{label}"
    dist = f"{project['name'].lower()}-{version}"
    info = f"{dist}.dist-info"
    files = dict(files)
    files[f"{info}/METADATA"] = _metadata(project, version).encode()
    files[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: forktool\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    ).encode()
    files[f"{info}/entry_points.txt"] = _entry_points(project).encode()
    for name in project.get("license-files", []):
        if (tree / name).exists():
            files[f"{info}/licenses/{name}"] = (tree / name).read_bytes()
    record = [_record_line(name, data) for name, data in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(Path(directory) / wheel, "w") as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return wheel


def _package_files(tree, top):
    for path in sorted((tree / top).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            name = path.relative_to(tree).as_posix()
            if name != LOCAL_VERSION_FILE and not name.endswith((".pyc", ".pyo")):
                yield name, path.read_bytes()


def wheel(directory, root=ROOT):
    """Build the wheel of the patched Django into directory; its file name."""
    label = local_label(root)
    with patched_tree(root) as tree:
        files = dict(_package_files(tree, "django"))
        files[LOCAL_VERSION_FILE] = _stamp(label)
        return _write_wheel(directory, tree, label, files)


def sdist(directory, root=ROOT):
    """
    Build the sdist of the patched Django into directory: upstream's sdist
    with the series applied, built by upstream's own setuptools configuration.
    """
    label = local_label(root)
    with patched_tree(root) as tree:
        project = _project(tree)
        version = f"{_base_version(tree)}+{label}"
        top = f"{project['name'].lower()}-{version}"
        files = {
            name: (tree / name).read_bytes()
            for name in StackRepo(tree).tracked_files()
            if (tree / name).is_file()
            and name != "PKG-INFO"
            and not name.startswith(f"{project['name']}.egg-info/")
        }
        files["pyproject.toml"] = (
            state_dir(tree) / "upstream" / "pyproject.toml"
        ).read_bytes()
        files["PKG-INFO"] = _metadata(project, version).encode()
        files[LOCAL_VERSION_FILE] = _stamp(label)
        name = f"{top}.tar.gz"
        with tarfile.open(Path(directory) / name, "w:gz") as tar:
            for path, data in sorted(files.items()):
                info = tarfile.TarInfo(f"{top}/{path}")
                info.size = len(data)
                info.mode = 0o644
                info.mtime = 315532800
                tar.addfile(info, io.BytesIO(data))
        return name


def _backend(function):
    """A PEP 517 hook: a ForkError is one line on stderr, not a traceback."""

    def hook(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ForkError as e:
            print(f"django fork: error: {e}", file=sys.stderr)
            raise SystemExit(1)

    return hook


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_wheel
get_requires_for_build_sdist = get_requires_for_build_wheel


@_backend
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return wheel(wheel_directory)


@_backend
def build_sdist(sdist_directory, config_settings=None):
    return sdist(sdist_directory)


@_backend
def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """
    A wheel whose .pth file puts the root on sys.path; the stack is applied
    at the root first if `fork setup` has not done it.
    """
    if not materialized(ROOT):
        from . import stack

        stack.apply(ROOT, sys.executable)
    label = local_label(ROOT)
    (ROOT / LOCAL_VERSION_FILE).write_bytes(_stamp(label))
    pth = {"__editable__.django_fork.pth": f"{ROOT}\n".encode()}
    return _write_wheel(wheel_directory, ROOT, label, pth)
