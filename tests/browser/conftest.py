"""Browser tests: pytest-playwright driving Debian's chromium against the live test server."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make from
# it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM}: browser tests skipped "
                                   "(make test installs it where it can)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_collection_finish(session):
    if not os.path.exists(CHROMIUM) and any("browser" in i.keywords for i in session.items):
        print(f"\nNOTE: chromium not found at {CHROMIUM}; the browser tests are SKIPPED.")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": FLAGS}


@pytest.fixture
def site(live_server, seeded_committed):
    """The live server with the shipped content loaded."""
    return live_server.url


@pytest.fixture
def page(page):
    """Every page a test opens is watched: a Content Security Policy violation fails the test."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    assert violations == [], violations
