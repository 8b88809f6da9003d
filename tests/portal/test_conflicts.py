"""A write that loses to a concurrent one answers 409 in the envelope and saves nothing
(portal.conflicts, through the API's exception handler); any other database error is still
a 500."""

import re

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Environment, Event
from portal import conflicts
from tests.factories import administrator_of, make_account
from tests.races import behind_a_transaction
from tests.reauthentication_helpers import recently_authenticated
from tokens import services as token_services
from tokens.models import PersonalAccessToken


@pytest.mark.django_db
def test_a_duplicate_is_a_conflict_and_a_missing_value_is_not(account):
    """By the driver's own error code, on either database. (A foreign key refused at
    commit is in the PostgreSQL race below.)"""
    with pytest.raises(IntegrityError) as duplicate, transaction.atomic():
        Environment.objects.create(account=account, name="Development")
    assert conflicts.is_conflict(duplicate.value)
    with pytest.raises(IntegrityError) as missing, transaction.atomic():
        Environment.objects.create(account=account, name=None)
    assert not conflicts.is_conflict(missing.value)
    assert not conflicts.is_conflict(ValueError("not the database's"))


def an_account_with_one_administrator_leaving():
    """An account, an administrator who stays and one (joined by invitation) who is about to
    be removed."""
    account = make_account(email="staying@example.com")
    staying = administrator_of(account)
    _, link = account_services.administrator_invite(
        account=account, actor=staying, email="leaving@example.com"
    )
    leaving = account_services.invitation_accept(
        token=link.rstrip("/").rsplit("/", 1)[1], password="a long and fine passphrase"
    )
    return account, staying, leaving


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_token_created_while_its_user_is_removed_answers_409_and_saves_nothing(caplog):
    """The request passed authentication before the removal committed and inserts its token
    after: the database refuses the token (its user is gone) and the API says so."""
    account, staying, leaving = an_account_with_one_administrator_leaving()
    _, raw = token_services.personal_access_token_create(user=leaving, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    kind, response = behind_a_transaction(
        lambda: account_services.administrator_remove(account=account, actor=staying, user=leaving),
        lambda: api.post("/v1/auth/personal-access-tokens", {"name": "late"}, format="json"),
    )

    assert kind == "ok"
    assert response.status_code == 409, response.content
    assert response.json() == {"errors": [{"message": conflicts.CONFLICT}]}
    assert not PersonalAccessToken.objects.exists()
    assert not Event.objects.filter(
        topic="personal-access-token:created", payload__name="late"
    ).exists()
    assert "A write lost to a concurrent one" in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_token_created_on_its_page_while_its_user_is_removed_answers_the_409_page(client):
    account, staying, leaving = an_account_with_one_administrator_leaving()
    client.force_login(leaving)
    recently_authenticated(client)
    page = client.get("/personal-access-tokens/")
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.content.decode()).group(1)

    kind, response = behind_a_transaction(
        lambda: account_services.administrator_remove(account=account, actor=staying, user=leaving),
        lambda: client.post(
            "/personal-access-tokens/", {"name": "late", "expires_in_days": "", "nonce": nonce}
        ),
    )

    assert kind == "ok"
    assert response.status_code == 409
    assert conflicts.PAGE_CONFLICT[0] in response.content.decode()
    assert not PersonalAccessToken.objects.exists()
