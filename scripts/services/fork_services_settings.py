"""
Settings for upstream's runtests.py on real services: PostgreSQL, with Redis
as the default cache and Memcached beside it, as .ci/services starts them.
Their presence in CACHES also runs the cache tests' Redis and Memcached
classes.
"""

import os

HOST = "127.0.0.1"


def port(name, default):
    return int(os.environ.get(f"FORK_{name}_PORT", default))


DATABASES = {
    alias: {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": HOST,
        "PORT": port("POSTGRESQL", 54329),
        "NAME": name,
        "USER": "django",
        "PASSWORD": "django",
    }
    for alias, name in [("default", "django"), ("other", "django_other")]
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://{HOST}:{port('REDIS', 63799)}/0",
    },
    "memcached": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": f"{HOST}:{port('MEMCACHED', 11219)}",
    },
}

SECRET_KEY = "django_tests_secret_key"

# Use a fast hasher to speed up tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

USE_TZ = False
