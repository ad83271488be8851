"""
Event-loop stalls under a login storm.

Concurrent tasks on one event loop, each in its own thread-sensitive context
as ASGI requests are: half create a user (acreate_user) then log in, half log
in users whose stored hash was made with cheaper parameters and so is
upgraded on that login. A log-in is aauthenticate() + alogin() + session
save. A ticker coroutine records the gap between its wake-ups: any blocking
work on the loop shows as a long gap.
"""

import asyncio
import importlib
import time

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from common import PASSWORD

TICK_SECONDS = 0.002
MAX_TICKS = 200_000
TIMELINE_POINTS = 400

# algorithm: (hasher class, module it needs, cheaper parameters that make
# must_update() true for the hashes they produce)
HASHERS = {
    "pbkdf2_sha256": ("PBKDF2PasswordHasher", None, {"iterations": 10_000}),
    "argon2": ("Argon2PasswordHasher", "argon2", {"time_cost": 1, "memory_cost": 8192}),
    "bcrypt_sha256": ("BCryptSHA256PasswordHasher", "bcrypt", {"rounds": 4}),
    "scrypt": ("ScryptPasswordHasher", None, {"work_factor": 2**10}),
}


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timeline(samples):
    """Downsample (time, gap) samples, keeping the largest gap of each bucket."""
    if len(samples) <= TIMELINE_POINTS:
        return [[round(t, 4), round(g, 3)] for t, g in samples]
    size = len(samples) / TIMELINE_POINTS
    points = []
    for index in range(TIMELINE_POINTS):
        bucket = samples[int(index * size) : int((index + 1) * size)]
        t, g = max(bucket, key=lambda sample: sample[1])
        points.append([round(t, 4), round(g, 3)])
    return points


def outdated_hashes(hasher, parameters, count):
    cheaper = type(hasher)()
    for name, value in parameters.items():
        setattr(cheaper, name, value)
    hashes = [cheaper.encode(PASSWORD, cheaper.salt()) for _ in range(count)]
    assert all(hasher.must_update(encoded) for encoded in hashes)
    return hashes


async def log_in(username):
    from django.conf import settings
    from django.contrib.auth import aauthenticate, alogin
    from django.http import HttpRequest

    request = HttpRequest()
    request.session = importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    user = await aauthenticate(request, username=username, password=PASSWORD)
    if user is None:
        raise RuntimeError(f"{username} could not log in")
    await alogin(request, user)
    await request.session.asave()


async def one_request(username, create):
    from django.contrib.auth.models import User
    from django.db import connections

    async with ThreadSensitiveContext():
        try:
            if create:
                await User.objects.acreate_user(username, password=PASSWORD)
            await log_in(username)
        finally:
            await sync_to_async(connections.close_all)()


async def storm(prefix, new_users, old_users, timeout):
    samples = []
    done = asyncio.Event()

    async def ticker():
        last = started = time.perf_counter()
        while not done.is_set() and len(samples) < MAX_TICKS:
            await asyncio.sleep(TICK_SECONDS)
            now = time.perf_counter()
            samples.append((now - started, (now - last) * 1000))
            last = now

    tick_task = asyncio.create_task(ticker())
    await asyncio.sleep(TICK_SECONDS * 5)
    started = time.perf_counter()
    requests = [one_request(f"{prefix}-new{i}", True) for i in range(new_users)]
    requests += [one_request(name, False) for name in old_users]
    outcome = {"timed_out": False, "failures": 0}
    try:
        results = await asyncio.wait_for(
            asyncio.gather(*requests, return_exceptions=True), timeout
        )
    except TimeoutError:
        outcome["timed_out"] = True
    else:
        failures = [r for r in results if isinstance(r, BaseException)]
        outcome["failures"] = len(failures)
        if failures:
            outcome["first_failure"] = repr(failures[0])
    outcome["wall_seconds"] = time.perf_counter() - started
    done.set()
    await tick_task
    return outcome, samples


def run(hasher, users, timeout=120, round=0):
    from django.contrib.auth.hashers import get_hasher
    from django.contrib.auth.models import User
    from django.db import connections
    from django.test import override_settings

    class_name, module, parameters = HASHERS[hasher]
    if module:
        try:
            importlib.import_module(module)
        except ImportError:
            return {"skipped": f"{module} is not installed"}
    hashers = [f"django.contrib.auth.hashers.{class_name}"]
    with override_settings(
        PASSWORD_HASHERS=hashers, SESSION_ENGINE=("django.contrib.sessions.backends.db")
    ):
        current = get_hasher("default")
        prefix = f"storm{round}-{hasher}"
        old_count = users // 2
        old_users = [f"{prefix}-old{i}" for i in range(old_count)]
        User.objects.bulk_create(
            User(username=name, password=encoded)
            for name, encoded in zip(
                old_users, outdated_hashes(current, parameters, old_count)
            )
        )
        connections.close_all()
        outcome, samples = asyncio.run(
            storm(prefix, users - old_count, old_users, timeout)
        )
        stored = User.objects.filter(username__in=old_users).values_list(
            "password", flat=True
        )
        upgraded = sum(not current.must_update(encoded) for encoded in stored)
        connections.close_all()
    gaps = [gap for _, gap in samples]
    return {
        **outcome,
        "hasher": hasher,
        "users": users,
        "new_users": users - old_count,
        "upgrade_users": old_count,
        "upgraded": upgraded,
        "ticks": len(gaps),
        "tick_ms": TICK_SECONDS * 1000,
        "gap_max_ms": max(gaps, default=None),
        "gap_p99_ms": percentile(gaps, 0.99),
        "gap_p50_ms": percentile(gaps, 0.50),
        "timeline": timeline(samples),
    }
