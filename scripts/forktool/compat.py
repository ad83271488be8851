"""
The compatibility contract: third-party packages see the same Django.

For each tree (pristine upstream and the fork) a clean virtualenv in
.fork/compat/ gets the tree's Django (a small wheel whose .pth file puts the
tree on sys.path, so pip counts Django as installed and never fetches it
from the index) and the pins of compat/requirements.txt. compat/driver.py
then runs each package's scenarios in its own child process per tree, over
the real WSGI and ASGI handlers; the observations are normalized (random
tokens, ids, dates masked) and compared. Any difference fails.
"""

import base64
import concurrent.futures
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import tomllib
import zipfile
from http.cookies import SimpleCookie
from pathlib import Path

from .errors import ForkError
from .interp import version_of
from .paths import state_dir

COMPAT_DIR = Path(__file__).resolve().parents[2] / "compat"
TREES = ("upstream", "fork")
MODES = ("wsgi", "asgi")
MARKER = "@@compat "
PIP_TIMEOUT = 600
DRIVER_TIMEOUT = 180
DIFF_LINES = 40

# Cookies whose values are random by design (messages: a timestamped
# signature); other cookies' values are compared.
RANDOM_COOKIES = {"csrftoken", "sessionid", "messages"}
# Keys whose values are ids, timings or ports wherever they appear.
MASKED_KEYS = {
    "event_id",
    "trace_id",
    "span_id",
    "parent_span_id",
    "start_timestamp",
    "timestamp",
    "duration",
    "thread.id",
    "thread.name",
    "net.peer.port",
    "net.host.port",
    "server.port",
    "client.port",
    "network.peer.port",
}
TEXT_PATTERNS = [
    (re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"), "<uuid>"),
    (re.compile(r"\b[a-z0-9_]+\$\d*\$?[A-Za-z0-9]+\$[A-Za-z0-9+/=]+"), "<pw-hash>"),
    (
        re.compile(
            r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])"
            r"[A-Za-z0-9]{32,}(?![A-Za-z0-9])"
        ),
        "<token>",
    ),
    (re.compile(r"\b0x[0-9a-fA-F]{4,}\b"), "<addr>"),
    (
        re.compile(
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
        ),
        "<datetime>",
    ),
    (
        re.compile(
            r"[A-Z][a-z]{2}, \d{2}[ -][A-Z][a-z]{2}[ -](?!1970)\d{4} "
            r"\d{2}:\d{2}:\d{2} GMT"
        ),
        "<http-date>",
    ),
]


def log(message):
    print(f"compat: {message}", flush=True)


# Normalization and comparison (pure).


def normalize_text(text):
    for pattern, replacement in TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def normalize_cookie(header):
    """A Set-Cookie value: name and attributes kept, a random value masked."""
    cookie = SimpleCookie()
    try:
        cookie.load(header)
    except Exception:
        return normalize_text(header)
    parts = []
    for name, morsel in cookie.items():
        value = morsel.value
        if value and name in RANDOM_COOKIES:
            value = "<random>"
        attributes = [
            f"{key}={normalize_text(str(morsel[key]))}"
            for key in sorted(morsel.keys())
            if morsel[key] not in ("", False)
        ]
        parts.append("; ".join([f"{name}={normalize_text(value)}", *attributes]))
    return " / ".join(parts)


def normalize(value, key=None):
    """Mask ids, timings and random strings anywhere in an observation."""
    if key in MASKED_KEYS and value is not None:
        return "<masked>"
    if isinstance(value, dict):
        return {k: normalize(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if isinstance(value, str):
        return normalize_text(value)
    return value


def normalize_result(result):
    """One scenario in one mode, as compared: exchanges and error, no hops."""
    exchanges = []
    for entry in result.get("exchanges", []):
        entry = dict(entry)
        if "cookies" in entry:
            entry["cookies"] = [normalize_cookie(c) for c in entry["cookies"]]
        exchanges.append(normalize(entry))
    error = result.get("error")
    return {"exchanges": exchanges, "error": normalize_text(error) if error else None}


def render(observation):
    return json.dumps(observation, indent=1, sort_keys=True, default=repr).splitlines()


def diff(upstream, fork, label, limit=DIFF_LINES):
    """A short unified diff of two normalized observations, or [] if equal."""
    lines = list(
        difflib.unified_diff(
            render(upstream),
            render(fork),
            f"{label} (6.1.3)",
            f"{label} (fork)",
            n=2,
            lineterm="",
        )
    )
    if len(lines) > limit:
        lines = lines[:limit] + [f"... {len(lines) - limit} more lines"]
    return lines


def summary(upstream, fork):
    """Lines that say first what differs: the errors, the status codes."""
    lines = []
    for key, show in (
        ("error", lambda o: o["error"]),
        ("statuses", lambda o: " ".join(str(e.get("status")) for e in o["exchanges"])),
    ):
        a, b = show(upstream), show(fork)
        if a != b:
            lines += [f"{key} (6.1.3): {a}", f"{key} (fork):  {b}"]
    return lines


def crash_result(message):
    return {"exchanges": [], "error": f"crash: {message}", "hops": None}


def compare(package, outputs):
    """
    Rows of one package from its two trees' outputs ({"results": ...} or
    {"crash": message}): [(scenario, {mode: (status, diff lines)}, hops)].
    """
    results = {}
    for tree in TREES:
        out = outputs[tree]
        if "crash" in out:
            results[tree] = None
        else:
            results[tree] = out["results"]
    keys = []
    for tree in TREES:
        for key in results[tree] or {}:
            if key not in keys:
                keys.append(key)
    if not keys:
        keys = ["(package)/" + mode for mode in MODES]
    rows = {}
    for key in keys:
        scenario, mode = key.rsplit("/", 1)
        side = {}
        for tree in TREES:
            if results[tree] is None:
                side[tree] = crash_result(outputs[tree]["crash"])
            else:
                side[tree] = results[tree].get(key) or crash_result("no result")
        a, b = (normalize_result(side[tree]) for tree in TREES)
        lines = diff(a, b, f"{package} {scenario} {mode}")
        if lines:
            lines = summary(a, b) + lines
        both_crashed = all(results[tree] is None for tree in TREES)
        status = "crashed" if both_crashed else ("differs" if lines else "same")
        if both_crashed:
            lines = [f"crashed in both trees: {outputs['fork']['crash']}"]
        row = rows.setdefault(scenario, {"modes": {}, "hops": {}})
        row["modes"][mode] = (status, lines)
        row["hops"][mode] = tuple(side[tree].get("hops") for tree in TREES)
    return [(scenario, row["modes"], row["hops"]) for scenario, row in rows.items()]


def _hops(pair):
    return " / ".join("-" if n is None else str(n) for n in pair)


def report(rows, header=""):
    """The Markdown report and whether everything is the same."""
    lines = [
        "# fork compat",
        "",
        header,
        "",
        "Observations of pristine 6.1.3 and of the fork, normalized, compared "
        "per scenario and mode. Thread hops (whole scenario, "
        "`CaptureThreadHops`): 6.1.3 / fork; `-` where the tree lacks it.",
        "",
        "| package | scenario | wsgi | asgi | hops wsgi | hops asgi |",
        "|---|---|---|---|---|---|",
    ]
    details = []
    ok = True
    for package, scenario, modes, hops in rows:
        cells = []
        for mode in MODES:
            status, diff_lines = modes.get(mode, ("missing", ["no result"]))
            cells.append(status)
            if status != "same":
                ok = False
                details += [f"### {package}: {scenario} ({mode})", "", "```diff"]
                details += diff_lines + ["```", ""]
        hop_cells = [_hops(hops.get(mode, (None, None))) for mode in MODES]
        lines.append(
            f"| {package} | {scenario} | " + " | ".join(cells + hop_cells) + " |"
        )
    lines.append("")
    if details:
        lines += ["## Differences", ""] + details
    else:
        lines += ["No differences.", ""]
    return "\n".join(lines), ok


def parse_output(stdout, returncode, stderr_tail):
    """A driver's output: its JSON, or {"crash": why}."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    return {"crash": f"exit {returncode}: {stderr_tail or 'no output'}"}


# Virtualenvs and the tree's Django.


def requirements_path():
    return COMPAT_DIR / "requirements.txt"


def tree_project(tree):
    """Upstream's [project] table of a tree: its own or the fork's copy."""
    for path in (
        tree / "pyproject.toml",
        state_dir(tree) / "upstream" / "pyproject.toml",
    ):
        if path.exists():
            with open(path, "rb") as f:
                project = tomllib.load(f).get("project")
            if project:
                return project
    raise ForkError(f"no upstream pyproject.toml in {tree}: run `fork setup`")


def tree_version(python, tree):
    code = "import sys; sys.path.insert(0, sys.argv[1]); import django; "
    code += "print(django.get_version())"
    out = _run([str(python), "-c", code, str(tree)], timeout=60)
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["?"])[-1]
        raise ForkError(
            f"the Django in {tree} does not import ({tail}); if the tree is being "
            "re-applied, wait and rerun `fork compat`"
        )
    return out.stdout.strip()


def _record(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"{name},sha256={digest.decode()},{len(data)}"


def tree_wheel(directory, tree, version, dependencies):
    """A wheel named Django whose only file is a .pth putting `tree` on sys.path."""
    info = f"django-{version}.dist-info"
    metadata = "Metadata-Version: 2.1\nName: Django\nVersion: {}\n{}".format(
        version, "".join(f"Requires-Dist: {d}\n" for d in dependencies)
    )
    files = {
        "django_compat_tree.pth": f"{tree}\n",
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: forktool.compat\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    path = Path(directory) / f"django-{version}-py3-none-any.whl"
    records = []
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
            records.append(_record(name, text.encode()))
        records.append(f"{info}/RECORD,,")
        wheel.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return path


def _run(cmd, timeout, **kwargs):
    try:
        return subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            **kwargs,
        )
    except subprocess.TimeoutExpired:
        raise ForkError(f"timed out after {timeout}s: {' '.join(map(str, cmd[:6]))}")


def _pip(python, *args):
    cmd = [str(python), "-m", "pip", *args, "--disable-pip-version-check", "-q"]
    out = _run(cmd, PIP_TIMEOUT)
    if out.returncode != 0:
        errors = (
            [line for line in out.stderr.splitlines() if line.startswith("ERROR")]
            or out.stderr.strip().splitlines()
            or ["?"]
        )
        raise ForkError(
            f"pip {args[0]} failed in {Path(python).parents[1]}: {errors[-1]} "
            "(check the network and the pins in compat/requirements.txt)"
        )
    return out


def venv_key(base_python):
    """What forces a rebuild of a venv: the pins and the interpreter."""
    digest = hashlib.sha256(requirements_path().read_bytes())
    digest.update(str(version_of(base_python)).encode())
    return digest.hexdigest()[:16]


def ensure_venv(root, label, tree, base_python):
    """The venv of one tree, made or reused; returns its python."""
    venv = state_dir(root) / "compat" / f"venv-{label}"
    python = venv / "bin" / "python"
    stamp_path = venv / "compat-stamp.json"
    stamp = json.loads(stamp_path.read_text()) if stamp_path.exists() else {}
    key = venv_key(base_python)
    project = tree_project(tree)
    version = tree_version(base_python, tree)
    dependencies = project.get("dependencies", [])
    shim = {"tree": str(tree), "version": version, "dependencies": dependencies}
    if stamp.get("key") != key or not python.exists():
        log(f"creating {venv} (first run, or the pins changed)")
        shutil.rmtree(venv, ignore_errors=True)
        out = _run([str(base_python), "-m", "venv", str(venv)], 300)
        if out.returncode != 0:
            raise ForkError(
                f"{base_python} -m venv failed: {out.stderr.strip()[-300:]}"
            )
        stamp = {}
    if stamp.get("shim") != shim:
        with tempfile.TemporaryDirectory() as tmp:
            wheel = tree_wheel(tmp, tree, version, dependencies)
            _pip(python, "install", "--no-deps", "--force-reinstall", str(wheel))
    if stamp.get("key") != key or stamp.get("shim") != shim:
        log(f"installing {label}'s pins into {venv.name}")
        _pip(python, "install", *dependencies, "-r", str(requirements_path()))
    check_django(python, tree, label)
    stamp_path.write_text(json.dumps({"key": key, "shim": shim}))
    return python


def check_django(python, tree, label):
    """The venv imports the tree's Django, never one from the index."""
    code = "import django, json; "
    code += "print(json.dumps([django.__file__, django.get_version()]))"
    out = _run([str(python), "-c", code], 60, cwd=tempfile.gettempdir())
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["?"])[-1]
        raise ForkError(f"Django does not import in the {label} venv: {tail}")
    path, version = json.loads(out.stdout)
    if not Path(path).resolve().is_relative_to(Path(tree).resolve()):
        raise ForkError(
            f"the {label} venv imports Django from {path}, not from {tree}: a pin "
            "pulled Django from the index; delete .fork/compat and rerun"
        )
    if label == "fork" and "asyncfork" not in version:
        raise ForkError(f"the fork venv's Django is {version}, not the fork")
    return version


# Running the drivers.


def child_env(data_dir):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "DJANGO_", "COMPAT_", "SENTRY_", "OTEL_"))
    }
    # A fixed hash seed: set iteration order (DRF's Allow header) is then
    # the same in both trees' processes.
    env.update(
        COMPAT_DATA_DIR=str(data_dir),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
    )
    return env


def packages():
    text = (COMPAT_DIR / "packages" / "__init__.py").read_text()
    block = re.search(r"PACKAGES = \[(.*?)\]", text, re.DOTALL).group(1)
    return re.findall(r'"([^"]+)"', block)


def run_driver(python, package, log_dir):
    with tempfile.TemporaryDirectory(prefix="fork-compat-") as data_dir:
        try:
            out = subprocess.run(
                [str(python), str(COMPAT_DIR / "driver.py"), package],
                cwd=data_dir,
                env=child_env(data_dir),
                capture_output=True,
                text=True,
                timeout=DRIVER_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return {"crash": f"no answer in {DRIVER_TIMEOUT}s"}
    (log_dir / f"{package}-{python.parents[1].name}.log").write_text(out.stderr)
    tail = (out.stderr.strip().splitlines() or [""])[-1]
    return parse_output(out.stdout, out.returncode, tail)


def run(root, pristine, base_python, only=None):
    """Run every package on both trees; write and return (report, ok)."""
    started = time.monotonic()
    out_dir = state_dir(root) / "compat"
    out_dir.mkdir(parents=True, exist_ok=True)
    trees = {"upstream": Path(pristine), "fork": Path(root)}
    pythons = {
        tree: ensure_venv(root, tree, trees[tree], base_python) for tree in TREES
    }
    names = packages()
    unknown = set(only or []) - set(names)
    if unknown:
        raise ForkError(f"unknown package {', '.join(sorted(unknown))}; known: {names}")
    names = [n for n in names if not only or n in only]
    log_dir = out_dir / "logs"
    log_dir.mkdir(exist_ok=True)
    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name in names:
            for tree in TREES:
                jobs[name, tree] = pool.submit(run_driver, pythons[tree], name, log_dir)
    rows = []
    raw = {}
    for name in names:
        outputs = {tree: jobs[name, tree].result() for tree in TREES}
        raw[name] = outputs
        for scenario, modes, hops in compare(name, outputs):
            rows.append((name, scenario, modes, hops))
    (out_dir / "raw.json").write_text(json.dumps(raw, indent=1, default=repr))
    versions = {
        tree: next(
            (o[tree].get("django") for o in raw.values() if "django" in o[tree]), "?"
        )
        for tree in TREES
    }
    header = (
        f"Django {versions['upstream']} (pristine) and {versions['fork']} (fork); "
        f"pins: compat/requirements.txt; {time.monotonic() - started:.0f} s."
    )
    text, ok = report(rows, header)
    (out_dir / "report.md").write_text(text)
    return text, ok
