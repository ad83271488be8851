import re
import sys

from conftest import FILES, make_sdist
from forktool import rebase, stack
from forktool.paths import read_pin
from forktool.series import parse_patch, read_series
from test_stack import MESSAGE, edit

PYTHON = sys.executable


def make_patch(root, n, line, new):
    edit(root, "django/core.py", f"line {line}\n", f"{new}\n")
    name = f"{n}-change.patch"
    stack.new_patch(root, name, MESSAGE.format(n=n))
    return name


def upstream_v2(cache, merge_b=True):
    """v2 merged A verbatim, B with edits, and touched C's context."""
    core = FILES["django/core.py"]
    core = core.replace("line 5\n", "line 5 A\n")
    if merge_b:
        core = core.replace("line 15\n", "line 15 B, as upstream edited it\n")
    core = core.replace("line 28\n", "line 28 changed upstream\n")
    files = dict(FILES, **{"django/core.py": core})
    if merge_b:
        files["docs/releases/9.9.10.txt"] = "* Fixed a bug (:ticket:`2222`).\n"
    return make_sdist(cache / "django-9.9.10.tar.gz", files, top="django-9.9.10")


def build_stack(fork):
    stack.apply(fork, PYTHON)
    return [
        make_patch(fork, 1111, 5, "line 5 A"),
        make_patch(fork, 2222, 15, "line 15 B"),
        make_patch(fork, 3333, 30, "line 30 C"),
        make_patch(fork, 4444, 38, "line 38 D"),
    ]


def test_classification(fork, tmp_path):
    a, b, c, d = build_stack(fork)
    sha = upstream_v2(tmp_path / "cache")
    outcomes, report, moved = rebase.rebase(fork, PYTHON, "9.9.10", sha)
    statuses = {o.name: o.status for o in outcomes}
    assert statuses == {
        a: rebase.EMPTY,
        b: rebase.LIKELY,
        c: rebase.THREE_WAY,
        d: rebase.CLEAN,
    }
    evidence = next(o.evidence for o in outcomes if o.name == b)
    assert "ticket #2222 is cited in docs/releases/9.9.10.txt" in evidence
    assert not moved
    # Nothing moved: the pin, the series and the tree are as before.
    assert read_pin(fork).version == "9.9.9"
    assert read_series(fork) == [a, b, c, d]
    assert stack.export(fork, check=True) == []
    text = report.read_text()
    assert f"| `{b}` | {rebase.LIKELY} |" in text
    assert "the pin stays on 9.9.9" in text


def test_moves_when_everything_applies(fork, tmp_path):
    a, b, c, d = build_stack(fork)
    stack.apply(fork, PYTHON)
    # Drop B: v2 then takes the stack whole.
    (fork / "patches" / b).unlink()
    (fork / "patches" / "series").write_text(f"{a}\n{c}\n{d}\n")
    stack.apply(fork, PYTHON)
    stack.export(fork)
    sha = upstream_v2(tmp_path / "cache", merge_b=False)
    outcomes, report, moved = rebase.rebase(fork, PYTHON, "9.9.10", sha)
    assert moved, [(o.name, o.status, o.evidence) for o in outcomes]
    assert read_pin(fork).version == "9.9.10"
    assert read_pin(fork).sha256 == sha
    assert read_series(fork) == [c, d]
    upstreamed = parse_patch(fork / "patches" / "upstreamed" / a)
    assert upstreamed.trailers["Applied-Upstream"] == "9.9.10"
    assert "line 28 changed upstream" in (fork / "django" / "core.py").read_text()
    assert "line 30 C" in (fork / "django" / "core.py").read_text()
    assert stack.export(fork, check=True) == []


def test_failing_tests_keep_the_old_pin(fork, tmp_path):
    a, b, c, d = build_stack(fork)
    sha = upstream_v2(tmp_path / "cache", merge_b=False)
    (fork / "patches" / b).unlink()
    (fork / "patches" / "series").write_text(f"{a}\n{c}\n{d}\n")
    stack.apply(fork, PYTHON)
    stack.export(fork)
    try:
        rebase.rebase(fork, PYTHON, "9.9.10", sha, run_tests=lambda: False)
    except Exception as e:
        assert "tests fail there" in str(e)
    else:
        raise AssertionError("rebase did not fail")
    assert read_pin(fork).version == "9.9.9"
    assert read_series(fork) == [a, c, d]
    assert "line 28\n" in (fork / "django" / "core.py").read_text()


BACKPORT = """Fixed #{n} -- Changed line {n}.

Upstream's main has it; the fork needs it on 9.9.9.

Bug: https://code.djangoproject.com/ticket/{n}
Forwarded: not-needed
Backport-Of: https://code.djangoproject.com/ticket/{n}
"""
GREET = """def greet(name):
    greeting = "Hello"
    punctuation = "!"
    return f"{greeting}, {name}{punctuation}"
"""
MIXIN = "class Mixin:\n    pass\n"


def repin(fork, files):
    """Make the fixture's 9.9.9 hold these files instead."""
    sha = make_sdist(fork.parent / "cache" / "django-9.9.9.tar.gz", files)
    (fork / "upstream.toml").write_text(
        f'[upstream]\nname = "Django"\nversion = "9.9.9"\nsha256 = "{sha}"\n'
    )


def backport(root, n, files):
    for path, (old, new) in files.items():
        if old is None:
            (root / path).write_text(new)
        else:
            edit(root, path, old, new)
    name = f"{n}-backport.patch"
    stack.new_patch(root, name, BACKPORT.format(n=n))
    return name


def test_upstreamed_backports_move(fork, tmp_path):
    stack.apply(fork, PYTHON)
    # On 9.9.10, A becomes empty, so does B (a file 9.9.10 has), and D, whose
    # blobs git cannot find for a three-way merge, reverse-applies.
    a = backport(fork, 5555, {"django/core.py": ("line 5\n", "line 5 A\n")})
    b = backport(fork, 6666, {"django/mixin.py": (None, MIXIN)})
    d = backport(fork, 7777, {"django/core.py": ("line 10\n", "line 10 D\n")})
    c = make_patch(fork, 3333, 30, "line 30 C")
    path = fork / "patches" / d
    path.write_text(
        re.sub(
            r"^index \w+\.\.\w+",
            "index 1234567890ab..ba0987654321",
            path.read_text(),
            flags=re.M,
        )
    )
    core = FILES["django/core.py"].replace("line 5\n", "line 5 A\n")
    core = core.replace("line 10\n", "line 10 D\n")
    files = dict(FILES, **{"django/core.py": core, "django/mixin.py": MIXIN})
    sha = make_sdist(
        tmp_path / "cache" / "django-9.9.10.tar.gz", files, "django-9.9.10"
    )
    outcomes, report, moved = rebase.rebase(fork, PYTHON, "9.9.10", sha)
    statuses = {o.name: o.status for o in outcomes}
    assert statuses == {
        a: "upstreamed (backport of #5555)",
        b: "upstreamed (backport of #6666)",
        d: "upstreamed (backport of #7777)",
        c: rebase.CLEAN,
    }
    evidence = {o.name: o.evidence for o in outcomes}
    assert evidence[d] == ["the patch reverse-applies onto 9.9.10"]
    assert moved
    assert read_series(fork) == [c]
    for name, ticket in ((a, 5555), (b, 6666), (d, 7777)):
        upstreamed = parse_patch(fork / "patches" / "upstreamed" / name)
        assert upstreamed.trailers["Applied-Upstream"] == "9.9.10"
        assert upstreamed.backport_of == ticket
    assert "| upstreamed (backport of #6666) | - |" in report.read_text()


def test_backport_conflict_and_moved_code(fork, tmp_path):
    utils = (
        "import os\n\n\n" + GREET + "\n\ndef shout(text):\n    return text.upper()\n"
    )
    repin(fork, dict(FILES, **{"django/utils.py": utils, "django/helpers.py": ""}))
    stack.apply(fork, PYTHON)
    a = backport(fork, 7070, {"django/core.py": ("line 20\n", "line 20 A\n")})
    greet = GREET.replace("(name)", "(name, greeting=None)")
    greet = greet.replace('"Hello"', 'greeting or "Hello"')
    edit(fork, "django/utils.py", GREET, greet)
    stack.new_patch(fork, "8888-greeting.patch", MESSAGE.format(n=8888))
    # 9.9.10 took another version of A's change and moved greet() to helpers.
    core = FILES["django/core.py"].replace("line 20\n", "line 20 as upstream did\n")
    files = dict(FILES, **{"django/core.py": core})
    files["django/utils.py"] = (
        "import os\n\n\ndef shout(text):\n    return text.upper()\n"
    )
    files["django/helpers.py"] = "import sys\n\n\n" + GREET
    sha = make_sdist(
        tmp_path / "cache" / "django-9.9.10.tar.gz", files, "django-9.9.10"
    )
    outcomes, report, moved = rebase.rebase(fork, PYTHON, "9.9.10", sha)
    assert not moved
    first, second = outcomes
    assert first.status == "conflict: backport of #7070, compare with upstream's change"
    # Upstream moving the code is no sign it merged the patch.
    assert second.status == rebase.CONFLICT
    assert second.evidence == [
        "conflict: upstream moved code from django/utils.py to django/helpers.py"
    ]
    assert read_series(fork) == [a, "8888-greeting.patch"]
    assert read_pin(fork).version == "9.9.9"
