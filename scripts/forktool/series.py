"""patches/series and the patch files it names."""

import email.header
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ForkError

TICKET_SUBJECT = re.compile(r"^(Fixed|Refs) #(\d+)(, #\d+)* -- \S.*\.$")
TRAILER = re.compile(r"^([A-Z][A-Za-z-]+): (.+)$")
TRAILER_KEYS = ("Bug", "Forwarded", "Applied-Upstream", "Backport-Of", "Lint-Allow")
TICKET_URL = re.compile(r"^https://code\.djangoproject\.com/ticket/(\d+)$")


def patches_dir(root):
    return Path(root) / "patches"


def read_series(root):
    """Patch file names in order (quilt format: a name a line, # comments)."""
    path = patches_dir(root) / "series"
    if not path.exists():
        return []
    names = []
    for line in path.read_text().splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.append(name.split()[0])
    return names


def insert_into_series(root, name, after=None):
    """Add name to the series after the entry `after` (None: at the end)."""
    path = patches_dir(root) / "series"
    lines = path.read_text().splitlines() if path.exists() else []
    if after is None:
        lines.append(name)
    else:
        for i, line in enumerate(lines):
            if line.split("#", 1)[0].strip().split()[:1] == [after]:
                lines.insert(i + 1, name)
                break
        else:
            raise ForkError(f"{after} is not in patches/series")
    path.write_text("\n".join(lines) + "\n")


def check_series(root):
    """Problems between the series and the patch files, as lines."""
    names = read_series(root)
    problems = []
    seen = set()
    for name in names:
        if name in seen:
            problems.append(f"patches/series lists {name} twice")
        seen.add(name)
        if not (patches_dir(root) / name).is_file():
            problems.append(f"patches/series names {name}, but there is no such file")
    for path in sorted(patches_dir(root).glob("*.patch")):
        if path.name not in seen:
            problems.append(f"patches/{path.name} is not listed in patches/series")
    return problems


def series_paths(root):
    """Paths of the patches in order; fails on a missing file."""
    paths = []
    for name in read_series(root):
        path = patches_dir(root) / name
        if not path.is_file():
            raise ForkError(
                f"patches/series names {name}, but there is no such file: "
                "restore it or remove the line from patches/series"
            )
        paths.append(path)
    return paths


@dataclass
class PatchInfo:
    name: str
    subject: str = ""
    body: list = field(default_factory=list)
    trailers: dict = field(default_factory=dict)
    files: list = field(default_factory=list)

    @property
    def ticket(self):
        match = re.search(r"#(\d+)", self.subject)
        return int(match.group(1)) if match else None

    @property
    def backport_of(self):
        """The ticket of the upstream change a backport patch mirrors, or None."""
        match = TICKET_URL.match(self.trailers.get("Backport-Of", ""))
        return int(match.group(1)) if match else None

    @property
    def test_labels(self):
        """The folders of upstream's tests/ tree the patch changes."""
        labels = []
        for path in self.files:
            parts = path.split("/")
            if len(parts) > 2 and parts[0] == "tests" and parts[1] != "requirements":
                if parts[1] not in labels:
                    labels.append(parts[1])
        return labels

    @property
    def test_modules(self):
        """
        The test modules the patch changes (auth_tests.test_hashers), or the
        whole folder where it changes anything else there (models, urls,
        templates): the tests of this patch, narrower than test_labels.
        """
        labels = []
        for path in self.files:
            parts = path.split("/")
            if parts[0] != "tests" or len(parts) < 3 or parts[1] == "requirements":
                continue
            name = parts[-1]
            if name.endswith(".py") and name.startswith("test"):
                label = ".".join(parts[1:-1] + [name[: -len(".py")]])
            else:
                label = parts[1]
            if label not in labels:
                labels.append(label)
        apps = set(labels)
        return [
            label
            for label in labels
            if "." not in label or label.split(".")[0] not in apps
        ]


def _unfold_subject(lines, start):
    subject = lines[start][len("Subject: ") :]
    i = start + 1
    while i < len(lines) and lines[i].startswith((" ", "\t")):
        subject += lines[i]
        i += 1
    subject = str(email.header.make_header(email.header.decode_header(subject)))
    subject = re.sub(r"^\[PATCH[^\]]*\]\s*", "", subject)
    return subject, i


def parse_patch(path):
    """Read a git format-patch file: subject, body, trailers, files."""
    path = Path(path)
    lines = path.read_text(errors="replace").splitlines()
    info = PatchInfo(path.name)
    i = 0
    while i < len(lines) and lines[i]:
        if lines[i].startswith("Subject: "):
            info.subject, i = _unfold_subject(lines, i)
            continue
        i += 1
    message = []
    for line in lines[i + 1 :]:
        if line == "---" or line.startswith("diff --git "):
            break
        message.append(line)
    info.body = message
    for line in reversed(message):
        if not line.strip():
            if info.trailers:
                break
            continue
        match = TRAILER.match(line)
        if not match:
            break
        info.trailers[match.group(1)] = match.group(2)
    for line in lines:
        if line.startswith("diff --git "):
            match = re.match(r"diff --git a/(\S+) b/(\S+)", line)
            if match and match.group(2) not in info.files:
                info.files.append(match.group(2))
    return info


@dataclass
class Hunk:
    file: str
    old_start: int
    new_start: int
    lines: list = field(default_factory=list)  # (tag, text); tag is " ", "-", "+"

    @property
    def old(self):
        """The lines the hunk expects: context and removed lines."""
        return [text for tag, text in self.lines if tag != "+"]


def parse_hunks(path):
    """The hunks of a patch file's diff, in order (read, not applied)."""
    hunks = []
    current = None
    remaining = [0, 0]
    for line in Path(path).read_text(errors="replace").splitlines():
        if remaining[0] > 0 or remaining[1] > 0:
            tag, text = line[:1] or " ", line[1:]
            if tag == "\\":
                continue
            hunks[-1].lines.append((tag, text))
            remaining[0] -= tag != "+"
            remaining[1] -= tag != "-"
            continue
        match = re.match(r"diff --git a/\S+ b/(\S+)", line)
        if match:
            current = match.group(1)
            continue
        match = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", line)
        if match and current:
            old, new = int(match.group(1)), int(match.group(3))
            hunks.append(Hunk(current, old, new))
            remaining = [int(match.group(2) or 1), int(match.group(4) or 1)]
    return hunks
