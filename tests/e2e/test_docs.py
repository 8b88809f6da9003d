"""/v1/docs in Chromium: Swagger UI renders the schema's operations from our own files only
(drf-spectacular-sidecar), so it works with no internet access, under the portal's
Content-Security-Policy (tests/e2e/conftest.py fails the test on any violation), and its
"Try it out" reaches the API."""

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import snap
from tests.factories import DEFAULT_PASSWORD, make_account

pytestmark = pytest.mark.django_db(transaction=True)


def record_requests(page, base_url) -> list[str]:
    """Every URL the page asks for, to show that none leaves the portal."""
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def test_the_docs_render_every_operation_offline(page, base_url):
    urls = record_requests(page, base_url)
    page.goto("/v1/docs")
    auth = page.locator(
        ".opblock-post", has=page.locator(".opblock-summary-path", has_text="/v1/auth")
    )
    expect(auth.first).to_be_visible()
    expect(auth.first.locator(".opblock-summary-method")).to_have_text("POST")
    expect(page.get_by_text("Access Portal API", exact=False).first).to_be_visible()
    environments = page.locator(".opblock-get .opblock-summary-path", has_text="/v1/environments")
    expect(environments.first).to_be_visible()
    # The bearer scheme is offered by the Authorize button.
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    snap(page, "api-docs")

    # Every operation the served schema lists has its block.
    schema = page.request.get(f"{base_url}/v1/openapi.json").json()
    documented = sum(len(item) for item in schema["paths"].values())
    expect(page.locator(".opblock")).to_have_count(documented)

    assert urls, "the page made no requests"
    outside = [url for url in urls if not url.startswith(base_url + "/")]
    assert outside == [], f"requests left the portal: {outside}"


def test_try_it_out_signs_in_through_the_docs(page, base_url):
    make_account(email="owner@example.com")
    urls = record_requests(page, base_url)
    page.goto("/v1/docs#/auth/createAccessToken")
    operation = page.locator("#operations-auth-createAccessToken")
    expect(operation.locator(".opblock-body")).to_be_visible()  # deep link opened it
    operation.get_by_role("button", name="Try it out").click()
    body = {"type": "userCredentials", "email": "owner@example.com", "password": DEFAULT_PASSWORD}
    operation.locator("textarea.body-param__text").fill(json.dumps(body))
    with page.expect_response(f"{base_url}/v1/auth") as answered:
        operation.get_by_role("button", name="Execute").click()
    assert answered.value.status == 200
    expect(
        operation.locator(".live-responses-table tr.response .response-col_status").first
    ).to_have_text("200")
    expect(
        operation.locator(".live-responses-table").get_by_text("accessToken").first
    ).to_be_visible()
    snap(page, "api-docs-try-it-out")
    outside = [url for url in urls if not url.startswith(base_url + "/")]
    assert outside == [], f"requests left the portal: {outside}"
