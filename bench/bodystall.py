"""
Event-loop stalls while a large response body is compressed and hashed.

Requests for a large, compressible body (the benchmark project's /a/large/
view) go in-process through ASGIHandler with MIDDLEWARE = GZipMiddleware and
ConditionalGetMiddleware only, and `Accept-Encoding: gzip`: the body is
hashed for an ETag, then gzipped. A ticker coroutine on the same event loop
records the gap between its wake-ups during each request: compressing or
hashing on the loop shows as a long gap.
"""

import asyncio
import gzip
import statistics
import time

from hops import Browser, Counter
from storm import TICK_SECONDS, percentile

MIDDLEWARE = [
    # Outermost, so that the ETag is computed on the uncompressed body, as
    # the middleware ordering documentation asks.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
]
PATH = "/a/large/"
MAX_TICKS = 200_000
IDLE_SECONDS = 0.2


def headers_of(start):
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in start.get("headers", [])
    }


async def fetch(browser, size):
    """One request; return (status, headers, body) as the client got them."""
    status = await browser.request(
        "GET",
        PATH,
        headers=[(b"accept-encoding", b"gzip, deflate, br")],
        query_string=f"size={size}".encode(),
    )
    start, *rest = browser.messages
    body = b"".join(message.get("body", b"") for message in rest)
    return status, headers_of(start), body


def check(status, headers, size, body=None):
    """Raise unless the response went through both middleware."""
    if status != 200:
        raise RuntimeError(f"{PATH} answered {status}")
    if headers.get("content-encoding") != "gzip":
        raise RuntimeError(f"response not gzipped: {headers}")
    if not headers.get("etag"):
        raise RuntimeError(f"response without an ETag: {headers}")
    if body is not None and len(gzip.decompress(body)) != size:
        raise RuntimeError("the gzipped body does not decompress to the body")


async def idle_gaps(seconds):
    """The ticker's gaps (ms) on an idle loop: the machine's noise floor."""
    gaps = []
    last = deadline = time.perf_counter()
    deadline += seconds
    while last < deadline:
        await asyncio.sleep(TICK_SECONDS)
        now = time.perf_counter()
        gaps.append((now - last) * 1000)
        last = now
    return gaps


async def timed_request(browser, size):
    """One request beside a ticker: its gaps (ms), wall time (s), response."""
    gaps = []
    done = asyncio.Event()

    async def ticker():
        last = time.perf_counter()
        while not done.is_set() and len(gaps) < MAX_TICKS:
            await asyncio.sleep(TICK_SECONDS)
            now = time.perf_counter()
            gaps.append((now - last) * 1000)
            last = now

    tick_task = asyncio.create_task(ticker())
    # Let the ticker settle into its rhythm first.
    await asyncio.sleep(TICK_SECONDS * 5)
    gaps.clear()
    started = time.perf_counter()
    try:
        response = await fetch(browser, size)
    finally:
        wall = time.perf_counter() - started
        done.set()
        await tick_task
    return gaps, wall, response


async def measure(size, repeats):
    from benchproject.views import large_body

    from django.core.handlers.asgi import ASGIHandler
    from django.test import override_settings

    # Made once per process, outside any measured request.
    large_body(size)
    with override_settings(MIDDLEWARE=MIDDLEWARE):
        browser = Browser(ASGIHandler())
        # A warm-up request (URL resolver, imports), checked in full, with
        # the thread hops it makes.
        with Counter() as counter:
            status, headers, body = await fetch(browser, size)
        check(status, headers, size, body)
        warmup = {
            "compressed_bytes": len(body),
            "etag": headers["etag"],
            "hops": len(counter.hops),
            "hop_calls": counter.hops,
        }
        warmup["idle_gap_max_ms"] = max(await idle_gaps(IDLE_SECONDS))
        requests = []
        for _ in range(repeats):
            gaps, wall, (status, headers, body) = await timed_request(browser, size)
            check(status, headers, size)
            requests.append(
                {
                    "gap_max_ms": max(gaps, default=None),
                    "gap_p99_ms": percentile(gaps, 0.99),
                    "wall_ms": wall * 1000,
                    "ticks": len(gaps),
                    "gaps": [round(gap, 3) for gap in gaps],
                }
            )
    return warmup, requests


def run(size, repeats=3):
    warmup, requests = asyncio.run(measure(size, repeats))
    gaps = [gap for request in requests for gap in request["gaps"]]
    maxima = [request["gap_max_ms"] for request in requests]
    return {
        "size": size,
        "repeats": repeats,
        "tick_ms": TICK_SECONDS * 1000,
        **warmup,
        "gap_max_ms": max(maxima, default=None),
        "gap_max_median_ms": statistics.median(maxima) if maxima else None,
        "gap_p99_ms": percentile(gaps, 0.99),
        "wall_ms": statistics.median(r["wall_ms"] for r in requests),
        "requests": requests,
    }
