"""accounts.access: one account never reaches another's environments, spaces, workbooks,
administrators or logs; an environment narrows the reach further."""

import pytest
from django.http import Http404

from accounts import access
from tests.factories import SpaceFactory, WorkbookFactory, administrator_of, development, production


@pytest.fixture
def theirs(other_account):
    environment = development(other_account)
    space = SpaceFactory(environment=environment)
    return {"environment": environment, "space": space, "workbook": WorkbookFactory(space=space)}


def test_own_objects_are_reached(account):
    environment = development(account)
    space = SpaceFactory(environment=environment)
    workbook = WorkbookFactory(space=space)
    assert access.environment_within(account, environment.id) == environment
    assert access.space_within(account, space.id) == space
    assert access.workbook_within(account, workbook.id) == workbook
    assert access.administrator_within(account, administrator_of(account).id) == administrator_of(
        account
    )
    assert access.account_of(administrator_of(account)) == account


def test_another_accounts_objects_are_not_found(account, other_account, theirs):
    for helper, object_id in [
        (access.environment_within, theirs["environment"].id),
        (access.space_within, theirs["space"].id),
        (access.workbook_within, theirs["workbook"].id),
        (access.administrator_within, administrator_of(other_account).id),
    ]:
        with pytest.raises(Http404):
            helper(account, object_id)
    assert not access.spaces_within(account).filter(pk=theirs["space"].pk).exists()
    assert not access.workbooks_within(account).filter(pk=theirs["workbook"].pk).exists()
    assert set(access.environments_within(account)) == set(account.environments.all())


@pytest.mark.parametrize("object_id", ["", "us_env_doesnotexist", "1", "' OR 1=1 --"])
def test_unknown_ids_are_not_found(account, object_id):
    with pytest.raises(Http404):
        access.environment_within(account, object_id)


def test_an_environment_narrows_the_reach(account):
    dev, prod = development(account), production(account)
    prod_space = SpaceFactory(environment=prod)
    prod_workbook = WorkbookFactory(space=prod_space)
    with pytest.raises(Http404):
        access.environment_within(account, prod.id, dev)
    with pytest.raises(Http404):
        access.space_within(account, prod_space.id, dev)
    with pytest.raises(Http404):
        access.workbook_within(account, prod_workbook.id, dev)
    assert list(access.environments_within(account, dev)) == [dev]
    assert access.space_within(account, prod_space.id, prod) == prod_space


def test_a_user_without_membership_has_no_account(db):
    from accounts.models import User

    assert (
        access.account_of(User.objects.create_user(email="lone@example.com", password="x" * 12))
        is None
    )
