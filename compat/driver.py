"""
Run one package's scenarios against the Django importable here, print JSON.

    COMPAT_DATA_DIR=/tmp/x python compat/driver.py PACKAGE

Each scenario runs once per mode (wsgi, asgi) with a fresh browser and fresh
users; the last stdout line starting with MARKER holds the observations.
Thread hops are counted with django.test.utils.CaptureThreadHops where the
tree has it (the fork), and reported as null elsewhere.
"""

import contextlib
import importlib
import json
import os
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARKER = "@@compat "
MODES = ("wsgi", "asgi")
USERS = {"alice": "alice-password-1", "bob": "bob-password-1"}


def package_module(name):
    return importlib.import_module(f"packages.{name.replace('-', '_')}")


def reset_users():
    """Deterministic users with known passwords; nobody logged in."""
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()
    for username, password in USERS.items():
        user, _ = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.set_password(password)
        user.last_login = None
        user.save()


def hop_counter():
    try:
        from django.test.utils import CaptureThreadHops
    except ImportError:
        return contextlib.nullcontext(None)
    return CaptureThreadHops()


def run_scenario(function, mode, apps, package):
    from harness import Client

    reset_users()
    client = Client(
        mode,
        apps,
        collect=getattr(package, "collect", None),
        shape=getattr(package, "shape", None),
    )
    error = None
    with hop_counter() as hops:
        try:
            function(client)
        except Exception as e:
            error = f"{type(e).__name__}: {e}"
            traceback.print_exc()
    return {
        "exchanges": client.log,
        "error": error,
        "hops": None if hops is None else len(hops),
    }


def main(name):
    sys.path[:0] = [str(HERE), str(HERE / "project")]
    os.environ["COMPAT_PACKAGE"] = name
    os.environ["DJANGO_SETTINGS_MODULE"] = "compatproject.settings"
    package = package_module(name)
    if hasattr(package, "init"):
        package.init()

    import django

    django.setup()
    from django.core.asgi import get_asgi_application
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)
    apps = {"wsgi": get_wsgi_application(), "asgi": get_asgi_application()}
    if hasattr(package, "applications"):
        apps.update(package.applications())
    if hasattr(package, "collect"):
        package.collect()  # drop what setting up produced
    results = {}
    for scenario, function in package.SCENARIOS.items():
        for mode in MODES:
            results[f"{scenario}/{mode}"] = run_scenario(function, mode, apps, package)
    out = {
        "package": name,
        "django": django.get_version(),
        "django_file": django.__file__,
        "results": results,
    }
    print(MARKER + json.dumps(out, default=repr), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
