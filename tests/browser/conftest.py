"""Browser tests: pytest-playwright driving Debian's chromium against the live test server."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make from
# it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(
        reason=f"no chromium at {CHROMIUM}: browser tests skipped "
        "(make test installs it where it can)"
    )
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


# Reported by the page itself, as well as by the browser's console: a violation inside a
# request htmx makes, or a style it injects, is caught either way.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("Content Security Policy violation: " + event.violatedDirective + " "
                + (event.blockedURI || "") + " " + (event.sample || ""));
});
"""


def watch(context) -> list[str]:
    """Collect every Content Security Policy violation of a browser context's pages."""
    violations: list[str] = []
    context.add_init_script(REPORT_VIOLATIONS)

    def listen(page):
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )

    for page in context.pages:
        listen(page)
    context.on("page", listen)
    return violations


@pytest.fixture
def watched(browser):
    """A new browser context (with the given options) whose pages fail the test on any
    Content Security Policy violation."""
    opened = []

    def make(**options):
        context = browser.new_context(**options)
        opened.append((context, watch(context)))
        return context

    yield make
    for context, violations in opened:
        context.close()
        assert violations == [], violations


@pytest.fixture
def page(watched):
    """Every page a test opens is watched: a Content Security Policy violation fails the test."""
    return watched().new_page()
