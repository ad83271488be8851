import json
import zipfile

import pytest
from forktool import compat
from forktool.errors import ForkError


def result(status=200, body="ok", cookies=(), error=None, hops=None, **extra):
    exchange = {
        "request": "GET /",
        "status": status,
        "headers": [["content-type", "text/html; charset=utf-8"]],
        "cookies": list(cookies),
        "body": body,
        **extra,
    }
    return {"exchanges": [exchange], "error": error, "hops": hops}


def outputs(upstream, fork, key="get page/wsgi"):
    return {
        "upstream": {"results": {key: upstream}},
        "fork": {"results": {key: fork}},
    }


def test_random_values_are_masked():
    token = "aB3" * 21 + "x"
    text = compat.normalize_text(
        f'<input name="csrfmiddlewaretoken" value="{token}"> '
        "id 0x7f3a2b1c9d00 at 2026-11-21T08:09:10.123456+00:00 "
        "uuid 123e4567-e89b-12d3-a456-426614174000 "
        "session 0123456789abcdefghij0123456789ab "
        "hash md5$Zx2kP9q$0123456789abcdef0123456789abcdef"
    )
    assert text == (
        '<input name="csrfmiddlewaretoken" value="<token>"> '
        "id <addr> at <datetime> uuid <uuid> session <token> hash <pw-hash>"
    )


def test_words_and_short_values_are_kept():
    text = "GET /accounts/password/change/ 403 CSRF token missing. 12345"
    assert compat.normalize_text(text) == text


def test_cookie_keeps_name_and_attributes_masks_random_value():
    header = (
        "sessionid=0123456789abcdefghij0123456789ab; expires=Sat, 05 Dec 2026 "
        "03:57:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax"
    )
    assert compat.normalize_cookie(header) == (
        "sessionid=<random>; expires=<http-date>; httponly=True; "
        "max-age=1209600; path=/; samesite=Lax"
    )


def test_cookie_deletion_and_plain_values_are_compared():
    deleted = 'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'
    assert "1970" in compat.normalize_cookie(deleted)
    assert compat.normalize_cookie("theme=dark; Path=/") == "theme=dark; path=/"
    assert compat.normalize_cookie("theme=dark; Path=/") != compat.normalize_cookie(
        "theme=light; Path=/"
    )


def test_masked_keys_anywhere():
    value = {"spans": [{"op": "http.server", "span_id": "ab12", "timestamp": 1.5}]}
    assert compat.normalize(value) == {
        "spans": [{"op": "http.server", "span_id": "<masked>", "timestamp": "<masked>"}]
    }


def test_same_when_only_random_parts_differ():
    a = result(cookies=["csrftoken=" + "a1" * 32 + "; Path=/"], hops=None)
    b = result(cookies=["csrftoken=" + "b2" * 32 + "; Path=/"], hops=7)
    rows = compat.compare("default", outputs(a, b))
    assert rows == [("get page", {"wsgi": ("same", [])}, {"wsgi": (None, 7)})]


def test_status_difference_is_reported_with_a_diff():
    rows = compat.compare("sentry", outputs(result(status=403), result(status=200)))
    _, modes, _ = rows[0]
    status, lines = modes["wsgi"]
    assert status == "differs"
    assert '-   "status": 403' in lines
    assert '+   "status": 200' in lines


def test_missing_span_differs():
    span = ["middleware.django", "SessionMiddleware.__call__", None, 1]
    a = result(package=[{"type": "transaction", "spans": [span]}])
    b = result(package=[{"type": "transaction", "spans": []}])
    _, modes, _ = compat.compare("sentry", outputs(a, b))[0]
    assert modes["wsgi"][0] == "differs"


def test_error_in_one_tree_differs():
    error = "TypeError: _sentry_live_receivers() got an unexpected keyword argument"
    a = result()
    b = {"exchanges": [], "error": error, "hops": 3}
    _, modes, _ = compat.compare("sentry", outputs(a, b, "get page/asgi"))[0]
    assert modes["asgi"][0] == "differs"
    assert any("unexpected keyword" in line for line in modes["asgi"][1])


def test_crash_of_one_tree_differs_and_of_both_fails():
    ok = {"results": {"get page/wsgi": result()}}
    crash = {"crash": "exit 1: ImportError: cannot import name 'x'"}
    rows = compat.compare("drf", {"upstream": ok, "fork": crash})
    assert rows[0][1]["wsgi"][0] == "differs"
    rows = compat.compare("drf", {"upstream": crash, "fork": crash})
    assert {status for _, modes, _ in rows for status, _ in modes.values()} == {
        "crashed"
    }
    _, passed = compat.report([("drf", *row) for row in rows])
    assert not passed


def test_long_diff_is_cut():
    a = result(body="\n".join(f"line {i}" for i in range(200)))
    b = result(body="\n".join(f"other {i}" for i in range(200)))
    a["exchanges"] *= 30
    b["exchanges"] *= 30
    _, modes, _ = compat.compare("default", outputs(a, b))[0]
    lines = modes["wsgi"][1]
    assert len(lines) == compat.DIFF_LINES + 1
    assert lines[-1].endswith("more lines")


def test_report_table_and_exit():
    rows = [
        (
            "default",
            "get page",
            {"wsgi": ("same", []), "asgi": ("same", [])},
            {"wsgi": (None, 1), "asgi": (None, 2)},
        ),
    ]
    text, passed = compat.report(rows, "header")
    assert passed
    assert "| default | get page | same | same | - / 1 | - / 2 |" in text
    assert "No differences." in text
    rows.append(
        (
            "sentry",
            "post without csrf",
            {"wsgi": ("differs", ["-403", "+200"]), "asgi": ("same", [])},
            {"wsgi": (None, 0), "asgi": (None, 6)},
        ),
    )
    text, passed = compat.report(rows)
    assert not passed
    assert "| sentry | post without csrf | differs | same |" in text
    assert "### sentry: post without csrf (wsgi)\n\n```diff\n-403\n+200\n```" in text


def test_parse_output():
    out = "noise\n" + compat.MARKER + json.dumps({"results": {}}) + "\n"
    assert compat.parse_output(out, 0, "") == {"results": {}}
    assert compat.parse_output("", 1, "ImportError: x") == {
        "crash": "exit 1: ImportError: x"
    }


def test_tree_wheel_points_at_the_tree(tmp_path):
    wheel = compat.tree_wheel(tmp_path, "/trees/fork", "6.1.3+asyncfork.5", ["asgiref"])
    assert wheel.name == "django-6.1.3+asyncfork.5-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        assert z.read("django_compat_tree.pth").decode() == "/trees/fork\n"
        metadata = z.read("django-6.1.3+asyncfork.5.dist-info/METADATA").decode()
        record = z.read("django-6.1.3+asyncfork.5.dist-info/RECORD").decode()
    assert (
        "Name: Django\nVersion: 6.1.3+asyncfork.5\nRequires-Dist: asgiref" in metadata
    )
    assert "django_compat_tree.pth,sha256=" in record


def test_tree_project_reads_upstreams_copy(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[build-system]\nrequires = []\n")
    with pytest.raises(ForkError, match="fork setup"):
        compat.tree_project(tmp_path)
    upstream = tmp_path / ".fork" / "upstream"
    upstream.mkdir(parents=True)
    (upstream / "pyproject.toml").write_text(
        '[project]\nname = "Django"\ndependencies = ["asgiref>=3.9.1"]\n'
    )
    assert compat.tree_project(tmp_path)["dependencies"] == ["asgiref>=3.9.1"]


def test_packages_are_listed():
    names = compat.packages()
    assert names[0] == "default"
    assert {"sentry", "otel", "channels", "drf"} <= set(names)
    for name in names:
        module = compat.COMPAT_DIR / "packages" / (name.replace("-", "_") + ".py")
        assert module.exists(), module
