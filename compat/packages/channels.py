"""
channels: AuthMiddlewareStack over the session cookie of a normal Django
login (made in the scenario's mode), and a consumer that calls
channels.auth.login()/logout(); driven with asgiref's
ApplicationCommunicator. Observed: the scope's user and the session, in the
consumer and through HTTP afterwards.
"""

import asyncio
import json

from . import common


def configure(settings):
    settings["INSTALLED_APPS"].append("channels")


def _consumer():
    from channels.auth import login, logout
    from channels.db import database_sync_to_async
    from channels.generic.websocket import AsyncJsonWebsocketConsumer

    from django.contrib.auth import get_user_model

    def state(scope):
        user = scope["user"]
        session = scope["session"]
        return {
            "user": user.get_username(),
            "authenticated": user.is_authenticated,
            "session": sorted(session.keys()),
        }

    class AuthConsumer(AsyncJsonWebsocketConsumer):
        async def connect(self):
            await self.accept()
            await self.send_json({"connected": await self.state()})

        async def state(self):
            return await database_sync_to_async(state)(self.scope)

        async def receive_json(self, content):
            if content["do"] == "login":
                user = await get_user_model().objects.aget(username=content["user"])
                await login(self.scope, user)
                await database_sync_to_async(self.scope["session"].save)()
            elif content["do"] == "logout":
                await logout(self.scope)
            await self.send_json({content["do"]: await self.state()})

    return AuthConsumer


def applications():
    from channels.auth import AuthMiddlewareStack
    from channels.routing import ProtocolTypeRouter, URLRouter

    from django.core.asgi import get_asgi_application
    from django.urls import path

    websocket = AuthMiddlewareStack(
        URLRouter([path("ws/auth/", _consumer().as_asgi())])
    )
    router = ProtocolTypeRouter(
        {"http": get_asgi_application(), "websocket": websocket}
    )
    return {"asgi": router, "channels": router}


def websocket(client, *commands):
    """Connect with the client's cookies, send commands, note the answers."""
    from asgiref.testing import ApplicationCommunicator

    async def talk():
        headers = [(b"host", b"testserver")]
        if client.cookies:
            headers.append((b"cookie", client.cookie_header().encode()))
        scope = {
            "type": "websocket",
            "path": "/ws/auth/",
            "raw_path": b"/ws/auth/",
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        app = ApplicationCommunicator(client.apps["channels"], scope)
        await app.send_input({"type": "websocket.connect"})
        answers = [(await app.receive_output(10))["type"]]
        answers.append(json.loads((await app.receive_output(10))["text"]))
        for command in commands:
            await app.send_input(
                {"type": "websocket.receive", "text": json.dumps(command)}
            )
            answers.append(json.loads((await app.receive_output(10))["text"]))
        await app.send_input({"type": "websocket.disconnect", "code": 1000})
        await app.wait(10)
        return answers

    client.note("websocket", asyncio.run(talk()))


def session_from_http_login(client):
    client.login("alice", common.PASSWORD)
    websocket(client)


def anonymous(client):
    websocket(client)


def login_in_consumer(client):
    client.get("/")  # a CSRF cookie, no session yet
    websocket(client, {"do": "login", "user": "bob"})


def login_then_http(client):
    client.login("alice", common.PASSWORD)
    websocket(client, {"do": "login", "user": "bob"})
    client.get("/whoami/")


def logout_in_consumer(client):
    client.login("alice", common.PASSWORD)
    websocket(client, {"do": "logout"})
    client.get("/whoami/")


SCENARIOS = {
    "session from login": session_from_http_login,
    "anonymous": anonymous,
    "consumer login": login_in_consumer,
    "consumer login, then http": login_then_http,
    "consumer logout": logout_in_consumer,
}
