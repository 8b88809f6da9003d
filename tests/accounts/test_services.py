"""accounts.services: every operation, its invariants and its audit event."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from accounts import services
from accounts.access import Reach
from accounts.models import (
    Account,
    AdminInvitation,
    Environment,
    Event,
    Membership,
    User,
    Workbook,
)
from tests.factories import SpaceFactory, administrator_of, development, production
from tokens.models import ApiKey


def topics(account) -> list[str]:
    return list(
        Event.objects.filter(account=account)
        .order_by("created_at", "id")
        .values_list("topic", flat=True)
    )


def test_account_create_makes_an_administrator_and_two_environments_with_keys(db):
    account = services.account_create(
        name="Initech", email="Boss@Initech.com", password="a fine long phrase"
    )
    user = administrator_of(account)
    assert user.email == "boss@initech.com"
    assert Membership.objects.get(user=user).role == "administrator"
    environments = {
        environment.name: environment.is_prod for environment in account.environments.all()
    }
    assert environments == {"development": False, "production": True}
    for environment in account.environments.all():
        assert environment.guest_authentication == ["magic_link"]
        assert sorted(environment.api_keys.values_list("type", flat=True)) == [
            "PUBLISHABLE",
            "SECRET",
        ]
    per_environment = ["environment:created", "api-key:created", "api-key:created"]
    assert topics(account) == ["account:created", *per_environment, *per_environment]


def test_public_ids_are_prefixed(account):
    assert account.id.startswith("us_acc_")
    assert development(account).id.startswith("us_env_")
    assert administrator_of(account).id.startswith("us_usr_")
    assert SpaceFactory(environment=development(account)).id.startswith("us_sp_")
    assert ApiKey.objects.first().id.startswith("us_key_")
    assert Event.objects.first().id.startswith("us_evt_")


def test_environment_names_are_unique_per_account_case_insensitively(
    account, other_account, admin_user
):
    with pytest.raises(ValidationError) as error:
        services.environment_create(account=account, actor=admin_user, name="  PRODUCTION ")
    assert error.value.message_dict == {
        "name": ["An environment with this name already exists in this account."]
    }
    # Another account may use the same name.
    services.environment_create(account=other_account, actor=admin_user, name="staging")
    services.environment_create(account=account, actor=admin_user, name="staging")


def test_environment_update_records_what_changed(account, admin_user):
    environment = development(account)
    services.environment_update(environment=environment, actor=admin_user, name="dev", is_prod=True)
    event = Event.objects.filter(topic="environment:updated").get()
    assert event.payload == {"changed": ["is_prod", "name"]}
    assert event.actor_id == admin_user.id
    # No change, no event.
    services.environment_update(environment=environment, actor=admin_user, name="dev")
    assert Event.objects.filter(topic="environment:updated").count() == 1


@pytest.mark.parametrize("values", [["email"], "magic_link", ["magic_link", "sms"]])
def test_guest_authentication_accepts_only_known_methods(account, admin_user, values):
    with pytest.raises(ValidationError):
        services.environment_update(
            environment=development(account), actor=admin_user, guest_authentication=values
        )


def test_metadata_must_be_an_object(account, admin_user):
    with pytest.raises(ValidationError):
        services.environment_create(account=account, actor=admin_user, name="x", metadata=["a"])


def test_environment_with_spaces_cannot_be_deleted(account, admin_user):
    environment = development(account)
    SpaceFactory(environment=environment)
    SpaceFactory(environment=environment)
    with pytest.raises(ValidationError) as error:
        services.environment_delete(environment=environment, actor=admin_user)
    assert "still has 2 spaces" in error.value.messages[0]
    # The database refuses too, whoever tries.
    with pytest.raises(ProtectedError):
        environment.delete()


def test_deleting_keeps_history(account, admin_user):
    environment = production(account)
    space = services.space_create(environment=environment, actor=admin_user, name="S")
    workbook = services.workbook_create(space=space, actor=admin_user, name="W", labels=["pinned"])
    services.workbook_delete(workbook=workbook, actor=admin_user)
    services.space_delete(space=space, actor=admin_user)
    environment_id = environment.id
    services.environment_delete(environment=environment, actor=admin_user)
    assert not Environment.objects.filter(pk=environment_id).exists()
    history = Event.objects.filter(environment_id=environment_id)
    assert set(history.values_list("topic", flat=True)) >= {
        "environment:created",
        "space:created",
        "workbook:created",
        "workbook:deleted",
        "space:deleted",
        "environment:deleted",
    }


def test_space_defaults_and_updates(account, admin_user):
    space = services.space_create(
        environment=development(account), actor=admin_user, name=" Intake "
    )
    assert space.name == "Intake"
    assert space.guests_can_invite is True
    services.space_update(space=space, actor=admin_user, guests_can_invite=False)
    space.refresh_from_db()
    assert space.guests_can_invite is False


@pytest.mark.parametrize("labels", ["x", [1], [""]])
def test_workbook_labels_are_text(account, admin_user, labels):
    space = SpaceFactory(environment=development(account))
    with pytest.raises(ValidationError):
        services.workbook_create(space=space, actor=admin_user, name="W", labels=labels)
    assert not Workbook.objects.exists()


def test_invitation_is_stored_as_a_digest_and_expires(account, admin_user):
    invitation, link = services.administrator_invite(
        account=account, actor=admin_user, email="x@example.com"
    )
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token.startswith("inv_")
    assert link.startswith("http://localhost:8000/invitations/")
    assert invitation.token_digest != token and token not in invitation.token_digest
    assert timedelta(hours=71) < invitation.expires_at - timezone.now() <= timedelta(hours=72)

    AdminInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.invitation_for_token(token) is None
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, password="a fine long phrase")
    assert not User.objects.filter(email="x@example.com").exists()


def test_invitation_links_use_the_configured_site_url(account, admin_user, settings):
    settings.SITE_URL = "https://portal.example.com"
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="y@example.com"
    )
    assert link.startswith("https://portal.example.com/invitations/inv_")


def test_weak_password_is_refused_and_the_link_stays_usable(account, admin_user):
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="z@example.com"
    )
    token = link.rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, password="123")
    assert services.invitation_for_token(token) is not None
    user = services.invitation_accept(token=token, password="a fine long phrase", name="Zed")
    assert user.membership.account == account
    assert "administrator:added" in topics(account)


def test_removing_an_administrator_deletes_the_user_and_keeps_the_history(account, admin_user):
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="b@example.com"
    )
    second = services.invitation_accept(
        token=link.rstrip("/").rsplit("/", 1)[1], password="a fine long phrase"
    )
    second_id = second.id
    services.administrator_remove(account=account, actor=admin_user, user=second)
    assert not User.objects.filter(pk=second_id).exists()
    assert Event.objects.filter(actor_id=second_id, topic="administrator:added").exists()
    with pytest.raises(ValidationError, match="last administrator"):
        services.administrator_remove(account=account, actor=admin_user, user=admin_user)


def test_an_administrator_of_another_account_cannot_be_removed_here(
    account, admin_user, other_account
):
    with pytest.raises(ValidationError):
        services.administrator_remove(
            account=account, actor=admin_user, user=administrator_of(other_account)
        )
    assert Account.objects.count() == 2


def _latest(account) -> Event:
    return Event.objects.filter(account=account).order_by("-created_at", "-id").first()


def test_every_change_records_who_did_what_where(account, admin_user):
    environment = development(account)

    def check(topic, *, environment_id="", space_id="", **payload):
        event = _latest(account)
        assert (event.topic, event.domain) == (topic, topic.split(":")[0])
        assert (event.actor_id, event.environment_id, event.space_id) == (
            admin_user.id,
            environment_id,
            space_id,
        )
        for key, value in payload.items():
            assert event.payload[key] == value

    staging = services.environment_create(account=account, actor=admin_user, name="staging")
    # The tokens app adds the new environment's keys in the same operation.
    assert Event.objects.filter(environment_id=staging.id, topic="environment:created").exists()
    services.environment_update(environment=staging, actor=admin_user, is_prod=True)
    check("environment:updated", environment_id=staging.id, changed=["is_prod"])
    space = services.space_create(environment=environment, actor=admin_user, name="S")
    check("space:created", environment_id=environment.id, space_id=space.id, name="S")
    services.space_update(space=space, actor=admin_user, name="T")
    check("space:updated", environment_id=environment.id, space_id=space.id, changed=["name"])
    workbook = services.workbook_create(space=space, actor=admin_user, name="W")
    check("workbook:created", environment_id=environment.id, space_id=space.id, name="W")
    services.workbook_update(workbook=workbook, actor=admin_user, name="V")
    check("workbook:updated", environment_id=environment.id, space_id=space.id, changed=["name"])
    services.workbook_update(workbook=workbook, actor=admin_user, name="V")  # no change
    check("workbook:updated", environment_id=environment.id, space_id=space.id)
    assert Event.objects.filter(topic="workbook:updated").count() == 1
    services.workbook_delete(workbook=workbook, actor=admin_user)
    check("workbook:deleted", environment_id=environment.id, space_id=space.id, name="V")
    space_id = space.id  # deleting clears the instance's pk
    services.space_delete(space=space, actor=admin_user)
    check("space:deleted", environment_id=environment.id, space_id=space_id, name="T")
    services.administrator_invite(account=account, actor=admin_user, email="i@example.com")
    check("administrator:invited", email="i@example.com")


def test_a_refused_change_records_nothing(account, admin_user):
    before = Event.objects.count()
    for call in [
        lambda: services.environment_create(account=account, actor=admin_user, name=" "),
        lambda: services.environment_update(
            environment=development(account), actor=admin_user, name="Production"
        ),
        lambda: services.space_create(
            environment=development(account), actor=admin_user, name="x" * 256
        ),
        lambda: services.administrator_remove(account=account, actor=admin_user, user=admin_user),
        lambda: services.administrator_invite(
            account=account, actor=admin_user, email=admin_user.email.upper()
        ),
    ]:
        with pytest.raises(ValidationError):
            call()
    assert Event.objects.count() == before


def test_the_raw_invitation_token_is_never_stored(
    account, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, link = services.administrator_invite(
            account=account, actor=admin_user, email="x@example.com"
        )
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert len(mailoutbox) == 1 and link in mailoutbox[0].body
    assert invitation.token_digest == services.invitation_digest(token)
    stored = AdminInvitation.objects.filter(pk=invitation.pk).values().get()
    assert not any(token in str(value) for value in stored.values())
    assert not any(
        token in str(payload) for payload in Event.objects.values_list("payload", flat=True)
    )
    assert services.invitation_for_token(token) == invitation
    assert services.invitation_for_token(stored["token_digest"]) is None  # the digest is no key


def test_an_invitation_is_used_once(account, admin_user):
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="once@example.com"
    )
    token = link.rstrip("/").rsplit("/", 1)[1]
    services.invitation_accept(token=token, password="a fine long phrase")
    assert services.invitation_for_token(token) is None
    with pytest.raises(ValidationError, match="invalid, expired or already used"):
        services.invitation_accept(token=token, password="another fine phrase")
    assert User.objects.filter(email="once@example.com").count() == 1
    assert Event.objects.filter(topic="administrator:added").count() == 1


def test_a_weak_password_is_the_password_fields_error(account, admin_user):
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="w@example.com"
    )
    with pytest.raises(ValidationError) as error:
        services.invitation_accept(token=link.rstrip("/").rsplit("/", 1)[1], password="w@example")
    assert list(error.value.message_dict) == ["password"]


def test_an_account_name_with_a_line_break_is_one_line_in_the_invitations_subject(
    account, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    """A mail header is one line: Django refuses to send a subject with a line break in it
    (BadHeaderError), which answered 500 after the invitation was made."""
    account.name = "Acme\r\nBcc: everyone@example.com"
    account.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.administrator_invite(account=account, actor=admin_user, email="x@example.com")
    (mail,) = mailoutbox
    assert mail.subject == "You are invited to administer Acme Bcc: everyone@example.com"
    assert mail.message()["Bcc"] is None


def test_a_space_created_for_a_reach_comes_with_its_token_or_not_at_all(account, admin_user):
    environment = development(account)

    class Issuing(Reach):
        def space_access_token_for(self, space):
            return f"token for {space.name}"

    class Failing(Reach):
        def space_access_token_for(self, space):
            raise RuntimeError("no token")

    space, token = services.space_create_for(
        reach=Reach(account=account), actor=admin_user, environment=environment, name="Plain"
    )
    assert (space.name, token) == ("Plain", None)
    space, token = services.space_create_for(
        reach=Issuing(account=account), actor=admin_user, environment=environment, name="Q3"
    )
    assert token == "token for Q3"
    assert topics(account)[-2:] == ["space:created", "space:created"]
    # No space is left behind without the token its creator asked for.
    with pytest.raises(RuntimeError):
        services.space_create_for(
            reach=Failing(account=account), actor=admin_user, environment=environment, name="X"
        )
    assert not environment.spaces.filter(name="X").exists()
