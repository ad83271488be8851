"""Scenario definitions and database set-up shared by the bench scripts."""

import os
from urllib.parse import urlencode

USERNAME = "bench"
PASSWORD = "bench-password"
# A 32-character CSRF secret sent both as cookie and header, as a browser
# form would after a first GET.
CSRF_TOKEN = "benchcsrf0123456789abcdefghijklm"
assert len(CSRF_TOKEN) == 32

ENGINES = ["db", "cache", "cached_db", "file", "signed_cookies"]
AUTH_STATES = ["anonymous", "logged_in"]

LOGIN_BODY = urlencode({"username": USERNAME, "password": PASSWORD}).encode()

# name: (method, path under the /a/ or /s/ prefix, LoginRequiredMiddleware)
VIEWS = {
    "plain": ("GET", "plain/", False),
    "login_required": ("GET", "private/", False),
    "login_required_mw": ("GET", "plain/", True),
    "permission": ("GET", "permission/", False),
    "login": ("POST", "login/", False),
    "logout": ("POST", "logout/", False),
    "not_found": ("GET", "missing/", False),
}


def view_request(view, prefix="a"):
    """Return (method, path, body) for a view of VIEWS."""
    method, path, _ = VIEWS[view]
    body = LOGIN_BODY if view == "login" else b""
    return method, f"/{prefix}/{path}", body


def engine_path(engine):
    return f"django.contrib.sessions.backends.{engine}"


def ensure_database():
    """
    With BENCH_SERVICES, create the PostgreSQL database of the settings if it
    is missing (connecting to the server's `postgres` database to do so).
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("postgresql"):
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
        password=database["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"]))
            )


def setup_django():
    """Configure Django, migrate the database, create the benchmark user."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchproject.settings")
    import django

    django.setup()
    ensure_database()

    from django.contrib.auth.models import Permission, User
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = User.objects.create_user(USERNAME, password=PASSWORD)
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="auth", codename="view_user")
        )
    connections.close_all()
    return django.get_version()
