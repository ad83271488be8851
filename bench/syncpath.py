"""
The sync path: sync twin views under WSGI, driven by django.test.Client,
which runs the WSGI request handling (middleware chain, signals) in-process.
"""

import time

from common import CSRF_TOKEN, PASSWORD, USERNAME, VIEWS, engine_path, view_request

WARMUP_REQUESTS = 5


def make_client(engine, auth, view):
    from benchproject.settings import LOGIN_REQUIRED_MIDDLEWARE, MIDDLEWARE

    from django.test import Client, override_settings

    middleware = list(MIDDLEWARE)
    if VIEWS[view][2]:
        middleware.append(LOGIN_REQUIRED_MIDDLEWARE)
    settings = override_settings(
        SESSION_ENGINE=engine_path(engine), MIDDLEWARE=middleware
    )
    settings.enable()
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF_TOKEN
    if auth == "logged_in":
        response = client.post(
            "/s/login/",
            {"username": USERNAME, "password": PASSWORD},
            headers={"x-csrftoken": CSRF_TOKEN},
        )
        if response.status_code != 200:
            settings.disable()
            raise RuntimeError(f"set-up login answered {response.status_code}")
    return client, settings


def run(scenario, seconds, max_requests):
    view, engine, auth = scenario.split("/")
    method, path, _ = view_request(view, prefix="s")
    if method != "GET":
        raise ValueError(f"{scenario}: only GET views are repeatable")
    client, settings = make_client(engine, auth, view)
    try:
        for _ in range(WARMUP_REQUESTS):
            status = client.get(path).status_code
        timings = []
        started = time.perf_counter()
        deadline = started + seconds
        while len(timings) < max_requests and time.perf_counter() < deadline:
            before = time.perf_counter()
            client.get(path)
            timings.append(time.perf_counter() - before)
        elapsed = time.perf_counter() - started
    finally:
        settings.disable()
    timings.sort()
    return {
        "scenario": scenario,
        "status": status,
        "requests": len(timings),
        "req_per_s": len(timings) / elapsed,
        "p50_ms": timings[len(timings) // 2] * 1000,
        "p99_ms": timings[min(len(timings) - 1, int(len(timings) * 0.99))] * 1000,
    }
