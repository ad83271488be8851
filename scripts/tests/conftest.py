import hashlib
import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SCRIPTS))

FILES = {
    "django/__init__.py": 'VERSION = (9, 9, 9, "final", 0)\n',
    "django/core.py": "".join(f"line {i}\n" for i in range(1, 41)),
    "tests/runtests.py": "print('Ran 0 tests in 0.0s')\n",
    "tests/greeting/tests.py": "GREETING = 'hello'\n",
    "docs/index.txt": "Index\n=====\n",
    "pyproject.toml": '[tool.black]\ntarget-version = ["py312"]\n',
    "AUTHORS": "Someone\n",
}


def make_sdist(path, files=FILES, top="django-9.9.9"):
    with tarfile.open(path, "w:gz") as tar:
        for name, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            info.uid = info.gid = 4242
            info.uname = info.gname = "upstream"
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def fork(tmp_path, monkeypatch):
    """A fork repository over a small fake upstream 9.9.9, fetched from cache."""
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("FORK_CACHE_DIR", str(cache))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Tester")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "tester@example.com")
    sha = make_sdist(cache / "django-9.9.9.tar.gz")
    root = tmp_path / "fork"
    (root / "patches").mkdir(parents=True)
    (root / "patches" / "series").write_text("# series\n")
    (root / "upstream.toml").write_text(
        f'[upstream]\nname = "Django"\nversion = "9.9.9"\nsha256 = "{sha}"\n'
    )
    (root / "pyproject.toml").write_text('[tool.black]\ntarget-version = ["py312"]\n')
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root
