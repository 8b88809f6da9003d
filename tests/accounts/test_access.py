"""accounts.access: one account never reaches another's environments, spaces, workbooks,
administrators or events; an environment narrows the reach further."""

import pytest
from django.http import Http404

from accounts import access
from accounts.access import Reach
from tests.factories import (
    EventFactory,
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    development,
    production,
)


@pytest.fixture
def theirs(other_account):
    environment = development(other_account)
    space = SpaceFactory(environment=environment)
    return {"environment": environment, "space": space, "workbook": WorkbookFactory(space=space)}


def test_own_objects_are_reached(account):
    environment = development(account)
    space = SpaceFactory(environment=environment)
    workbook = WorkbookFactory(space=space)
    assert access.environment_within(Reach(account=account), environment.id) == environment
    assert access.space_within(Reach(account=account), space.id) == space
    assert access.workbook_within(Reach(account=account), workbook.id) == workbook
    assert access.administrator_within(
        Reach(account=account), administrator_of(account).id
    ) == administrator_of(account)
    assert access.account_administered_by(administrator_of(account)) == account


def test_another_accounts_objects_are_not_found(account, other_account, theirs):
    for helper, object_id in [
        (access.environment_within, theirs["environment"].id),
        (access.space_within, theirs["space"].id),
        (access.workbook_within, theirs["workbook"].id),
        (access.administrator_within, administrator_of(other_account).id),
    ]:
        with pytest.raises(Http404):
            helper(Reach(account=account), object_id)
    assert not Reach(account=account).spaces().filter(pk=theirs["space"].pk).exists()
    assert not Reach(account=account).workbooks().filter(pk=theirs["workbook"].pk).exists()
    assert set(Reach(account=account).environments()) == set(account.environments.all())


@pytest.mark.parametrize("object_id", ["", "us_env_doesnotexist", "1", "' OR 1=1 --"])
def test_unknown_ids_are_not_found(account, object_id):
    with pytest.raises(Http404):
        access.environment_within(Reach(account=account), object_id)


def test_an_environment_narrows_the_reach(account):
    dev, prod = development(account), production(account)
    prod_space = SpaceFactory(environment=prod)
    prod_workbook = WorkbookFactory(space=prod_space)
    with pytest.raises(Http404):
        access.environment_within(Reach(account=account, environment=dev), prod.id)
    with pytest.raises(Http404):
        access.space_within(Reach(account=account, environment=dev), prod_space.id)
    with pytest.raises(Http404):
        access.workbook_within(Reach(account=account, environment=dev), prod_workbook.id)
    assert list(Reach(account=account, environment=dev).environments()) == [dev]
    assert (
        access.space_within(Reach(account=account, environment=prod), prod_space.id) == prod_space
    )


def test_a_user_without_membership_has_no_account(db):
    from accounts.models import User

    assert (
        access.account_administered_by(
            User.objects.create_user(email="lone@example.com", password="x" * 12)
        )
        is None
    )


def test_logs_team_and_invitations_stay_within_the_account(account, other_account):
    from accounts import services

    ours, theirs = administrator_of(account), administrator_of(other_account)
    services.administrator_invite(account=other_account, actor=theirs, email="t@example.com")
    services.space_create(environment=development(other_account), actor=theirs, name="Theirs")

    events = access.events_within(account)
    assert events.exists()
    assert set(events.values_list("account_id", flat=True)) == {account.id}
    assert not access.events_within(account).filter(actor_id=theirs.id).exists()
    assert not access.events_within(account).filter(topic="space:created").exists()
    assert list(Reach(account=account).administrators()) == [ours]
    assert not Reach(account=account).pending_invitations().exists()
    assert Reach(account=other_account).pending_invitations().count() == 1


def test_events_of_one_environment(account):
    dev, prod = development(account), production(account)
    events = Reach(account=account, environment=dev).events()
    assert set(events.values_list("environment_id", flat=True)) == {dev.id}
    assert Reach(account=account, environment=prod).events().exists()


def test_an_event_is_found_within_the_account_and_the_environment(account, other_account):
    dev, prod = development(account), production(account)
    ours = EventFactory(account=account, environment_id=dev.id)
    theirs = EventFactory(account=other_account, environment_id=development(other_account).id)
    assert access.event_within(Reach(account=account), ours.id) == ours
    assert access.event_within(Reach(account=account, environment=dev), ours.id) == ours
    for event_id, environment in [
        (theirs.id, None),  # another account's
        (ours.id, prod),  # another environment's
        ("us_evt_doesnotexist", None),
    ]:
        with pytest.raises(Http404):
            access.event_within(Reach(account=account, environment=environment), event_id)


def test_only_pending_invitations_are_listed(account):
    from django.utils import timezone

    from accounts import services
    from accounts.models import AdminInvitation

    admin = administrator_of(account)
    for email in ["a@example.com", "b@example.com", "c@example.com"]:
        services.administrator_invite(account=account, actor=admin, email=email)
    AdminInvitation.objects.filter(email="a@example.com").update(expires_at=timezone.now())
    AdminInvitation.objects.filter(email="b@example.com").update(accepted_at=timezone.now())
    assert [i.email for i in Reach(account=account).pending_invitations()] == ["c@example.com"]


def test_a_reach_narrowed_to_an_environment_never_widens(account):
    dev, prod = development(account), production(account)
    dev_space, prod_space = SpaceFactory(environment=dev), SpaceFactory(environment=prod)
    narrowed = Reach(account=account).in_environment(dev)
    assert list(narrowed.spaces()) == [dev_space]
    with pytest.raises(Http404):
        access.space_within(narrowed, prod_space.id)
    with pytest.raises(ValueError):
        Reach(account=account, environment=dev).in_environment(prod)
    assert list(Reach(account=account, environment=dev).in_environment(dev).spaces()) == [dev_space]
