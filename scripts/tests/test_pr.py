"""`fork pr`: every patch of the real stack; backports on a fixture stack."""

import sys
from pathlib import Path

import pytest
from forktool import pr, stack
from forktool.gitrepo import StackRepo
from forktool.series import series_paths
from test_lint import patch
from test_rebase import BACKPORT
from test_stack import edit

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not StackRepo(ROOT).exists(), reason="the stack is not applied: fork setup"
)
def test_every_patch(capsys):
    paths = series_paths(ROOT)
    for index, path in enumerate(paths):
        out, mbox, needs, warnings, info = pr.pr(ROOT, path.name)
        head = mbox.read_text().partition("\n---\n")[0]
        assert "Forwarded:" not in head and "Bug:" not in head, path.name
        assert f"Subject: [PATCH] {info.subject[:40]}" in " ".join(head.split())
        body = (out / "PR.md").read_text()
        for section in ("#### Trac ticket number", "#### Branch description"):
            assert section in body, path.name
        assert "#### Checklist" in body
        if info.ticket:
            assert f"ticket-{info.ticket}" in body, path.name
        # What it needs comes before it in the series.
        earlier = {p.name for p in paths[:index]}
        assert needs is None or set(needs) <= earlier, path.name
    # The first patch of an area stands alone (release notes aside).
    for name in (
        "31920-share-user-cache.patch",
        "35303-model-backend-perm-cache.patch",
    ):
        assert pr.pr(ROOT, name)[2] is None


STUB = """Added stub release notes for 10.0.

The next feature release's notes, which upstream's main has.

Forwarded: not-needed
"""


def test_backports_and_main_version(fork):
    stack.apply(fork, sys.executable)
    notes = "docs/releases/"
    (fork / notes).mkdir()
    (fork / notes / "9.9.txt").write_text("Django 9.9 release notes\n")
    (fork / notes / "10.0.txt").write_text("Django 10.0 - UNDER DEVELOPMENT\n")
    stack.new_patch(fork, "stub.patch", STUB)
    edit(fork, "django/core.py", "line 5\n", "line 5 A\n")
    stack.new_patch(fork, "5555-backport.patch", BACKPORT.format(n=5555))
    name = patch(
        fork,
        6666,
        [
            ("django/core.py", "line 6\n", "line 6 B\n"),
            ("docs/index.txt", "=====\n", "=====\n\n.. versionadded:: 9.10\n"),
            (notes + "10.0.txt", "MENT\n", "MENT\n\n* B.\n"),
        ],
    )
    assert pr.main_version(fork) == "10.0"
    out, mbox, needs, warnings, info = pr.pr(fork, name)
    assert needs == ["5555-backport.patch"]
    assert warnings == [
        "needs 5555-backport.patch, which is already on main (backport of "
        "#5555): the pull request needs nothing for it",
        "`.. versionadded:: 9.10`: upstream's main branch will be 10.0: write "
        "`.. versionadded:: 10.0`",
    ]
    body = (out / "PR.md").read_text()
    assert body.startswith("<!--\nNotes from `fork pr`")
    assert "directives say 10.0; release notes go in docs/releases/10.0.txt" in body
    assert f"- {warnings[0]}\n" in body
    assert "#### Trac ticket number\nticket-6666\n" in body
    # The backport itself is not sent.
    out, mbox, needs, warnings, info = pr.pr(fork, "5555-backport.patch")
    assert warnings == [
        "not to be sent: a backport, it mirrors #5555, which upstream's main "
        "already has"
    ]
    assert f"- {warnings[0]}\n" in (out / "PR.md").read_text()
    assert "Backport-Of" not in mbox.read_text()
