"""
opentelemetry-instrumentation-django with the SDK's in-memory exporter:
span names, kinds, status and attributes (ids, timings and ports masked by
the tool's normalization).
"""

from . import common

EXPORTER = None


def init():
    global EXPORTER
    from opentelemetry import trace
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
        InMemorySpanExporter,
    )

    EXPORTER = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument(tracer_provider=provider)


def configure(settings):
    pass


def collect():
    spans = [
        {
            "name": span.name,
            "kind": span.kind.name,
            "status": span.status.status_code.name,
            "parent": span.parent is not None,
            "attributes": dict(sorted((span.attributes or {}).items())),
            "events": [event.name for event in span.events],
        }
        for span in EXPORTER.get_finished_spans()
    ]
    EXPORTER.clear()
    return sorted(spans, key=repr)


SCENARIOS = {
    "get page": common.get_page,
    "post without csrf": common.post_without_csrf,
    "post with csrf": common.post_with_csrf,
    "login": common.login,
    "exception": common.exception,
    "404": common.not_found,
}
