"""
Event-loop gaps inside an ASGI server, measured on demand.

TickerApp wraps the project's ASGI application (benchproject/asgi.py does so
when BENCH_TICKER=1) and answers one path itself:

    POST /_bench/ticker/   start a ticker coroutine on the server's loop
                           (again: restart it, dropping what it recorded)
    GET  /_bench/ticker/   stop it; answer its gaps' summary as JSON

The ticker sleeps TICK_SECONDS and records the gap between its wake-ups, as
the storm and large-body scenarios do in-process: blocking work on the loop
shows as a long gap. It only runs between the two requests, so that it costs
nothing to the other measurements.
"""

import asyncio
import json
import time

PATH = "/_bench/ticker/"
TICK_SECONDS = 0.002
MAX_TICKS = 500_000


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summarize(gaps, wall):
    return {
        "tick_ms": TICK_SECONDS * 1000,
        "ticks": len(gaps),
        "wall_s": wall,
        "gap_max_ms": max(gaps, default=None),
        "gap_p99_ms": percentile(gaps, 0.99),
        "gap_p50_ms": percentile(gaps, 0.50),
    }


class Ticker:
    def __init__(self):
        self.gaps = []
        self.started = time.perf_counter()
        self.task = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self):
        last = time.perf_counter()
        while len(self.gaps) < MAX_TICKS:
            await asyncio.sleep(TICK_SECONDS)
            now = time.perf_counter()
            self.gaps.append((now - last) * 1000)
            last = now

    async def stop(self):
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass
        return summarize(self.gaps, time.perf_counter() - self.started)


class TickerApp:
    def __init__(self, app):
        self.app = app
        self.ticker = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != PATH:
            return await self.app(scope, receive, send)
        if scope["method"] == "POST":
            if self.ticker is not None:
                await self.ticker.stop()
            self.ticker = Ticker()
            status, payload = 200, {"started": True}
        elif self.ticker is None:
            status, payload = 409, {"error": "no ticker running"}
        else:
            status, payload = 200, await self.ticker.stop()
            self.ticker = None
        body = json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
