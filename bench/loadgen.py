"""
A small HTTP/1.1 load generator for loopback servers (stdlib only).

    python loadgen.py --port 8001 --path /a/plain/ --login --concurrency 8 \
        --seconds 2 --max-requests 20000

Each of the --concurrency connections sends requests back to back with
keep-alive. After --warmup seconds, it counts the responses that arrive
during --seconds; it stops sending at --max-requests or then, whichever
comes first, waits at most --grace seconds for the requests in flight, and
prints one JSON line: requests, req/s, p50/p99 latency, statuses, non-200
responses, connection errors (by exception) and connections still waiting
for an answer when the run was cut off. With --whole-run (and no
--warmup), all responses count, over the time from the first request to the
last response.
"""

import argparse
import asyncio
import json
import time
from collections import Counter
from http.cookies import SimpleCookie

from common import CSRF_TOKEN, LOGIN_BODY

HOST = "127.0.0.1"


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
    fields = dict(headers)
    if "content-length" in fields:
        await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers


def encode_request(method, path, cookies, body=b""):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if method == "POST":
        lines += [
            "Content-Type: application/x-www-form-urlencoded",
            f"X-CSRFToken: {cookies['csrftoken']}",
        ]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def log_in(port, path):
    cookies = {"csrftoken": CSRF_TOKEN}
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(encode_request("POST", path, cookies, LOGIN_BODY))
        status, headers = await read_response(reader)
    finally:
        writer.close()
    if status != 200:
        raise SystemExit(f"login at {path} answered {status}")
    for name, value in headers:
        if name == "set-cookie":
            for key, morsel in SimpleCookie(value).items():
                cookies[key] = morsel.value
    return cookies


# A connection that fails (refused, reset, closed by the server) counts as
# one error, then is opened again, until the run ends.
CONNECTION_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError)
RECONNECT_DELAY = 0.01


async def load(args):
    cookies = {"csrftoken": CSRF_TOKEN}
    if args.login:
        cookies = await log_in(args.port, args.login_path)
    request = encode_request("GET", args.path, cookies)
    # Requests whose response arrives in the measuring window count for the
    # throughput and latencies, whenever they were sent (with many
    # connections on a slow server, a response may take longer than the
    # warm-up). Statuses and errors count over the whole run, warm-up and
    # the drain of in-flight requests after the window included.
    # --whole-run: every response counts, over the time from the first
    # request to the last response (for many connections to a slow server,
    # whose responses come in waves longer than any window).
    latencies = []
    statuses = Counter()
    errors = Counter()
    state = {"sent": 0, "last": None}
    first_sent = time.perf_counter()
    window_start = first_sent + args.warmup
    deadline = window_start + args.seconds

    def running():
        return time.perf_counter() < deadline and state["sent"] < args.max_requests

    async def connection():
        while running():
            writer = None
            try:
                reader, writer = await asyncio.open_connection(HOST, args.port)
                while running():
                    state["sent"] += 1
                    started = time.perf_counter()
                    writer.write(request)
                    status, _ = await read_response(reader)
                    now = time.perf_counter()
                    statuses[status] += 1
                    state["last"] = now
                    if args.whole_run or window_start <= now <= deadline:
                        latencies.append(now - started)
            except CONNECTION_ERRORS as error:
                errors[type(error).__name__] += 1
                await asyncio.sleep(RECONNECT_DELAY)
            finally:
                if writer is not None:
                    writer.close()

    tasks = [asyncio.create_task(connection()) for _ in range(args.concurrency)]
    # In-flight requests may outlive the deadline: bound them too.
    timeout = deadline + args.grace - time.perf_counter()
    done, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if args.whole_run:
        elapsed = (state["last"] or first_sent) - first_sent
    else:
        elapsed = min(time.perf_counter(), deadline) - window_start
    latencies.sort()
    count = len(latencies)
    return {
        "concurrency": args.concurrency,
        "requests": count,
        "seconds": elapsed,
        "req_per_s": count / elapsed if elapsed > 0 else 0.0,
        "p50_ms": latencies[count // 2] * 1000 if count else None,
        "p99_ms": (
            latencies[min(count - 1, int(count * 0.99))] * 1000 if count else None
        ),
        "sent": state["sent"],
        "statuses": {str(k): v for k, v in statuses.items()},
        # Responses other than 200, connection errors, and connections still
        # waiting for an answer when the run was cut off.
        "non_200": sum(v for k, v in statuses.items() if k != 200),
        "connection_errors": dict(errors),
        "unfinished": len(pending),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--login", action="store_true")
    parser.add_argument("--login-path", default="/a/login/")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--warmup", type=float, default=0.3)
    parser.add_argument("--grace", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--whole-run", action="store_true")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(load(args))))


if __name__ == "__main__":
    main()
