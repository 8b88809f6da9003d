"""The Credentials page (/credentials/): every credential of the account for its
administrators, filtered and paged in a flat number of queries, and Revoke behind
re-authentication; another account's credential is an unknown page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Account, Event
from tests.factories import (
    AdministratorFactory,
    ClientCredentialFactory,
    PersonalAccessTokenFactory,
    administrator_of,
    make_account,
    production,
)
from tests.reauthentication_helpers import recently_authenticated
from tokens import services
from tokens.models import PersonalAccessToken

PAGE = "/credentials/"


def revoke_url(credential_id: str, query: str = "") -> str:
    return f"/credentials/{credential_id}/revoke/" + (f"?{query}" if query else "")


@pytest.fixture
def bob(account):
    return AdministratorFactory(account=account, name="Bob Builder", email="bob@example.com")


@pytest.fixture
def bobs(bob):
    return {
        "token": PersonalAccessTokenFactory(user=bob, name="deploy"),
        "client": ClientCredentialFactory(user=bob),
    }


def test_the_page_lists_every_credential_of_the_account_and_no_value(admin_client, bobs):
    stranger = administrator_of(make_account(name="Globex"))
    foreign = PersonalAccessTokenFactory(user=stranger, name="foreign")
    response = admin_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "deploy" in html and bobs["client"].id in html and "Bob Builder" in html
    assert "foreign" not in html and foreign.id not in html
    for credential in bobs.values():
        assert credential.raw not in html and credential.raw[4:] not in html
    assert (
        "Revoke Bob Builder’s token <strong>deploy</strong>? Bob Builder is told by mail." in html
    )
    assert 'href="/team/"' in html  # where the maximum lifetime is set


def test_a_token_over_the_accounts_maximum_says_so(admin_client, account, bob):
    token = PersonalAccessTokenFactory(user=bob, name="forever")
    PersonalAccessToken.objects.filter(pk=token.pk).update(
        policy_expires_at=timezone.now() + timedelta(days=10)
    )
    Account.objects.filter(pk=account.pk).update(token_max_lifetime_days=30)
    html = admin_client.get(PAGE).content.decode()
    assert "Exceeds policy" in html
    assert "live at most 30 days" in html


def test_filters_narrow_the_list(admin_client, admin_user, bob, bobs):
    mine = PersonalAccessTokenFactory(user=admin_user, name="mine")
    services.client_credential_revoke(credential=bobs["client"], actor=admin_user)
    html = admin_client.get(f"{PAGE}?owner={bob.id}").content.decode()
    assert "deploy" in html and mine.id not in html
    revoked = admin_client.get(f"{PAGE}?status=revoked").content.decode()
    assert bobs["client"].id in revoked and "deploy" not in revoked
    PersonalAccessToken.objects.filter(pk=mine.pk).update(last_used_at=timezone.now())
    unused = admin_client.get(f"{PAGE}?unused=30").content.decode()
    assert "deploy" in unused and mine.id not in unused


@pytest.mark.parametrize("query", ["status=gone", "unused=7", "owner=us_usr_nobody"])
def test_a_filter_the_page_does_not_offer_is_a_400_that_filters_nothing(admin_client, bobs, query):
    response = admin_client.get(f"{PAGE}?{query}")
    assert response.status_code == 400
    assert "deploy" in response.content.decode()


def fill(user, environment, count: int) -> None:
    for number in range(count):
        if number % 2:
            ClientCredentialFactory(user=user)
        else:
            services.personal_access_token_create(
                user=user, name=f"t{number}", environments=[environment]
            )


@pytest.mark.parametrize("rows", [2, 20])
def test_the_page_takes_the_same_queries_however_many_rows(
    admin_client, account, bob, rows, django_assert_num_queries
):
    fill(bob, production(account), rows)
    for credential in PersonalAccessToken.objects.filter(user=bob)[:1]:
        services.personal_access_token_revoke(token=credential, actor=bob)
    # The session, its user and account, the owners (the filter's choices), the count, the
    # page's ids, the tokens (with people), their environments, the client credentials (with
    # people), the layout's environments, and the session's save (a savepoint, a read, an
    # update, the release).
    with django_assert_num_queries(14):
        assert admin_client.get(PAGE).status_code == 200


def test_revoking_asks_who_it_is_first(admin_client, bobs, mailoutbox):
    response = admin_client.post(revoke_url(bobs["token"].id))
    assert response.status_code == 403
    assert "Confirm it" in response.content.decode()
    bobs["token"].refresh_from_db()
    assert bobs["token"].revoked_at is None
    assert mailoutbox == []


def test_an_administrator_revokes_a_colleagues_token_and_comes_back_to_the_same_list(
    admin_client, admin_user, bob, bobs, mailoutbox, django_capture_on_commit_callbacks
):
    recently_authenticated(admin_client)
    token = bobs["token"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(revoke_url(token.id, f"owner={bob.id}&page=1&junk=x"))
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?owner={bob.id}&page=1"
    token.refresh_from_db()
    assert token.revoked_by == admin_user
    (mail,) = mailoutbox
    assert mail.to == ["bob@example.com"]
    page = admin_client.get(response["Location"]).content.decode()
    assert "Revoked Bob Builder’s token “deploy”. Bob Builder was told by mail." in page
    row = page[page.index(f'data-credential-id="{token.id}"') :]
    row = row[: row.index("</tr>")]
    assert "Revoked" in row and "Revoke…" not in row
    # Once more (a second tab): nothing new.
    admin_client.post(revoke_url(token.id))
    assert Event.objects.filter(topic="personal-access-token:revoked").count() == 1


def test_another_accounts_credential_is_not_found(admin_client):
    recently_authenticated(admin_client)
    stranger = administrator_of(make_account(name="Globex"))
    for credential in (
        PersonalAccessTokenFactory(user=stranger),
        ClientCredentialFactory(user=stranger),
    ):
        assert admin_client.post(revoke_url(credential.id)).status_code == 404
        credential.refresh_from_db()
        assert credential.revoked_at is None
    assert admin_client.post(revoke_url("nonsense")).status_code == 404


def test_revoke_takes_only_a_post(admin_client, bobs):
    assert admin_client.get(revoke_url(bobs["token"].id)).status_code == 405


def test_signed_out_people_are_sent_to_sign_in(client, bobs):
    assert client.get(PAGE)["Location"].startswith("/login/")
    response = client.post(revoke_url(bobs["token"].id))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_owners_client_credentials_page_shows_revoked_ones(client, admin_user, bob, bobs):
    services.client_credential_revoke(credential=bobs["client"], actor=admin_user)
    client.force_login(bob)
    html = client.get("/settings/personal-tokens/").content.decode()
    assert "Revoked" in html and "by an administrator" in html
