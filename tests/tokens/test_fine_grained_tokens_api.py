"""Making a fine-grained personal access token through the API
(`POST /v1/auth/personal-access-tokens` with `readOnly` and `environmentIds`), the list's
scope and status, the lifetime an account's maximum gives a token made without one, and the
service's own checks."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Event
from tests.factories import development, production
from tests.tokens.api_helpers import errors
from tests.tokens.fine_grained_helpers import client_with
from tokens import services
from tokens.models import PersonalAccessToken

URL = "/v1/auth/personal-access-tokens"


def _create(client, **body):
    return client.post(URL, {"name": "narrow", **body}, format="json")


def test_a_token_narrowed_to_development_and_reading(pat_api, account):
    dev = development(account)
    response = _create(pat_api, readOnly=True, environmentIds=[dev.id])
    assert response.status_code == 201
    created = response.json()["data"]["personalAccessToken"]
    assert created["readOnly"] is True
    assert created["environmentIds"] == [dev.id]
    assert created["scope"] == "Read-only · development"
    assert created["status"] == "active"
    assert created["exceedsPolicy"] is False
    assert created["revokedAt"] is None
    token = PersonalAccessToken.objects.get(pk=created["id"])
    assert token.read_only and not token.all_environments
    assert list(token.environments.all()) == [dev]
    event = Event.objects.get(topic="personal-access-token:created", payload__tokenId=token.id)
    assert event.payload["readOnly"] is True
    assert event.payload["environmentIds"] == [dev.id]

    # It works where it may, and as narrowed.
    narrowed = client_with(response.json()["data"]["token"])
    assert narrowed.get(f"/v1/environments/{dev.id}").status_code == 200
    assert narrowed.get(f"/v1/environments/{production(account).id}").status_code == 404
    assert narrowed.patch(f"/v1/environments/{dev.id}", {"name": "x"}).status_code == 403


def test_a_plain_name_makes_a_token_as_today(pat_api):
    created = _create(pat_api).json()["data"]["personalAccessToken"]
    assert created["readOnly"] is False
    assert created["environmentIds"] is None
    assert created["scope"] == "Read and write · All environments"


def test_several_environments_and_the_same_one_twice(pat_api, account):
    dev, prod = development(account), production(account)
    response = _create(pat_api, environmentIds=[prod.id, dev.id, dev.id])
    assert response.status_code == 201
    created = response.json()["data"]["personalAccessToken"]
    assert created["environmentIds"] == sorted([dev.id, prod.id])
    assert created["scope"] == "Read and write · development, production"


def test_null_environments_is_every_environment(pat_api):
    response = _create(pat_api, environmentIds=None, readOnly=False)
    assert response.json()["data"]["personalAccessToken"]["environmentIds"] is None


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"environmentIds": []}, "environmentIds"),
        ({"environmentIds": "us_env_x"}, "environmentIds"),
        ({"environmentIds": [1]}, "environmentIds"),
        ({"environmentIds": ["x" * 41]}, "environmentIds"),
        ({"environmentIds": ["us_env_a"] * 101}, "environmentIds"),
        ({"readOnly": "yes"}, "readOnly"),
        ({"readOnly": 1}, "readOnly"),
        ({"readOnly": None}, "readOnly"),
    ],
)
def test_bad_narrowing_is_400_and_makes_nothing(pat_api, body, key):
    before = PersonalAccessToken.objects.count()
    response = _create(pat_api, **body)
    assert response.status_code == 400
    assert errors(response)[0]["key"] == key
    assert PersonalAccessToken.objects.count() == before


def test_an_environment_of_another_account_is_404_like_an_unknown_one(
    pat_api, account, other_account
):
    before = PersonalAccessToken.objects.count()
    theirs = development(other_account).id
    for ids in ([theirs], [development(account).id, theirs], ["us_env_unknown"]):
        response = _create(pat_api, environmentIds=ids)
        assert response.status_code == 404
        assert errors(response) == [{"message": "Not found."}]
    assert PersonalAccessToken.objects.count() == before


def test_the_list_tells_each_status(pat_api, admin_user):
    now = timezone.now()
    revoked, _ = services.personal_access_token_create(user=admin_user, name="revoked")
    expired, _ = services.personal_access_token_create(user=admin_user, name="expired")
    refused, _ = services.personal_access_token_create(user=admin_user, name="refused")
    exceeding, _ = services.personal_access_token_create(user=admin_user, name="exceeding")
    PersonalAccessToken.objects.filter(pk=revoked.pk).update(revoked_at=now)
    PersonalAccessToken.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(days=1))
    PersonalAccessToken.objects.filter(pk=refused.pk).update(
        policy_expires_at=now - timedelta(days=1)
    )
    PersonalAccessToken.objects.filter(pk=exceeding.pk).update(
        policy_expires_at=now + timedelta(days=5)
    )
    listed = {token["name"]: token for token in pat_api.get(URL).json()["data"]}
    assert {name: token["status"] for name, token in listed.items()} == {
        "script": "active",
        "revoked": "revoked",
        "expired": "expired",
        "refused": "refused_by_policy",
        "exceeding": "active",
    }
    assert listed["revoked"]["revokedAt"] is not None
    assert listed["exceeding"]["exceedsPolicy"] is True
    assert listed["script"]["exceedsPolicy"] is False


# An account's maximum lifetime ---------------------------------------------------------------


@pytest.fixture
def maximum_30_days(account):
    account.token_max_lifetime_days = 30
    account.save(update_fields=["token_max_lifetime_days"])
    return account


def test_without_a_lifetime_a_token_gets_the_accounts_maximum(pat_api, maximum_30_days):
    # The SDK sends only a name: its scripts keep working under a maximum.
    response = _create(pat_api)
    assert response.status_code == 201
    expires_at = parse_datetime(response.json()["data"]["personalAccessToken"]["expiresAt"])
    assert abs(expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


def test_never_or_longer_than_the_maximum_is_refused_naming_it(pat_api, maximum_30_days):
    before = PersonalAccessToken.objects.count()
    for days in (None, 60, 365):
        response = _create(pat_api, expiresInDays=days)
        assert response.status_code == 400
        assert errors(response) == [
            {
                "key": "expiresInDays",
                "message": "This account allows personal access tokens to live at most 30 "
                "days: choose 30 days or fewer.",
            }
        ]
    assert PersonalAccessToken.objects.count() == before
    assert _create(pat_api, expiresInDays=7).status_code == 201


def test_without_a_maximum_no_lifetime_is_never(pat_api):
    response = _create(pat_api)
    assert response.json()["data"]["personalAccessToken"]["expiresAt"] is None


# The service --------------------------------------------------------------------------------


def test_the_service_refuses_no_environment_and_anothers(admin_user, account, other_account):
    with pytest.raises(ValidationError) as empty:
        services.personal_access_token_create(user=admin_user, name="x", environments=[])
    assert empty.value.message_dict == {"environments": ["Choose at least one environment."]}
    with pytest.raises(ValidationError) as foreign:
        services.personal_access_token_create(
            user=admin_user, name="x", environments=[development(other_account)]
        )
    assert foreign.value.message_dict == {"environments": ["Choose environments of your account."]}
    assert not PersonalAccessToken.objects.exists()


def test_the_service_does_not_regenerate_a_revoked_token(admin_user):
    token, raw = services.personal_access_token_create(user=admin_user, name="leaked")
    PersonalAccessToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    token.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.personal_access_token_regenerate(token=token, actor=admin_user)
    assert refused.value.messages == ["This token was revoked: delete it and create a new one."]
    token.refresh_from_db()
    assert token.digest != "" and token.revoked_at is not None
    assert not Event.objects.filter(topic="personal-access-token:regenerated").exists()
