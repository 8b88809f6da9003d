"""For the accounts tests: a client with an administrator's personal access token, a second
administrator of the account, an administrator of another account, the world of accounts,
environments, spaces and credentials the API tests call with (tests.accounts.test_api_access),
and for the Django admin's tests a signed-in superuser and one object of each model."""

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Event, Membership, User
from tests.accounts.test_api_access import World
from tests.factories import (
    AdministratorFactory,
    PersonalAccessTokenFactory,
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    development,
)
from tests.tokens.conftest import bearer


@pytest.fixture
def pat_api(admin_user):
    return bearer(APIClient(), PersonalAccessTokenFactory(user=admin_user).raw)


@pytest.fixture
def other_admin(account):
    return AdministratorFactory(account=account, email="second@example.com", name="Second")


@pytest.fixture
def stranger(other_account):
    """An administrator of another account."""
    return administrator_of(other_account)


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser(email="root@example.com", password="x" * 12))
    return client


@pytest.fixture
def objects(account, admin_user):
    space = SpaceFactory(environment=development(account))
    invitation, _ = services.administrator_invite(
        account=account, actor=admin_user, email="invited@example.com"
    )
    return {
        "user": admin_user,
        "account": account,
        "membership": Membership.objects.get(user=admin_user),
        "environment": development(account),
        "space": space,
        "workbook": WorkbookFactory(space=space),
        "event": Event.objects.filter(account=account).first(),
        "admininvitation": invitation,
    }
