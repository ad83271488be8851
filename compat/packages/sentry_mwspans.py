"""sentry-sdk with DjangoIntegration(middleware_spans=True): see sentry.py."""

from .sentry import SCENARIOS, collect, configure, init  # noqa: F401
