"""The default stack alone, with LoginRequiredMiddleware: the baseline."""

from . import common


def configure(settings):
    settings["MIDDLEWARE"].append(
        "django.contrib.auth.middleware.LoginRequiredMiddleware"
    )


def login_required_middleware(client):
    client.get("/protected/")
    client.get("/async/protected/")
    client.login("alice", common.PASSWORD)
    client.get("/protected/")
    client.get("/async/protected/")


SCENARIOS = {
    "get page": common.get_page,
    "post without csrf": common.post_without_csrf,
    "post with csrf": common.post_with_csrf,
    "login": common.login,
    "wrong password": common.login_wrong_password,
    "logout": common.logout,
    "login_required": common.anonymous_private,
    "LoginRequiredMiddleware": login_required_middleware,
    "exception": common.exception,
    "404": common.not_found,
}
