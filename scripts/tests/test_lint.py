import sys
import textwrap

from forktool import lint, stack, twins
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
        f"{where}: 'Lint-Allow: everything': known checks are add-then-delete, "
        "twin-drift"
    ]
    both = message(**{"Lint-Allow": "add-then-delete, twin-drift"})
    assert lint.check_message(both) == []
    both.body.append("Lint-Allow: twin-drift")
    assert lint.check_message(both) == [
        f"{where}: give one 'Lint-Allow:' line, the checks separated by commas: "
        "'Lint-Allow: add-then-delete, twin-drift'"
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


STORE = textwrap.dedent("""\
    class Store:
        def load(self):
            \"\"\"Load.\"\"\"
            return 1

        async def aload(self):
            return 1

        def _get(self):
            return 1

        async def _aget(self):
            return 1

        def add(self):
            return 1

        def aadd(self):
            return 1

        def close(self):
            return 1
    """)


def drift(n, changed, twin, lines):
    return (
        f"patches/{n}-change.patch: changes {changed} (django/store.py:{lines[0]}) "
        f"but not its twin {twin} (django/store.py:{lines[1]}); change both, or "
        "add 'Lint-Allow: twin-drift' to the patch message if the one-sided "
        "change is intended"
    )


def test_twin_drift(fork):
    stack.apply(fork, PYTHON)
    store = "django/store.py"
    # A file a patch creates has no before to compare.
    patch(fork, 1, [(store, None, STORE)])
    assert lint.check_twin_drift(fork) == []
    # One twin changed; both changed; a sync method whose aX isn't async.
    patch(
        fork,
        2,
        [
            (store, 'Load."""\n        return 1', 'Load."""\n        return 2'),
            (store, "_get(self):\n        return 1", "_get(self):\n        return 2"),
            (store, "_aget(self):\n        return 1", "_aget(self):\n        return 2"),
            (store, "add(self):\n        return 1", "add(self):\n        return 2"),
        ],
    )
    assert lint.check_twin_drift(fork) == [
        drift(2, "Store.load", "Store.aload", (2, 6))
    ]
    assert drift(2, "Store.load", "Store.aload", (2, 6)) in lint.lint(
        fork, PYTHON, linters=False
    )
    # Intended: the patch says so.
    patch(
        fork,
        3,
        [(store, "aload(self):\n        return 1", "aload(self):\n        return 3")],
        trailer="Lint-Allow: twin-drift\n",
    )
    # A new pair is no drift, nor a new twin for a changed method.
    patch(
        fork,
        4,
        [
            (
                store,
                "    def close(self):\n        return 1\n",
                "    def close(self):\n        return 4\n\n"
                "    async def aclose(self):\n        return 4\n\n"
                "    def save(self):\n        return 4\n\n"
                "    async def asave(self):\n        return 4\n",
            ),
        ],
    )
    assert len(lint.check_twin_drift(fork)) == 1
    # A patch edited by hand is not what the stack repository holds.
    path = fork / "patches" / "2-change.patch"
    path.write_text(path.read_text().replace("+        return 2", "+        return 5"))
    assert lint.check_twin_drift(fork) == [
        "patches/2-change.patch: not checked for twin drift: the stack repository "
        "does not hold it as written; run `fork apply`"
    ]


DELEGATING = textwrap.dedent("""\
    from asgiref.sync import sync_to_async


    class Store:
        def load(self):
            return 1

        async def aload(self):
            \"\"\"See load().\"\"\"
            return await sync_to_async(self.load)()

        def exists(self):
            return 1

        async def aexists(self):
            return await sync_to_async(self.exists)()

        def save(self):
            pass

        async def asave(self):
            pass

        def delete(self):
            return 1

        async def adelete(self):
            return 1

        def clear(self):
            return 1

        async def aclear(self):
            return 1
    """)
GUARD = (
    "if method := get_sync_override(self, Store, {name!r}):\n"
    "            return await sync_to_async(method)()\n        "
)


def test_twin_drift_exemptions(fork):
    stack.apply(fork, PYTHON)
    store = "django/store.py"
    patch(fork, 1, [(store, None, DELEGATING)])
    # aload() gets its first own implementation; exists() changes, and
    # aexists() calls it; asave() and adelete() gain an override guard, but
    # adelete() a change of its own too; aclear() now calls clear().
    patch(
        fork,
        2,
        [
            (store, "return await sync_to_async(self.load)()", "return 2"),
            (
                store,
                "exists(self):\n        return 1",
                "exists(self):\n        return 2",
            ),
            (
                store,
                "asave(self):\n        ",
                "asave(self):\n        " + GUARD.format(name="save"),
            ),
            (
                store,
                "adelete(self):\n        return 1",
                "adelete(self):\n        " + GUARD.format(name="delete") + "return 2",
            ),
            (
                store,
                "aclear(self):\n        return 1",
                "aclear(self):\n        return self.clear()",
            ),
        ],
    )
    adelete = drift(2, "Store.adelete", "Store.delete", (29, 26))
    assert lint.check_twin_drift(fork) == [adelete]
    # load() changes, and aload() no longer calls it.
    patch(fork, 3, [(store, "        return 1\n", "        return 3\n")])
    assert lint.check_twin_drift(fork) == [
        adelete,
        drift(3, "Store.load", "Store.aload", (5, 8)),
    ]


def test_twin_names():
    functions = twins.definitions(
        "def f(): pass\n"
        "async def af(): pass\n"
        "class A:\n"
        "    def __call__(self): pass\n"
        "    async def __acall__(self): pass\n"
        "    async def a(self): pass\n"
        "    async def aadd(self): pass\n"
    )
    twin = {name: twins.twin_of(name, functions) for name in functions}
    assert twin == {
        "f": "af",
        "af": "f",
        "A.__call__": "A.__acall__",
        "A.__acall__": "A.__call__",
        "A.a": None,
        "A.aadd": None,
    }
