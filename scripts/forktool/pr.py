"""What a contributor sends upstream for one patch: mbox and PR body."""

import os
import re
import tempfile
from pathlib import Path

from .errors import ForkError
from .gitrepo import StackRepo
from .paths import read_pin, state_dir
from .series import TRAILER_KEYS, parse_patch, series_paths

TEMPLATE = """\
#### Trac ticket number
{ticket}

#### Branch description
{description}

#### Checklist
- [x] This PR targets the `main` branch.
- [{message_ok}] The commit message is written in past tense, mentions the \
ticket number, and ends with a period.
- [ ] I have checked the "Has patch" **ticket flag** in the Trac system.
- [{tests}] I have added or updated relevant tests.
- [{docs}] I have added or updated relevant docs, including release notes if \
applicable.
- [ ] I have attached screenshots in both light and dark modes for any UI \
changes. (N/A: no UI change)
"""


def strip_trailers(text):
    """The patch without the fork's trailer lines."""
    head, sep, rest = text.partition("\n---\n")
    keys = "|".join(TRAILER_KEYS)
    head = re.sub(rf"\n(?:(?:{keys}): [^\n]*\n?)+\Z", "\n", head + "\n").rstrip("\n")
    return head + sep + rest


# Every patch adds to the next release's notes, which upstream's main has:
# a conflict there is the contributor's routine rebase, not a dependency.
RELEASE_NOTES = "docs/releases/*"


def _applies(repo, patches, exclude=()):
    """Whether the patches apply in order on the pristine base."""
    options = [f"--exclude={pattern}" for pattern in exclude]
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        repo.run("read-tree", "base", env=env)
        for path in patches:
            out = repo.run(
                "apply",
                "--cached",
                "--check",
                *options,
                str(path),
                env=env,
                check=False,
            )
            if out.returncode != 0:
                return False
            repo.run("apply", "--cached", *options, str(path), env=env)
    return True


def _code_files(path):
    return {f for f in parse_patch(path).files if not f.startswith("docs/releases/")}


def needed_earlier(repo, paths, index):
    """
    The earlier patches this one needs to apply, release notes aside, or None
    if it stands alone.
    """
    target = paths[index]
    exclude = (RELEASE_NOTES,)
    if _applies(repo, [target], exclude):
        return None
    # Walking back, a patch is needed if it touches a file of the target or
    # of a patch already found needed (release notes aside).
    files = _code_files(target)
    touching = []
    for path in reversed(paths[:index]):
        if files & _code_files(path):
            touching.insert(0, path)
            files |= _code_files(path)
    if _applies(repo, touching + [target], exclude):
        return [p.name for p in touching]
    return [p.name for p in paths[:index]]


def warnings_for(root, path):
    pin = read_pin(root)
    major, minor = (int(x) for x in pin.version.split(".")[:2])
    main = f"{major}.{minor + 1}"
    text = Path(path).read_text(errors="replace")
    found = []
    for directive, version in re.findall(
        r"^\+\s*\.\. (versionadded|versionchanged|deprecated):: (\S+)", text, re.M
    ):
        if version != main:
            found.append(
                f"`.. {directive}:: {version}`: upstream's main branch is {main}"
            )
    info = parse_patch(path)
    notes = [f for f in info.files if f.startswith("docs/releases/")]
    for note in notes:
        if note != f"docs/releases/{main}.txt":
            found.append(f"release note in {note}: upstream's main wants {main}.txt")
    if not notes and any(f.startswith("django/") for f in info.files):
        found.append(f"no release note in docs/releases/{main}.txt")
    if "new file mode" in text and f"b/docs/releases/{main}.txt" in text:
        found.append(
            f"creates docs/releases/{main}.txt, which upstream's main already has"
        )
    return found


def pr(root, name):
    root = Path(root)
    paths = series_paths(root)
    names = [p.name for p in paths]
    if name not in names:
        raise ForkError(f"{name} is not in patches/series (see `fork status`)")
    index = names.index(name)
    path = paths[index]
    info = parse_patch(path)
    repo = StackRepo(root)
    if not repo.exists():
        raise ForkError("no applied stack: run `fork setup` first")
    out = state_dir(root) / "pr" / Path(name).stem
    out.mkdir(parents=True, exist_ok=True)
    mbox = out / f"{Path(name).stem}.mbox"
    mbox.write_text(strip_trailers(path.read_text()))
    needs = needed_earlier(repo, paths, index)
    warnings = warnings_for(root, path)
    if info.trailers.get("Forwarded") == "not-needed":
        warnings.insert(0, "marked 'Forwarded: not-needed': the fork's own patch")
    if needs:
        warnings.insert(
            0, "does not apply alone on the pristine base; needs " + ", ".join(needs)
        )
    elif not _applies(repo, [path]):
        warnings.insert(0, "its release note needs rebasing onto upstream's notes")
    description = "\n".join(
        line
        for line in info.body
        if not re.match(rf"^({'|'.join(TRAILER_KEYS)}): ", line)
    ).strip()
    body = TEMPLATE.format(
        ticket=f"ticket-{info.ticket}" if info.ticket else "N/A",
        description=description,
        message_ok="x" if info.ticket else " ",
        tests="x" if info.test_labels else " ",
        docs="x" if any(f.startswith("docs/") for f in info.files) else " ",
    )
    (out / "PR.md").write_text(body)
    return out, mbox, needs, warnings, info
