"""
sentry-sdk's Django integration, enabled by a plain sentry_sdk.init() whose
transport keeps envelopes in memory (no network). Compared: transaction
names and sources, span ops and descriptions (sorted, counted: presence is
kept), errors' exception types, and the request and response as Sentry saw
them. The "sentry-mwspans" package runs the same with middleware_spans=True.
"""

import os

from . import common

CAPTURED = []


def _transport_class():
    from sentry_sdk.transport import Transport

    class MemoryTransport(Transport):
        def capture_envelope(self, envelope):
            CAPTURED.append(envelope)

        def flush(self, timeout, callback=None):
            return None

    return MemoryTransport


def init():
    import sentry_sdk

    options = {}
    if os.environ["COMPAT_PACKAGE"] == "sentry-mwspans":
        from sentry_sdk.integrations.django import DjangoIntegration

        options["integrations"] = [DjangoIntegration(middleware_spans=True)]
    sentry_sdk.init(
        dsn="http://key@localhost/1",
        traces_sample_rate=1.0,
        transport=_transport_class(),
        **options,
    )


def configure(settings):
    pass


def _request(request):
    request = dict(request or {})
    headers = request.pop("headers", {}) or {}
    request["headers"] = sorted(headers)
    request.pop("env", None)
    return request


def _spans(spans):
    counts = {}
    for span in spans:
        key = (span.get("op"), span.get("description"), span.get("status"))
        counts[key] = counts.get(key, 0) + 1
    return [[*key, n] for key, n in sorted(counts.items(), key=repr)]


def _event(item):
    event = item.payload.json or {}
    if item.type == "transaction":
        contexts = event.get("contexts", {})
        return {
            "type": "transaction",
            "transaction": event.get("transaction"),
            "source": event.get("transaction_info", {}).get("source"),
            "op": contexts.get("trace", {}).get("op"),
            "status": contexts.get("trace", {}).get("status"),
            "response": contexts.get("response"),
            "request": _request(event.get("request")),
            "spans": _spans(event.get("spans", [])),
        }
    if item.type == "event":
        values = event.get("exception", {}).get("values", [])
        return {
            "type": "event",
            "level": event.get("level"),
            "transaction": event.get("transaction"),
            "exceptions": [
                [v.get("type"), v.get("value"), v.get("mechanism", {}).get("handled")]
                for v in values
            ],
            "request": _request(event.get("request")),
        }
    return {"type": item.type}


def collect():
    events = [_event(item) for envelope in CAPTURED for item in envelope.items]
    CAPTURED.clear()
    return sorted(events, key=lambda e: (e["type"], repr(e)))


SCENARIOS = {
    "get page": common.get_page,
    "post without csrf": common.post_without_csrf,
    "post with csrf": common.post_with_csrf,
    "login": common.login,
    "logout": common.logout,
    "login_required": common.anonymous_private,
    "exception": common.exception,
    "404": common.not_found,
}
