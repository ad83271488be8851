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


def main_version(root):
    """
    The feature release upstream's main branch will be: the highest
    docs/releases/X.Y.txt in the tree that is UNDER DEVELOPMENT, else the
    one after the pinned release.
    """
    found = []
    for notes in (Path(root) / "docs" / "releases").glob("*.txt"):
        match = re.fullmatch(r"(\d+)\.(\d+)\.txt", notes.name)
        if match and "UNDER DEVELOPMENT" in notes.read_text(errors="replace"):
            found.append((int(match.group(1)), int(match.group(2))))
    if found:
        return "%d.%d" % max(found)
    major, minor = (int(x) for x in read_pin(root).version.split(".")[:2])
    return f"{major}.{minor + 1}"


def warnings_for(root, path, main=None):
    main = main or main_version(root)
    text = Path(path).read_text(errors="replace")
    found = []
    for directive, version in re.findall(
        r"^\+\s*\.\. (versionadded|versionchanged|deprecated):: (\S+)", text, re.M
    ):
        if version != main:
            found.append(
                f"`.. {directive}:: {version}`: upstream's main branch will be "
                f"{main}: write `.. {directive}:: {main}`"
            )
    info = parse_patch(path)
    notes = [f for f in info.files if f.startswith("docs/releases/")]
    for note in notes:
        if note == "docs/releases/index.txt":
            continue
        if re.fullmatch(r"docs/releases/\d+\.\d+\.\d+\.txt", note):
            # A bug fix: upstream notes it in a patch release of the stable
            # branch, on main too, and backports it.
            found.append(
                f"release note in {note}: a bug fix for the stable branch; "
                "upstream's main may already have that file"
            )
        elif note != f"docs/releases/{main}.txt":
            found.append(f"release note in {note}: upstream's main wants {main}.txt")
    if not notes and any(f.startswith("django/") for f in info.files):
        found.append(f"no release note in docs/releases/{main}.txt")
    if "new file mode" in text and f"b/docs/releases/{main}.txt" in text:
        found.append(
            f"creates docs/releases/{main}.txt, which upstream's main already has"
        )
    return found


def _needs_warnings(repo, paths, path, needs):
    """What the patch needs on the pristine base; backports are on main."""
    if not needs:
        if not _applies(repo, [path]):
            return ["its release note needs rebasing onto upstream's notes"]
        return []
    found = []
    backports = {p.name: parse_patch(p).backport_of for p in paths if p.name in needs}
    others = [n for n in needs if not backports[n]]
    if others:
        found.append(
            "does not apply alone on the pristine base; needs " + ", ".join(others)
        )
    found += [
        f"needs {n}, which is already on main (backport of #{ticket}): "
        "the pull request needs nothing for it"
        for n, ticket in backports.items()
        if ticket
    ]
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
    main = main_version(root)
    if info.backport_of:
        warnings = [
            f"not to be sent: a backport, it mirrors #{info.backport_of}, which "
            "upstream's main already has"
        ]
    else:
        warnings = _needs_warnings(repo, paths, path, needs)
        if info.trailers.get("Forwarded") == "not-needed":
            warnings.append("marked 'Forwarded: not-needed': the fork's own patch")
        warnings += warnings_for(root, path, main)
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
    notes = [
        f"Notes from `fork pr` for a pull request against upstream's main "
        f"(Django {main}); remove them before sending.",
        f"- `.. versionadded::`/`.. versionchanged::` directives say {main}; "
        f"release notes go in docs/releases/{main}.txt.",
    ]
    notes += [f"- {line}" for line in warnings]
    (out / "PR.md").write_text("<!--\n" + "\n".join(notes) + "\n-->\n\n" + body)
    return out, mbox, needs, warnings, info
