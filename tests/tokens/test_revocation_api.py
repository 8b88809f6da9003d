"""POST /v1/credentials/revoke: anyone reports leaked values; the live ones stop at once,
and the answer never tells whether anything matched."""

import logging

import pytest
from rest_framework.test import APIClient

from accounts.models import Event
from tests.factories import (
    ApiKeyFactory,
    ClientCredentialFactory,
    PersonalAccessTokenFactory,
    development,
)
from tests.tokens.conftest import bearer
from tokens import credentials
from tokens.models import ApiKey, PersonalAccessToken

PATH = "/v1/credentials/revoke"


def report(values, client=None, **extra):
    client = client or APIClient(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="leak-scanner/1.0")
    return client.post(PATH, {"credentials": values}, format="json", **extra)


@pytest.fixture
def leaked(account, admin_user):
    """One live credential of each revocable kind, and a publishable key, with their values."""
    environment = development(account)
    return {
        "pat": PersonalAccessTokenFactory(user=admin_user).raw,
        "client": ClientCredentialFactory(user=admin_user),
        "secret_key": ApiKeyFactory(environment=environment).raw,
        "publishable_key": ApiKeyFactory(environment=environment, type=ApiKey.Type.PUBLISHABLE).raw,
        "environment": environment,
    }


def api_keys_of(environment, value):
    return bearer(APIClient(), value).get(f"/v1/auth/api-keys?environmentId={environment.id}")


def client_exchange(credential):
    return APIClient().post(
        "/v1/auth",
        {"type": "apiCredentials", "clientId": credential.id, "secret": credential.raw},
        format="json",
    )


def test_one_call_revokes_a_token_a_client_secret_and_a_secret_key(
    leaked, mailoutbox, django_capture_on_commit_callbacks
):
    pat, client, secret_key = leaked["pat"], leaked["client"], leaked["secret_key"]
    environment = leaked["environment"]
    # Each works before the report.
    assert bearer(APIClient(), pat).get("/v1/accounts/current").status_code == 200
    exchanged = client_exchange(client)
    assert exchanged.status_code == 200
    client_jwt = exchanged.json()["accessToken"]
    assert api_keys_of(environment, secret_key).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = report([pat, client.raw, secret_key])
    assert response.status_code == 202
    assert response.json() == {"data": {"success": True}}
    # Each refused on its very next request.
    assert bearer(APIClient(), pat).get("/v1/accounts/current").status_code == 401
    assert client_exchange(client).status_code == 401
    # An access token the client secret made names its client: it stops with it.
    assert bearer(APIClient(), client_jwt).get("/v1/accounts/current").status_code == 401
    assert api_keys_of(environment, secret_key).status_code == 401
    # The token and the client credentials are kept, marked revoked by nobody (a report).
    token = PersonalAccessToken.objects.get(digest=credentials.digest(pat))
    client.refresh_from_db()
    for revoked in (token, client):
        assert revoked.revoked_at is not None and revoked.revoked_by is None
    topics = set(
        Event.objects.filter(topic__endswith=":revoked-as-leaked").values_list("topic", flat=True)
    )
    assert topics == {
        "personal-access-token:revoked-as-leaked",
        "client-credential:revoked-as-leaked",
        "api-key:revoked-as-leaked",
    }
    assert len(mailoutbox) == 3  # the one administrator, once per credential
    for mail in mailoutbox:
        assert "198.51.100.7" in mail.body and "leak-scanner/1.0" in mail.body
        for value in (pat, client.raw, secret_key):
            assert value not in mail.body


def test_a_publishable_key_is_public_and_not_revoked(leaked):
    assert report([leaked["publishable_key"]]).status_code == 202
    # Still recognised: 403 (listing keys is no operation of a publishable key), not the
    # 401 of a revoked one.
    assert api_keys_of(leaked["environment"], leaked["publishable_key"]).status_code == 403
    assert ApiKey.objects.filter(
        digest=credentials.digest(leaked["publishable_key"]), expires_at=None
    ).exists()
    assert not Event.objects.filter(topic__endswith=":revoked-as-leaked").exists()


def test_the_answer_is_the_same_for_garbage_unknown_and_real_values(leaked):
    garbage = report(["hello", "pat_" + "0" * 36, "sk_short"])
    unknown = report(
        [credentials.generate(credentials.PERSONAL_ACCESS_TOKEN), credentials.generate("sk")]
    )
    real = report([leaked["pat"], leaked["secret_key"]])
    again = report([leaked["pat"], leaked["secret_key"]])  # already revoked
    answers = {(r.status_code, r.content, r["Content-Type"]) for r in (garbage, unknown, real)}
    assert answers == {(202, b'{"data":{"success":true}}', "application/json")}
    assert (again.status_code, again.content) == (202, b'{"data":{"success":true}}')


def test_an_already_revoked_value_is_a_no_op(
    leaked, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report([leaked["pat"]])
    events, mails = Event.objects.count(), len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert report([leaked["pat"]]).status_code == 202
    assert (Event.objects.count(), len(mailoutbox)) == (events, mails)


def test_a_thousand_values_take_a_bounded_number_of_queries(db, django_assert_max_num_queries):
    values = [
        credentials.generate(prefix)
        for prefix in (credentials.PERSONAL_ACCESS_TOKEN, credentials.SECRET_KEY)
        for _ in range(450)
    ] + [credentials.generate(credentials.CLIENT_SECRET) for _ in range(100)]
    # A savepoint and its release and one lookup per kind: never one query per value.
    with django_assert_max_num_queries(5):
        assert report(values).status_code == 202


LIVE_LOOKING = "pat_" + "A" * 36


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"credentials": LIVE_LOOKING},
        {"credentials": {"value": LIVE_LOOKING}},
        {"credentials": []},
        {"credentials": [LIVE_LOOKING] * 1001},
        {"credentials": [LIVE_LOOKING, 12345]},
        {"credentials": [LIVE_LOOKING, None]},
        {"credentials": [LIVE_LOOKING, "x" * 256 + LIVE_LOOKING]},
        {"credentials": [LIVE_LOOKING, LIVE_LOOKING + "\x00"]},
        [LIVE_LOOKING],
        LIVE_LOOKING,
    ],
)
def test_a_malformed_body_is_a_400_that_does_not_repeat_the_values(db, body):
    response = APIClient().post(PATH, body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors and all(error["message"] for error in errors)
    assert LIVE_LOOKING.encode() not in response.content
    assert b"12345" not in response.content


def test_a_body_that_is_not_json_is_a_400(db):
    response = APIClient().post(PATH, "pat_" + "A" * 36, content_type="application/json")
    assert response.status_code == 400
    assert b"pat_" not in response.content


def test_calls_are_limited_per_client_address(db, settings, one_rate_limit_window):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "credential-revoke": (2, 60)}
    scanner = APIClient(REMOTE_ADDR="198.51.100.7")
    for _ in range(2):
        assert report(["x"], scanner).status_code == 202
    refused = report(["x"], scanner)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert refused.json()["errors"][0]["message"].startswith("Too many attempts.")
    # Malformed calls count too, and are refused the same way once over.
    assert report("x", scanner).status_code == 429
    assert report(["x"], APIClient(REMOTE_ADDR="203.0.113.5")).status_code == 202


def test_a_refused_call_revokes_nothing(leaked, settings, one_rate_limit_window):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "credential-revoke": (1, 60)}
    report(["x"])
    assert report([leaked["pat"]]).status_code == 429
    assert bearer(APIClient(), leaked["pat"]).get("/v1/accounts/current").status_code == 200


def test_no_submitted_value_is_ever_logged(leaked, caplog, monkeypatch):
    # "django" does not propagate to the root logger that caplog listens on: listen there too.
    monkeypatch.setattr(logging.getLogger("django"), "handlers", [caplog.handler])
    values = [leaked["pat"], leaked["client"].raw, leaked["secret_key"], leaked["publishable_key"]]
    unknown = credentials.generate(credentials.PERSONAL_ACCESS_TOKEN)
    with caplog.at_level(logging.DEBUG):
        assert report([*values, unknown]).status_code == 202
        assert report({"not": values}).status_code == 400
        assert report([*values, 7]).status_code == 400
    assert any(record.name == "portal.request" for record in caplog.records)
    logged = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    for value in (*values, unknown):
        assert value not in logged
        assert value[4:] not in logged  # not even without its prefix


def test_the_old_path_works_too(db):
    response = APIClient().post("/api/v1/credentials/revoke", {"credentials": ["x"]}, format="json")
    assert response.status_code == 202
