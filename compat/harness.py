"""
A browser-like client over the real WSGI and ASGI handlers.

Every request goes through `get_wsgi_application()` (an environ dict) or an
ASGI application (an http scope, receive and send inside `asyncio.run`), so
that packages hooking the handlers see what a server would make them see.
The client keeps cookies like a browser and records each exchange raw; the
tool (scripts/forktool/compat.py) normalizes and compares the records.
"""

import asyncio
import io
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit
from wsgiref.util import setup_testing_defaults

HOST = "testserver"
CLIENT = ("127.0.0.1", 50000)
TEXT_TYPES = ("text/", "application/json", "application/javascript")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # [(lowercase name, value)], in order
        self.body = body

    def header(self, name):
        return next((v for n, v in self.headers if n == name), None)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def form_value(self, name):
        """The value of the form input `name` in the body, as a browser sees."""
        match = re.search(
            rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', self.text
        ) or re.search(
            rf'<input[^>]*value="([^"]*)"[^>]*name="{re.escape(name)}"', self.text
        )
        if not match:
            raise AssertionError(f"no input {name!r} in the {self.status} response")
        return match.group(1)

    def csrf_token(self):
        return self.form_value("csrfmiddlewaretoken")


def wsgi_call(application, method, path, query, headers, body):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": CLIENT[0],
        "REMOTE_PORT": str(CLIENT[1]),
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "HTTP_HOST": HOST,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        environ[key] = value
    setup_testing_defaults(environ)
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = [(n.lower(), v) for n, v in response_headers]
        return lambda data: None

    result = application(environ, start_response)
    try:
        data = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return Response(started["status"], started["headers"], data)


async def asgi_call(application, method, path, query, headers, body):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", HOST.encode())]
        + [(n.lower().encode(), v.encode("latin-1")) for n, v in headers],
        "client": CLIENT,
        "server": (HOST, 80),
        "state": {},
    }
    done = asyncio.Event()
    sent = {"body": []}
    requested = False

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
            sent["headers"] = [
                (n.decode("latin-1").lower(), v.decode("latin-1"))
                for n, v in message.get("headers", [])
            ]
        elif message["type"] == "http.response.body":
            sent["body"].append(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    await application(scope, receive, send)
    done.set()
    return Response(sent["status"], sent["headers"], b"".join(sent["body"]))


class Client:
    """One browser: a cookie jar, and the record of its exchanges."""

    def __init__(self, mode, apps, collect=None, shape=None):
        self.mode = mode
        self.apps = apps
        self.collect = collect
        self.shape = shape
        self.cookies = {}
        self.log = []

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in sorted(self.cookies.items()))

    def request(self, method, url, data=None, headers=(), json_body=None):
        parts = urlsplit(url)
        headers = list(headers)
        body = b""
        if data is not None:
            body = urlencode(data).encode()
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        elif json_body is not None:
            body = json_body.encode()
            headers.append(("Content-Type", "application/json"))
        if self.cookies:
            headers.append(("Cookie", self.cookie_header()))
        args = (method, parts.path, parts.query, headers, body)
        if self.mode == "wsgi":
            response = wsgi_call(self.apps["wsgi"], *args)
        else:
            response = asyncio.run(asgi_call(self.apps["asgi"], *args))
        self.keep_cookies(response)
        self.log.append(self.record(method, url, data, response))
        return response

    def keep_cookies(self, response):
        for name, value in response.headers:
            if name != "set-cookie":
                continue
            for key, morsel in SimpleCookie(value).items():
                gone = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                if gone:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value

    def record(self, method, url, data, response):
        content_type = response.header("content-type") or ""
        if content_type.startswith(TEXT_TYPES) or not response.body:
            body = response.text
        else:
            body = f"<{len(response.body)} bytes of {content_type}>"
        entry = {
            "request": f"{method} {url}",
            "form": sorted(data) if data else None,
            "status": response.status,
            "headers": sorted([n, v] for n, v in response.headers if n != "set-cookie"),
            "cookies": [v for n, v in response.headers if n == "set-cookie"],
            "body": body,
        }
        if self.shape:
            entry = self.shape(entry)
        if self.collect:
            entry["package"] = self.collect()
        return entry

    def note(self, label, value):
        """Record something the scenario observed beside HTTP."""
        self.log.append({"note": label, "value": value})

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self.request("POST", url, data=data, **kwargs)

    def options(self, url, **kwargs):
        return self.request("OPTIONS", url, **kwargs)

    def login(self, username, password, url="/login/", fields=None):
        """Log in through a form, with the CSRF token it carries."""
        form = self.get(url)
        data = {
            "csrfmiddlewaretoken": form.csrf_token(),
            **(fields or {"username": username, "password": password}),
        }
        return self.post(url, data)
