"""Fetch, verify and unpack the pinned upstream sdist."""

import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from .errors import ForkError
from .paths import cache_dir, read_pin, state_dir


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, pin):
    actual = sha256_of(path)
    if actual != pin.sha256:
        raise ForkError(
            f"sha256 mismatch for {Path(path).name}: expected {pin.sha256}, "
            f"got {actual}; the file was not used (delete it from "
            f"{Path(path).parent} to download it again)"
        )


def download(pin, python, dest):
    """
    Download the sdist with pip, so that the user's index settings (pip.conf,
    PIP_INDEX_URL, proxies, certificates) apply.
    """
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        cmd = [
            str(python),
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--ignore-requires-python",
            "--disable-pip-version-check",
            "--dest",
            tmp,
            f"{pin.name}=={pin.version}",
        ]
        out = subprocess.run(cmd, capture_output=True, text=True)
        files = list(Path(tmp).glob("*.tar.gz"))
        if not files:
            lines = [
                line
                for line in (out.stderr + out.stdout).splitlines()
                if line.startswith("ERROR") or "rror" in line
            ]
            reason = lines[-1].strip() if lines else f"pip exited {out.returncode}"
            raise ForkError(
                f"could not download {pin.name}=={pin.version} from the package "
                f"index ({reason}); check the network and pip's index settings, "
                f"or put {pin.sdist_name} in {dest}"
            )
        target = Path(dest) / pin.sdist_name
        shutil.move(str(files[0]), target)
        return target


def fetch(pin, python):
    """
    Return the path of the verified sdist, downloading it if needed. A pin
    without sha256 (a release being moved to) is checked by pip against the
    index's hash only; the caller pins the sha256 it gets.
    """
    dest = cache_dir()
    path = dest / pin.sdist_name
    if not path.exists():
        path = download(pin, python, dest)
    if pin.sha256:
        verify(path, pin)
    return path


def extract(sdist, dest):
    """
    Unpack the sdist's single top folder into dest, without keeping the
    archive's owners (git refuses "dubious ownership" otherwise).
    """
    dest = Path(dest)
    with tarfile.open(sdist) as tar:
        members = tar.getmembers()
        tops = {m.name.split("/", 1)[0] for m in members}
        if len(tops) != 1:
            raise ForkError(f"{Path(sdist).name} has no single top folder")
        (top,) = tops
        with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
            for member in members:
                member.uid = member.gid = 0
                member.uname = member.gname = ""
            tar.extractall(tmp, members=members, filter="data")
            unpacked = Path(tmp) / top
            dest.mkdir(parents=True, exist_ok=True)
            for entry in sorted(unpacked.iterdir()):
                shutil.move(str(entry), dest / entry.name)
    return dest


def pristine_tree(root, python):
    """An unpatched copy of the pinned base, for side-by-side comparisons."""
    pin = read_pin(root)
    tree = state_dir(root) / "pristine"
    stamp = tree / ".fork-pristine"
    if stamp.exists() and stamp.read_text() == pin.sha256:
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    extract(fetch(pin, python), tree)
    stamp.write_text(pin.sha256)
    return tree
