"""
The demo in a real browser: headless Debian Chromium driven by Selenium,
against the demo served by uvicorn with DEMO_INSTRUMENT=1 (see
demosite/asgi.py).

Walk: sign-up, login, counter x3, permission denied (then granted),
password change, logout. Checks the session cookie's flags, that login
issues a new session key and CSRF token, and that an old session cookie,
replayed with a plain HTTP client, is refused after logout and after a
password change made in another session. Then asserts that no event-loop
gap reached the time of one password hash, and prints thread hops per page.

Installs nothing. Environment:
DEMO_SESSION_ENGINE   the session engine to test (default: db)
DEMO_CHROMIUM, DEMO_CHROMEDRIVER   (default: /usr/bin/chromium, chromedriver;
                      see chromium.py)
DEMO_SCREENSHOT       where to save a PNG of the counter page (default: none)
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import chromium
import pytest

DEMO = Path(__file__).resolve().parents[1]
ENGINE = os.environ.get("DEMO_SESSION_ENGINE", "db")
USERNAME = "ada"
PASSWORD = "analytical engine 1843"
NEW_PASSWORD = "difference engine 1822"


def missing():
    if chromium.missing():
        return chromium.missing()
    for module in ("selenium", "uvicorn"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed in {sys.executable}"
    return None


pytestmark = pytest.mark.skipif(bool(missing()), reason=missing() or "")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo-data")
    port = free_port()
    env = dict(
        os.environ,
        DEMO_DATA_DIR=str(data),
        DEMO_INSTRUMENT="1",
        DEMO_SESSION_ENGINE=ENGINE,
        PYTHONUNBUFFERED="1",
    )
    log = open(data / "uvicorn.log", "w")
    command = [sys.executable, "-m", "uvicorn", "demosite.asgi:application"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(
        command, cwd=DEMO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"uvicorn exited:\n{(data / 'uvicorn.log').read_text()}")
            try:
                urllib.request.urlopen(url + "/__demo__/stats.json", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"uvicorn not serving {url} after 90 s")
                time.sleep(0.2)
        yield Server(url, env)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


class Server:
    def __init__(self, url, env):
        self.url = url
        self.env = env

    def stats(self):
        with urllib.request.urlopen(self.url + "/__demo__/stats.json") as response:
            return json.load(response)

    def manage(self, *args):
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=DEMO,
            env=self.env,
            check=True,
            capture_output=True,
        )


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A plain HTTP client: sends exactly the cookies it is given."""

    opener = urllib.request.build_opener(NoRedirect)

    def __init__(self, url, cookies=None):
        self.url = url
        self.cookies = dict(cookies or {})

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.url + path, data=body)
        request.add_header("User-Agent", "http client")
        if self.cookies:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            request.add_header("Cookie", cookie)
        try:
            response = self.opener.open(request)
        except urllib.error.HTTPError as e:
            response = e
        with response:
            text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), text

    def logged_in(self):
        """Whether the session is accepted: the password page needs a login."""
        status, location, _ = self.request("/password/")
        assert status in (200, 302), status
        return status == 200 or not location.startswith("/login/")

    def log_in(self, username, password):
        status, _, html = self.request("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
        data = {"csrfmiddlewaretoken": token, "username": username}
        status, location, _ = self.request("/login/", dict(data, password=password))
        return status == 302


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = chromium.add_arguments(webdriver.ChromeOptions())
    options.add_argument("--headless=new")
    options.add_argument("--window-size=1000,760")
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    # A service path: Selenium Manager is not consulted, nothing downloads.
    service = Service(chromium.CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def submit(browser, **fields):
    from selenium.webdriver.common.by import By

    for name, value in fields.items():
        element = browser.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value)
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "submit").click()
    wait_for_new_page(browser, old)


def click(browser, element_id):
    from selenium.webdriver.common.by import By

    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, element_id).click()
    wait_for_new_page(browser, old)


def wait_for_new_page(browser, old):
    """As AdminSeleniumTestCase.wait_page_loaded(): replaced, then loaded."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    def replaced(driver):
        # staleness_of() expects StaleElementReferenceException only, but
        # chromedriver may also report the old page's node as no longer
        # belonging to the document ("unhandled inspector error").
        try:
            old.is_enabled()
        except WebDriverException:
            return True
        return False

    wait = WebDriverWait(browser, 30)
    wait.until(replaced)
    wait.until(
        lambda driver: driver.execute_script("return document.readyState") == "complete"
    )


def text(browser, element_id):
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, element_id).text


def cookie(browser, name):
    return browser.get_cookie(name)


def test_walk(server, browser):
    from selenium.webdriver.common.by import By

    url = server.url
    revocable = ENGINE != "signed_cookies"

    # Sign-up. It keeps the new name in the (anonymous) session, for the
    # login form: a session exists before login.
    browser.get(url + "/signup/")
    submit(browser, username=USERNAME, password1=PASSWORD, password2=PASSWORD)
    assert browser.current_url == url + "/login/"
    assert "Welcome, ada" in browser.page_source
    anonymous = cookie(browser, "sessionid")
    assert anonymous, "sign-up should have started a session"
    csrf_before = cookie(browser, "csrftoken")["value"]

    # Login: a new session key and a new CSRF token.
    field = browser.find_element(By.NAME, "username")
    assert field.get_attribute("value") == USERNAME
    submit(browser, password=PASSWORD)
    assert browser.current_url == url + "/counter/"
    assert text(browser, "whoami") == USERNAME
    session = cookie(browser, "sessionid")
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert session["value"] != anonymous["value"], "session fixation"
    assert cookie(browser, "csrftoken")["value"] != csrf_before
    assert not Client(url, {"sessionid": anonymous["value"]}).logged_in()

    # Counter x3.
    for expected in ("1", "2", "3"):
        click(browser, "increment")
        assert text(browser, "count") == expected
    if os.environ.get("DEMO_SCREENSHOT"):
        browser.save_screenshot(os.environ["DEMO_SCREENSHOT"])

    # Permission denied, then granted.
    browser.get(url + "/vault/")
    assert text(browser, "denied") == "Permission denied"
    as_browser = Client(url, {"sessionid": cookie(browser, "sessionid")["value"]})
    assert as_browser.request("/vault/")[0] == 403
    server.manage("grant_vault", USERNAME)
    browser.get(url + "/vault/")
    assert text(browser, "vault-open") == "The vault is open"

    # Password change, with another session of the same user open.
    elsewhere = Client(url)
    assert elsewhere.log_in(USERNAME, PASSWORD)
    assert elsewhere.logged_in()
    before_change = cookie(browser, "sessionid")["value"]
    browser.get(url + "/password/")
    submit(
        browser,
        old_password=PASSWORD,
        new_password1=NEW_PASSWORD,
        new_password2=NEW_PASSWORD,
    )
    assert "Password changed" in browser.page_source
    assert text(browser, "whoami") == USERNAME, "this session should stay"
    assert not elsewhere.logged_in(), "the other session should have ended"
    assert not Client(url, {"sessionid": before_change}).logged_in()
    assert not Client(url).log_in(USERNAME, PASSWORD)
    assert Client(url).log_in(USERNAME, NEW_PASSWORD)

    # Logout.
    last = cookie(browser, "sessionid")["value"]
    click(browser, "logout")
    assert browser.current_url == url + "/"
    assert "Logged out." in browser.page_source
    assert not browser.find_elements(By.ID, "whoami")
    if revocable:
        assert not Client(url, {"sessionid": last}).logged_in()
    else:
        # A signed cookie session cannot be revoked server-side: Django
        # documents it; only the password change above ends it.
        print("signed_cookies: the old cookie stays valid after logout")

    report(server.stats())


def report(stats):
    hash_ms = stats["hash_seconds"] * 1000
    gap_ms = stats["max_gap_seconds"] * 1000
    print(f"\nsession engine: {stats['session_engine']}")
    print(f"{'hops':>4}  {'status':>6}  {'client':<11}  request")
    for request in stats["requests"]:
        print(f"{len(request['hops']):>4}  {request['status']:>6}  ", end="")
        print(f"{request['client']:<11}  {request['method']} {request['path']}")
        for hop in request["hops"]:
            print(f"{'':>29}{hop}")
    for gap in stats["largest_gaps"][:3]:
        print(f"loop gap {gap['seconds'] * 1000:6.1f} ms during {gap['during']}")
    print(
        f"max event-loop gap: {gap_ms:.1f} ms over {stats['ticks']} ticks of "
        f"{stats['tick_seconds'] * 1000:.0f} ms (during "
        f"{stats['largest_gaps'][0]['during'] or 'no request'}); "
        f"one password hash: {hash_ms:.0f} ms"
    )
    assert stats["max_gap_seconds"] < stats["hash_seconds"], (
        f"the event loop stalled {gap_ms:.0f} ms, as long as a password hash "
        f"({hash_ms:.0f} ms): {stats['largest_gaps'][:3]}"
    )
