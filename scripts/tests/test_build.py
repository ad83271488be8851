"""
The fork installs three ways in a clean virtualenv: its wheel, `pip install
.` and `pip install git+file://` of a fresh clone (the backend applying the
stack itself), and `pip install -e .`. Needs the package index for asgiref
and sqlparse; the upstream sdist comes from the tool's cache.
"""

import os
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from forktool import build
from forktool.interp import find_python

ROOT = Path(__file__).resolve().parents[2]
VERSION = re.compile(r"^6\.1\.3\+asyncfork\.\d+$")

VIEW = """\
from django.http import HttpResponse


async def counter(request):
    user = await request.auser()
    count = await request.session.aget("count", 0) + 1
    await request.session.aset("count", count)
    return HttpResponse(f"{user} {count}")
"""

ASGI_REQUEST = """\
import asyncio
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

from django.test.utils import CaptureThreadHops  # the fork's

from mysite.asgi import application


async def request():
    sent = []
    messages = asyncio.Queue()
    messages.put_nowait({"type": "http.request", "body": b"", "more_body": False})

    async def receive():
        return await messages.get()

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }
    with CaptureThreadHops() as hops:
        await application(scope, receive, send)
    start, body = sent[0], sent[1]
    cookies = [v for k, v in start["headers"] if k == b"Set-Cookie"]
    print(start["status"], body["body"].decode(), cookies[0].decode().split("=")[0])
    print("hops", len(hops))


asyncio.run(request())
"""


def run(cmd, **kwargs):
    out = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, **kwargs
    )
    assert out.returncode == 0, f"{cmd}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    return out.stdout


def pip_install(venv, *args, **kwargs):
    return run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet"]
        + ["--disable-pip-version-check", *args],
        **kwargs,
    )


@pytest.fixture(scope="module")
def python():
    return find_python()


@pytest.fixture
def venv(tmp_path, python):
    path = tmp_path / "venv"
    run([python, "-m", "venv", path])
    return path


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A fresh clone of the fork's committed state: nothing materialized."""
    path = tmp_path_factory.mktemp("clone") / "fork"
    run(["git", "clone", "--quiet", ROOT, path])
    return path


def installed_version(venv):
    return run([venv / "bin" / "django-admin", "--version"]).strip()


def test_wheel_serves_an_asgi_request(venv, tmp_path):
    name = build.wheel(tmp_path, ROOT)
    assert VERSION.match(name.split("-")[1]), name
    with zipfile.ZipFile(tmp_path / name) as zf:
        stamp = zf.read("django/_local_version.py").decode()
    assert f'"{name.split("+")[1].split("-")[0]}"' in stamp
    pip_install(venv, tmp_path / name)
    assert VERSION.match(installed_version(venv))
    run([venv / "bin" / "django-admin", "startproject", "mysite"], cwd=tmp_path)
    project = tmp_path / "mysite"
    (project / "mysite" / "views.py").write_text(VIEW)
    urls = project / "mysite" / "urls.py"
    urls.write_text(
        urls.read_text()
        + "\nfrom .views import counter  # noqa: E402\n\n"
        + 'urlpatterns.append(path("", counter))\n'
    )
    (project / "request.py").write_text(ASGI_REQUEST)
    python = venv / "bin" / "python"
    assert "no issues" in run([python, "manage.py", "check"], cwd=project)
    run([python, "manage.py", "migrate", "-v", "0"], cwd=project)
    out = run([python, "request.py"], cwd=project)
    print(out)
    assert out.splitlines()[0] == "200 AnonymousUser 1 sessionid"


def test_sdist_builds_with_upstreams_setuptools(tmp_path, python):
    name = build.sdist(tmp_path, ROOT)
    top = name.removesuffix(".tar.gz")
    assert VERSION.match(top.split("-")[1]), name
    with tarfile.open(tmp_path / name) as tar:
        names = set(tar.getnames())
    assert f"{top}/django/_local_version.py" in names
    assert f"{top}/pyproject.toml" in names
    assert f"{top}/tests/runtests.py" in names
    assert not any("egg-info" in n for n in names)
    wheels = tmp_path / "wheels"
    run(
        [python, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, tmp_path / name]
    )
    (wheel,) = wheels.iterdir()
    assert wheel.name == f"{top}-py3-none-any.whl"


def test_pip_install_fresh_clone(venv, clone):
    pip_install(venv, clone)
    assert VERSION.match(installed_version(venv))
    assert not (clone / "django").exists(), "the build materialized the clone"
    run(
        [
            venv / "bin" / "python",
            "-c",
            "from django.test.utils import CaptureThreadHops",
        ]
    )


def test_pip_install_git_url(venv, clone):
    pip_install(venv, f"git+file://{clone}")
    assert VERSION.match(installed_version(venv))


def test_pip_install_editable(venv, tmp_path):
    clone = tmp_path / "fork"
    run(["git", "clone", "--quiet", ROOT, clone])
    pip_install(venv, "--editable", clone)
    out = run(
        [venv / "bin" / "python", "-c", "import django; print(django.__file__)"],
        cwd=tmp_path,
    )
    assert out.strip() == str(clone / "django" / "__init__.py")
    assert VERSION.match(installed_version(venv))
    # The materialized tree and the version stamp stay out of git status.
    assert run(["git", "status", "--porcelain"], cwd=clone) == ""


def one_line_errors(out):
    text = out.stdout + out.stderr
    assert "Traceback" not in text, text
    errors = [
        line.strip() for line in text.splitlines() if "django fork: error:" in line
    ]
    assert len(errors) == 1, text
    return errors


def test_backend_fails_in_one_line_on_hash_mismatch(venv, clone, tmp_path):
    copy = tmp_path / "fork"
    run(["git", "clone", "--quiet", clone, copy])
    pin = copy / "upstream.toml"
    pin.write_text(re.sub(r'sha256 = "\w', 'sha256 = "0', pin.read_text()))
    cmd = [venv / "bin" / "python", "-m", "pip", "install", copy]
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    assert out.returncode != 0
    errors = one_line_errors(out)
    assert "sha256 mismatch" in errors[0], out.stderr


def test_backend_fails_in_one_line_without_index(venv, clone, tmp_path):
    env = dict(os.environ, FORK_CACHE_DIR=str(tmp_path / "empty-cache"))
    env.update(PIP_INDEX_URL="http://127.0.0.1:9/simple", PIP_EXTRA_INDEX_URL="")
    env.update(PIP_RETRIES="0", PIP_TIMEOUT="2", PIP_FIND_LINKS="")
    cmd = [venv / "bin" / "python", "-m", "pip", "install", clone]
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    assert out.returncode != 0
    errors = one_line_errors(out)
    assert "could not download Django==6.1.3" in errors[0], out.stderr
