"""Scenario steps that several packages share."""

PASSWORD = "alice-password-1"


def get_page(client):
    client.get("/")
    client.get("/async/")


def post_without_csrf(client):
    client.get("/")
    client.post("/submit/", {"text": "no token"})
    client.post("/async/submit/", {"text": "no token"})


def post_with_csrf(client):
    token = client.get("/").csrf_token()
    client.post("/submit/", {"csrfmiddlewaretoken": token, "text": "sync"})
    token = client.get("/async/").csrf_token()
    client.post("/async/submit/", {"csrfmiddlewaretoken": token, "text": "async"})


def login(client):
    client.login("alice", PASSWORD)
    client.get("/whoami/")
    client.get("/async/whoami/")
    client.get("/private/")
    client.get("/async/private/")


def login_wrong_password(client):
    client.login("alice", "wrong")
    client.get("/whoami/")


def logout(client):
    client.login("alice", PASSWORD)
    token = client.get("/").csrf_token()
    client.post("/logout/", {"csrfmiddlewaretoken": token})
    client.get("/whoami/")


def anonymous_private(client):
    client.get("/private/")
    client.get("/async/private/")


def exception(client):
    client.get("/boom/")
    client.get("/async/boom/")


def not_found(client):
    client.get("/missing/")
