import sys

from forktool import lint, stack
from forktool.series import PatchInfo, parse_patch
from test_stack import MESSAGE, edit

PYTHON = sys.executable


def message(**trailers):
    trailers = {
        "Bug": "https://code.djangoproject.com/ticket/37178",
        "Forwarded": "not-needed",
        "Backport-Of": "https://code.djangoproject.com/ticket/37178",
        **trailers,
    }
    return PatchInfo(
        "37178-middleware-mixin.patch",
        subject="Fixed #37178 -- Moved MiddlewareMixin to django.middleware.",
        body=["Upstream's main has it.", ""]
        + [f"{k}: {v}" for k, v in trailers.items()],
        trailers={k: v for k, v in trailers.items() if v is not None},
    )


def test_backport_trailers():
    info = message()
    assert info.backport_of == 37178
    assert lint.check_message(info) == []
    where = "patches/37178-middleware-mixin.patch"
    assert lint.check_message(message(Forwarded="no")) == [
        f"{where}: a backport is on upstream's main already: mark it "
        "'Forwarded: not-needed'"
    ]
    assert lint.check_message(message(**{"Backport-Of": "#37178"})) == [
        f"{where}: 'Backport-Of: #37178' should be the URL of the upstream "
        "ticket: https://code.djangoproject.com/ticket/N"
    ]
    assert lint.check_message(
        message(**{"Backport-Of": "https://code.djangoproject.com/ticket/1"})
    ) == [
        f"{where}: a backport's subject names its ticket: give it upstream's "
        "subject, with #1"
    ]
    assert lint.check_message(message(**{"Lint-Allow": "add-then-delete"})) == []
    assert lint.check_message(message(**{"Lint-Allow": "everything"})) == [
        f"{where}: 'Lint-Allow: everything': known checks are add-then-delete"
    ]


def patch(root, n, edits, trailer=""):
    for path, old, new in edits:
        if old is None:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(new)
        else:
            edit(root, path, old, new)
    name = f"{n}-change.patch"
    stack.new_patch(root, name, MESSAGE.format(n=n) + trailer)
    return name


def test_add_then_delete(fork):
    stack.apply(fork, PYTHON)
    notes = "docs/releases/9.10.txt"
    core = "django/core.py"
    p = patch(
        fork,
        1,
        [
            (core, "line 10\n", "line 10\nimport os\ndef helper():\n    return 1\n"),
            # The same text as line 30, which the next patch removes.
            (core, "line 12\n", "line 12\nline 30\n"),
            (notes, None, "* Note one.\n"),
        ],
    )
    q = patch(
        fork,
        2,
        [
            (core, "def helper():\n    return 1\n", "def helper(x):\n    return x\n"),
            (core, "import os\n", ""),
            (core, "line 29\nline 30\n", "line 29\n"),
            (notes, "* Note one.\n", "* Note one, and two.\n"),
        ],
    )
    assert lint.check_add_then_delete(fork) == [
        f"patches/{q} removes lines that {p} added: 2 lines (fold the change "
        "into the earlier patch; if intended, add 'Lint-Allow: add-then-delete' "
        "to this patch's message)\n"
        "    django/core.py: 'def helper():'\n"
        "    django/core.py: 'return 1'"
    ]
    problems = lint.lint(fork, PYTHON, linters=False)
    assert lint.check_add_then_delete(fork)[0] in problems
    # Intended: the later patch says so.
    patch(
        fork,
        3,
        [(core, "    return x\n", "    return x + 1\n")],
        trailer="Lint-Allow: add-then-delete\n",
    )
    assert len(lint.check_add_then_delete(fork)) == 1
    assert "Lint-Allow" in parse_patch(fork / "patches" / "3-change.patch").trailers
