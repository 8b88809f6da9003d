"""For the accounts tests: a client with an administrator's personal access token, a second
administrator of the account, an administrator of another account, and the world of accounts,
environments, spaces and credentials the API tests call with (tests.accounts.test_api_access)."""

import pytest
from rest_framework.test import APIClient

from tests.accounts.test_api_access import World
from tests.factories import AdministratorFactory, PersonalAccessTokenFactory, administrator_of
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
