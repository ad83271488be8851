"""
django-allauth's account app and AccountMiddleware: log in, change the
password and log out through its views, with the CSRF tokens of its forms.
"""

from . import common

NEW_PASSWORD = "alice-new-password-2"


def configure(settings):
    settings["INSTALLED_APPS"] += ["allauth", "allauth.account"]
    settings["MIDDLEWARE"].append("allauth.account.middleware.AccountMiddleware")
    settings["AUTHENTICATION_BACKENDS"] = [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ]
    settings["LOGIN_URL"] = "/accounts/login/"
    settings["ACCOUNT_LOGIN_METHODS"] = {"username"}
    settings["ACCOUNT_EMAIL_VERIFICATION"] = "none"
    settings["ACCOUNT_RATE_LIMITS"] = False


def urlpatterns():
    from django.urls import include, path

    return [path("accounts/", include("allauth.urls"))]


def login(client, password=common.PASSWORD):
    form = client.get("/accounts/login/")
    client.post(
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": form.csrf_token(),
            "login": "alice",
            "password": password,
        },
    )


def log_in(client):
    login(client)
    client.get("/whoami/")
    client.get("/async/whoami/")
    client.get("/private/")


def wrong_password(client):
    login(client, "wrong")
    client.get("/whoami/")


def password_change(client):
    login(client)
    form = client.get("/accounts/password/change/")
    client.post(
        "/accounts/password/change/",
        {
            "csrfmiddlewaretoken": form.csrf_token(),
            "oldpassword": common.PASSWORD,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    client.get("/whoami/")
    client.get("/async/whoami/")


def log_out(client):
    login(client)
    form = client.get("/accounts/logout/")
    client.post("/accounts/logout/", {"csrfmiddlewaretoken": form.csrf_token()})
    client.get("/whoami/")
    login(client)  # and back in, in the same browser
    client.get("/whoami/")


def anonymous_private(client):
    client.get("/private/")
    client.get("/accounts/password/change/")


SCENARIOS = {
    "login": log_in,
    "wrong password": wrong_password,
    "password change": password_change,
    "logout": log_out,
    "login_required": anonymous_private,
}
