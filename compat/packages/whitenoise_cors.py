"""
whitenoise and django-cors-headers in front of startproject's MIDDLEWARE:
a static file (plain, gzip, conditional), a CORS preflight and CORS GETs.
"""

ORIGIN = "https://app.example.com"


def configure(settings):
    settings["INSTALLED_APPS"].insert(0, "corsheaders")
    settings["MIDDLEWARE"][1:1] = [
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "corsheaders.middleware.CorsMiddleware",
    ]
    settings["WHITENOISE_USE_FINDERS"] = True
    settings["WHITENOISE_AUTOREFRESH"] = False
    settings["CORS_ALLOWED_ORIGINS"] = [ORIGIN]
    settings["CORS_URLS_REGEX"] = r"^/api/.*$"


def static_file(client):
    first = client.get("/static/compat.css")
    client.get("/static/compat.css", headers=[("Accept-Encoding", "gzip")])
    etag = first.header("etag")
    if etag:
        client.get("/static/compat.css", headers=[("If-None-Match", etag)])
    client.get("/static/missing.css")


def preflight(client):
    client.options(
        "/api/cors/",
        headers=[
            ("Origin", ORIGIN),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
    )
    client.options(
        "/api/cors/",
        headers=[
            ("Origin", "https://evil.example.com"),
            ("Access-Control-Request-Method", "POST"),
        ],
    )


def cors_get(client):
    client.get("/api/cors/", headers=[("Origin", ORIGIN)])
    client.get("/api/cors/", headers=[("Origin", "https://evil.example.com")])
    client.get("/", headers=[("Origin", ORIGIN)])


SCENARIOS = {
    "static file": static_file,
    "cors preflight": preflight,
    "cors get": cors_get,
}
