"""The demo tooling's parts that need no browser."""

import ast
from pathlib import Path

import pytest
from forktool import cli, demo

ROOT = Path(__file__).resolve().parents[2]


def test_session_engine_choices_match_the_demo_settings():
    tree = ast.parse((ROOT / "demo" / "demosite" / "settings.py").read_text())
    (engines,) = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and node.targets[0].id == "SESSION_ENGINES"
    ]
    assert tuple(key.value for key in engines.keys) == cli.ENGINES


def test_admin_selenium_labels_exist():
    for label in demo.ADMIN_SELENIUM_TESTS:
        module, cls, *method = label.split(".")[1:]
        path = ROOT / "tests" / "admin_views" / f"{module}.py"
        if not path.exists():
            pytest.skip("upstream's tests/ is not materialized: run fork setup")
        classes = {
            node.name: node
            for node in ast.parse(path.read_text()).body
            if isinstance(node, ast.ClassDef)
        }
        assert cls in classes, label
        methods = {getattr(node, "name", None) for node in classes[cls].body}
        assert not method or method[0] in methods, label


def test_missing_browser_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("DEMO_CHROMIUM", str(tmp_path / "chromium"))
    assert ".ci/install-browser" in demo.chromium(ROOT).missing()


@pytest.mark.parametrize(
    "fork_failed, pristine_failed, ok, pristine_ran",
    [
        (set(), set(), True, False),
        ({"FAIL: a"}, {"FAIL: a"}, True, True),
        ({"FAIL: a", "FAIL: b"}, {"FAIL: a"}, False, True),
    ],
)
def test_e2e_fails_only_on_what_pristine_passes(
    monkeypatch, fork_failed, pristine_failed, ok, pristine_ran
):
    ran = []

    def admin_selenium(root, tree, python, name):
        ran.append(name)
        failed = fork_failed if name == "fork" else pristine_failed
        return not failed, failed

    monkeypatch.setenv("DEMO_CHROMIUM", "/bin/sh")
    monkeypatch.setenv("DEMO_CHROMEDRIVER", "/bin/sh")
    monkeypatch.setattr(demo, "ensure_uvicorn", lambda python: None)
    monkeypatch.setattr(demo, "browser_test", lambda root, python: True)
    monkeypatch.setattr(demo, "admin_selenium", admin_selenium)
    monkeypatch.setattr(demo.upstream, "pristine_tree", lambda root, python: root)
    assert demo.e2e(ROOT, "python") is ok
    assert ("pristine upstream" in ran) is pristine_ran
