"""
Thread hops and database queries per ASGI request, counted in-process.

A hop is one call of asgiref's SyncToAsync or AsyncToSync wrappers. Both
classes are patched for the duration of one request, so this works on any
Django tree (no test utility of the fork is needed).
"""

import asyncio
import traceback
from http.cookies import SimpleCookie

from asgiref.sync import AsyncToSync, SyncToAsync
from common import AUTH_STATES, CSRF_TOKEN, ENGINES, VIEWS, engine_path, view_request


def describe(func):
    func = getattr(func, "func", func)  # functools.partial
    name = getattr(func, "__qualname__", None) or type(func).__qualname__
    module = getattr(func, "__module__", None) or ""
    return f"{module}.{name}" if module else name


class Counter:
    """Count hops and queries while active (a context manager)."""

    def __init__(self):
        self.hops = []
        self.queries = 0

    def __enter__(self):
        from django.db.backends.utils import CursorWrapper

        counter = self
        self._saved = [
            (SyncToAsync, "__call__", SyncToAsync.__call__),
            (AsyncToSync, "__call__", AsyncToSync.__call__),
            (
                CursorWrapper,
                "_execute_with_wrappers",
                CursorWrapper._execute_with_wrappers,
            ),
        ]
        to_thread, to_loop, execute = (saved[2] for saved in self._saved)

        async def counted_to_thread(wrapper, *args, **kwargs):
            counter.hops.append("sync_to_async " + describe(wrapper.func))
            return await to_thread(wrapper, *args, **kwargs)

        def counted_to_loop(wrapper, *args, **kwargs):
            counter.hops.append("async_to_sync " + describe(wrapper.awaitable))
            return to_loop(wrapper, *args, **kwargs)

        def counted_execute(cursor, *args, **kwargs):
            counter.queries += 1
            return execute(cursor, *args, **kwargs)

        SyncToAsync.__call__ = counted_to_thread
        AsyncToSync.__call__ = counted_to_loop
        CursorWrapper._execute_with_wrappers = counted_execute
        return self

    def __exit__(self, *exc_info):
        for owner, name, original in self._saved:
            setattr(owner, name, original)


class Browser:
    """Drive an ASGI application in-process, keeping cookies like a browser."""

    def __init__(self, app):
        self.app = app
        self.cookies = {"csrftoken": CSRF_TOKEN}
        # The ASGI messages the application sent for the last request.
        self.messages = []

    async def request(self, method, path, body=b"", headers=(), query_string=b""):
        """Return the response's status; extra `headers` are (bytes, bytes)."""
        headers = list(headers) + [
            (b"host", b"127.0.0.1"),
            (
                b"cookie",
                "; ".join(f"{k}={v}" for k, v in self.cookies.items()).encode(),
            ),
        ]
        if method == "POST":
            headers += [
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", str(len(body)).encode()),
                (b"x-csrftoken", self.cookies.get("csrftoken", "").encode()),
            ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query_string,
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
        }
        finished = asyncio.Event()
        pending = [{"type": "http.request", "body": body, "more_body": False}]
        messages = self.messages = []

        async def receive():
            if pending:
                return pending.pop()
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            messages.append(message)

        try:
            await self.app(scope, receive, send)
        finally:
            finished.set()
        start = messages[0]
        for name, value in start.get("headers", []):
            if name.lower() == b"set-cookie":
                self._store_cookie(value.decode("latin-1"))
        return start["status"]

    def _store_cookie(self, header):
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


async def measure_cell(engine, auth, view):
    """Hops and queries of one request, from a fresh browser state."""
    from benchproject.settings import LOGIN_REQUIRED_MIDDLEWARE, MIDDLEWARE

    from django.core.handlers.asgi import ASGIHandler
    from django.test import override_settings

    middleware = list(MIDDLEWARE)
    if VIEWS[view][2]:
        middleware.append(LOGIN_REQUIRED_MIDDLEWARE)
    with override_settings(SESSION_ENGINE=engine_path(engine), MIDDLEWARE=middleware):
        app = ASGIHandler()
        browser = Browser(app)
        if auth == "logged_in":
            status = await browser.request(*view_request("login"))
            if status != 200:
                raise RuntimeError(f"set-up login answered {status}")
        with Counter() as counter:
            status = await browser.request(*view_request(view))
    return {
        "status": status,
        "hops": len(counter.hops),
        "queries": counter.queries,
        "hop_calls": counter.hops,
    }


async def measure_matrix(engines=ENGINES, views=VIEWS):
    results = []
    for engine in engines:
        for auth in AUTH_STATES:
            for view in views:
                cell = {"engine": engine, "auth": auth, "view": view}
                try:
                    # The first run warms caches (URL resolver, content
                    # types); the second one is reported.
                    first = await measure_cell(engine, auth, view)
                    cell.update(await measure_cell(engine, auth, view))
                    cell["stable"] = first["hops"] == cell["hops"]
                except Exception:
                    cell["error"] = traceback.format_exc(limit=-3)
                results.append(cell)
    return results


# The opt-in features: name: (async view path, settings, swap the
# authentication middleware for the eager one, age the session first, the
# fork's name that the option needs). Options a tree lacks aren't measured.
EAGER_MIDDLEWARE = "django.contrib.auth.middleware.EagerAuthenticationMiddleware"
OPTIONS = {
    "sync reads, lazy (default)": ("/a/sync-reads/", {}, False, False, None),
    "sync reads, eager load": (
        "/a/sync-reads/",
        {},
        True,
        False,
        EAGER_MIDDLEWARE,
    ),
    "session read, SESSION_SAVE_EVERY_REQUEST": (
        "/a/read/",
        {"SESSION_SAVE_EVERY_REQUEST": True},
        False,
        True,
        None,
    ),
    "session read, SESSION_RENEW_ON_ACCESS, < half left": (
        "/a/read/",
        {"SESSION_RENEW_ON_ACCESS": True},
        False,
        True,
        "SESSION_RENEW_ON_ACCESS",
    ),
    "session read, SESSION_RENEW_ON_ACCESS, > half left": (
        "/a/read/",
        {"SESSION_RENEW_ON_ACCESS": True},
        False,
        False,
        "SESSION_RENEW_ON_ACCESS",
    ),
}
OPTION_ENGINES = ["db", "cache", "cached_db"]


def has_feature(name):
    from django.conf import global_settings
    from django.utils.module_loading import import_string

    if name is None:
        return True
    if name.isupper():
        return hasattr(global_settings, name)
    try:
        import_string(name)
    except ImportError:
        return False
    return True


def age_session(session_key):
    """
    Leave a quarter of a database session's age: less than half of it, so
    that renewing on access renews it. Other engines' stored expiry isn't
    readable (cache) or is left as is.
    """
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    expire_date = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE / 4)
    Session.objects.filter(session_key=session_key).update(expire_date=expire_date)


async def measure_option(option, engine, auth):
    """Hops, queries and whether the session was saved, with an option on."""
    from asgiref.sync import sync_to_async
    from benchproject.settings import MIDDLEWARE

    from django.conf import settings
    from django.core.handlers.asgi import ASGIHandler
    from django.test import override_settings

    path, extra, eager, age, _ = OPTIONS[option]
    middleware = [
        (
            EAGER_MIDDLEWARE
            if eager and name.endswith(".AuthenticationMiddleware")
            else name
        )
        for name in MIDDLEWARE
    ]
    with override_settings(
        SESSION_ENGINE=engine_path(engine), MIDDLEWARE=middleware, **extra
    ):
        browser = Browser(ASGIHandler())
        if auth == "logged_in":
            status = await browser.request(*view_request("login"))
            if status != 200:
                raise RuntimeError(f"set-up login answered {status}")
        # A first request warms caches (URL resolver, content types).
        await browser.request("GET", path)
        session_key = browser.cookies.get(settings.SESSION_COOKIE_NAME)
        if age and session_key:
            await sync_to_async(age_session)(session_key)
        # Count the full saves of the engine's SessionStore class.
        engine_class = type(session_store(engine))
        saves = []
        saved = {name: vars(engine_class).get(name) for name in ("save", "asave")}
        sync_save, async_save = engine_class.save, engine_class.asave

        def counted_save(self, *args, **kwargs):
            saves.append("save")
            return sync_save(self, *args, **kwargs)

        async def counted_asave(self, *args, **kwargs):
            saves.append("asave")
            return await async_save(self, *args, **kwargs)

        engine_class.save, engine_class.asave = counted_save, counted_asave
        try:
            with Counter() as counter:
                status = await browser.request("GET", path)
        finally:
            for name, method in saved.items():
                if method is None:
                    delattr(engine_class, name)
                else:
                    setattr(engine_class, name, method)
    return {
        "status": status,
        "hops": len(counter.hops),
        "queries": counter.queries,
        # A full save (an async save may run the sync one: count requests).
        "saved": bool(saves),
        "hop_calls": counter.hops,
    }


def session_store(engine):
    from importlib import import_module

    return import_module(engine_path(engine)).SessionStore()


async def measure_options():
    results = []
    for option, (*_, feature) in OPTIONS.items():
        if not has_feature(feature):
            continue
        for engine in OPTION_ENGINES:
            for auth in AUTH_STATES:
                cell = {"option": option, "engine": engine, "auth": auth}
                try:
                    cell.update(await measure_option(option, engine, auth))
                except Exception:
                    cell["error"] = traceback.format_exc(limit=-3)
                results.append(cell)
    return results


def run_options():
    """The opt-in features' cells that this tree has."""
    return asyncio.run(measure_options())


def run(engines=None, views=None):
    """Every cell of engines × AUTH_STATES × views (default: all of them)."""
    return asyncio.run(measure_matrix(engines or ENGINES, views or VIEWS))
