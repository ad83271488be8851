"""
A small HTTP/1.1 load generator for loopback servers (stdlib only).

    python loadgen.py --port 8001 --path /a/plain/ --login --concurrency 8 \
        --seconds 2 --max-requests 20000

Each of the --concurrency connections sends requests back to back with
keep-alive. It stops at --max-requests or after --seconds, whichever comes
first, and prints one JSON line: requests, req/s, p50/p99 latency, statuses.
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


async def load(args):
    cookies = {"csrftoken": CSRF_TOKEN}
    if args.login:
        cookies = await log_in(args.port, args.login_path)
    request = encode_request("GET", args.path, cookies)
    latencies = []
    statuses = Counter()
    state = {"measuring": False, "sent": 0}
    deadline = time.perf_counter() + args.warmup + args.seconds

    async def connection():
        reader, writer = await asyncio.open_connection(HOST, args.port)
        try:
            while time.perf_counter() < deadline and state["sent"] < args.max_requests:
                measuring = state["measuring"]
                if measuring:
                    state["sent"] += 1
                started = time.perf_counter()
                writer.write(request)
                status, _ = await read_response(reader)
                if measuring:
                    latencies.append(time.perf_counter() - started)
                    statuses[status] += 1
        finally:
            writer.close()

    tasks = [asyncio.create_task(connection()) for _ in range(args.concurrency)]
    await asyncio.sleep(args.warmup)
    state["measuring"] = True
    started = time.perf_counter()
    try:
        # In-flight requests may outlive the deadline: bound them too.
        await asyncio.wait_for(asyncio.gather(*tasks), args.seconds + args.grace)
    except TimeoutError:
        pass
    elapsed = time.perf_counter() - started
    latencies.sort()
    count = len(latencies)
    return {
        "requests": count,
        "seconds": elapsed,
        "req_per_s": count / elapsed if elapsed else 0.0,
        "p50_ms": latencies[count // 2] * 1000 if count else None,
        "p99_ms": (
            latencies[min(count - 1, int(count * 0.99))] * 1000 if count else None
        ),
        "statuses": {str(k): v for k, v in statuses.items()},
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
    args = parser.parse_args()
    print(json.dumps(asyncio.run(load(args))))


if __name__ == "__main__":
    main()
