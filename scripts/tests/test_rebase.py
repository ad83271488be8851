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
