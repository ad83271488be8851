"""
A benchmark worker for one Django tree (selected by PYTHONPATH).

It sets the database up, prints a ready line, then answers JSON commands read
one per line from stdin. Answers are stdout lines starting with MARKER, so
that anything else Django or a library prints is ignored by the parent.

    {"cmd": "hops"}
    {"cmd": "hops", "engines": ["cache", "cached_db"], "views": ["plain"]}
    {"cmd": "options"}
    {"cmd": "storm", "hasher": "pbkdf2_sha256", "users": 4, "timeout": 120}
    {"cmd": "wsgi", "scenario": "plain/db/logged_in", "seconds": 1.5,
     "max_requests": 3000}
    {"cmd": "bodystall", "size": 24117248, "repeats": 2}
    {"cmd": "quit"}
"""

import json
import os
import sys
import time
import traceback

MARKER = "@@bench "


def answer(payload):
    sys.stdout.write(MARKER + json.dumps(payload) + "\n")
    sys.stdout.flush()


def dispatch(command):
    name = command.pop("cmd")
    if name == "hops":
        import hops

        return {"cells": hops.run(**command)}
    if name == "options":
        import hops

        return {"cells": hops.run_options()}
    if name == "storm":
        import storm

        return storm.run(**command)
    if name == "bodystall":
        import bodystall

        return bodystall.run(**command)
    if name == "wsgi":
        import syncpath

        return syncpath.run(**command)
    raise ValueError(f"unknown command {name!r}")


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from common import setup_django

    started = time.perf_counter()
    try:
        version = setup_django()
    except Exception:
        answer({"error": traceback.format_exc()})
        return 1
    import django

    answer(
        {
            "ready": True,
            "django": version,
            "django_path": os.path.dirname(django.__file__),
            "python": sys.version.split()[0],
            "setup_seconds": time.perf_counter() - started,
        }
    )
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        if command.get("cmd") == "quit":
            break
        started = time.perf_counter()
        try:
            result = dispatch(command)
        except Exception:
            result = {"error": traceback.format_exc()}
        result["seconds"] = time.perf_counter() - started
        answer(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
