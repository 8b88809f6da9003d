"""The logs page reads like a log: who by name, what in words with the object's name, when
with its time zone and how long ago, details as words, deleted environments kept."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import event_log, services
from accounts.audit import record_event
from accounts.models import Event
from tests.factories import AdministratorFactory, development

PASSWORD = "a fine long phrase"


class Actor:
    def __init__(self, actor_id: str):
        self.id = actor_id


def text(response) -> str:
    return response.content.decode()


def rows(page: str) -> list[str]:
    """The table's rows, newest first, each as its HTML."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def cells(row: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)


def words(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def added_and_removed(account, admin_user, email: str, name: str = "") -> str:
    """An administrator who joined by invitation, did something, and was removed: their id."""
    _, link = services.administrator_invite(account=account, actor=admin_user, email=email)
    user = services.invitation_accept(
        token=link.rstrip("/").rsplit("/", 1)[1], password=PASSWORD, name=name
    )
    user_id = user.id
    services.space_create(environment=development(account), actor=user, name=f"By {email}")
    services.administrator_remove(account=account, actor=admin_user, user=user)
    return user_id


# Who ----------------------------------------------------------------------------------------


def test_who_is_a_name_or_an_email_never_a_users_id(admin_client, account, admin_user):
    named = AdministratorFactory(account=account, email="nadia@example.com", name="Nadia")
    services.space_create(environment=development(account), actor=named, name="By Nadia")
    services.space_create(environment=development(account), actor=admin_user, name="By admin")

    by_admin, by_nadia = (cells(row)[1] for row in rows(text(admin_client.get("/logs/")))[:2])
    assert by_admin == admin_user.email
    assert by_nadia == '<span title="nadia@example.com">Nadia</span>'
    assert named.id not in by_nadia and admin_user.id not in by_admin


def test_a_removed_administrator_is_named_by_the_email_their_events_recorded(
    admin_client, account, admin_user
):
    gone_id = added_and_removed(account, admin_user, "gone@example.com")
    page = text(admin_client.get("/logs/?topic=space:created"))
    (row,) = rows(page)
    who = cells(row)[1]
    assert words(who) == "gone@example.com removed"
    assert '<span class="muted">removed</span>' in who
    assert f'title="{gone_id}"' in who  # the id only on hover


def test_the_first_administrator_removed_is_named_by_their_removal(
    admin_client, account, admin_user
):
    # The account's creator never had an administrator:added event; their removal has one.
    second = AdministratorFactory(account=account, email="second@example.com", password=PASSWORD)
    services.space_create(environment=development(account), actor=admin_user, name="First")
    services.administrator_remove(account=account, actor=second, user=admin_user)
    admin_client.force_login(second)
    (row,) = rows(text(admin_client.get("/logs/?topic=space:created")))
    assert words(cells(row)[1]) == f"{admin_user.email} removed"


def test_an_unknown_removed_administrator_is_said_so_with_their_id(admin_client, account):
    record_event("space:created", on=account, actor=Actor("us_usr_vanished12345"))
    (row,) = rows(text(admin_client.get("/logs/?topic=space:created")))
    assert (
        cells(row)[1] == 'A removed administrator <span class="muted">us_usr_vanished12345</span>'
    )


def test_api_keys_and_unknown_actors(admin_client, account):
    record_event("secret:created", on=account, actor=Actor("us_key_abcdefghijkl"))
    record_event("secret:deleted", on=account, actor=Actor("zz_other_1"))
    record_event("secret:updated", on=account, actor=None)
    page = text(admin_client.get("/logs/"))
    updated, deleted, created = (cells(row)[1] for row in rows(page)[:3])
    assert created == 'API key <span class="muted">us_key_abcdefghijkl</span>'
    assert deleted == "zz_other_1"
    assert updated == "—"


asked_to_label = []


def label_keys(for_account, ids):
    asked_to_label.append((for_account, set(ids)))
    return {key_id: event_log.ActorLabel(f"Secret key …{key_id[-4:]}") for key_id in ids}


def test_another_app_names_its_actors_with_one_query_for_all(admin_client, account, settings):
    asked_to_label.clear()
    settings.ACTOR_LABELLERS = {**settings.ACTOR_LABELLERS, "us_key": f"{__name__}.label_keys"}
    for number in range(3):
        record_event("secret:created", on=account, actor=Actor(f"us_key_abcdefgh{number:04}"))
    page = text(admin_client.get("/logs/?topic=secret:created"))
    assert [cells(row)[1] for row in rows(page)] == [
        "Secret key …0002",
        "Secret key …0001",
        "Secret key …0000",
    ]
    assert asked_to_label == [(account, {f"us_key_abcdefgh{number:04}" for number in range(3)})]


def test_an_inviter_is_named_in_the_details(admin_client, account, admin_user):
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="joiner@example.com"
    )
    services.invitation_accept(token=link.rstrip("/").rsplit("/", 1)[1], password=PASSWORD)
    (row,) = rows(text(admin_client.get("/logs/?topic=administrator:added")))
    assert f"<dt>Invited by</dt><dd>{admin_user.email}</dd>" in row


# What ---------------------------------------------------------------------------------------


def test_what_is_the_topic_in_words_with_the_objects_name(admin_client, account, admin_user):
    services.space_create(environment=development(account), actor=admin_user, name="Onboarding")
    services.administrator_invite(account=account, actor=admin_user, email="who@example.com")
    record_event("api-key:rolled", on=account, actor=admin_user)
    rolled, invited, created = (cells(row)[2] for row in rows(text(admin_client.get("/logs/")))[:3])
    assert created.startswith("Space created <strong>Onboarding</strong>")
    assert "<code>space:created</code>" in created  # the raw topic stays, small and muted
    assert invited.startswith("Administrator invited <strong>who@example.com</strong>")
    assert rolled.startswith("API key rolled<br>")


@pytest.mark.parametrize(
    ("topic", "words"),
    [
        ("space:created", "Space created"),
        ("api-key:rolled", "API key rolled"),
        ("personal-access-token:regenerated", "Personal access token regenerated"),
        ("administrator:invitation-resent", "Administrator invitation resent"),
    ],
)
def test_topic_words(topic, words):
    assert event_log.topic_words(topic) == words


def test_the_topic_filter_offers_words(admin_client, account, admin_user):
    page = text(admin_client.get("/logs/"))
    assert '<option value="environment:created">Environment created</option>' in page


# When ---------------------------------------------------------------------------------------


def test_when_has_its_time_zone_and_how_long_ago(admin_client, account, admin_user):
    event = record_event("space:created", on=account, actor=admin_user)
    moment = timezone.now() - timedelta(minutes=3, seconds=5)
    Event.objects.filter(pk=event.pk).update(created_at=moment)
    (row,) = rows(text(admin_client.get("/logs/?topic=space:created")))
    when = cells(row)[0]
    assert f'<time datetime="{moment.isoformat()}">' in when
    assert f"{moment:%Y-%m-%d %H:%M:%S} UTC</time>" in when
    assert "3\xa0minutes ago" in when


# Details ------------------------------------------------------------------------------------


def test_details_are_words_not_python(admin_client, account, admin_user):
    record_event(
        "api-key:rolled",
        on=account,
        actor=admin_user,
        **{
            "retiredKeyIds": ["us_key_a", "us_key_b"],
            "oldKeysExpireAt": "2030-01-02T04:05:06+01:00",
            "expiresAt": None,
            "isProd": True,
            "guestsCanInvite": False,
            # (PostgreSQL's jsonb keeps keys shortest first: these are in that order already.)
            "limits": {"maxRows": 10, "nestedKeys": {"deep": [1, 2]}},
            "changed": ["guest_authentication", "name"],
            "nothing": [],
        },
    )
    (row,) = rows(text(admin_client.get("/logs/?topic=api-key:rolled")))
    details = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", cells(row)[4]))
    assert details == {
        "Retired key IDs": "us_key_a, us_key_b",
        "Old keys expire at": "2030-01-02 03:05:06 UTC",
        "Expires at": "never",
        "Production": "yes",
        "Guests can invite": "no",
        "Limits": "Max rows: 10, Nested keys: Deep: 1, 2",
        "Changed": "guest authentication, name",
        "Nothing": "none",
    }
    for python in ["[", "{", "True", "False", "None", "&#x27;"]:
        assert python not in cells(row)[4], python


def test_the_objects_name_is_not_repeated_in_the_details(admin_client, account, admin_user):
    services.space_create(environment=development(account), actor=admin_user, name="Once")
    (row,) = rows(text(admin_client.get("/logs/?topic=space:created")))
    assert row.count("Once") == 1


# Environments -----------------------------------------------------------------------------


def test_deleted_environments_stay_in_the_filter_and_the_rows(admin_client, account, admin_user):
    temporary = services.environment_create(account=account, actor=admin_user, name="temporary")
    services.environment_update(environment=temporary, actor=admin_user, name="renamed")
    temporary_id = temporary.id
    services.environment_delete(environment=temporary, actor=admin_user)

    page = text(admin_client.get("/logs/"))
    # The name it had when it was deleted, marked, after the living environments.
    options = re.findall(r'<option value="(us_env_\w+)"[^>]*>([^<]*)</option>', page)
    assert options[-1] == (temporary_id, "renamed (deleted)")
    assert [name for _, name in options[:2]] == ["development", "production"]

    filtered = text(admin_client.get(f"/logs/?environment={temporary_id}"))
    assert f'<option value="{temporary_id}" selected>renamed (deleted)</option>' in filtered
    environments = {cells(row)[3] for row in rows(filtered)}
    assert environments == {'renamed <span class="muted">(deleted)</span>'}


def test_the_environment_filter_never_lists_another_accounts_deleted_environment(
    admin_client, other_account
):
    from tests.factories import administrator_of

    theirs = services.environment_create(
        account=other_account, actor=administrator_of(other_account), name="their secret env"
    )
    services.environment_delete(environment=theirs, actor=administrator_of(other_account))
    assert "their secret env" not in text(admin_client.get("/logs/"))


# Query counts -------------------------------------------------------------------------------


def _many_kinds_of_actor(account, admin_user, count: int, start: int = 0) -> None:
    """Per `count`: a removed administrator, an API key, a deleted environment."""
    for number in range(start, start + count):
        added_and_removed(account, admin_user, f"gone{number}@example.com")
        record_event("secret:created", on=account, actor=Actor(f"us_key_{number:012}"))
        environment = services.environment_create(
            account=account, actor=admin_user, name=f"short-lived {number}"
        )
        services.environment_delete(environment=environment, actor=admin_user)


def test_the_logs_query_count_does_not_grow_with_actors_or_environments(
    admin_client, account, admin_user, django_assert_num_queries
):
    _many_kinds_of_actor(account, admin_user, 1)
    admin_client.get("/logs/")
    connection.queries_log.clear()  # a full log (earlier tests) would capture nothing
    with CaptureQueriesContext(connection) as captured:
        admin_client.get("/logs/")
    small = len(captured)  # now: the context reads the connection's log when asked
    assert small > 5
    _many_kinds_of_actor(account, admin_user, 6, start=1)
    page = text(admin_client.get("/logs/"))
    # The first page holds several of each kind, and the filter every deleted environment.
    assert page.count('<span class="muted">removed</span>') >= 5
    assert page.count("API key <span") >= 5
    assert page.count("(deleted)</option>") == 7
    with django_assert_num_queries(small):
        admin_client.get("/logs/")


def test_an_api_key_is_named_by_its_kind_and_last_four(admin_client, account):
    from tokens.models import ApiKey

    key = ApiKey.objects.filter(environment__account=account, type="SECRET").first()
    record_event("secret:created", on=account, actor=Actor(key.id))
    page = text(admin_client.get("/logs/?topic=secret:created"))
    assert [cells(row)[1] for row in rows(page)] == [f"Secret key …{key.last_four}"]
