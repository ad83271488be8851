import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchproject.settings")

application = get_asgi_application()

if os.environ.get("BENCH_TICKER") == "1":
    # Event-loop gaps inside the server, on demand (see ticker.py).
    from ticker import TickerApp

    application = TickerApp(application)
