"""
djangorestframework with SessionAuthentication: CSRF is enforced for a
logged-in session (403 without a token, 200/201 with one), anonymous is
refused; class-based and function views.
"""

from . import common


def configure(settings):
    settings["INSTALLED_APPS"].append("rest_framework")
    settings["REST_FRAMEWORK"] = {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "rest_framework.authentication.SessionAuthentication"
        ],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    }


def urlpatterns():
    from rest_framework.decorators import api_view
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from django.contrib.auth.decorators import login_not_required
    from django.urls import path

    class Items(APIView):
        def get(self, request):
            return Response({"user": request.user.get_username(), "items": [1, 2]})

        def post(self, request):
            return Response({"created": request.data}, status=201)

    @api_view(["GET", "POST"])
    def echo(request):
        return Response({"method": request.method, "data": request.data})

    return [
        path("api/items/", login_not_required(Items.as_view())),
        path("api/echo/", login_not_required(echo)),
    ]


def anonymous(client):
    client.get("/api/items/")
    client.post("/api/items/", json_body='{"name": "x"}')


def session_without_token(client):
    client.login("alice", common.PASSWORD)
    client.get("/api/items/")
    client.post("/api/items/", json_body='{"name": "x"}')
    client.post("/api/echo/", json_body='{"name": "x"}')


def session_with_token(client):
    client.login("alice", common.PASSWORD)
    token = client.cookies["csrftoken"]
    headers = [("X-CSRFToken", token)]
    client.post("/api/items/", json_body='{"name": "x"}', headers=headers)
    client.post("/api/echo/", json_body='{"name": "y"}', headers=headers)
    client.get("/api/echo/")


def form_post_with_token(client):
    client.login("alice", common.PASSWORD)
    token = client.cookies["csrftoken"]
    client.post("/api/items/", {"csrfmiddlewaretoken": token, "name": "z"})


SCENARIOS = {
    "anonymous": anonymous,
    "post without csrf": session_without_token,
    "post with csrf header": session_with_token,
    "form post with csrf": form_post_with_token,
}
