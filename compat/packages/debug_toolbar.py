"""
django-debug-toolbar on HTML pages (DEBUG=True, INTERNAL_IPS): the toolbar
is injected, its panels' ids and titles. The toolbar's own markup holds
timings, so the page is compared without it and Content-Length is masked.
"""

import re

from . import common


def configure(settings):
    settings["DEBUG"] = True
    settings["INTERNAL_IPS"] = ["127.0.0.1"]
    settings["INSTALLED_APPS"].append("debug_toolbar")
    settings["MIDDLEWARE"].insert(0, "debug_toolbar.middleware.DebugToolbarMiddleware")
    settings["DEBUG_TOOLBAR_CONFIG"] = {"IS_RUNNING_TESTS": False}


def urlpatterns():
    from debug_toolbar.toolbar import debug_toolbar_urls

    return debug_toolbar_urls()


def _header(name, value, injected):
    """Timings masked: Server-Timing's durations, an injected page's length."""
    if name == "content-length" and injected:
        return "<masked: toolbar timings>"
    if name == "server-timing":
        return re.sub(r"dur=[0-9.]+", "dur=<ms>", value)
    return value


def shape(entry):
    body = entry["body"]
    start = body.find('<div id="djDebug"')
    injected = start != -1
    entry["headers"] = [[n, _header(n, v, injected)] for n, v in entry["headers"]]
    entry["toolbar"] = None
    if injected:
        toolbar = body[start:]
        end = toolbar.find("</body>")
        entry["body"] = body[:start] + (toolbar[end:] if end != -1 else "")
        entry["toolbar"] = {
            "panels": re.findall(r'<li id="(djdt-\w+)"', toolbar),
            "titles": sorted(set(re.findall(r'title="([^"]+)"', toolbar))),
        }
    return entry


def panels_page(client):
    response = client.get("/")
    match = re.search(r'data-request-id="([0-9a-f]+)"', response.text)
    client.note("request id found", bool(match))
    if match:
        client.get(
            f"/__debug__/render_panel/?request_id={match.group(1)}"
            "&panel_id=RequestPanel"
        )


SCENARIOS = {
    "get page": common.get_page,
    "panel": panels_page,
    "post with csrf": common.post_with_csrf,
    "login": common.login,
    "404": common.not_found,
}
