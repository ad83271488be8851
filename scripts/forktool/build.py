"""
PEP 517/660 build backend of the fork's repository (see pyproject.toml).

It packages the patched Django materialized at the root: upstream's own
pyproject.toml (kept aside in .fork/upstream/) provides the metadata.
"""

import base64
import hashlib
import re
import zipfile
from pathlib import Path

try:
    import tomllib
except ImportError:  # pragma: no cover
    tomllib = None

ROOT = Path(__file__).resolve().parents[2]


def _project():
    path = ROOT / ".fork" / "upstream" / "pyproject.toml"
    if not (ROOT / "django" / "__init__.py").exists() or not path.exists():
        raise RuntimeError(
            "the patched Django is not materialized at the root: "
            "run `python3 scripts/fork setup` (or `fork apply`) first"
        )
    with open(path, "rb") as f:
        return tomllib.load(f)["project"]


def _version():
    text = (ROOT / "django" / "__init__.py").read_text()
    match = re.search(
        r"^VERSION = \((\d+), (\d+), (\d+), \"(\w+)\", (\d+)\)", text, re.M
    )
    major, minor, micro, level, serial = match.groups()
    version = f"{major}.{minor}.{micro}"
    if level != "final":
        version += {"alpha": "a", "beta": "b", "rc": "rc"}[level] + serial
    return version


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


def _write_wheel(directory, files):
    project = _project()
    version = _version()
    dist = f"{project['name'].lower()}-{version}"
    info = f"{dist}.dist-info"
    files = dict(files)
    files[f"{info}/METADATA"] = _metadata(project, version).encode()
    files[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: forktool\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    ).encode()
    files[f"{info}/entry_points.txt"] = _entry_points(project).encode()
    for name in ("LICENSE", "LICENSE.python", "AUTHORS"):
        if (ROOT / name).exists():
            files[f"{info}/licenses/{name}"] = (ROOT / name).read_bytes()
    record = [_record_line(name, data) for name, data in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(Path(directory) / wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return wheel


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_wheel


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """A wheel whose .pth file puts the root on sys.path."""
    pth = {"__editable__.django_fork.pth": f"{ROOT}\n".encode()}
    return _write_wheel(wheel_directory, pth)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {}
    for path in sorted((ROOT / "django").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    return _write_wheel(wheel_directory, files)
