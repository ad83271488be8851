"""`fork pr` gives every patch of the real stack an mbox and a PR body."""

from pathlib import Path

import pytest
from forktool import pr
from forktool.gitrepo import StackRepo
from forktool.series import series_paths

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
