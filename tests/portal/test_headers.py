"""The headers a careful site sends, on pages, API responses and the sign-in page alike:
a Content-Security-Policy (django-csp) and a Permissions-Policy (django-permissions-policy)."""

import re
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import User
from tokens.services import personal_access_token_create

PROJECT = Path(__file__).resolve().parents[2]


def policy_of(response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice in {header}"
        directives[name] = sources
    return directives


def permissions_of(response) -> dict[str, str]:
    """The Permissions-Policy as {feature: allowlist}, e.g. {"camera": "()"}."""
    header = response.headers.get("Permissions-Policy")
    assert header, f"{response.request['PATH_INFO']} has no Permissions-Policy"
    return dict(item.strip().split("=", 1) for item in header.split(","))


# Each response, with the status it must have: otherwise a test below could be reading the
# headers of a redirect or an error page.
RESPONSES = {
    "sign-in page": 200,
    "page": 200,
    "API response": 200,
    "API refusal": 401,
    "admin page": 200,
}


def superuser_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root@example.com", "x" * 12))
    return client


@pytest.fixture
def responses(admin_user):
    _, raw_token = personal_access_token_create(user=admin_user, name="headers")
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(admin_user)
    responses = {
        "sign-in page": anonymous.get("/login/"),
        "page": signed_in.get("/spaces/"),
        "API response": anonymous.get(
            "/v1/environments", headers={"authorization": f"Bearer {raw_token}"}
        ),
        "API refusal": anonymous.get("/v1/environments"),
        "admin page": superuser_client().get("/admin/"),
    }
    assert {name: r.status_code for name, r in responses.items()} == RESPONSES
    return responses


@pytest.mark.parametrize("name", RESPONSES)
def test_content_security_policy(responses, name):
    response = responses[name]
    directives = policy_of(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    header = response.headers["Content-Security-Policy"]
    # No inline script or style attribute, no eval, no data: or other schemes, anywhere.
    for loophole in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*"):
        assert loophole not in header, f"{name}: {loophole} in {header}"
    for directive, sources in directives.items():
        assert set(sources) <= {"'self'", "'none'"}, f"{name}: {directive} {sources}"


@pytest.mark.parametrize("name", RESPONSES)
def test_permissions_policy(responses, name):
    features = permissions_of(responses[name])
    for unused in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "hid"):
        assert features[unused] == "()", f"{name}: {unused}={features[unused]}"
    # The Copy buttons write to the clipboard from our own pages, and only from them.
    assert features["clipboard-write"] == "(self)"
    assert all(value in ("()", "(self)") for value in features.values()), features


# What the policy refuses in a browser, refused here already, for the templates the Chromium
# suite does not happen to open: an inline <script>, a style="" attribute, an inline
# <style>, an on…="" handler or a javascript: URL.
INLINE = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>|\sstyle=|<style[\s>]|\son[a-z]+=|javascript:", re.IGNORECASE
)


@pytest.mark.parametrize(
    "path",
    sorted(str(p.relative_to(PROJECT)) for p in (PROJECT / "templates").rglob("*.html")),
)
def test_templates_have_nothing_inline(path):
    text = (PROJECT / path).read_text()
    assert INLINE.findall(text) == [], path


def test_the_inline_check_can_fail():
    for inline in (
        "<script>alert(1)</script>",
        '<p style="color: red">',
        "<style>p {}</style>",
        '<button onclick="go()">',
        '<a href="javascript:go()">',
    ):
        assert INLINE.search(inline), inline
    assert not INLINE.search('<script src="/static/portal.js" defer></script>')
    assert not INLINE.search('<link rel="stylesheet" href="/static/portal.css">')
