"""
Settings of the benchmark project: `startproject` defaults, configured by
environment variables so that one project serves every scenario.

BENCH_DATA_DIR          folder for the SQLite database and file sessions
BENCH_SESSION_ENGINE    db, cache, cached_db, file or signed_cookies
BENCH_LOGIN_REQUIRED    "1" appends LoginRequiredMiddleware to MIDDLEWARE
BENCH_SERVICES          "1": PostgreSQL as the database and Redis as the
                        default cache (RedisCache, the pool's defaults)
                        instead of SQLite and LocMemCache, on the ports of
                        .ci/services (FORK_POSTGRESQL_PORT, FORK_REDIS_PORT)
BENCH_PG_NAME           with BENCH_SERVICES, the PostgreSQL database name
BENCH_REDIS_DB          with BENCH_SERVICES, the Redis database number
"""

import os
import tempfile
from pathlib import Path

DATA_DIR = Path(
    os.environ.get("BENCH_DATA_DIR", Path(tempfile.gettempdir(), "django-fork-bench"))
)

SECRET_KEY = "benchmark-only-not-a-secret-0123456789abcdefghijklmnopqrstuv"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

# The default MIDDLEWARE of `django-admin startproject`.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
LOGIN_REQUIRED_MIDDLEWARE = "django.contrib.auth.middleware.LoginRequiredMiddleware"
if os.environ.get("BENCH_LOGIN_REQUIRED") == "1":
    MIDDLEWARE.append(LOGIN_REQUIRED_MIDDLEWARE)

ROOT_URLCONF = "benchproject.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "benchproject.wsgi.application"
ASGI_APPLICATION = "benchproject.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "db.sqlite3",
        # Concurrent logins write from several threads.
        "OPTIONS": {"timeout": 60},
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SERVICES = os.environ.get("BENCH_SERVICES") == "1"
if SERVICES:
    SERVICES_HOST = "127.0.0.1"
    POSTGRESQL_PORT = int(os.environ.get("FORK_POSTGRESQL_PORT", 54329))
    REDIS_PORT = int(os.environ.get("FORK_REDIS_PORT", 63799))
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": SERVICES_HOST,
            "PORT": POSTGRESQL_PORT,
            "NAME": os.environ.get("BENCH_PG_NAME", "bench"),
            "USER": "django",
            "PASSWORD": "django",
            # Every request's synchronous code runs in a thread of its own,
            # which would open a connection per concurrent request (200 is
            # the server's limit): a pool bounds them, as in production.
            "OPTIONS": {"pool": {"min_size": 4, "max_size": 64, "timeout": 60}},
        }
    }
    # No OPTIONS: the Redis pool's defaults are part of what is measured.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://%s:%d/%s"
            % (SERVICES_HOST, REDIS_PORT, os.environ.get("BENCH_REDIS_DB", "1")),
        }
    }
    # Server errors (a pool or a connection limit reached) go to stderr, the
    # server's log, so that failed requests can be told apart.
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"class": "logging.StreamHandler"}},
        "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
    }

SESSION_ENGINE = "django.contrib.sessions.backends.%s" % os.environ.get(
    "BENCH_SESSION_ENGINE", "db"
)
SESSION_FILE_PATH = DATA_DIR / "sessions"
SESSION_FILE_PATH.mkdir(parents=True, exist_ok=True)  # Also makes DATA_DIR.

# Request scenarios measure the framework, not the hasher: a fast hasher
# first. The login storm overrides this list with the hasher it measures.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LOGIN_URL = "/a/login/"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
