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


def run(engines=None, views=None):
    """Every cell of engines × AUTH_STATES × views (default: all of them)."""
    return asyncio.run(measure_matrix(engines or ENGINES, views or VIEWS))
