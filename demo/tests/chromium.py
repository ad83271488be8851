"""
Debian's Chromium and ChromeDriver, headless, offline: one place for the
browser test and for Django's own Selenium tests (`fork e2e`).
"""

import os

CHROMIUM = os.environ.get("DEMO_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("DEMO_CHROMEDRIVER", "/usr/bin/chromedriver")
# The network is closed: nothing may phone home or update. As root,
# Chromium refuses to start without --no-sandbox.
ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
] + (["--no-sandbox"] if os.geteuid() == 0 else [])


def missing():
    """Why the browser cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return (
                f"no {path}: install Debian's chromium and chromium-driver "
                "(.ci/install-browser does)"
            )
    return None


def add_arguments(options):
    options.binary_location = CHROMIUM
    for arg in ARGS:
        options.add_argument(arg)
    return options


def use_for_django_selenium_tests():
    """
    Make runtests.py --selenium=chrome use Debian's Chromium with ARGS.

    Django's SeleniumTestCaseBase builds its options in create_options()
    and offers no setting for extra arguments; this wraps that method. The
    driver comes from SE_CHROMEDRIVER (a Selenium setting that skips
    Selenium Manager, which would otherwise look for or download one).
    """
    from django.test.selenium import SeleniumTestCaseBase

    os.environ["SE_CHROMEDRIVER"] = CHROMEDRIVER
    os.environ["SE_OFFLINE"] = "true"
    create_options = SeleniumTestCaseBase.create_options

    def create_chromium_options(test_class):
        options = create_options(test_class)
        if test_class.browser == "chrome":
            add_arguments(options)
        return options

    SeleniumTestCaseBase.create_options = create_chromium_options
