"""
One module per package under test. A module has:

- configure(settings): change the settings namespace (INSTALLED_APPS, ...);
- SCENARIOS: {name: function(client)}, each run in wsgi and asgi mode;
- optionally init() (before django.setup()), urlpatterns() (extra URLs),
  applications() (replace the "wsgi"/"asgi" applications), collect() (the
  package's own output after each request) and shape(entry) (reduce an
  exchange's record to what is comparable).

PACKAGES lists the modules `fork compat` runs, in order.
"""

PACKAGES = [
    "default",
    "sentry",
    "sentry-mwspans",
    "otel",
    "debug-toolbar",
    "channels",
    "allauth",
    "drf",
    "whitenoise-cors",
]
