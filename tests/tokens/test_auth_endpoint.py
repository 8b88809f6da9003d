"""POST /v1/auth: credentials traded for a 24-hour access token."""

from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from accounts.models import Event
from tests.factories import DEFAULT_PASSWORD, AdministratorFactory, administrator_of, make_account
from tests.races import row_locked_elsewhere
from tests.tokens.conftest import bearer
from tokens import access_tokens, services
from tokens.models import ClientCredential


def login(api, path="/v1/auth", **body):
    return api.post(path, body, format="json")


def test_email_and_password_give_a_24_hour_access_token(api, admin_user, account):
    response = login(api, type="userCredentials", email=admin_user.email, password=DEFAULT_PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert body["expiresIn"] == "86400"
    assert body["email"] == admin_user.email
    assert body["userId"] == admin_user.id
    assert body["accountId"] == account.id
    expires = parse_datetime(body["expires"])
    assert timedelta(hours=23, minutes=59) < expires - timezone.now() <= timedelta(hours=24)
    claims = jwt.decode(
        body["accessToken"],
        settings.JWT_SIGNING_KEY,
        algorithms=["HS256"],
        audience=access_tokens.AUDIENCE,
    )
    assert claims["sub"] == admin_user.id
    assert claims["kind"] == "user"
    # Issued under the current password: setting a new one refuses it (test_password_change).
    admin_user.refresh_from_db()
    assert claims["ver"] == admin_user.credentials_version
    assert bearer(APIClient(), body["accessToken"]).get("/v1/accounts/current").status_code == 200
    assert Event.objects.filter(topic="access-token:created", actor_id=admin_user.id).count() == 1


def test_type_may_be_absent_and_the_old_path_works(api, admin_user):
    response = login(api, "/api/v1/auth", email=admin_user.email.upper(), password=DEFAULT_PASSWORD)
    assert response.status_code == 200


def test_unknown_email_and_wrong_password_get_the_same_answer(api, admin_user):
    wrong_password = login(api, email=admin_user.email, password="not it")
    unknown_email = login(api, email="nobody@example.com", password=DEFAULT_PASSWORD)
    for response in (wrong_password, unknown_email):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert (
        wrong_password.json()
        == unknown_email.json()
        == {"errors": [{"message": "The credentials are not valid."}]}
    )


def test_inactive_user_is_refused(api, admin_user):
    admin_user.is_active = False
    admin_user.save()
    assert login(api, email=admin_user.email, password=DEFAULT_PASSWORD).status_code == 401


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"email": "a@example.com"}, "password"),
        ({"password": "x"}, "email"),
        ({"type": "apiCredentials", "clientId": "us_cli_x"}, "secret"),
        ({"type": "other", "email": "a@example.com", "password": "x"}, "type"),
    ],
)
def test_missing_fields_are_400(api, db, body, key):
    response = api.post("/v1/auth", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["key"] == key


def test_client_credentials_give_an_access_token_that_dies_with_them(api, admin_user):
    credential, secret = services.client_credential_create(user=admin_user)
    response = login(api, clientId=credential.id, secret=secret)
    assert response.status_code == 200
    token = response.json()["accessToken"]
    client = bearer(APIClient(), token)
    assert client.get("/v1/accounts/current").status_code == 200
    credential.refresh_from_db()
    assert credential.last_used_at is not None

    client_id = credential.id
    services.client_credential_delete(credential=credential, actor=admin_user)
    assert client.get("/v1/accounts/current").status_code == 401
    assert login(api, clientId=client_id, secret=secret).status_code == 401


def test_a_client_credential_exchange_notes_its_use_at_most_once_a_minute(api, admin_user):
    credential, secret = services.client_credential_create(user=admin_user)
    assert login(api, clientId=credential.id, secret=secret).status_code == 200
    credential.refresh_from_db()
    first_use = credential.last_used_at
    assert first_use is not None
    assert login(api, clientId=credential.id, secret=secret).status_code == 200
    credential.refresh_from_db()
    assert credential.last_used_at == first_use  # within the minute: not written again

    earlier = timezone.now() - timedelta(minutes=2)
    ClientCredential.objects.filter(pk=credential.pk).update(last_used_at=earlier)
    assert login(api, clientId=credential.id, secret=secret).status_code == 200
    credential.refresh_from_db()
    assert credential.last_used_at > earlier


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_locked_client_credential_row_neither_blocks_nor_fails_the_exchange(api):
    account = make_account(email="locked-client@example.com")
    user = administrator_of(account)
    credential, secret = services.client_credential_create(user=user)
    with row_locked_elsewhere(ClientCredential, credential.pk):
        # Another transaction holds the row: the exchange answers, and its time is skipped.
        assert login(api, clientId=credential.id, secret=secret).status_code == 200
        credential.refresh_from_db()
        assert credential.last_used_at is None
    assert login(api, clientId=credential.id, secret=secret).status_code == 200
    credential.refresh_from_db()
    assert credential.last_used_at is not None


def test_wrong_client_secret_is_refused_like_a_wrong_password(api, admin_user):
    credential, secret = services.client_credential_create(user=admin_user)
    other_secret = services.client_credential_create(user=admin_user)[1]
    response = login(api, type="apiCredentials", clientId=credential.id, secret=other_secret)
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "The credentials are not valid."}]}
    assert login(api, clientId=credential.id, secret="cs_garbage").status_code == 401


def test_deleting_the_user_refuses_their_outstanding_access_tokens(api, admin_user, account):
    token = login(api, email=admin_user.email, password=DEFAULT_PASSWORD).json()["accessToken"]
    AdministratorFactory(account=account, email="second@example.com")  # the account keeps one
    admin_user.delete()
    assert bearer(APIClient(), token).get("/v1/accounts/current").status_code == 401


@pytest.mark.parametrize("path", ["/v1/auth", "/api/v1/auth"])
def test_brute_force_is_429_with_retry_after_per_email_and_address(api, admin_user, settings, path):
    # django-axes counts the failures per (email, client address): the one that reaches the
    # limit is refused, and so is every attempt after it, the right password included, for
    # the whole cool-off (each refused attempt starts it again).
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert login(api, path, email=admin_user.email, password="guess").status_code == 401
    assert login(api, path, email=admin_user.email, password="guess").status_code == 429
    response = login(api, path, email=admin_user.email, password=DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"  # AXES_COOLOFF_TIME, 15 minutes
    assert response.json() == {
        "errors": [{"message": "Too many attempts. Try again in 900 seconds."}]
    }
    assert not Event.objects.filter(topic="access-token:created").exists()
    # Another email from the same address is still answered.
    assert login(api, path, email="other@example.com", password="guess").status_code == 401


def test_a_refused_attempt_does_not_check_the_password(api, admin_user, settings, monkeypatch):
    from accounts.models import User

    settings.AXES_FAILURE_LIMIT = 1
    login(api, email=admin_user.email, password="guess")
    checked = []
    monkeypatch.setattr(User, "check_password", lambda self, raw: checked.append(raw))
    assert login(api, email=admin_user.email, password=DEFAULT_PASSWORD).status_code == 429
    assert checked == []


def test_lockout_is_per_address_so_a_stranger_cannot_lock_the_owner_out(admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    stranger, owner = APIClient(REMOTE_ADDR="198.51.100.7"), APIClient(REMOTE_ADDR="203.0.113.5")
    for _ in range(5):
        login(stranger, email=admin_user.email, password="guess")
    assert login(stranger, email=admin_user.email, password=DEFAULT_PASSWORD).status_code == 429
    assert login(owner, email=admin_user.email, password=DEFAULT_PASSWORD).status_code == 200


def test_lockout_address_is_the_trusted_proxies_client_not_a_claimed_one(admin_user, settings):
    # Behind one trusted proxy the client is the last X-Forwarded-For entry; a stranger who
    # claims other addresses further left is still counted as themselves.
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 3
    for number in range(5):
        APIClient(
            REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 198.51.100.7"
        ).post("/v1/auth", {"email": admin_user.email, "password": "guess"}, format="json")
    stranger = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7")
    owner = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert login(stranger, email=admin_user.email, password=DEFAULT_PASSWORD).status_code == 429
    assert login(owner, email=admin_user.email, password=DEFAULT_PASSWORD).status_code == 200


def test_a_success_clears_the_failures(api, admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        login(api, email=admin_user.email, password="guess")
    assert login(api, email=admin_user.email, password=DEFAULT_PASSWORD).status_code == 200
    for _ in range(2):
        assert login(api, email=admin_user.email, password="guess").status_code == 401


@pytest.mark.usefixtures("one_rate_limit_window")
def test_the_loose_per_email_limit_holds_across_addresses(admin_user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-email": (3, 60)}
    for number in range(3):
        client = APIClient(REMOTE_ADDR=f"198.51.100.{number}")
        assert login(client, email=admin_user.email, password="guess").status_code == 401
    owner = APIClient(REMOTE_ADDR="203.0.113.5")
    response = login(owner, email=f" {admin_user.email.upper()}", password=DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61
    assert login(owner, email="other@example.com", password="guess").status_code == 401


@pytest.mark.usefixtures("one_rate_limit_window")
def test_brute_force_is_429_per_client_address(api, admin_user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "auth-address": (3, 60)}
    for number in range(3):
        login(api, email=f"user{number}@example.com", password="guess")
    response = login(api, email=admin_user.email, password=DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert response.has_header("Retry-After")


def test_auth_endpoint_query_budget(api, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert login(api, email=admin_user.email, password=DEFAULT_PASSWORD).status_code == 200
    statements = [q["sql"].split(None, 1)[0] for q in queries if "SAVEPOINT" not in q["sql"]]
    # The user, their membership with the account, and the audit event.
    assert statements == ["SELECT", "SELECT", "INSERT"]


# The limit counts the identity, not its spelling --------------------------------------------

SPELLINGS = [
    pytest.param(lambda email: f" {email}", id="leading-space"),
    pytest.param(lambda email: f"{email}\t\n", id="trailing-whitespace"),
    pytest.param(lambda email: f"  {email.upper()} ", id="upper-case-padded"),
]


@pytest.mark.parametrize("path", ["/v1/auth", "/api/v1/auth"])
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_another_spelling_of_the_email_gets_no_fresh_attempts(
    api, admin_user, settings, path, spelling
):
    # Once the guesses are used up, padding the email or changing its case must not start
    # a new count: it is the same account, so with the right password it is still refused.
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        login(api, path, email=admin_user.email, password="guess")
    response = login(api, path, email=spelling(admin_user.email), password=DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert "accessToken" not in response.json()
