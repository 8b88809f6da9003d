"""Real headless Chromium (Debian's package) driven by Playwright against the live server."""

import os
import shutil
import weakref
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests
# themselves are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # WebAuthn refuses an address as the relying party ("invalid domain"): the passkey tests
    # serve the live server as `localhost` (webauthn_base_url), which Chromium then reaches
    # on IPv4, where the live server listens, rather than on ::1.
    "--host-resolver-rules=MAP localhost 127.0.0.1",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not installed ({CHROMIUM}): browser tests skipped"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — CI must run them")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# `E2E_SCREENSHOTS=dir make test` writes a full-page screenshot of every page a test
# passes to `snap`, at the width it was taken, for a person to look at.
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")


@pytest.fixture
def base_url(live_server, settings):
    # Node-style "localhost" may resolve to ::1; the live server listens on IPv4.
    url = live_server.url.replace("localhost", "127.0.0.1")
    settings.SITE_URL = url  # links in captured mail point at the live server
    return url


@pytest.fixture
def webauthn_base_url(live_server, settings):
    """The live server as http://localhost:<port>, the passkeys' relying party: a test module
    using passkeys takes it as its `base_url` (a fixture of its own by that name)."""
    url = live_server.url.replace("127.0.0.1", "localhost")
    settings.SITE_URL = url
    settings.WEBAUTHN_RP_ID = "localhost"
    return url


class VirtualAuthenticator:
    """Chromium's virtual authenticator, over the DevTools protocol's WebAuthn domain, for
    one tab: a platform authenticator that holds discoverable credentials and verifies its
    user (as a fingerprint would) without asking."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable")
        self.id = self.cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                }
            },
        )["authenticatorId"]

    def credentials(self) -> list[dict]:
        """The credentials it holds, as the protocol describes them (ids in base64)."""
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})["credentials"]


# Every page reports what its Content-Security-Policy refused (a `securitypolicyviolation`
# event) to the test, through a binding that outlives navigations; Chromium also logs each
# refusal to the console. Either fails the test.
_REPORT_CSP_VIOLATIONS_JS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} on ${event.documentURI}`
    + (event.sourceFile ? ` (${event.sourceFile}:${event.lineNumber})` : ""),
  );
}, true);
"""
# How Chromium's console words a refusal ("Refused to load ..." in older releases; Debian's
# 156 says "Executing inline script violates the following Content Security Policy ...")
# or a header it could not use, which would be a policy silently doing nothing.
_HEADER_PROBLEMS = ("Refused to", "Content Security Policy", "Error with Permissions-Policy")
# What each browser context's pages refused, checked when the test ends.
_csp_violations = weakref.WeakKeyDictionary()


def _new_page(browser, base_url, request, viewport):
    context = browser.new_context(base_url=base_url, viewport=viewport)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    violations = _csp_violations[context] = []

    def on_console(message):
        if any(words in message.text for words in _HEADER_PROBLEMS):
            violations.append(f"console: {message.text}")

    context.expose_binding("__reportCspViolation", lambda source, text: violations.append(text))
    context.add_init_script(_REPORT_CSP_VIOLATIONS_JS)
    context.on("console", on_console)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _finish(context, page, request, suffix=""):
    try:
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            path = ARTIFACTS / f"{request.node.name}{suffix}.png"
            page.screenshot(path=str(path), full_page=True)
        if not page.is_closed():
            # A round trip to the page after its last task: reports already queued arrive.
            page.evaluate("() => new Promise((resolve) => setTimeout(resolve))")
        violations = _csp_violations.pop(context, [])
        assert violations == [], "the page's headers refused:\n" + "\n".join(violations)
    finally:
        context.close()


@pytest.fixture
def page(browser, base_url, request):
    """A browser tab at desktop width (1280 px)."""
    context, page = _new_page(browser, base_url, request, DESKTOP)
    yield page
    _finish(context, page, request)


@pytest.fixture
def phone(browser, base_url, request):
    """A browser tab at a phone's width (390 px)."""
    context, page = _new_page(browser, base_url, request, PHONE)
    yield page
    _finish(context, page, request, "-phone")


@pytest.fixture
def second_page(browser, base_url, request):
    """Another person's browser: a context of its own, with its own cookies."""
    context, page = _new_page(browser, base_url, request, DESKTOP)
    yield page
    _finish(context, page, request, "-second")


@pytest.fixture
def open_browser(browser, base_url, request):
    """More people's browsers, as many as a test asks for, each a context of its own:
    `open_browser(viewport)` (a test at 390 px passes its own tab's `viewport_size`)."""
    opened = []

    def open_one(viewport=DESKTOP):
        context, page = _new_page(browser, base_url, request, viewport)
        opened.append((context, page))
        return page

    yield open_one
    refused = []
    for number, (context, page) in enumerate(opened, 1):
        try:
            _finish(context, page, request, f"-person{number}")
        except AssertionError as error:  # every context is closed, and every refusal told
            refused.append(str(error))
    assert refused == [], "\n".join(refused)


def snap(page, name: str) -> None:
    """Screenshot the whole page when E2E_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)


def assert_fits_the_screen(page) -> None:
    """The page is laid out for the screen's width (a phone lays out a page without the
    viewport meta tag 980 px wide, whatever fits) and nothing makes it wider than the window:
    no sideways scrolling."""
    viewport = page.locator('meta[name="viewport"]')
    assert viewport.count() == 1, f"{page.url} has no viewport meta tag"
    assert "width=device-width" in viewport.get_attribute("content"), page.url
    width = page.evaluate("document.documentElement.clientWidth")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide on a {width}px screen"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def sign_in(page, email: str, password: str) -> None:
    """Through the real sign-in form, as a person does."""
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/environments/**")


_LOW_CONTRAST_JS = (Path(__file__).parent / "low_contrast_text.js").read_text()


def assert_text_contrast(page) -> None:
    """Every visible text meets WCAG AA contrast on its own background."""
    failures = page.evaluate(_LOW_CONTRAST_JS)
    assert failures == [], f"{page.url}: low contrast text: {failures}"
