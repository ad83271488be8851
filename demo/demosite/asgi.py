"""
The demo's ASGI application: Django's, plus the ASGI lifespan protocol, on
whose start-up the database is migrated (one command starts the demo).

With DEMO_INSTRUMENT=1 it also measures, in this process, while serving:

- event-loop gaps: a ticker task wakes every TICK seconds and records how
  long each wake-up really took (anything that blocks the loop shows);
- thread hops per request, with django.test.utils.CaptureThreadHops;
- the time of one password hash (one make_password() at start), the bound
  no loop gap should reach.

CaptureThreadHops patches asgiref's wrappers for the whole process, so
measured requests are served one at a time (a lock) to keep each request's
hops its own. GET /__demo__/stats.json returns the figures.
"""

import asyncio
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demosite.settings")

from asgiref.sync import sync_to_async  # noqa: E402

from django.core.asgi import get_asgi_application  # noqa: E402

STATS_PATH = "/__demo__/stats.json"
TEMPLATES = [
    f"accounts/{name}.html"
    for name in ("home", "signup", "login", "counter", "vault", "password_change")
] + ["403.html"]
TICK = 0.005


def prepare():
    """
    Migrate, then load what the first requests would otherwise load on the
    loop: the URLconf, the templates (files), the password validators (the
    common password list is a file). Runs in a thread at start.
    """
    from accounts import forms

    from django.contrib.auth.password_validation import (
        get_default_password_validators,
    )
    from django.core.management import call_command
    from django.db import connections
    from django.template.loader import get_template
    from django.urls import get_resolver

    call_command("migrate", interactive=False, verbosity=0)
    connections.close_all()
    get_resolver().url_patterns
    for name in TEMPLATES:
        get_template(name)
    for form in (forms.LoginForm, forms.SignUpForm, forms.PasswordChangeForm):
        str(form())  # loads the form renderer's templates
    get_default_password_validators()


def time_one_hash():
    from django.contrib.auth.hashers import make_password

    started = time.perf_counter()
    make_password("one hash, timed")
    return time.perf_counter() - started


def describe(func):
    func = getattr(func, "func", func)  # functools.partial
    name = getattr(func, "__qualname__", None) or type(func).__qualname__
    return f"{getattr(func, '__module__', '')}.{name}"


class Probe:
    def __init__(self):
        # Imported here, not while serving: django.test takes ~0.1 s to load.
        from django.test.utils import CaptureThreadHops

        self.capture_thread_hops = CaptureThreadHops
        self.lock = asyncio.Lock()
        self.in_flight = None
        self.requests = []
        self.gaps = []  # (seconds, request in flight), the largest ones
        self.ticks = 0
        self.hash_seconds = None

    async def start(self):
        from django.conf import settings

        self.session_engine = settings.SESSION_ENGINE_NAME
        self.hash_seconds = await sync_to_async(time_one_hash)()
        self.ticker = asyncio.create_task(self.tick())

    async def tick(self):
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            self.ticks += 1
            self.gaps.append((now - last, self.in_flight))
            if len(self.gaps) > 200:
                self.gaps = sorted(self.gaps, reverse=True, key=lambda g: g[0])[:20]
            last = now

    def stats(self):
        gaps = sorted(self.gaps, reverse=True, key=lambda g: g[0])[:10]
        return {
            "session_engine": self.session_engine,
            "hash_seconds": self.hash_seconds,
            "tick_seconds": TICK,
            "ticks": self.ticks,
            "max_gap_seconds": gaps[0][0] if gaps else None,
            "largest_gaps": [{"seconds": s, "during": r} for s, r in gaps],
            "requests": self.requests,
        }

    async def send_stats(self, send):
        import json

        body = json.dumps(self.stats()).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def measure(self, app, scope, receive, send):
        status = {}

        async def send_status(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        async with self.lock:
            self.in_flight = f"{scope['method']} {scope['path']}"
            try:
                with self.capture_thread_hops() as hops:
                    await app(scope, receive, send_status)
            finally:
                self.in_flight = None
            agent = dict(scope["headers"]).get(b"user-agent", b"").decode()
            self.requests.append(
                {
                    "client": "browser" if "Chrome" in agent else agent,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status.get("code"),
                    "hops": [f"{kind} {describe(func)}" for kind, func in hops],
                }
            )


class DemoApplication:
    def __init__(self, django_app, probe=None):
        self.django_app = django_app
        self.probe = probe

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.lifespan(receive, send)
        if self.probe and scope["type"] == "http":
            if scope["path"] == STATS_PATH:
                return await self.probe.send_stats(send)
            return await self.probe.measure(self.django_app, scope, receive, send)
        return await self.django_app(scope, receive, send)

    async def lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await sync_to_async(prepare)()
                    if self.probe:
                        await self.probe.start()
                except Exception as e:
                    await send({"type": "lifespan.startup.failed", "message": str(e)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.probe:
                    self.probe.ticker.cancel()
                await send({"type": "lifespan.shutdown.complete"})
                return


application = DemoApplication(
    get_asgi_application(),
    Probe() if os.environ.get("DEMO_INSTRUMENT") == "1" else None,
)
