"""The recovery codes' section of the Password and authentication page, through Django's
test client: how many are left, new ones shown once (in the POST's answer only) and
downloadable as a text file posted back, never from a URL."""

import re

import pytest
from django.test import Client

from accounts import services
from accounts.models import Event, RecoveryCode
from accounts.services.second_factors import recovery_code_digest, recovery_codes_left
from tests.accounts.test_authenticator_app_views import recently_authenticated
from tests.pages import text

SECURITY = "/profile/security/"
GENERATE = "/profile/security/recovery-codes/"
DOWNLOAD = "/profile/security/recovery-codes/download/"


@pytest.fixture
def admin_client(admin_client):
    return recently_authenticated(admin_client)


def codes_on(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>", page)


def test_the_section_counts_what_is_left_and_offers_new_ones(admin_client, admin_user):
    assert "You have no unused recovery codes." in text(admin_client.get(SECURITY))
    codes = services.recovery_codes_generate(admin_user)
    services.verify_second_step_code(admin_user, codes[0])
    page = text(admin_client.get(SECURITY))
    assert "<strong>9</strong> unused recovery codes left." in page
    assert f'action="{GENERATE}"' in page and "<dialog" in page
    assert "Your current codes will stop working at once." in page
    assert not any(code in page for code in codes)


def test_generating_shows_ten_codes_once_and_keeps_digests_only(admin_client, admin_user, account):
    response = admin_client.post(GENERATE)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = text(response)
    codes = codes_on(page)
    assert len(set(codes)) == 10
    assert "Save these codes now" in page
    stored = set(RecoveryCode.objects.filter(user=admin_user).values_list("digest", flat=True))
    assert stored == {recovery_code_digest(code.replace("-", "")) for code in codes}
    assert Event.objects.filter(account=account, topic="user:recovery-codes-generated").exists()
    # No page shows them again.
    assert not codes_on(text(admin_client.get(SECURITY)))
    # Reloaded, the page (a GET of its address in the history) is the security page.
    assert admin_client.get(GENERATE)["Location"] == SECURITY


def test_generating_again_replaces_the_codes(admin_client, admin_user):
    first = codes_on(text(admin_client.post(GENERATE)))
    second = codes_on(text(admin_client.post(GENERATE)))
    assert not set(first) & set(second)
    assert services.verify_second_step_code(admin_user, first[0]) is None
    assert services.verify_second_step_code(admin_user, second[0]) == "recovery code"


def test_the_download_is_a_text_attachment_of_the_codes_posted_back(admin_client, admin_user):
    page = text(admin_client.post(GENERATE))
    codes = codes_on(page)
    # The page's form posts them back to DOWNLOAD, never in its address.
    assert f'<form method="post" action="{DOWNLOAD}">' in page
    assert all(f'<input type="hidden" name="code" value="{code}">' in page for code in codes)
    response = admin_client.post(DOWNLOAD, {"code": codes})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".txt" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert all(code in body for code in codes)
    assert admin_user.email in body


def test_the_download_writes_only_unused_codes_of_ones_own(admin_client, admin_user, other_admin):
    codes = services.recovery_codes_generate(admin_user)
    services.verify_second_step_code(admin_user, codes[0])
    others = services.recovery_codes_generate(other_admin)
    response = admin_client.post(
        DOWNLOAD, {"code": [codes[0], codes[1], others[0], "<script>alert(1)</script>"]}
    )
    body = response.content.decode()
    assert codes[1] in body
    assert codes[0] not in body and others[0] not in body and "<script>" not in body


@pytest.mark.parametrize("fields", [{}, {"code": ""}, {"code": "x" * 10_000}, {"code": "a" * 11}])
def test_a_download_of_nothing_valid_is_a_400(admin_client, fields):
    response = admin_client.post(DOWNLOAD, fields)
    assert response.status_code == 400
    assert "Content-Disposition" not in response


def test_the_download_is_a_post_only(admin_client, admin_user):
    code = services.recovery_codes_generate(admin_user)[0]
    assert admin_client.get(f"{DOWNLOAD}?code={code}").status_code == 405


def test_generating_asks_who_it_is_first(client, admin_user):
    client.force_login(admin_user)
    response = client.post(GENERATE)
    assert response.status_code == 403
    assert not codes_on(text(response))
    assert recovery_codes_left(admin_user) == 0


@pytest.mark.parametrize("url", [GENERATE, DOWNLOAD])
def test_signed_out_visitors_are_sent_to_sign_in(url, db):
    response = Client().post(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
